/* NFCS core — the periodic grid of the CGL field. */
#ifndef NFCS_GRID_H
#define NFCS_GRID_H

#include "nfcs_base.h"

NFCS_EXTERN_C_BEGIN

/* Dealiasing rules (the order of cgl.dealias's choices): keep every mode, |m| < n/3, |m| < n/4. */
enum { NFCS_DEALIAS_NONE = 0, NFCS_DEALIAS_TWO_THIRDS = 1, NFCS_DEALIAS_HALF = 2 };

typedef struct nfcs_grid {
  int dim;             /* 1, 2 or 3 */
  int64_t n[3];        /* points per axis, n[0] = nx (fastest), n[1] = ny, n[2] = nz; 1 beyond dim */
  double L[3];         /* box lengths */
  double dx[3];        /* spacing L/n */
  size_t npts;         /* nx ny nz */
  double cell_volume;  /* dx dy dz */
  /* MPI-ready shape (DESIGN.md): the local slab of the slowest axis; one process holds it all */
  int64_t local_n_slow, local_offset_slow;
} nfcs_grid;

NFCS_API int nfcs_grid_init(nfcs_grid *g, int dim, const int64_t *n, const double *L);
/* Coordinate of point j on axis a: x_j = -L/2 + j L/n. */
NFCS_API double nfcs_grid_x(const nfcs_grid *g, int axis, int64_t j);
/* Angular wavenumber of FFT index j on axis a: 2 pi fftfreq(n, L/n)[j]. */
NFCS_API double nfcs_grid_k(const nfcs_grid *g, int axis, int64_t j);
/* |k|^2 of the flat (C order, x fastest) spectral index. */
NFCS_API double nfcs_grid_k2(const nfcs_grid *g, size_t flat);
/* Is the flat spectral index kept by the dealiasing rule (NFCS_DEALIAS_*)? */
NFCS_API int nfcs_grid_dealias_keep(const nfcs_grid *g, size_t flat, int rule);

NFCS_EXTERN_C_END
#endif
