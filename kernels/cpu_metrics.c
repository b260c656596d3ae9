/* Reductions behind the metrics, CPU backend. */
#include <math.h>

#include "cpu_backend.h"
#include "nfcs_metrics.h"
#include "nfcs_stencils.h"

int nfcs_cpu_cgl_moments(void *self, const nfcs_real *phi, size_t n, double *sum_abs, double *sum_abs2) {
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
  return NFCS_OK;
}

/* In the grid's spectral layout (as nfcs_cpu_cmul_separable); this process's modes. */
int nfcs_cpu_cgl_k2_sum(void *self, const nfcs_real *spec, const nfcs_grid *g, double *sum) {
  const int nt = g->nspec > NFCS_CPU_PAR_MIN ? ((nfcs_cpu *)self)->threads : 1;
  const int s0 = g->spec_axis[0], s1 = g->spec_axis[1], s2 = g->spec_axis[2], dim = g->dim;
  const int64_t n0 = g->spec_n[0], n1 = g->spec_n[1], n2 = g->spec_n[2], off = g->spec_offset;
  double total = 0;
#pragma omp parallel for collapse(2) num_threads(nt) schedule(static) reduction(+ : total)
  for (int64_t a = 0; a < n0; a++)
    for (int64_t b = 0; b < n1; b++) {
      double kyz = 0;
      if (s1 < dim) { double k = nfcs_fft_k(b, g->n[s1], g->L[s1]); kyz += k * k; }
      if (s0 < dim) { double k = nfcs_fft_k(a + off, g->n[s0], g->L[s0]); kyz += k * k; }
      const nfcs_real *row = spec + 2 * (size_t)((a * n1 + b) * n2);
      double acc = 0;
      for (int64_t x = 0; x < n2; x++) {
        double k = nfcs_fft_k(x, g->n[s2], g->L[s2]);
        acc += (k * k + kyz) * ((double)row[2 * x] * row[2 * x] + (double)row[2 * x + 1] * row[2 * x + 1]);
      }
      total += acc;
    }
  *sum = total;
  return NFCS_OK;
}

/* The phase metrics in three passes over the grid: the phase (one atan2 a point, vectorised),
 * its x derivative, then per column the y derivatives, the upstream rho and the plaquette
 * winding from wrapped phase differences (no further atan2).  Same results as the reference in
 * core/nfcs_metrics.c (checked by a test), several times faster. */
int nfcs_cpu_cgl_phase_metrics(void *self, const nfcs_real *phi, const nfcs_grid *g, nfcs_real *work, double *rho_sum,
                                int64_t *positive, int64_t *negative) {
  /* this process's points: whole xy planes (a 3D grid's slab of z; a 2D grid in slabs takes the
   * neighbours' rows, core/cgl/slab.c) */
  const size_t np = g->nloc;
  const int nt = np > NFCS_CPU_PAR_MIN ? ((nfcs_cpu *)self)->threads : 1;
  const int64_t nx = g->n[0], ny = g->n[1], nz = g->dim == 3 ? g->local_n_slow : g->n[2];
  const double dx = g->dx[0], dy = g->dx[1];
  nfcs_real *restrict th = work, *restrict gx = work + np;
#pragma omp parallel for simd num_threads(nt) schedule(static)
  for (size_t i = 0; i < np; i++) th[i] = (nfcs_real)atan2((double)phi[2 * i + 1], (double)phi[2 * i]);
#pragma omp parallel for collapse(2) num_threads(nt) schedule(static)
  for (int64_t z = 0; z < nz; z++)
    for (int64_t y = 0; y < ny; y++) {
      const size_t off = (size_t)(z * ny + y) * (size_t)nx;
      for (int64_t x = 0; x < nx; x++) gx[off + x] = (nfcs_real)nfcs_grad_line(th + off, x, nx, 1, dx, 1);
    }
  double total = 0;
  int64_t pos = 0, neg = 0;
  const int twod = g->dim > 1 && ny > 1;
#define P(z, j, i) (phi + 2 * (((z) * ny + (j)) * nx + (i)))
#pragma omp parallel for collapse(2) num_threads(nt) schedule(static) reduction(+ : total, pos, neg)
  for (int64_t z = 0; z < nz; z++)
    for (int64_t y = 0; y < ny; y++) {
      const nfcs_real *plane = th + (size_t)z * (size_t)(ny * nx);
      const nfcs_real *gxr = gx + (size_t)(z * ny + y) * (size_t)nx;
      for (int64_t x = 0; x < nx; x++) {
        total += nfcs_rho_term(plane, gxr, nx, ny, x, y, dx, dy, twod);
        if (!twod || !nfcs_plaquette_counted(P(z, 0, 0), nx, ny, x, y)) continue;
        const long q = nfcs_plaquette_winding(plane, nx, ny, x, y);
        if (q > 0) pos += q;
        else if (q < 0) neg -= q;
      }
    }
#undef P
  *rho_sum = total;
  *positive = pos;
  *negative = neg;
  return NFCS_OK;
}
