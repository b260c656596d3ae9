/* NFCS core — internals shared by core/, kernels/, io/ and cuda/ (not installed). */
#ifndef NFCS_INTERNAL_H
#define NFCS_INTERNAL_H

#include <pthread.h>

#include "nfcs_base.h"
#include "nfcs_backend.h"
#include "nfcs_params.h"

struct nfcs_ctx {
  nfcs_log_level log_level;
  int threads;
  int fft_planner;            /* NFCS_PLAN_* */
  char fft_wisdom[NFCS_PATH_MAX];
  const nfcs_backend_type *backend_type;
  const nfcs_backend_ops *ops;
  void *backend;
  /* the last error of the thread that created the context (errors raised on other threads, e.g.
   * the I/O thread's sinks, go to a record of that thread: nfcs_error_* read the caller's) */
  pthread_t owner;
  int err_code;
  int err_relayed; /* the error is another process's, relayed (nfcs_procs_relay) */
  char err_msg[1024];
  char err_origin[256];
};

#endif
