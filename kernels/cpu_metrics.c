/* Reductions behind the metrics, CPU backend. */
#include <math.h>

#include "cpu_backend.h"
#include "nfcs_metrics.h"

void nfcs_cpu_cgl_moments(void *self, const nfcs_real *phi, size_t n, double *sum_abs, double *sum_abs2) {
  const int nt = n > NFCS_CPU_PAR_MIN ? ((nfcs_cpu *)self)->threads : 1;
  double a = 0, b = 0;
#pragma omp parallel for simd num_threads(nt) schedule(static) reduction(+ : a, b)
  for (size_t i = 0; i < n; i++) {
    double m2 = (double)phi[2 * i] * phi[2 * i] + (double)phi[2 * i + 1] * phi[2 * i + 1];
    a += sqrt(m2);
    b += m2;
  }
  *sum_abs = a;
  *sum_abs2 = b;
}

static inline double kof(int64_t j, int64_t n, double L) {
  int64_t m = j <= (n - 1) / 2 ? j : j - n;
  return 2.0 * M_PI * (double)m / L;
}

double nfcs_cpu_cgl_k2_sum(void *self, const nfcs_real *spec, const nfcs_grid *g) {
  const int nt = g->npts > NFCS_CPU_PAR_MIN ? ((nfcs_cpu *)self)->threads : 1;
  const int64_t nx = g->n[0], ny = g->n[1], nz = g->n[2];
  double total = 0;
#pragma omp parallel for collapse(2) num_threads(nt) schedule(static) reduction(+ : total)
  for (int64_t z = 0; z < nz; z++)
    for (int64_t y = 0; y < ny; y++) {
      double kyz = 0;
      if (g->dim > 1) { double k = kof(y, ny, g->L[1]); kyz += k * k; }
      if (g->dim > 2) { double k = kof(z, nz, g->L[2]); kyz += k * k; }
      const nfcs_real *row = spec + 2 * (size_t)((z * ny + y) * nx);
      double acc = 0;
      for (int64_t x = 0; x < nx; x++) {
        double k = kof(x, nx, g->L[0]);
        acc += (k * k + kyz) * ((double)row[2 * x] * row[2 * x] + (double)row[2 * x + 1] * row[2 * x + 1]);
      }
      total += acc;
    }
  return total;
}

void nfcs_cpu_cgl_phase_metrics(void *self, const nfcs_real *phi, const nfcs_grid *g, nfcs_real *work, double *rho_sum,
                                int64_t *positive, int64_t *negative) {
  (void)self;
  nfcs_defects d;
  nfcs_phase_metrics(phi, g, work, rho_sum, &d);
  *positive = d.positive;
  *negative = d.negative;
}
