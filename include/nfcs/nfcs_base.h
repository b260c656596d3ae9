/* NFCS core — base types shared by every public header: export macro, the engine's real type,
 * error codes (one X-macro table), the context handle.  Compiles as C and C++. */
#ifndef NFCS_BASE_H
#define NFCS_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "nfcs_config.h"

#ifdef __cplusplus
#define NFCS_EXTERN_C_BEGIN extern "C" {
#define NFCS_EXTERN_C_END }
#else
#define NFCS_EXTERN_C_BEGIN
#define NFCS_EXTERN_C_END
#endif

#ifdef __cplusplus
#define NFCS_ALIGNAS(n) alignas(n)
#else
#define NFCS_ALIGNAS(n) _Alignas(n)
#endif

#if defined(__GNUC__)
#define NFCS_API __attribute__((visibility("default")))
#define NFCS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NFCS_API
#define NFCS_PRINTF(a, b)
#endif

NFCS_EXTERN_C_BEGIN

/* The engine's floating-point type (NFCS_PRECISION at build time).  Complex arrays are stored
 * interleaved (re, im), layout-compatible with fftw_complex and cuDoubleComplex. */
#if NFCS_SINGLE
typedef float nfcs_real;
#else
typedef double nfcs_real;
#endif

/* Error codes: one table, the value is the process exit status of `nfcs` (SPEC.md §1). */
#define NFCS_ERROR_LIST(X)                                                          \
  X(NFCS_OK, 0, "success")                                                          \
  X(NFCS_ERR_NONFINITE, 1, "the state became non-finite")                           \
  X(NFCS_ERR_USAGE, 64, "usage error")                                              \
  X(NFCS_ERR_DATA, 65, "bad input data")                                            \
  X(NFCS_ERR_NOINPUT, 66, "an input file cannot be opened")                         \
  X(NFCS_ERR_UNAVAILABLE, 69, "the requested backend is not available")             \
  X(NFCS_ERR_SOFTWARE, 70, "internal error")                                        \
  X(NFCS_ERR_NOMEM, 71, "out of memory")                                            \
  X(NFCS_ERR_CANTCREAT, 73, "the output cannot be created")                         \
  X(NFCS_ERR_IO, 74, "I/O error")                                                   \
  X(NFCS_ERR_CONFIG, 78, "configuration error")                                     \
  X(NFCS_ERR_INTERRUPTED, 130, "stopped by a signal")

typedef enum nfcs_status {
#define NFCS_X_ENUM(name, value, text) name = value,
  NFCS_ERROR_LIST(NFCS_X_ENUM)
#undef NFCS_X_ENUM
} nfcs_status;

/* Name and description of an error code ("NFCS_ERR_CONFIG", "configuration error"). */
NFCS_API const char *nfcs_status_name(int code);
NFCS_API const char *nfcs_status_text(int code);

/* Log levels (logging.level of the config). */
typedef enum nfcs_log_level {
  NFCS_LOG_DEBUG = 0,
  NFCS_LOG_INFO = 1,
  NFCS_LOG_WARNING = 2,
  NFCS_LOG_ERROR = 3,
  NFCS_LOG_CRITICAL = 4,
  NFCS_LOG_QUIET = 5
} nfcs_log_level;

/* The context: passed first to every constructor (allocator, logger, last error, backend,
 * threads, seed live here, never in globals). */
typedef struct nfcs_ctx nfcs_ctx;

NFCS_API int nfcs_ctx_create(nfcs_ctx **ctx);
NFCS_API void nfcs_ctx_destroy(nfcs_ctx **ctx);
NFCS_API void nfcs_ctx_set_log_level(nfcs_ctx *ctx, nfcs_log_level level);
NFCS_API nfcs_log_level nfcs_ctx_log_level(const nfcs_ctx *ctx);
/* Threads used by OpenMP loops and FFT plans (0: all cores). */
NFCS_API void nfcs_ctx_set_threads(nfcs_ctx *ctx, int threads);
NFCS_API int nfcs_ctx_threads(const nfcs_ctx *ctx);
/* FFT planning effort (backend.fft_planner, NFCS_PLAN_*) and wisdom file ("auto", a path, "" none). */
NFCS_API void nfcs_ctx_set_fft(nfcs_ctx *ctx, int planner, const char *wisdom);

/* The backends of this build, in a fixed order (cpu, then cuda), and what each is here. */
typedef struct nfcs_backend_info {
  const char *name, *description;
  int available;        /* usable on this machine */
  char why[1024];       /* why not, when not */
  char libraries[256];  /* the libraries it computes with, with versions ("" when not loaded) */
} nfcs_backend_info;
NFCS_API size_t nfcs_backend_count(void);
/* Describe backend i (< nfcs_backend_count()); asking loads a backend built as a module. */
NFCS_API void nfcs_backend_describe(size_t i, nfcs_backend_info *out);
/* Bind a backend to the context by name (creates it); NFCS_ERR_UNAVAILABLE when this build or
 * machine has none of that name, with the reason in the error message. */
NFCS_API int nfcs_ctx_use_backend(nfcs_ctx *ctx, const char *name);

/* Writes that must not be cut short — a flush, a checkpoint and its rename, closing the file — run
 * inside a critical section (io/ marks them).  A handler of a second SIGINT/SIGTERM that would end
 * the process at once calls nfcs_critical_defer(sig) first: when a critical write is under way it
 * returns 1, and the signal is raised again (default action) as soon as that write has ended;
 * otherwise 0, and the handler proceeds.  Async-signal-safe. */
NFCS_API void nfcs_critical_enter(void);
NFCS_API void nfcs_critical_leave(void);
NFCS_API int nfcs_critical_defer(int sig);

/* Record an error in the context and return its code.  Use through NFCS_ERROR(). */
NFCS_API int nfcs_error_raise(nfcs_ctx *ctx, int code, const char *file, int line, const char *func,
                              const char *fmt, ...) NFCS_PRINTF(6, 7);
/* The same with a va_list (what backends loaded as modules are handed, see nfcs_backend_host). */
NFCS_API int nfcs_error_vraise(nfcs_ctx *ctx, int code, const char *file, int line, const char *func, const char *fmt,
                               va_list ap);
/* The last error's code and message ("" when none). */
NFCS_API int nfcs_error_code(const nfcs_ctx *ctx);
NFCS_API const char *nfcs_error_message(const nfcs_ctx *ctx);
/* Where the last error was raised: "file:line (function)". */
NFCS_API const char *nfcs_error_origin(const nfcs_ctx *ctx);
NFCS_API void nfcs_error_clear(nfcs_ctx *ctx);

NFCS_API void nfcs_log(const nfcs_ctx *ctx, nfcs_log_level level, const char *fmt, ...) NFCS_PRINTF(3, 4);

#define NFCS_ERROR(ctx, code, ...) nfcs_error_raise((ctx), (code), __FILE__, __LINE__, __func__, __VA_ARGS__)
/* Propagate a non-zero status to the caller (PETSc's PetscCall). */
#define NFCS_CHECK(expr)                                                                          \
  do {                                                                                            \
    int nfcs_check_rc_ = (expr);                                                                  \
    if (nfcs_check_rc_ != 0) return nfcs_check_rc_;                                               \
  } while (0)
/* Same, jumping to a cleanup label with the status stored in `rc`. */
#define NFCS_CHECK_GOTO(expr, label)                                                              \
  do {                                                                                            \
    rc = (expr);                                                                                  \
    if (rc != 0) goto label;                                                                      \
  } while (0)

NFCS_EXTERN_C_END
#endif
