/* plane_wave: amplitude exp(i k.x), k = 2 pi m / L for integer mode numbers m. */
#include <math.h>

#include "cgl_impl.h"

static void value(const nfcs_cgl_ic_args *a, size_t i, double x, double y, double z, double *re, double *im) {
  (void)i;
  const double ph = a->k[0] * x + a->k[1] * y + a->k[2] * z;
  *re = a->amplitude * cos(ph);
  *im = a->amplitude * sin(ph);
}

const nfcs_cgl_ic_class nfcs_cgl_ic_plane_wave = {
  .info = {"plane_wave", "amplitude exp(i k.x), k = 2 pi m / L", "amplitude wavenumber"},
  .value = value,
};
