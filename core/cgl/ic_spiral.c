/* spiral: amplitude tanh(r / width) exp(i charge atan2(y, x)), a vortex of the given charge at the
 * centre of the box. */
#include <math.h>

#include "cgl_impl.h"

static void value(const nfcs_cgl_ic_args *a, size_t i, double x, double y, double z, double *re, double *im) {
  (void)i, (void)z;
  const double r = sqrt(x * x + y * y), th = atan2(y, x);
  const double m = a->amplitude * tanh(r / a->width);
  *re = m * cos(a->charge * th);
  *im = m * sin(a->charge * th);
}

const nfcs_cgl_ic_class nfcs_cgl_ic_spiral = {
  .info = {"spiral", "amplitude tanh(r / width) exp(i charge atan2(y, x))", "amplitude charge width"},
  .value = value,
};
