/* random_noise: amplitude (g1 + i g2), g1, g2 standard normals of the counter-based stream
 * (seed, point): the same field for any thread count and backend. */
#include "cgl_impl.h"
#include "nfcs_rng.h"

static void value(const nfcs_cgl_ic_args *a, size_t i, double x, double y, double z, double *re, double *im) {
  (void)x, (void)y, (void)z;
  double g0, g1;
  nfcs_rng_normal2(a->seed, NFCS_STREAM_CGL_IC, i, 0, &g0, &g1);
  *re = a->amplitude * g0;
  *im = a->amplitude * g1;
}

const nfcs_cgl_ic_class nfcs_cgl_ic_random_noise = {
  .info = {"random_noise", "amplitude (g1 + i g2), g1 and g2 standard normals (seeded)", "amplitude seed"},
  .value = value,
};
