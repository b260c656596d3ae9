/* The engine timing itself (include/nfcs/nfcs_bench.h): the sweeps behind `nfcs bench` and the
 * microbenchmarks, each case next to its floor measured in the same process. */
#include "nfcs_bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfcs_cgl.h"
#include "nfcs_internal.h"
#include "nfcs_kuramoto.h"
#include "nfcs_metrics.h"
#include "nfcs_procs_ops.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* distributed: the first process's verdict (loops of collective steps run as many times on all) */
static int agreed(int cond) {
  if (nfcs_procs()->size == 1) return cond;
  int v = cond;
  nfcs_procs()->bcast(&v, sizeof v, 0);
  return v;
}

static double quantile(double *v, int n, double q) {
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  double pos = q * (n - 1);
  int i = (int)floor(pos);
  double f = pos - i;
  return i + 1 < n ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

struct nfcs_fft_pair {
  nfcs_ctx *ctx;
  nfcs_real *a, *b;
  nfcs_fft *plan;
};

void nfcs_fft_pair_destroy(nfcs_fft_pair **pp) {
  nfcs_fft_pair *p = *pp;
  if (!p) return;
  if (p->plan) p->ctx->ops->fft->destroy(p->ctx->backend, &p->plan);
  if (p->a) p->ctx->ops->memory->free(p->ctx->backend, p->a);
  if (p->b) p->ctx->ops->memory->free(p->ctx->backend, p->b);
  free(p);
  *pp = NULL;
}

int nfcs_fft_pair_create(nfcs_ctx *ctx, const nfcs_grid *g, nfcs_fft_pair **out) {
  *out = NULL;
  if (!ctx->ops) return NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "no backend bound to the context (nfcs_ctx_use_backend)");
  nfcs_fft_pair *p = calloc(1, sizeof *p);
  if (!p) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  p->ctx = ctx;
  int rc;
  NFCS_CHECK_GOTO(ctx->ops->memory->alloc(ctx->backend, g->nalloc, &p->a), fail);
  NFCS_CHECK_GOTO(ctx->ops->memory->alloc(ctx->backend, g->nalloc, &p->b), fail);
  NFCS_CHECK_GOTO(ctx->ops->fft->create(ctx->backend, g, p->a, p->b, &p->plan), fail);
  *out = p;
  return NFCS_OK;
fail:
  nfcs_fft_pair_destroy(&p);
  return rc;
}

/* the pair runs on zeros: the time of an FFT does not depend on the data, and the data then needs
 * no renormalising copy inside the timed loop */
int nfcs_fft_pair_run(nfcs_fft_pair *p, int count) {
  nfcs_ctx *ctx = p->ctx;
  for (int i = 0; i < count; i++) {
    NFCS_CHECK(ctx->ops->fft->forward(ctx->backend, p->plan, p->a, p->b));
    NFCS_CHECK(ctx->ops->fft->inverse(ctx->backend, p->plan, p->b, p->a));
  }
  nfcs_real one[2];
  return ctx->ops->memory->download(ctx->backend, one, p->a, 1); /* an asynchronous backend finishes here */
}

double nfcs_bench_cgl_min_bytes(int scheme, size_t npts) {
  /* complex-array transfers (read or write of one array) in a step; etdrk4: eight FFTs (16), four
   * nonlinear passes (8), three stages (4 + 4 + 5) and the final (9) with E and E2 from per-axis
   * factors */
  const double transfers = scheme == NFCS_SCHEME_STRANG ? 8 : scheme == NFCS_SCHEME_ETDRK4 ? 46 : 14;
  return transfers * 2.0 * sizeof(nfcs_real) * (double)npts;
}

double nfcs_bench_copy_bandwidth(const char *backend, int threads) {
  nfcs_ctx *ctx = NULL;
  if (nfcs_ctx_create(&ctx)) return 0;
  nfcs_ctx_set_threads(ctx, threads);
  double bw = 0;
  nfcs_real *a = NULL, *b = NULL, one[2];
  const size_t n = (size_t)(512u << 20) / (2 * sizeof(nfcs_real));
  if (!nfcs_ctx_use_backend(ctx, backend) && !ctx->ops->memory->alloc(ctx->backend, n, &a) && !ctx->ops->memory->alloc(ctx->backend, n, &b)) {
    for (int rep = 0; rep < 6; rep++) {
      ctx->ops->memory->download(ctx->backend, one, a, 1); /* drains the queue */
      double t = now_s();
      for (int k = 0; k < 4; k++) ctx->ops->memory->copy(ctx->backend, (k & 1) ? a : b, (k & 1) ? b : a, n);
      ctx->ops->memory->download(ctx->backend, one, a, 1);
      double g = 4.0 * 2.0 * (double)n * 2 * sizeof(nfcs_real) / (now_s() - t) / 1e9;
      if (g > bw) bw = g;
    }
  }
  if (a) ctx->ops->memory->free(ctx->backend, a);
  if (b) ctx->ops->memory->free(ctx->backend, b);
  nfcs_ctx_destroy(&ctx);
  return bw;
}

/* a benchmark's context: quiet, its threads and FFT planning (wisdom kept), the backend bound */
static int bench_ctx(nfcs_ctx *ctx, const char *backend, int threads, int planner) {
  nfcs_ctx_set_log_level(ctx, NFCS_LOG_WARNING);
  nfcs_ctx_set_threads(ctx, threads);
  nfcs_ctx_set_fft(ctx, planner, "auto");
  return nfcs_ctx_use_backend(ctx, backend);
}

void nfcs_bench_cgl_params(nfcs_params *p, int n, int dim, int scheme) {
  nfcs_params_defaults(p);
  nfcs_params_set_present(p, "cgl", 1);
  nfcs_cgl_section_rw(p)->grid_size.n = nfcs_cgl_section_rw(p)->spatial_extent.n = dim;
  for (int i = 0; i < dim; i++) {
    nfcs_cgl_section_rw(p)->grid_size.v[i] = n;
    nfcs_cgl_section_rw(p)->spatial_extent.v[i] = 0.78 * n;
  }
  nfcs_cgl_section_rw(p)->c1 = 2.0;
  nfcs_cgl_section_rw(p)->c3 = -0.7;
  nfcs_cgl_section_rw(p)->time_step = 0.05;
  nfcs_cgl_section_rw(p)->scheme = scheme;
  nfcs_cgl_section_rw(p)->ic.amplitude = 0.5;
}

int nfcs_bench_cgl(int n, int dim, int scheme, int threads, int planner, double min_time, nfcs_bench_cgl_result *r) {
  return nfcs_bench_cgl_on("cpu", n, dim, scheme, threads, planner, min_time, r);
}

int nfcs_bench_cgl_on(const char *backend, int n, int dim, int scheme, int threads, int planner, double min_time,
                      nfcs_bench_cgl_result *r) {
  memset(r, 0, sizeof *r);
  r->n = n;
  r->dim = dim;
  r->scheme = scheme;
  r->threads = threads;
  nfcs_ctx *ctx = NULL;
  NFCS_CHECK(nfcs_ctx_create(&ctx));
  int rc = bench_ctx(ctx, backend, threads, planner);
  static nfcs_params p;
  nfcs_cgl *cgl = NULL;
  nfcs_real *host = NULL;
  nfcs_fft_pair *pair = NULL;
  enum { MAXB = 400 };
  double *ts = malloc(sizeof(double) * MAXB), *tp = malloc(sizeof(double) * MAXB), *rat = malloc(sizeof(double) * MAXB);
  double *tm = malloc(sizeof(double) * MAXB);
  if (rc || !ts || !tp || !rat || !tm) goto out;
  nfcs_bench_cgl_params(&p, n, dim, scheme);
  double t0 = now_s();
  NFCS_CHECK_GOTO(nfcs_cgl_create(ctx, &p, &cgl), out);
  r->setup_s = now_s() - t0;
  const nfcs_grid *g = nfcs_cgl_grid(cgl);
  host = malloc(sizeof(nfcs_real) * 2 * g->npts);
  if (!host) { rc = NFCS_ERR_NOMEM; goto out; }
  nfcs_cgl_pattern(&p, g, host);
  nfcs_cgl_set_field(cgl, host);
  NFCS_CHECK_GOTO(nfcs_fft_pair_create(ctx, g, &pair), out);
  /* warm-up, and a batch size of about 20 ms */
  double w = now_s();
  int k = 0;
  /* every status is kept (the first error wins) and checked after each loop: a failed call gives
   * no timing */
#define KEEP(expr) (rc = rc ? rc : (expr))
  while (agreed((now_s() - w < 0.1 || k < 3) && !rc)) {
    KEEP(nfcs_cgl_step(cgl, nfcs_cgl_section_rw(&p)->time_step));
    KEEP(nfcs_fft_pair_run(pair, 1)); /* an asynchronous backend finishes the step here too */
    k++;
  }
  if (rc) goto out;
  double per = (now_s() - w) / k;
  int batch = agreed((int)ceil(0.02 / per));
  if (batch < 1) batch = 1;
  double start = now_s();
  int nb = 0;
  while (agreed(nb < MAXB && (nb < 5 || now_s() - start < min_time) && !rc)) {
    double s0 = now_s();
    KEEP(nfcs_fft_pair_run(pair, batch));
    double s1 = now_s();
    for (int i = 0; i < batch; i++) KEEP(nfcs_cgl_step(cgl, nfcs_cgl_section_rw(&p)->time_step));
    KEEP(nfcs_fft_pair_run(pair, 0)); /* waits for the steps */
    double s2 = now_s();
    nfcs_field_metrics m;
    KEEP(nfcs_cgl_metrics(cgl, &m, 1));
    double s3 = now_s();
    tp[nb] = 1e3 * (s1 - s0) / batch;
    ts[nb] = 1e3 * (s2 - s1) / batch;
    tm[nb] = 1e3 * (s3 - s2);
    rat[nb] = ts[nb] / tp[nb];
    nb++;
  }
#undef KEEP
  if (rc) goto out;
  r->batches = nb;
  r->ratio = quantile(rat, nb, 0.5);
  r->step_ms_q1 = quantile(ts, nb, 0.25);
  r->step_ms = quantile(ts, nb, 0.5);
  r->step_ms_q3 = quantile(ts, nb, 0.75);
  r->pair_ms_q1 = quantile(tp, nb, 0.25);
  r->pair_ms = quantile(tp, nb, 0.5);
  r->pair_ms_q3 = quantile(tp, nb, 0.75);
  r->metrics_ms = quantile(tm, nb, 0.5);
  r->metrics_ratio = r->metrics_ms / r->step_ms;
  r->memory = nfcs_cgl_memory(cgl);
  r->min_bytes = nfcs_bench_cgl_min_bytes(scheme, g->nloc); /* this process's part (its bandwidth is measured alone) */
  /* distributed: each transform makes one all-to-all of the grid (FFTW-MPI's transpose), timed alone */
  r->procs = nfcs_procs()->size;
  if (g->distributed) {
    const int P = r->procs;
    const double ffts = (double)nfcs_cgl_scheme_at((size_t)scheme)->ffts_per_step;
    r->comm_ms = ffts * nfcs_cpu_mpi_transpose_ms(g, threads, 0.2);
    r->comm_bytes = ffts * 2.0 * sizeof(nfcs_real) * (double)g->nloc * (double)(P - 1) / (double)P;
    r->comm_share = r->comm_ms / r->step_ms;
  }
  if (!nfcs_cgl_finite(cgl)) rc = NFCS_ERR_NONFINITE;
out:
  nfcs_fft_pair_destroy(&pair);
  nfcs_cgl_destroy(&cgl);
  free(host);
  free(ts);
  free(tp);
  free(rat);
  free(tm);
  nfcs_ctx_destroy(&ctx);
  return rc;
}

int nfcs_bench_kuramoto(int64_t n, int coupling, int blas, int threads, double min_time, nfcs_bench_kur_result *r) {
  return nfcs_bench_kuramoto_on("cpu", n, coupling, blas, threads, min_time, r);
}

static int bench_kur(const char *backend, int64_t n, int coupling, int blas, int64_t members, int threads, double min_time,
                     nfcs_bench_kur_result *r);

int nfcs_bench_kuramoto_on(const char *backend, int64_t n, int coupling, int blas, int threads, double min_time,
                           nfcs_bench_kur_result *r) {
  return bench_kur(backend, n, coupling, blas, 1, threads, min_time, r);
}

int nfcs_bench_kuramoto_ensemble(const char *backend, int64_t n, int coupling, int64_t members, int threads, double min_time,
                                 nfcs_bench_kur_result *r) {
  return bench_kur(backend, n, coupling, 0, members, threads, min_time, r);
}

static int bench_kur(const char *backend, int64_t n, int coupling, int blas, int64_t members, int threads, double min_time,
                     nfcs_bench_kur_result *r) {
  memset(r, 0, sizeof *r);
  r->n = n;
  r->coupling = coupling;
  r->threads = threads;
  r->blas = blas;
  nfcs_ctx *ctx = NULL;
  NFCS_CHECK(nfcs_ctx_create(&ctx));
  int rc = bench_ctx(ctx, backend, threads, NFCS_PLAN_MEASURE);
  static nfcs_params p;
  nfcs_kuramoto *k = NULL;
  double R_sync, psi_sync;
  enum { MAXB = 400 };
  double *ts = malloc(sizeof(double) * MAXB);
  if (rc || !ts) goto out;
  nfcs_params_defaults(&p);
  nfcs_params_set_present(&p, "kuramoto", 1);
  nfcs_kuramoto_section_rw(&p)->oscillators = n;
  nfcs_kuramoto_section_rw(&p)->coupling = coupling;
  nfcs_kuramoto_section_rw(&p)->matrix.source = NFCS_MATRIX_UPSTREAM; /* K built in memory: no file to read */
  nfcs_kuramoto_section_rw(&p)->matrix.kernel = blas ? NFCS_DENSE_BLAS : NFCS_DENSE_FUSED;
  nfcs_kuramoto_section_rw(&p)->normalization = NFCS_NORM_MEAN;
  nfcs_kuramoto_section_rw(&p)->time_step = 0.01;
  nfcs_kuramoto_section_rw(&p)->ensemble = members;
  nfcs_kuramoto_inputs in = {0};
  if (coupling == NFCS_COUPLING_SPARSE) {
    /* a ring with 10 neighbours on each side */
    const int64_t deg = n > 20 ? 20 : n - 1;
    in.nedges = n * deg;
    in.src = malloc(sizeof(int64_t) * (size_t)in.nedges);
    in.dst = malloc(sizeof(int64_t) * (size_t)in.nedges);
    if (!in.src || !in.dst) { nfcs_kuramoto_inputs_free(&in); rc = NFCS_ERR_NOMEM; goto out; }
    for (int64_t i = 0, e = 0; i < n; i++)
      for (int64_t d = 1; d <= deg; d++, e++) {
        in.dst[e] = i;
        in.src[e] = (i + (d <= deg / 2 ? d : -(d - deg / 2)) + n) % n;
      }
  }
  double t0 = now_s();
  NFCS_CHECK_GOTO(nfcs_kuramoto_create(ctx, &p, &in, &k), out);
  r->setup_s = now_s() - t0;
  r->memory = nfcs_kuramoto_memory(k);
  /* warm-up: steps in runs of 8 closed by the order parameter (which waits for an asynchronous
   * backend), then that order parameter alone: it costs a pass of cos and sin rounded as written,
   * so a batch is made long enough that it stays within 5 % of the batch */
  double w = now_s();
  int c = 0;
  while (agreed(now_s() - w < 0.1 || c < 8)) {
    for (int i = 0; i < 8; i++) nfcs_kuramoto_step(k, 0.01);
    nfcs_kuramoto_order(k, &R_sync, &psi_sync);
    c += 8;
  }
  double o0 = now_s();
  nfcs_kuramoto_order(k, &R_sync, &psi_sync);
  const double order_s = now_s() - o0;
  const double per = fmax((now_s() - w - order_s) / c - order_s / 8, 1e-9); /* one step */
  int batch = agreed((int)fmax(ceil(0.02 / per), ceil(20.0 * order_s / per)));
  if (batch < 1) batch = 1;
  double start = now_s(), comm0, bytes0, comm1, bytes1;
  int nb = 0, steps = 0;
  nfcs_procs()->traffic(&comm0, &bytes0);
  while (agreed(nb < MAXB && (nb < 5 || now_s() - start < min_time))) {
    nfcs_kuramoto_order(k, &R_sync, &psi_sync);
    double a = now_s();
    for (int i = 0; i < batch; i++) nfcs_kuramoto_step(k, 0.01);
    nfcs_kuramoto_order(k, &R_sync, &psi_sync);
    ts[nb++] = 1e3 * (now_s() - a) / batch;
    steps += batch;
  }
  nfcs_procs()->traffic(&comm1, &bytes1);
  /* distributed: the processes' exchanges (allgathers of cos, sin; sums of the order parameter),
   * measured inside the calls, per step (the order parameters of the timing loop included) */
  r->procs = nfcs_procs()->size;
  r->comm_ms = 1e3 * (comm1 - comm0) / steps;
  r->comm_bytes = (bytes1 - bytes0) / steps;
  r->batches = nb;
  r->step_ms_q1 = quantile(ts, nb, 0.25);
  r->step_ms = quantile(ts, nb, 0.5);
  r->step_ms_q3 = quantile(ts, nb, 0.75);
  r->steps_per_s = 1e3 / r->step_ms;
  r->comm_share = r->comm_ms / r->step_ms;
  r->ns_per_osc = 1e6 * r->step_ms / (double)(n * members);
  if (coupling == NFCS_COUPLING_MATRIX) {
    /* this process's rows of K (all of them on one process), read four times a step */
    int split;
    int64_t row0, rows, m0, ml;
    nfcs_kuramoto_local_block(k, &split, &row0, &rows, &m0, &ml);
    r->k_bytes_per_step = 4.0 * (double)rows * (double)n * sizeof(double);
    r->k_gbs = r->k_bytes_per_step / (r->step_ms * 1e-3) / 1e9;
  }
  if (!nfcs_kuramoto_finite(k)) rc = NFCS_ERR_NONFINITE;
out:
  nfcs_kuramoto_destroy(&k);
  free(ts);
  nfcs_ctx_destroy(&ctx);
  return rc;
}

double nfcs_bench_stream_triad(int threads, size_t n) {
  double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double)), *c = malloc(n * sizeof(double));
  if (!a || !b || !c) { free(a); free(b); free(c); return 0; }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; i++) { a[i] = 0; b[i] = 1; c[i] = 2; }
  double best = 0;
  for (int rep = 0; rep < 10; rep++) {
    double t = now_s();
#pragma omp parallel for simd num_threads(threads) schedule(static)
    for (size_t i = 0; i < n; i++) a[i] = b[i] + 3.0 * c[i];
    double dt = now_s() - t, bw = 24.0 * (double)n / dt / 1e9;
    if (bw > best) best = bw;
  }
  volatile double sink = a[n / 2];
  (void)sink;
  free(a); free(b); free(c);
  return best;
}
