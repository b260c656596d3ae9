/* Kuramoto steps of the CPU backend that must round exactly as written (no fast math): the RK4
 * combination in the Python NFCS's order, the wrap to [-pi, pi), the noise, the order parameter. */
#include <math.h>

#include "cpu_backend.h"
#include "nfcs_params.h"
#include "nfcs_rng.h"
#include "nfcs_stencils.h"

static inline double wrap(double x) { return nfcs_wrap_phase(x); }

int nfcs_cpu_kur_rk4_final(void *self, double *theta, const double *k1, const double *k2, const double *k3,
                            const double *k4, double dt, int64_t n) {
  const int nt = nfcs_cpu_threads_for(self, (double)n);
  const double h6 = dt / 6.0;
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t i = 0; i < n; i++) theta[i] = wrap(theta[i] + h6 * (((k1[i] + 2.0 * k2[i]) + 2.0 * k3[i]) + k4[i]));
  return NFCS_OK;
}

int nfcs_cpu_kur_predict(void *self, double *out, const double *theta, const double *f1, double dt, double sigma,
                          const nfcs_noise *noise, int64_t n) {
  const int nt = nfcs_cpu_threads_for(self, (double)n);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t i = 0; i < n; i++) {
    double g0 = 0, g1;
    if (sigma > 0) nfcs_rng_normal2(noise->seed, noise->stream, noise->base + (uint64_t)i, noise->step, &g0, &g1);
    out[i] = theta[i] + dt * f1[i] + sigma * g0;
  }
  return NFCS_OK;
}

int nfcs_cpu_kur_noise_step(void *self, double *theta, const double *f1, const double *f2, double dt,
                             const nfcs_noise *noise, int64_t n) {
  const int nt = nfcs_cpu_threads_for(self, (double)n);
  const double sigma = noise->sigma;
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t i = 0; i < n; i++) {
    double g0 = 0, g1;
    if (sigma > 0) nfcs_rng_normal2(noise->seed, noise->stream, noise->base + (uint64_t)i, noise->step, &g0, &g1);
    double drift = f2 ? 0.5 * dt * (f1[i] + f2[i]) : dt * f1[i];
    theta[i] = wrap(theta[i] + drift + sigma * g0);
  }
  return NFCS_OK;
}

int nfcs_cpu_kur_order(void *self, const double *theta, int64_t n, double *part, double *re, double *im) {
  const int64_t nb = (n + NFCS_KUR_BLOCK - 1) / NFCS_KUR_BLOCK;
  const int nt = nfcs_cpu_threads_for(self, (double)n);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t b = 0; b < nb; b++) {
    const int64_t lo = b * NFCS_KUR_BLOCK, hi = lo + NFCS_KUR_BLOCK < n ? lo + NFCS_KUR_BLOCK : n;
    double zr = 0, zi = 0;
    for (int64_t j = lo; j < hi; j++) {
      zr += cos(theta[j]);
      zi += sin(theta[j]);
    }
    part[2 * b] = zr;
    part[2 * b + 1] = zi;
  }
  double zr = 0, zi = 0;
  for (int64_t b = 0; b < nb; b++) {
    zr += part[2 * b];
    zi += part[2 * b + 1];
  }
  *re = zr;
  *im = zi;
  return NFCS_OK;
}
