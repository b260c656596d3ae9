#include "nfcs_metrics.h"

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
#pragma omp parallel for collapse(2) reduction(+ : pos, neg) schedule(static)
  for (int64_t z = 0; z < nz; z++)
    for (int64_t j = 0; j < ny; j++) {
      const int64_t j1 = (j + 1) % ny;
      for (int64_t i = 0; i < nx; i++) {
        const int64_t i1 = (i + 1) % nx;
        const nfcs_real *p00 = phi + 2 * ((z * ny + j) * nx + i), *p10 = phi + 2 * ((z * ny + j) * nx + i1);
        const nfcs_real *p11 = phi + 2 * ((z * ny + j1) * nx + i1), *p01 = phi + 2 * ((z * ny + j1) * nx + i);
        double w = dphase(p00, p10) + dphase(p10, p11) + dphase(p11, p01) + dphase(p01, p00);
        long q = lround(w / (2.0 * M_PI));
        if (q > 0) pos += q;
        else if (q < 0) neg -= q;
      }
    }
  out->positive = pos;
  out->negative = neg;
  out->total_charge = pos - neg;
}
