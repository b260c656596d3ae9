/* The processes of a run: the serial implementation of core/nfcs_procs.h and the public entry
 * points of include/nfcs/nfcs_procs.h.  Under a launcher, nfcs_procs_init swaps in the MPI table
 * of kernels/cpu_mpi.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_internal.h"
#include "nfcs_procs_ops.h"

static int s_sum(double *v, int n) { (void)v; (void)n; return NFCS_OK; }
static int s_sum_i64(int64_t *v, int n) { (void)v; (void)n; return NFCS_OK; }
static int s_max_int(int *v, int n) { (void)v; (void)n; return NFCS_OK; }
static int s_bcast(void *buf, size_t bytes, int root) { (void)buf; (void)bytes; (void)root; return NFCS_OK; }
static int s_gatherv(const void *mine, int64_t count, size_t elem, void *all, int root) {
  (void)root;
  if (all && count > 0 && all != mine) memmove(all, mine, (size_t)count * elem);
  return NFCS_OK;
}
static int s_allgatherv(const void *mine, int64_t count, size_t elem, void *all) { return s_gatherv(mine, count, elem, all, 0); }
static int s_allgather_known(const void *mine, const int64_t *counts, size_t elem, void *all) {
  return s_gatherv(mine, counts[0], elem, all, 0);
}
/* one process: a neighbour is always itself */
static int s_sendrecv(const void *sbuf, size_t sbytes, int dest, void *rbuf, size_t rbytes, int src) {
  if (dest == 0 && src == 0 && rbuf != sbuf) memmove(rbuf, sbuf, sbytes < rbytes ? sbytes : rbytes);
  return NFCS_OK;
}
static void s_abort(int status) { exit(status); }
static void s_finalize(void) {}
static void s_traffic(double *seconds, double *bytes) { *seconds = 0, *bytes = 0; }

static const nfcs_procs_ops SERIAL = {
  .name = "serial", .rank = 0, .size = 1, .sum = s_sum, .sum_i64 = s_sum_i64, .max_int = s_max_int, .bcast = s_bcast,
  .gatherv = s_gatherv, .allgatherv = s_allgatherv, .allgather_known = s_allgather_known, .sendrecv = s_sendrecv, .abort = s_abort, .finalize = s_finalize,
  .traffic = s_traffic,
};

static const nfcs_procs_ops *current = &SERIAL;

const nfcs_procs_ops *nfcs_procs(void) { return current; }
int nfcs_procs_rank(void) { return current->rank; }
int nfcs_procs_size(void) { return current->size; }
int nfcs_procs_mpi_built(void) { return nfcs_cpu_mpi_built(NULL); }

int nfcs_procs_init(int *argc, char ***argv, char *why, size_t len) {
  if (why && len) why[0] = '\0';
  int failed = 0;
  char msg[256] = "";
  const nfcs_procs_ops *m = nfcs_cpu_mpi_start(argc, argv, &failed, msg, sizeof msg);
  if (failed) {
    if (why) snprintf(why, len, "%s", msg);
    return NFCS_ERR_SOFTWARE;
  }
  if (m) current = m;
  return NFCS_OK;
}

void nfcs_procs_finalize(void) {
  current->finalize();
  current = &SERIAL;
}

void nfcs_procs_describe(char *out, size_t len) {
  const char *lib = NULL;
  const int built = nfcs_cpu_mpi_built(&lib);
  if (current != &SERIAL) snprintf(out, len, "%s: %d process%s", current->name, current->size, current->size == 1 ? "" : "es");
  else if (built) snprintf(out, len, "serial: built with MPI (%s), not started by mpirun", lib ? lib : "?");
  else snprintf(out, len, "serial: built without MPI");
}

int nfcs_procs_agree(int status) {
  int v = status;
  current->max_int(&v, 1);
  return v;
}

void nfcs_procs_abort(int status) { current->abort(status); }

int nfcs_procs_broadcast(void *buf, size_t bytes) { return current->bcast(buf, bytes, 0); }

int nfcs_procs_root_status(int status) {
  int v = status;
  current->bcast(&v, sizeof v, 0);
  return v;
}

int nfcs_procs_check(nfcs_ctx *ctx, int rc) {
  if (current->size == 1) return rc;
  int v[2] = {rc, rc ? -current->rank : -current->size};
  current->max_int(v, 2);
  if (!v[0] || rc) return rc ? rc : v[0];
  char why[64];
  snprintf(why, sizeof why, "process %d failed", -v[1]);
  return nfcs_procs_relay(ctx, v[0], why);
}

int nfcs_procs_relay(nfcs_ctx *ctx, int code, const char *why) {
  NFCS_ERROR(ctx, code, "stopped because %s (its message says why)", why);
  ctx->err_relayed = 1;
  return code;
}

int nfcs_error_relayed(const nfcs_ctx *ctx) { return ctx && ctx->err_relayed && pthread_equal(pthread_self(), ctx->owner); }

