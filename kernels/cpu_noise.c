/* Additive complex white noise: x_i += sigma (g1 + i g2), g from Philox(seed, stream, i, step).
 * Built without fast math so that the numbers are those of every other backend. */
#include <math.h>

#include "cpu_backend.h"
#include "nfcs_rng.h"

/* x_i += sigma (g1 + i g2) of point (or mode) i */
static inline void add_draw(nfcs_real *x, size_t i, const nfcs_noise *noise) {
  double g0, g1;
  const uint64_t at = noise->spec ? nfcs_grid_spec_global(noise->spec, i) : noise->base + i;
  nfcs_rng_normal2(noise->seed, noise->stream, at, noise->step, &g0, &g1);
  x[2 * i] += (nfcs_real)(noise->sigma * g0);
  x[2 * i + 1] += (nfcs_real)(noise->sigma * g1);
}

void nfcs_cpu_add_noise(int nt, nfcs_real *x, size_t n, const nfcs_noise *noise, const nfcs_real *mask) {
#pragma omp parallel for num_threads(nt) schedule(static)
  for (size_t i = 0; i < n; i++) {
    if (mask && mask[2 * i] == 0 && mask[2 * i + 1] == 0) continue; /* dealiased mode */
    add_draw(x, i, noise);
  }
}

/* the same on a spectral array, none where the separable multiplier ex ey ez is zero (a dealiased
 * mode), as nfcs_cpu_add_noise's mask E */
typedef struct noise_sep_args {
  nfcs_real *x;
  const nfcs_noise *noise;
} noise_sep_args;

static void noise_row(const void *arg, size_t first, int64_t n2, nfcs_real ar, nfcs_real ai, const nfcs_real *ff) {
  const noise_sep_args *A = arg;
  for (int64_t k = 0; k < n2; k++) {
    const nfcs_real er = ar * ff[2 * k] - ai * ff[2 * k + 1], ei = ar * ff[2 * k + 1] + ai * ff[2 * k];
    if (er == 0 && ei == 0) continue; /* dealiased mode */
    add_draw(A->x, first + (size_t)k, A->noise);
  }
}

void nfcs_cpu_add_noise_sep(int nt, nfcs_real *x, const nfcs_grid *g, const nfcs_noise *noise, const nfcs_real *ex,
                            const nfcs_real *ey, const nfcs_real *ez) {
  const noise_sep_args A = {x, noise};
  nfcs_cpu_sep_rows(nt, g, ex, ey, ez, noise_row, &A);
}
