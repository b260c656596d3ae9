#include "nfcs_grid.h"
#include "nfcs_params.h"

#include <math.h>

int nfcs_grid_init(nfcs_grid *g, int dim, const int64_t *n, const double *L) {
  if (dim < 1 || dim > 3) return NFCS_ERR_CONFIG;
  g->dim = dim;
  g->npts = 1;
  g->cell_volume = 1.0;
  for (int a = 0; a < 3; a++) {
    g->n[a] = a < dim ? n[a] : 1;
    g->L[a] = a < dim ? L[a] : 1.0;
    g->dx[a] = g->L[a] / (double)g->n[a];
    g->npts *= (size_t)g->n[a];
    if (a < dim) g->cell_volume *= g->dx[a];
  }
  g->local_n_slow = g->n[dim - 1];
  g->local_offset_slow = 0;
  return NFCS_OK;
}

double nfcs_grid_x(const nfcs_grid *g, int axis, int64_t j) { return -0.5 * g->L[axis] + (double)j * g->dx[axis]; }

double nfcs_grid_k(const nfcs_grid *g, int axis, int64_t j) {
  int64_t n = g->n[axis];
  /* numpy.fft.fftfreq: 0, 1, ..., (n-1)/2, -(n/2), ..., -1 (over n*d) */
  int64_t m = j <= (n - 1) / 2 ? j : j - n;
  return 2.0 * M_PI * (double)m / g->L[axis];
}

static void unflatten(const nfcs_grid *g, size_t flat, int64_t idx[3]) {
  idx[0] = (int64_t)(flat % (size_t)g->n[0]);
  idx[1] = (int64_t)((flat / (size_t)g->n[0]) % (size_t)g->n[1]);
  idx[2] = (int64_t)(flat / ((size_t)g->n[0] * (size_t)g->n[1]));
}

double nfcs_grid_k2(const nfcs_grid *g, size_t flat) {
  int64_t idx[3];
  unflatten(g, flat, idx);
  double k2 = 0;
  for (int a = 0; a < g->dim; a++) {
    double k = nfcs_grid_k(g, a, idx[a]);
    k2 += k * k;
  }
  return k2;
}

int nfcs_grid_dealias_keep(const nfcs_grid *g, size_t flat, int rule) {
  if (rule == NFCS_DEALIAS_NONE) return 1;
  int64_t idx[3];
  unflatten(g, flat, idx);
  for (int a = 0; a < g->dim; a++) {
    int64_t n = g->n[a];
    int64_t m = idx[a] <= (n - 1) / 2 ? idx[a] : idx[a] - n;
    int64_t am = m < 0 ? -m : m;
    /* keep |m| < n/3 (2/3 rule) or |m| < n/4 (half rule) */
    if (rule == NFCS_DEALIAS_TWO_THIRDS && 3 * am >= n) return 0;
    if (rule == NFCS_DEALIAS_HALF && 4 * am >= n) return 0;
  }
  return 1;
}
