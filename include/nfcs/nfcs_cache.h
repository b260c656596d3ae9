/* NFCS — the cache (docs/cache.md): finished runs reused or continued (io/), and what is expensive
 * to prepare kept between runs (core/: ETDRK4 coefficients; the CPU backend's FFTW wisdom). */
#ifndef NFCS_CACHE_H
#define NFCS_CACHE_H

#include <stdio.h>

#include "nfcs_base.h"
#include "nfcs_params.h"

NFCS_EXTERN_C_BEGIN

/* The cache's folder of a config: cache.dir, else $XDG_CACHE_HOME/nfcs, else ~/.cache/nfcs ("" when
 * none of them is set). */
NFCS_API void nfcs_cache_default_dir(const nfcs_params *p, char *out, size_t len);
/* Where the context keeps what it prepares (dir "" : nowhere; FFTW wisdom "auto" goes there too),
 * and the bytes those files may take (0: none is kept or used, as with cache.enabled: false). */
NFCS_API void nfcs_ctx_set_cache(nfcs_ctx *ctx, const char *dir, double max_bytes);
/* The least recently used of the cache's own files removed until they take at most max_bytes
 * (removed() told of each); returns the bytes left. */
NFCS_API double nfcs_cache_prune_files(const char *dir, double max_bytes, void (*removed)(void *user, const char *path, double bytes),
                                       void *user);
/* Each of the cache's own files, least recently used first (used_s: Unix time of its last use). */
NFCS_API void nfcs_cache_each_file(const char *dir, void (*each)(void *user, const char *path, double bytes, double used_s), void *user);

/* ---------------------------------------------------------------- finished runs (io/) */

/* The key of a run's result: the model hash, the engine (version, precision), backend, threads,
 * processes, and every row besides the model's that changes the file's data (output intervals and
 * precision, the observers, the FFT planner, ...); not run.t_end, the paths, monitoring, pacing or
 * logging.  Hex SHA-256 into key. */
NFCS_API int nfcs_result_key(const nfcs_params *p, const char *model_hash, const char *backend, int threads, int processes, char key[65]);

typedef enum nfcs_cache_verdict {
  NFCS_CACHE_COMPUTE = 0, /* nothing to reuse: run */
  NFCS_CACHE_UP_TO_DATE,  /* output.path holds this very run already: nothing to do */
  NFCS_CACHE_REUSED,      /* the same run's file (and checkpoint) copied to output.path, and indexed: nothing to do */
  NFCS_CACHE_CONTINUED    /* a shorter run's file and final checkpoint copied there: run from `restart` */
} nfcs_cache_verdict;

typedef struct nfcs_cache_plan {
  nfcs_cache_verdict verdict;
  double t_from;                /* the model time of the run reused or continued */
  char source[NFCS_PATH_MAX];   /* its file */
  char restart[NFCS_PATH_MAX + 16]; /* CONTINUED: the checkpoint to continue from (this run's own place) */
} nfcs_cache_plan;

/* Before a run of p with result key `key`: what the index in dir offers (entries whose files are
 * gone or changed are dropped), with the copies made for REUSED and CONTINUED. */
NFCS_API int nfcs_cache_consult(nfcs_ctx *ctx, const char *dir, const nfcs_params *p, const char *key, nfcs_cache_plan *plan);
/* After a run of p finished at t_end: its output and final checkpoint into the index (with their
 * sizes and SHA-256), replacing what the index said of the same file. */
NFCS_API int nfcs_cache_record(nfcs_ctx *ctx, const char *dir, const nfcs_params *p, const char *key, double t_end);
/* `nfcs cache list`: the finished runs and the prepared data. */
NFCS_API int nfcs_cache_list(nfcs_ctx *ctx, const char *dir, FILE *f);
/* `nfcs cache prune`: entries whose files are gone or changed dropped, the least recently used
 * prepared data removed beyond max_bytes. */
NFCS_API int nfcs_cache_prune(nfcs_ctx *ctx, const char *dir, double max_bytes, FILE *f);

NFCS_EXTERN_C_END
#endif
