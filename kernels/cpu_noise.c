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

/* the same noise on a spectral array whose dealiased modes are those where the separable
 * multiplier ex[ix] ey[iy] ez[iz] (the layout of nfcs_cpu_cmul_separable) is zero */
void nfcs_cpu_add_noise_sep(int nt, nfcs_real *x, const nfcs_grid *g, const nfcs_noise *noise, const nfcs_real *ex,
                            const nfcs_real *ey, const nfcs_real *ez) {
  const double sigma = noise->sigma;
  const nfcs_real *F[3] = {ex, ey, ez};
  const int s0 = g->spec_axis[0], s1 = g->spec_axis[1], dim = g->dim;
  const int64_t n0 = g->spec_n[0], n1 = g->spec_n[1], n2 = g->spec_n[2], off = g->spec_offset;
  const nfcs_real *ff = F[g->spec_axis[2]];
#pragma omp parallel for collapse(2) num_threads(nt) schedule(static)
  for (int64_t i0 = 0; i0 < n0; i0++)
    for (int64_t i1 = 0; i1 < n1; i1++) {
      const int zero1 = s1 < dim && F[s1][2 * i1] == 0 && F[s1][2 * i1 + 1] == 0;
      const int zero0 = s0 < dim && F[s0][2 * (i0 + off)] == 0 && F[s0][2 * (i0 + off) + 1] == 0;
      if (zero0 || zero1) continue;
      for (int64_t ix = 0; ix < n2; ix++) {
        if (ff[2 * ix] == 0 && ff[2 * ix + 1] == 0) continue; /* dealiased mode */
        const size_t i = (size_t)((i0 * n1 + i1) * n2 + ix);
        double g0, g1;
        const uint64_t at = noise->spec ? nfcs_grid_spec_global(noise->spec, i) : noise->base + i;
        nfcs_rng_normal2(noise->seed, noise->stream, at, noise->step, &g0, &g1);
        x[2 * i] += (nfcs_real)(sigma * g0);
        x[2 * i + 1] += (nfcs_real)(sigma * g1);
      }
    }
}
