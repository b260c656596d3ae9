/* The processes of a run, for the engine (private): reductions, gathers, broadcasts and
 * neighbour exchanges in a fixed order, so that a run on P processes is reproducible bit for bit
 * and every process gets the same result of a reduction.  A table of operations with a serial
 * implementation (core/nfcs_procs.c) and an MPI one beside the FFTW-MPI plans (kernels/cpu_mpi.c):
 * core includes no mpi.h.  Every call is collective over all processes unless it says otherwise;
 * the status is 0 or an error recorded in ctx. */
#ifndef NFCS_PROCS_PRIVATE_H
#define NFCS_PROCS_PRIVATE_H

#include "nfcs_grid.h"
#include "nfcs_procs.h"

NFCS_EXTERN_C_BEGIN

typedef struct nfcs_procs_ops {
  const char *name; /* "MPI (Open MPI v4.1.4)" */
  int rank, size;
  /* v[0..n) summed over the processes in rank order (every process the same bits) */
  int (*sum)(double *v, int n);
  int (*sum_i64)(int64_t *v, int n);
  /* v[0..n) the largest over the processes */
  int (*max_int)(int *v, int n);
  int (*bcast)(void *buf, size_t bytes, int root);
  /* every process's `count` elements of `elem` bytes, in rank order, into all (on root only;
   * NULL elsewhere) / on every process */
  int (*gatherv)(const void *mine, int64_t count, size_t elem, void *all, int root);
  int (*allgatherv)(const void *mine, int64_t count, size_t elem, void *all);
  /* the same when every process's count is known (counts[P]): no exchange of the sizes first */
  int (*allgather_known)(const void *mine, const int64_t *counts, size_t elem, void *all);
  /* send to dest and receive from src at once (-1: nobody) */
  int (*sendrecv)(const void *sbuf, size_t sbytes, int dest, void *rbuf, size_t rbytes, int src);
  void (*abort)(int status);
  void (*finalize)(void);
  /* time this process spent in these calls and the bytes it sent */
  void (*traffic)(double *seconds, double *bytes);
} nfcs_procs_ops;

/* The table in use (the serial one until nfcs_procs_init starts MPI). */
const nfcs_procs_ops *nfcs_procs(void);
/* What the MPI implementation offers (kernels/cpu_mpi.c): at init, the started table, or NULL
 * when not under a launcher or built without MPI (why says which, or why it failed: *failed). */
const nfcs_procs_ops *nfcs_cpu_mpi_start(int *argc, char ***argv, int *failed, char *why, size_t len);
int nfcs_cpu_mpi_built(const char **library);
/* For `nfcs bench`: the time (ms, the slowest process) of the all-to-all a distributed transform of
 * this grid makes — FFTW-MPI's global transpose of the grid's first two axes, timed alone
 * (collective; 0 for a grid that is not distributed). */
double nfcs_cpu_mpi_transpose_ms(const nfcs_grid *g, int threads, double min_time);

/* Shorthands over the table.  Errors of MPI abort the job (MPI_ERRORS_ARE_FATAL), so these return
 * their status for the serial and the test implementations. */
static inline int nfcs_procs_distributed(void) { return nfcs_procs()->size > 1; }
/* Collective: do all processes go on?  rc is this process's status; the result is 0 when every
 * one succeeded, else the largest status — this process's own error stays as it is, the others
 * record that they stop because process k failed.  Serial: rc. */
int nfcs_procs_check(nfcs_ctx *ctx, int rc);
/* This process stops with another one's error `code`: recorded as relayed (nfcs_error_relayed). */
int nfcs_procs_relay(nfcs_ctx *ctx, int code, const char *why);

NFCS_EXTERN_C_END
#endif
