#include "nfcs_grid.h"
#include "nfcs_stencils.h"
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
  g->distributed = 0;
  g->nloc = g->nspec = g->nalloc = g->npts;
  for (int a = 0; a < 3; a++) {
    g->spec_axis[a] = 2 - a;
    g->spec_n[a] = g->n[2 - a];
  }
  g->spec_offset = 0;
  return NFCS_OK;
}

double nfcs_grid_x(const nfcs_grid *g, int axis, int64_t j) { return -0.5 * g->L[axis] + (double)j * g->dx[axis]; }

double nfcs_grid_k(const nfcs_grid *g, int axis, int64_t j) { return nfcs_fft_k(j, g->n[axis], g->L[axis]); }

void nfcs_grid_spec_modes(const nfcs_grid *g, size_t flat, int64_t j[3]) {
  const size_t n2 = (size_t)g->spec_n[2], n1 = (size_t)g->spec_n[1];
  j[g->spec_axis[2]] = (int64_t)(flat % n2);
  j[g->spec_axis[1]] = (int64_t)((flat / n2) % n1);
  j[g->spec_axis[0]] = (int64_t)(flat / (n2 * n1)) + g->spec_offset;
}

uint64_t nfcs_grid_spec_global(const nfcs_grid *g, size_t flat) {
  int64_t j[3];
  nfcs_grid_spec_modes(g, flat, j);
  return (uint64_t)j[0] + (uint64_t)g->n[0] * ((uint64_t)j[1] + (uint64_t)g->n[1] * (uint64_t)j[2]);
}

static void unflatten(const nfcs_grid *g, size_t flat, int64_t idx[3]) { nfcs_grid_spec_modes(g, flat, idx); }

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
  int64_t idx[3];
  unflatten(g, flat, idx);
  for (int a = 0; a < g->dim; a++)
    if (!nfcs_dealias_keep(idx[a], g->n[a], rule)) return 0;
  return 1;
}
