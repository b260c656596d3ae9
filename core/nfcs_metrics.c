#include "nfcs_metrics.h"
#include "nfcs_params.h"
#include "nfcs_stencils.h"

#include <math.h>

/* wrapped phase difference arg(b) - arg(a) in (-pi, pi] without computing either angle */
static inline double dphase(const nfcs_real *a, const nfcs_real *b) {
  double re = (double)b[0] * a[0] + (double)b[1] * a[1];
  double im = (double)b[1] * a[0] - (double)b[0] * a[1];
  return atan2(im, re);
}

void nfcs_defects_count(const nfcs_real *phi, const nfcs_grid *g, nfcs_defects *out) {
  out->positive = out->negative = out->total_charge = 0;
  if (g->dim < 2) return;
  const int64_t nx = g->n[0], ny = g->n[1], nz = g->n[2];
  int64_t pos = 0, neg = 0;
#define P(z, j, i) (phi + 2 * (((z) * ny + (j)) * nx + (i)))
#pragma omp parallel for collapse(2) reduction(+ : pos, neg) schedule(static)
  for (int64_t z = 0; z < nz; z++)
    for (int64_t j = 0; j < ny; j++) {
      const int64_t j1 = (j + 1) % ny;
      for (int64_t i = 0; i < nx; i++) {
        const int64_t i1 = (i + 1) % nx;
        if (!nfcs_plaquette_counted(P(z, 0, 0), nx, ny, i, j)) continue;
        const nfcs_real *p00 = P(z, j, i), *p10 = P(z, j, i1), *p11 = P(z, j1, i1), *p01 = P(z, j1, i);
        double w = dphase(p00, p10) + dphase(p10, p11) + dphase(p11, p01) + dphase(p01, p00);
        long q = lround(w / (2.0 * M_PI));
        if (q > 0) pos += q;
        else if (q < 0) neg -= q;
      }
    }
#undef P
  out->positive = pos;
  out->negative = neg;
  out->total_charge = pos - neg;
}

/* ---------------------------------------------------------------- the upstream defect density */

void nfcs_phase_metrics(const nfcs_real *phi, const nfcs_grid *g, nfcs_real *work, double *rho_sum, nfcs_defects *def) {
  nfcs_defects_count(phi, g, def);
  const int64_t nx = g->n[0], ny = g->n[1], nz = g->n[2];
  const size_t np = g->npts;
  nfcs_real *th = work, *gr = work + np; /* phase, then first derivatives */
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < np; i++) th[i] = (nfcs_real)atan2((double)phi[2 * i + 1], (double)phi[2 * i]);
  double total = 0;
  /* d2/dx2: gradient along x of the gradient along x */
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t z = 0; z < nz; z++)
    for (int64_t y = 0; y < ny; y++) {
      const nfcs_real *row = th + (size_t)(z * ny + y) * (size_t)nx;
      nfcs_real *out = gr + (size_t)(z * ny + y) * (size_t)nx;
      for (int64_t x = 0; x < nx; x++) out[x] = (nfcs_real)nfcs_grad_line(row, x, nx, 1, g->dx[0], 1);
    }
  /* rho: |d2y - d2x| / 2 pi at each point, summed column by column (the backends sum row by row) */
  const int twod = g->dim > 1 && ny > 1;
#pragma omp parallel for collapse(2) reduction(+ : total) schedule(static)
  for (int64_t z = 0; z < nz; z++)
    for (int64_t x = 0; x < nx; x++) {
      const nfcs_real *plane = th + (size_t)z * (size_t)(ny * nx), *gxplane = gr + (size_t)z * (size_t)(ny * nx);
      for (int64_t y = 0; y < ny; y++)
        total += nfcs_rho_term(plane, gxplane + (size_t)y * (size_t)nx, nx, ny, x, y, g->dx[0], g->dx[1], twod);
    }
  *rho_sum = total;
}

/* ---------------------------------------------------------------- combination */

void nfcs_metrics_combine(nfcs_metric_set *m, const nfcs_params *p) {
  const double Rg = nfcs_metric_or(m, "R_global", 0.0), Rm = nfcs_metric_or(m, "R_modular", 0.0);
  const double Ha = nfcs_metric_or(m, "hallucination_number", 0.0), rho = nfcs_metric_or(m, "defect_density", 0.0);
  const double C = nfcs_metric_or(m, "control_energy", 0.0);
  const double violations = (Ha > p->system.emergency_threshold_ha) + (rho > p->system.emergency_threshold_defects);
  const double risk = p->cost.w_hallucinations * Ha + p->cost.w_defect_density * rho + p->cost.w_coherence_loss * (1.0 - Rg) +
                      p->cost.w_coherence_loss * (1.0 - Rm);
  const double E = nfcs_metric_or(m, "field_energy", 0.0), G = nfcs_metric_or(m, "gradient_energy", 0.0);
  const double J = p->cost.w_field_energy * E + p->cost.w_field_gradient * G + p->cost.w_control_energy * C +
                   p->cost.w_coherence_penalty * (1.0 - 0.5 * (Rg + Rm));
  nfcs_metric_put(m, "control_energy", C);
  nfcs_metric_put(m, "violations", violations);
  nfcs_metric_put(m, "systemic_risk", risk);
  nfcs_metric_put(m, "J", J);
}
