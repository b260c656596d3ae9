/* gaussian: amplitude exp(-|x|^2 / (2 width^2)), real, centred in the box. */
#include <math.h>

#include "cgl_impl.h"

static void value(const nfcs_cgl_ic_args *a, size_t i, double x, double y, double z, double *re, double *im) {
  (void)i;
  const double r2 = x * x + y * y + z * z;
  *re = a->amplitude * exp(-r2 / (2 * a->width * a->width));
  *im = 0;
}

const nfcs_cgl_ic_class nfcs_cgl_ic_gaussian = {
  .info = {"gaussian", "amplitude exp(-|x|^2 / (2 width^2))", "amplitude width"},
  .value = value,
};
