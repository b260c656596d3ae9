/* FFTW-MPI: the CGL field's grid in slabs of its slowest axis, one per process, and the
 * transforms between them.  Forward with FFTW_MPI_TRANSPOSED_OUT and inverse with
 * FFTW_MPI_TRANSPOSED_IN: Fourier space keeps FFTW's transposed layout (its first two axes
 * swapped, slabs of the second), every spectral operation works there, and no transpose back is
 * ever made — one all-to-all per transform.  1D fields stay on one process. */
#include "cpu_backend.h"
#include "cpu_fft.h"
#include "nfcs_procs_ops.h"

#if NFCS_HAVE_MPI
#include <fftw3-mpi.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "cpu_mpi.h"

#if NFCS_SINGLE
#define FFTWM(name) fftwf_mpi_##name
#define FFTW(name) fftwf_##name
#else
#define FFTWM(name) fftw_mpi_##name
#define FFTW(name) fftw_##name
#endif

void nfcs_cpu_fft_mpi_init(void) {
  nfcs_cpu_fftw_init(); /* FFTW's threads before its MPI part, as FFTW asks */
  FFTWM(init)();
}

void nfcs_cpu_fft_mpi_cleanup(void) { FFTWM(cleanup)(); }

int nfcs_cpu_fft_distribute(void *self, nfcs_grid *g) {
  nfcs_cpu *c = self;
  int size = 1;
  MPI_Comm_size(nfcs_cpu_comm, &size);
  if (size == 1 || g->dim < 2) return NFCS_OK; /* one process, or a line: not shared */
  ptrdiff_t n[3], ln0 = 0, l0 = 0, ln1 = 0, l1 = 0;
  for (int a = 0; a < g->dim; a++) n[a] = (ptrdiff_t)g->n[g->dim - 1 - a]; /* C order: slowest first */
  const ptrdiff_t alloc = FFTWM(local_size_many_transposed)(g->dim, n, 1, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK,
                                                            nfcs_cpu_comm, &ln0, &l0, &ln1, &l1);
  /* every process needs rows: two in 2D (the phase metrics' stencils reach two rows into the
   * neighbours' slabs), a plane in 3D, and a slice of Fourier space */
  const ptrdiff_t need = g->dim == 2 ? 2 : 1;
  int bad = ln0 < need || ln1 < 1;
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, nfcs_cpu_comm);
  if (bad) {
    const char *slow = g->dim == 2 ? "y" : "z", *second = g->dim == 2 ? "x" : "y";
    return NFCS_ERROR(c->ctx, NFCS_ERR_CONFIG,
                      "cgl.grid_size: %d processes cannot share this grid: FFTW-MPI gives each process slabs of %lld %s-rows "
                      "(%s = %lld) and of %lld %s-columns in Fourier space, and each needs at least %lld of the first and one of "
                      "the second; use at most %lld processes",
                      size, (long long)((n[0] + size - 1) / size), slow, slow, (long long)n[0], (long long)((n[1] + size - 1) / size),
                      second, (long long)need, (long long)(n[0] / need < n[1] ? n[0] / need : n[1]));
  }
  const size_t slice0 = g->npts / (size_t)n[0], slice1 = g->npts / (size_t)n[1];
  g->distributed = 1;
  g->local_n_slow = ln0;
  g->local_offset_slow = l0;
  g->nloc = (size_t)ln0 * slice0;
  g->nspec = (size_t)ln1 * slice1;
  g->nalloc = (size_t)alloc;
  if (g->nalloc < g->nloc) g->nalloc = g->nloc;
  if (g->nalloc < g->nspec) g->nalloc = g->nspec;
  if (g->dim == 2) { /* [nx local][ny] */
    g->spec_axis[0] = 0, g->spec_axis[1] = 2, g->spec_axis[2] = 1;
    g->spec_n[0] = ln1, g->spec_n[1] = 1, g->spec_n[2] = g->n[1];
  } else { /* [ny local][nz][nx] */
    g->spec_axis[0] = 1, g->spec_axis[1] = 2, g->spec_axis[2] = 0;
    g->spec_n[0] = ln1, g->spec_n[1] = g->n[2], g->spec_n[2] = g->n[0];
  }
  g->spec_offset = l1;
  return NFCS_OK;
}

void nfcs_cpu_fft_mpi_execute(nfcs_cpu_plan p, const nfcs_real *in, nfcs_real *out) {
  FFTWM(execute_dft)(p, (nfcs_cpu_cplx *)(void *)(uintptr_t)in, (nfcs_cpu_cplx *)out);
}

int nfcs_cpu_fft_mpi_plan(nfcs_cpu *c, const nfcs_grid *g, nfcs_real *phys, nfcs_real *spec, unsigned flags, void *fwd,
                          void *inv) {
  ptrdiff_t n[3];
  for (int a = 0; a < g->dim; a++) n[a] = (ptrdiff_t)g->n[g->dim - 1 - a];
  /* (flags: FFTW_ESTIMATE under mpirun, cpu_backend.c says why.)  Every process plans with the
   * same wisdom (FFTW-MPI asks for it). */
  FFTWM(broadcast_wisdom)(nfcs_cpu_comm);
  *(nfcs_cpu_plan *)fwd = FFTWM(plan_many_dft)(g->dim, n, 1, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, (nfcs_cpu_cplx *)phys,
                                                (nfcs_cpu_cplx *)spec, nfcs_cpu_comm, FFTW_FORWARD, flags | FFTW_MPI_TRANSPOSED_OUT);
  *(nfcs_cpu_plan *)inv = FFTWM(plan_many_dft)(g->dim, n, 1, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, (nfcs_cpu_cplx *)spec,
                                                (nfcs_cpu_cplx *)phys, nfcs_cpu_comm, FFTW_BACKWARD, flags | FFTW_MPI_TRANSPOSED_IN);
  FFTWM(gather_wisdom)(nfcs_cpu_comm);
  (void)c;
  int rank = 0;
  MPI_Comm_rank(nfcs_cpu_comm, &rank);
  return rank; /* only the first process keeps the wisdom */
}

/* the global transpose alone: n0 x n1 blocks of the remaining axes' complex values */
double nfcs_cpu_mpi_transpose_ms(const nfcs_grid *g, int threads, double min_time) {
  if (!g->distributed) return 0;
  const ptrdiff_t n0 = (ptrdiff_t)g->n[g->dim - 1], n1 = (ptrdiff_t)g->n[g->dim - 2];
  const ptrdiff_t howmany = (ptrdiff_t)(2 * g->npts / ((size_t)n0 * (size_t)n1)), nn[2] = {n0, n1};
  ptrdiff_t ln0, l0, ln1, l1;
  const ptrdiff_t alloc = FFTWM(local_size_many_transposed)(2, nn, howmany, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK,
                                                            nfcs_cpu_comm, &ln0, &l0, &ln1, &l1);
  nfcs_real *a = (nfcs_real *)FFTW(malloc)(sizeof(nfcs_real) * (size_t)(alloc ? alloc : 1)),
            *b = (nfcs_real *)FFTW(malloc)(sizeof(nfcs_real) * (size_t)(alloc ? alloc : 1));
  int ok = a && b;
  MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, nfcs_cpu_comm);
  double ms = 0;
  if (ok) {
    memset(a, 0, sizeof(nfcs_real) * (size_t)alloc);
#ifdef _OPENMP
    FFTW(plan_with_nthreads)(threads);
#else
    (void)threads;
#endif
#if NFCS_SINGLE
    fftwf_plan p = FFTWM(plan_many_transpose)(n0, n1, howmany, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, a, b, nfcs_cpu_comm,
                                              FFTW_ESTIMATE);
#else
    fftw_plan p = FFTWM(plan_many_transpose)(n0, n1, howmany, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, a, b, nfcs_cpu_comm,
                                             FFTW_ESTIMATE);
#endif
    if (p) {
      /* as many repetitions as the first process finds fit in min_time, the same on all */
      int reps = 0, go = 1;
      MPI_Barrier(nfcs_cpu_comm);
      const double t0 = MPI_Wtime();
      while (go) {
        FFTW(execute)(p);
        reps++;
        go = reps < 3 || MPI_Wtime() - t0 < min_time;
        MPI_Bcast(&go, 1, MPI_INT, 0, nfcs_cpu_comm);
      }
      ms = 1e3 * (MPI_Wtime() - t0) / reps;
      MPI_Allreduce(MPI_IN_PLACE, &ms, 1, MPI_DOUBLE, MPI_MAX, nfcs_cpu_comm);
      FFTW(destroy_plan)(p);
    }
  }
  FFTW(free)(a);
  FFTW(free)(b);
  return ms;
}

#else

double nfcs_cpu_mpi_transpose_ms(const nfcs_grid *g, int threads, double min_time) {
  (void)g;
  (void)threads;
  (void)min_time;
  return 0;
}

int nfcs_cpu_fft_distribute(void *self, nfcs_grid *g) {
  (void)self;
  (void)g;
  return NFCS_OK;
}

#endif
