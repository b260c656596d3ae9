/* Helpers shared by the C tests.
 *
 * Every comparison here treats a non-finite value as an infinite error, and every check is
 * written so that NaN fails: tu_check(err, bound) passes only when err <= bound holds, and prints
 * the error next to its bound so that the margins can be audited in the test log.
 *
 * Tolerances are a method error plus a round-off term: tu_roundoff(units) = units * TU_EPS, with
 * TU_EPS the unit round-off of the engine's precision (double, or float in a single-precision
 * build).  A method's error (what the scheme makes at this dt) is the same in both precisions;
 * only the round-off term scales. */
#ifndef NFCS_TEST_UTIL_H
#define NFCS_TEST_UTIL_H

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "nfcs_backend.h"
#include "nfcs_cgl.h"
#include "nfcs_internal.h"
#include "nfcs_kuramoto.h"
#include "nfcs_params.h"

/* The modules' sections of a config, to set in tests. */
#define CGL(p) nfcs_cgl_section_rw(p)
#define KUR(p) nfcs_kuramoto_section_rw(p)

#if NFCS_SINGLE
#define TU_EPS ((double)FLT_EPSILON) /* unit round-off of the field's arithmetic */
#else
#define TU_EPS DBL_EPSILON
#endif

/* units of round-off: a bound of `units` rounding errors of the engine's precision */
static inline double tu_roundoff(double units) { return units * TU_EPS; }

/* Check err <= bound (NaN fails), printing both.  fmt names the quantity. */
static inline void tu_check(double err, double bound, const char *fmt, ...) {
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  print_message("  %-66s %10.3e  <= %9.3e\n", what, err, bound);
  if (!(err <= bound)) fail_msg("%s: %.6g exceeds its bound %.6g", what, err, bound);
}

/* Check lo <= v <= hi (NaN fails), printing all three. */
static inline void tu_check_range(double v, double lo, double hi, const char *fmt, ...) {
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  print_message("  %-66s %10.4g  in [%.4g, %.4g]\n", what, v, lo, hi);
  if (!(v >= lo && v <= hi)) fail_msg("%s: %.6g is outside [%.6g, %.6g]", what, v, lo, hi);
}

/* An engine call that must succeed: the context's message on failure. */
#define TU_OK(ctx, expr)                                                                                 \
  do {                                                                                                   \
    int tu_rc_ = (expr);                                                                                 \
    if (tu_rc_) fail_msg("%s returned %d: %s", #expr, tu_rc_, nfcs_error_message(ctx));                  \
  } while (0)

/* The backend under test: NFCS_TEST_BACKEND (default cpu) — the conformance suite runs the same
 * tests on every backend (DESIGN.md style 10). */
static inline const char *tu_backend(void) {
  const char *b = getenv("NFCS_TEST_BACKEND");
  return b && *b ? b : "cpu";
}

/* Exit with CTest's skip code when the backend under test is not on this machine. */
static inline void tu_require_backend(void) {
  const nfcs_backend_type *t = nfcs_backend_find(tu_backend());
  char why[256] = "";
  if (!t || !t->available(why, sizeof why)) {
    printf("backend %s not available here (%s): skipped\n", tu_backend(), t ? why : "not built");
    exit(77);
  }
}

/* A context on the backend with FFTW_ESTIMATE plans and no wisdom file: plans depend on nothing
 * outside the process, so bit-for-bit comparisons never depend on what other tests planned. */
static inline nfcs_ctx *tu_ctx_on(const char *backend, int threads) {
  nfcs_ctx *ctx = NULL;
  assert_int_equal(nfcs_ctx_create(&ctx), 0);
  nfcs_ctx_set_log_level(ctx, NFCS_LOG_WARNING);
  nfcs_ctx_set_threads(ctx, threads);
  nfcs_ctx_set_fft(ctx, NFCS_PLAN_ESTIMATE, "");
  TU_OK(ctx, nfcs_ctx_use_backend(ctx, backend));
  return ctx;
}

static inline nfcs_ctx *tu_ctx(int threads) { return tu_ctx_on(tu_backend(), threads); }

/* params of a cgl run on an n^dim grid of side L */
static inline void tu_params(nfcs_params *p, int dim, int64_t n, double L, double c1, double c3, int scheme, double dt) {
  nfcs_params_defaults(p);
  nfcs_params_set_present(p, "cgl", 1);
  CGL(p)->grid_size.n = CGL(p)->spatial_extent.n = dim;
  for (int a = 0; a < dim && a < 3; a++) {
    CGL(p)->grid_size.v[a] = n;
    CGL(p)->spatial_extent.v[a] = L;
  }
  CGL(p)->c1 = c1;
  CGL(p)->c3 = c3;
  CGL(p)->scheme = scheme;
  CGL(p)->time_step = dt;
}

static inline nfcs_real *tu_field(const nfcs_grid *g) {
  nfcs_real *f = calloc(2 * g->npts, sizeof(nfcs_real));
  assert_non_null(f);
  return f;
}

static inline void tu_xyz(const nfcs_grid *g, size_t i, double x[3]) {
  int64_t idx[3] = {(int64_t)(i % (size_t)g->n[0]), (int64_t)((i / (size_t)g->n[0]) % (size_t)g->n[1]),
                    (int64_t)(i / ((size_t)g->n[0] * (size_t)g->n[1]))};
  for (int a = 0; a < 3; a++) x[a] = a < g->dim ? nfcs_grid_x(g, a, idx[a]) : 0.0;
}

/* a running maximum in which NaN wins (as +inf): max(m, NaN) = inf */
static inline double tu_max(double m, double v) {
  if (isnan(v)) return INFINITY;
  return v > m ? v : m;
}

/* max |a - b| over n complex values; +inf when any value is not finite */
static inline double tu_maxdiff(const nfcs_real *a, const nfcs_real *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite((double)a[2 * i]) || !isfinite((double)a[2 * i + 1]) || !isfinite((double)b[2 * i]) ||
        !isfinite((double)b[2 * i + 1]))
      return INFINITY;
    m = tu_max(m, hypot((double)a[2 * i] - b[2 * i], (double)a[2 * i + 1] - b[2 * i + 1]));
  }
  return m;
}

/* max |a| over n complex values; +inf when any value is not finite */
static inline double tu_maxabs(const nfcs_real *a, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite((double)a[2 * i]) || !isfinite((double)a[2 * i + 1])) return INFINITY;
    m = tu_max(m, hypot((double)a[2 * i], (double)a[2 * i + 1]));
  }
  return m;
}

/* every value finite */
static inline int tu_all_finite(const nfcs_real *a, size_t nreal) {
  for (size_t i = 0; i < nreal; i++)
    if (!isfinite((double)a[i])) return 0;
  return 1;
}

/* max |a_i - b_i| of phases (wrapped difference); +inf when any value is not finite */
static inline double tu_phase_maxdiff(const double *a, const double *b, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; i++) {
    if (!isfinite(a[i]) || !isfinite(b[i])) return INFINITY;
    m = tu_max(m, fabs(remainder(a[i] - b[i], 2 * M_PI)));
  }
  return m;
}

/* Run a group of a test binary: argv[1] = "fast" (the default group: unit and quick validation),
 * "long" (long physics runs, labelled `long` in CTest and left out of the sanitizer build), or
 * nothing for both. */
#define TU_RUN_GROUPS(argc, argv, fast, slow)                                                           \
  do {                                                                                                  \
    const char *tu_g_ = (argc) > 1 ? (argv)[1] : "all";                                                 \
    int tu_f_ = 0;                                                                                      \
    if (strcmp(tu_g_, "long")) tu_f_ |= cmocka_run_group_tests_name("fast", fast, NULL, NULL);         \
    if (strcmp(tu_g_, "fast")) tu_f_ |= cmocka_run_group_tests_name("long", slow, NULL, NULL);         \
    return tu_f_ ? 1 : 0;                                                                               \
  } while (0)

#endif
