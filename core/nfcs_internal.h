/* NFCS core — internals shared by core/, kernels/, io/ and cuda/ (not installed). */
#ifndef NFCS_INTERNAL_H
#define NFCS_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "nfcs_base.h"
#include "nfcs_backend.h"
#include "nfcs_params.h"

struct nfcs_ctx {
  nfcs_log_level log_level;
  int threads;
  int fft_planner;            /* NFCS_PLAN_* */
  char fft_wisdom[NFCS_PATH_MAX];
  char cache_dir[NFCS_PATH_MAX]; /* the cache's folder ("" : none): FFTW wisdom (auto), coefficients */
  double cache_max;              /* bytes its own files may take */
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

/* A folder and every missing parent (mkdir -p); 0, or -1 with errno.  Inline: the backends share it
 * without calling into core. */
static inline int nfcs_make_dirs(const char *path) {
  char dir[NFCS_PATH_MAX];
  if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) return errno = ENAMETOOLONG, -1;
  for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    mkdir(dir, 0755);
    *slash = '/';
  }
  return mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* The cache's own files (core/nfcs_cache.c): an entry of `kind` ("coefficients") for the exact text
 * `key` of what it depends on.  load: 1 with buf filled when a whole entry of that key and length
 * is there, else 0 (buf then undefined).  store: best effort (a failure costs the next run the
 * computation, nothing else). */
int nfcs_cache_load(const nfcs_ctx *ctx, const char *kind, const char *key, void *buf, size_t bytes);
void nfcs_cache_store(const nfcs_ctx *ctx, const char *kind, const char *key, const void *buf, size_t bytes);

#endif
