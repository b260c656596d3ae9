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
  /* This process's part of the grid (docs/mpi.md).  Physical space: the slab local_offset_slow ..
   * + local_n_slow of the slowest axis (nloc points from the global point index local_offset_slow
   * times the points of one slowest-axis slice).  Fourier space, in FFTW-MPI's transposed layout:
   * loops over the axes spec_axis[0] (slowest: this process's spec_n[0] indices from spec_offset),
   * spec_axis[1] and spec_axis[2] (fastest), nspec points.  Arrays hold nalloc complex values (at
   * least nloc and nspec).  One process holds everything in C order: z, y, x. */
  int64_t local_n_slow, local_offset_slow;
  int distributed;
  size_t nloc, nspec, nalloc;
  int spec_axis[3];
  int64_t spec_n[3], spec_offset;
} nfcs_grid;

NFCS_API int nfcs_grid_init(nfcs_grid *g, int dim, const int64_t *n, const double *L);
/* Coordinate of point j on axis a: x_j = -L/2 + j L/n. */
NFCS_API double nfcs_grid_x(const nfcs_grid *g, int axis, int64_t j);
/* Angular wavenumber of FFT index j on axis a: 2 pi fftfreq(n, L/n)[j]. */
NFCS_API double nfcs_grid_k(const nfcs_grid *g, int axis, int64_t j);
/* The FFT index on each axis (j[0] on x, ...) of this process's spectral point `flat` (its index
 * in the spectral array: C order, x fastest, on one process). */
NFCS_API void nfcs_grid_spec_modes(const nfcs_grid *g, size_t flat, int64_t j[3]);
/* The index of that mode in the whole grid in C order (the same on any number of processes). */
NFCS_API uint64_t nfcs_grid_spec_global(const nfcs_grid *g, size_t flat);
/* |k|^2 of this process's spectral point `flat`. */
NFCS_API double nfcs_grid_k2(const nfcs_grid *g, size_t flat);
/* Is this process's spectral point `flat` kept by the dealiasing rule (NFCS_DEALIAS_*)? */
NFCS_API int nfcs_grid_dealias_keep(const nfcs_grid *g, size_t flat, int rule);
/* The global point index of this process's first physical point. */
static inline uint64_t nfcs_grid_phys_base(const nfcs_grid *g) {
  return (uint64_t)g->local_offset_slow * (uint64_t)(g->npts / (size_t)g->n[g->dim - 1]);
}

NFCS_EXTERN_C_END
#endif
