/* NFCS core — the processes of a run.  One `nfcs` runs serially when started by itself and
 * distributed over P processes under `mpirun -n P` (a build with MPI; docs/mpi.md).  Programs call
 * nfcs_procs_init first and nfcs_procs_finalize last; everything else of the engine asks these
 * functions, never MPI itself.  MPI is process-wide, so this state is too. */
#ifndef NFCS_PROCS_H
#define NFCS_PROCS_H

#include "nfcs_base.h"

NFCS_EXTERN_C_BEGIN

/* Start: under a launcher (mpirun, srun: its environment says so) MPI is initialised and the run
 * is distributed; otherwise, or in a build without MPI, one process.  0, or an exit status with
 * the reason in why. */
NFCS_API int nfcs_procs_init(int *argc, char ***argv, char *why, size_t len);
/* End (every process, after its last collective call). */
NFCS_API void nfcs_procs_finalize(void);
NFCS_API int nfcs_procs_rank(void);
NFCS_API int nfcs_procs_size(void);
/* Was this build made with MPI? */
NFCS_API int nfcs_procs_mpi_built(void);
/* "MPI (Open MPI v4.1.4): 2 processes", "serial: built with MPI (Open MPI v4.1.4), not started by
 * mpirun", "serial: built without MPI". */
NFCS_API void nfcs_procs_describe(char *out, size_t len);
/* Collective: the largest status of all processes (every process gets it), so that all of them
 * end with the same exit status.  Serial: the status. */
NFCS_API int nfcs_procs_agree(int status);
/* Is the context's last error another process's, which this one stopped with (its own message is
 * that process's to tell)? */
NFCS_API int nfcs_error_relayed(const nfcs_ctx *ctx);
/* Collective: the first process's status, on every process (another process whose error is the
 * same as the first one's leaves the telling to it). */
NFCS_API int nfcs_procs_root_status(int status);
/* Collective: bytes of the first process's buf into every process's. */
NFCS_API int nfcs_procs_broadcast(void *buf, size_t bytes);
/* Stop every process at once (a process that cannot reach the others' next collective call). */
NFCS_API void nfcs_procs_abort(int status);

NFCS_EXTERN_C_END
#endif
