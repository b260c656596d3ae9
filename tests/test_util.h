/* Helpers shared by the C tests. */
#ifndef NFCS_TEST_UTIL_H
#define NFCS_TEST_UTIL_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nfcs_backend.h"
#include "nfcs_cgl.h"
#include "nfcs_internal.h"
#include "nfcs_params.h"

#if NFCS_SINGLE
#define TOL_SCALE 1e7 /* round-off tolerances scale with the precision */
#else
#define TOL_SCALE 1.0
#endif

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

static inline nfcs_ctx *tu_ctx_on(const char *backend, int threads) {
  nfcs_ctx *ctx = NULL;
  assert_int_equal(nfcs_ctx_create(&ctx), 0);
  nfcs_ctx_set_log_level(ctx, NFCS_LOG_WARNING);
  nfcs_ctx_set_threads(ctx, threads);
  nfcs_ctx_set_fft(ctx, NFCS_PLAN_ESTIMATE, "");
  assert_int_equal(nfcs_ctx_use_backend(ctx, backend), 0);
  return ctx;
}

static inline nfcs_ctx *tu_ctx(int threads) { return tu_ctx_on(tu_backend(), threads); }

/* params of a cgl run on an n^dim grid of side L */
static inline void tu_params(nfcs_params *p, int dim, int64_t n, double L, double c1, double c3, int scheme, double dt) {
  nfcs_params_defaults(p);
  p->has_cgl = 1;
  p->cgl.grid_size.n = p->cgl.spatial_extent.n = dim;
  for (int a = 0; a < dim && a < 3; a++) {
    p->cgl.grid_size.v[a] = n;
    p->cgl.spatial_extent.v[a] = L;
  }
  p->cgl.c1 = c1;
  p->cgl.c3 = c3;
  p->cgl.scheme = scheme;
  p->cgl.time_step = dt;
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

static inline double tu_maxdiff(const nfcs_real *a, const nfcs_real *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = hypot((double)a[2 * i] - b[2 * i], (double)a[2 * i + 1] - b[2 * i + 1]);
    if (d > m) m = d;
  }
  return m;
}

static inline double tu_maxabs(const nfcs_real *a, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = hypot((double)a[2 * i], (double)a[2 * i + 1]);
    if (d > m) m = d;
  }
  return m;
}

#define TU_NAMESPEC "%s"
#endif
