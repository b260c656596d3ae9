/* The context: error recording, logging, threads. */
#include "nfcs_cache.h"
#include "nfcs_internal.h"

#include <stdarg.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *nfcs_status_name(int code) {
  switch (code) {
#define NFCS_X_NAME(name, value, text) \
  case value: return #name;
    NFCS_ERROR_LIST(NFCS_X_NAME)
#undef NFCS_X_NAME
  default: return "NFCS_ERR_UNKNOWN";
  }
}

const char *nfcs_status_text(int code) {
  switch (code) {
#define NFCS_X_TEXT(name, value, text) \
  case value: return text;
    NFCS_ERROR_LIST(NFCS_X_TEXT)
#undef NFCS_X_TEXT
  default: return "unknown error";
  }
}

int nfcs_ctx_create(nfcs_ctx **out) {
  nfcs_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return NFCS_ERR_NOMEM;
  ctx->log_level = NFCS_LOG_INFO;
  ctx->threads = 0;
  ctx->fft_planner = NFCS_PLAN_MEASURE;
  snprintf(ctx->fft_wisdom, sizeof ctx->fft_wisdom, "auto");
  nfcs_cache_default_dir(NULL, ctx->cache_dir, sizeof ctx->cache_dir); /* FFTW wisdom's folder; nothing else is kept */
  ctx->cache_max = 0;
  ctx->owner = pthread_self();
  *out = ctx;
  return NFCS_OK;
}

void nfcs_ctx_destroy(nfcs_ctx **ctx) {
  if (!ctx || !*ctx) return;
  if ((*ctx)->backend && (*ctx)->ops && (*ctx)->ops->destroy) (*ctx)->ops->destroy(&(*ctx)->backend);
  free(*ctx);
  *ctx = NULL;
}

void nfcs_ctx_set_log_level(nfcs_ctx *ctx, nfcs_log_level level) { ctx->log_level = level; }
nfcs_log_level nfcs_ctx_log_level(const nfcs_ctx *ctx) { return ctx->log_level; }

void nfcs_ctx_set_threads(nfcs_ctx *ctx, int threads) {
  if (threads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n > 0 ? (int)n : 1;
  }
  ctx->threads = threads;
}

void nfcs_ctx_set_fft(nfcs_ctx *ctx, int planner, const char *wisdom) {
  ctx->fft_planner = planner;
  snprintf(ctx->fft_wisdom, sizeof ctx->fft_wisdom, "%s", wisdom ? wisdom : "");
}

int nfcs_ctx_threads(const nfcs_ctx *ctx) {
  if (ctx->threads > 0) return ctx->threads;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

/* The error record a thread writes and reads: the context's for the thread that created it, a
 * record of its own for any other (so that two threads never write one record). */
typedef struct err_record {
  int code;
  char msg[1024];
  char origin[256];
} err_record;
static _Thread_local err_record thread_err;

static err_record *record_of(nfcs_ctx *ctx) {
  _Static_assert(sizeof thread_err.msg == sizeof ctx->err_msg && sizeof thread_err.origin == sizeof ctx->err_origin, "records");
  return pthread_equal(pthread_self(), ctx->owner) ? NULL : &thread_err;
}

int nfcs_error_vraise(nfcs_ctx *ctx, int code, const char *file, int line, const char *func, const char *fmt, va_list ap) {
  if (!ctx) return code;
  err_record *r = record_of(ctx);
  int *c = r ? &r->code : &ctx->err_code;
  char *msg = r ? r->msg : ctx->err_msg, *origin = r ? r->origin : ctx->err_origin;
  *c = code;
  if (!r) ctx->err_relayed = 0;
  vsnprintf(msg, sizeof ctx->err_msg, fmt, ap);
  const char *base = strrchr(file, '/');
  snprintf(origin, sizeof ctx->err_origin, "%s:%d (%s)", base ? base + 1 : file, line, func);
  return code;
}

int nfcs_error_raise(nfcs_ctx *ctx, int code, const char *file, int line, const char *func, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int rc = nfcs_error_vraise(ctx, code, file, line, func, fmt, ap);
  va_end(ap);
  return rc;
}

int nfcs_error_code(const nfcs_ctx *ctx) {
  const err_record *r = record_of((nfcs_ctx *)ctx);
  return r ? r->code : ctx->err_code;
}
const char *nfcs_error_message(const nfcs_ctx *ctx) {
  const err_record *r = record_of((nfcs_ctx *)ctx);
  return r ? r->msg : ctx->err_msg;
}
const char *nfcs_error_origin(const nfcs_ctx *ctx) {
  const err_record *r = record_of((nfcs_ctx *)ctx);
  return r ? r->origin : ctx->err_origin;
}

void nfcs_error_clear(nfcs_ctx *ctx) {
  err_record *r = record_of(ctx);
  if (r) {
    memset(r, 0, sizeof *r);
    return;
  }
  ctx->err_code = 0;
  ctx->err_relayed = 0;
  ctx->err_msg[0] = '\0';
  ctx->err_origin[0] = '\0';
}

void nfcs_log(const nfcs_ctx *ctx, nfcs_log_level level, const char *fmt, ...) {
  if (ctx && level < ctx->log_level) return;
  static const char *names[] = {"debug", "info", "warning", "error", "critical"};
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fprintf(stderr, "nfcs: %s: %s\n", names[level < 5 ? level : 4], buf);
}

/* ---------------------------------------------------------------- critical writes */

static atomic_int critical_depth;
static atomic_int critical_pending; /* a signal to raise once no critical write is under way */

void nfcs_critical_enter(void) { atomic_fetch_add(&critical_depth, 1); }

void nfcs_critical_leave(void) {
  if (atomic_fetch_sub(&critical_depth, 1) == 1) {
    const int sig = atomic_exchange(&critical_pending, 0);
    if (sig) {
      signal(sig, SIG_DFL);
      raise(sig);
    }
  }
}

int nfcs_critical_defer(int sig) {
  atomic_store(&critical_pending, sig);
  if (atomic_load(&critical_depth) > 0) return 1; /* nfcs_critical_leave raises it */
  atomic_store(&critical_pending, 0);
  return 0;
}
