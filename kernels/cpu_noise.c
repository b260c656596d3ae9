/* Additive complex white noise: x_i += sigma (g1 + i g2), g from Philox(seed, stream, i, step).
 * Built without fast math so that the numbers are those of every other backend. */
#include <math.h>

#include "cpu_backend.h"
#include "nfcs_rng.h"

void nfcs_cpu_add_noise(int nt, nfcs_real *x, size_t n, const nfcs_noise *noise, const nfcs_real *mask) {
  const double sigma = noise->sigma;
#pragma omp parallel for num_threads(nt) schedule(static)
  for (size_t i = 0; i < n; i++) {
    if (mask && mask[2 * i] == 0 && mask[2 * i + 1] == 0) continue; /* dealiased mode */
    double g0, g1;
    const uint64_t at = noise->spec ? nfcs_grid_spec_global(noise->spec, i) : noise->base + i;
    nfcs_rng_normal2(noise->seed, noise->stream, at, noise->step, &g0, &g1);
    x[2 * i] += (nfcs_real)(sigma * g0);
    x[2 * i + 1] += (nfcs_real)(sigma * g1);
  }
}
