/* The coordinator: tick arithmetic (every output lands on its model time exactly), the order of
 * the phases in a tick, back-pressure of the I/O thread, restart bit-identity through bundles. */
#include "test_util.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nfcs_bundle.h"
#include "nfcs_io.h"
#include "nfcs_metrics.h"
#include "nfcs_run.h"

/* a sink that records every call (from the I/O thread) */
typedef struct rec {
  int opened, closed, close_status;
  double snap_t[256], met_t[1024], ckpt_t[64];
  int nsnap, nmet, nckpt;
  int64_t nticks;
  double sleep_ms;          /* per snapshot: a slow disk */
  int in_call, max_concurrent;
  double first_u;           /* control energy of the first metrics samples */
  double ce[1024];
  nfcs_bundle last_ckpt;
} rec;

static int r_open(void *self, const nfcs_run_info *info) { ((rec *)self)->opened = 1; (void)info; return 0; }
static int r_snapshot(void *self, const nfcs_snapshot *s) {
  rec *r = self;
  if (r->sleep_ms > 0) {
    struct timespec ts = {0, (long)(r->sleep_ms * 1e6)};
    nanosleep(&ts, NULL);
  }
  if (r->nsnap < 256) r->snap_t[r->nsnap++] = s->t;
  return 0;
}
static int r_metrics(void *self, const nfcs_metrics_sample *m) {
  rec *r = self;
  for (int i = 0; i < m->count; i++)
    if (!strcmp(m->names[i], "control_energy") && r->nmet < 1024) r->ce[r->nmet] = m->values[i];
  if (r->nmet < 1024) r->met_t[r->nmet++] = m->t;
  return 0;
}
static int r_checkpoint(void *self, const nfcs_bundle *b, double t) {
  rec *r = self;
  if (r->nckpt < 64) r->ckpt_t[r->nckpt++] = t;
  nfcs_bundle_free(&r->last_ckpt);
  nfcs_bundle_init(&r->last_ckpt, b->used + 64, b->n + 1);
  for (int i = 0; i < b->n; i++) nfcs_bundle_put(&r->last_ckpt, b->e[i].name, b->e[i].kind, b->e[i].count, b->arena + b->e[i].offset);
  return 0;
}
static int r_timing(void *self, const float *ms, int64_t n, const nfcs_tick_stats *st) {
  (void)ms; (void)st;
  ((rec *)self)->nticks = n;
  return 0;
}
static int r_close(void *self, int status) {
  rec *r = self;
  r->closed = 1;
  r->close_status = status;
  return 0;
}
static void r_destroy(void **self) { (void)self; }
static nfcs_ctx *g_sink_ctx; /* for the messages of the sinks that fail on purpose */
static const nfcs_sink_ops REC = {.open = r_open, .snapshot = r_snapshot, .metrics = r_metrics, .checkpoint = r_checkpoint,
                                  .timing = r_timing, .close = r_close, .destroy = r_destroy};

static void params(nfcs_params *p) {
  nfcs_params_defaults(p);
  nfcs_params_set_present(p, "cgl", 1);
  nfcs_params_set_present(p, "kuramoto", 1);
  CGL(p)->grid_size.v[0] = CGL(p)->grid_size.v[1] = 16;
  CGL(p)->time_step = 0.03; /* does not divide the tick: split steps */
  KUR(p)->oscillators = 20;
  KUR(p)->time_step = 0.02;
  p->run.t_end = 1.0;
  p->coordinator.sim_time_per_tick = 0.1;
  p->output.snapshot_interval = 0.25;
  p->output.metrics_interval = 0.1;
  p->output.checkpoint_interval = 0.3;
  nfcs_ctx *dummy = NULL;
  (void)dummy;
}

static nfcs_ctx *ctx_(void) {
  nfcs_ctx *ctx = tu_ctx(2);
  return ctx;
}

static void test_tick_arithmetic(void **state) {
  (void)state;
  nfcs_ctx *ctx = ctx_();
  static nfcs_params p;
  params(&p);
  static rec r;
  memset(&r, 0, sizeof r);
  nfcs_sink sink = {&REC, &r, 0};
  nfcs_run_options opt = {0};
  nfcs_run_summary sum;
  int rc = nfcs_run(ctx, &p, &sink, 1, &opt, &sum);
  if (rc) fail_msg("%s", nfcs_error_message(ctx));
  assert_true(r.opened && r.closed && r.close_status == 0);
  /* snapshots at exactly k * 0.25 */
  assert_int_equal(r.nsnap, 5);
  for (int k = 0; k < 5; k++) assert_true(r.snap_t[k] == k * 0.25);
  /* metrics at exactly k * 0.1 */
  assert_int_equal(r.nmet, 11);
  for (int k = 0; k < 11; k++) assert_true(r.met_t[k] == k * 0.1);
  /* checkpoints at 0.3, 0.6, 0.9 and the final one */
  assert_int_equal(r.nckpt, 4);
  assert_true(r.ckpt_t[0] == 0.3 && r.ckpt_t[1] == 2 * 0.3 && r.ckpt_t[2] == 3 * 0.3 && r.ckpt_t[3] == 1.0);
  assert_int_equal(r.nticks, 10);
  assert_true(sum.t_reached == 1.0);
  /* phases of a tick: metrics come before the regulator, whose controls act from the next tick:
   * the control energy is 0 at t = 0 and at the first tick, non-zero from the second */
  assert_true(r.ce[0] == 0.0 && r.ce[1] == 0.0 && r.ce[2] > 0.0);
  /* the last checkpoint holds each module at t_end and the counters */
  double tc;
  assert_int_equal(nfcs_bundle_get_f64(&r.last_ckpt, "coordinator/t", &tc), 0);
  assert_true(tc == 1.0);
  assert_non_null(nfcs_bundle_get(&r.last_ckpt, "cgl/state", NFCS_BK_REAL, 2 * 256));
  assert_non_null(nfcs_bundle_get(&r.last_ckpt, "kuramoto/theta", NFCS_BK_F64, 20));
  nfcs_bundle_free(&r.last_ckpt);
  nfcs_ctx_destroy(&ctx);
}

static void test_back_pressure(void **state) {
  (void)state;
  nfcs_ctx *ctx = ctx_();
  static nfcs_params p;
  params(&p);
  p.output.snapshot_interval = 0.05; /* a snapshot every half tick */
  p.run.t_end = 1.0;
  static rec r;
  memset(&r, 0, sizeof r);
  r.sleep_ms = 20; /* a disk far slower than the run */
  nfcs_sink sink = {&REC, &r, 0};
  nfcs_run_options opt = {.snapshot_buffers = 2};
  nfcs_run_summary sum;
  assert_int_equal(nfcs_run(ctx, &p, &sink, 1, &opt, &sum), 0);
  /* every snapshot arrives, in order, and never more than the two buffers were in flight */
  assert_int_equal(r.nsnap, 21);
  for (int k = 0; k < 21; k++) assert_true(fabs(r.snap_t[k] - k * 0.05) < 1e-12);
  assert_true(sum.max_in_flight <= 2);
  assert_true(sum.max_in_flight >= 1);
  print_message("  21 snapshots through 2 buffers to a 20 ms/snapshot sink: at most %d in flight, %.2f s\n",
                sum.max_in_flight, sum.wall_s);
  assert_true(sum.wall_s >= 0.021 * 20); /* the run waited for the disk */
  nfcs_bundle_free(&r.last_ckpt);
  nfcs_ctx_destroy(&ctx);
}

/* restart through the bundle: run to 1.0 vs run to 0.5 + restore + run to 1.0 */
static void test_restart_bits(void **state) {
  (void)state;
  for (int scheme = 0; scheme < 3; scheme++) {
    nfcs_ctx *ctx = ctx_();
    static nfcs_params p;
    params(&p);
    CGL(&p)->scheme = scheme;
    if (scheme != NFCS_SCHEME_UPSTREAM) CGL(&p)->noise = 0.01;
    KUR(&p)->integrator = NFCS_KINT_HEUN;
    KUR(&p)->noise = 0.05;
    p.regulator.type = NFCS_REG_PHASE_FEEDBACK;
    static rec a, b, c2;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(&c2, 0, sizeof c2);
    nfcs_sink sa = {&REC, &a, 0}, sb = {&REC, &b, 0}, sc = {&REC, &c2, 0};
    nfcs_run_options opt = {0};
    nfcs_run_summary sum;
    assert_int_equal(nfcs_run(ctx, &p, &sa, 1, &opt, &sum), 0);
    p.run.t_end = 0.5;
    assert_int_equal(nfcs_run(ctx, &p, &sb, 1, &opt, &sum), 0);
    p.run.t_end = 1.0;
    opt.restart = &b.last_ckpt;
    int rc = nfcs_run(ctx, &p, &sc, 1, &opt, &sum);
    if (rc) fail_msg("restart: %s", nfcs_error_message(ctx));
    const nfcs_bundle *x = &a.last_ckpt, *y = &c2.last_ckpt;
    const void *fx = nfcs_bundle_get(x, "cgl/state", NFCS_BK_REAL, 512), *fy = nfcs_bundle_get(y, "cgl/state", NFCS_BK_REAL, 512);
    const void *tx = nfcs_bundle_get(x, "kuramoto/theta", NFCS_BK_F64, 20), *ty = nfcs_bundle_get(y, "kuramoto/theta", NFCS_BK_F64, 20);
    assert_non_null(fx); assert_non_null(fy); assert_non_null(tx); assert_non_null(ty);
    assert_memory_equal(fx, fy, 512 * sizeof(nfcs_real));
    assert_memory_equal(tx, ty, 20 * sizeof(double));
    /* the restarted run wrote only what lies after the checkpoint */
    assert_true(c2.met_t[0] > 0.5 - 1e-12 && c2.snap_t[c2.nsnap - 1] == 1.0);
    nfcs_bundle_free(&a.last_ckpt);
    nfcs_bundle_free(&b.last_ckpt);
    nfcs_bundle_free(&c2.last_ckpt);
    nfcs_ctx_destroy(&ctx);
  }
}

/* SIGINT in the middle of a tick: the step finishes, a checkpoint holds the exact state, and
 * continuing from it gives the uninterrupted result bit for bit.  The "signal" is raised by the
 * progress callback at the end of the fifth tick, so it is seen after the first step of the sixth:
 * the stop lands inside a tick on any machine, whatever its speed. */
static volatile sig_atomic_t stop_flag;
static void raise_stop(void *user, const nfcs_progress *pr) {
  (void)user;
  if (!pr->done && pr->t >= 0.5 - 1e-12) stop_flag = 1;
}

static void test_interrupt_and_continue(void **state) {
  (void)state;
  nfcs_ctx *ctx = ctx_();
  static nfcs_params p;
  params(&p);
  CGL(&p)->grid_size.v[0] = CGL(&p)->grid_size.v[1] = 64;
  CGL(&p)->time_step = 0.001; /* ticks of 100 field steps */
  p.run.t_end = 1.0;
  static rec a, b, c2;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  memset(&c2, 0, sizeof c2);
  nfcs_sink sa = {&REC, &a, 0}, sb = {&REC, &b, 0}, sc = {&REC, &c2, 0};
  nfcs_run_options opt = {0};
  nfcs_run_summary sum;
  assert_int_equal(nfcs_run(ctx, &p, &sa, 1, &opt, &sum), 0);
  stop_flag = 0;
  opt.stop = &stop_flag;
  opt.progress = raise_stop;
  int rc = nfcs_run(ctx, &p, &sb, 1, &opt, &sum);
  assert_int_equal(rc, NFCS_ERR_INTERRUPTED);
  assert_true(b.closed && b.close_status == NFCS_ERR_INTERRUPTED);
  double tc = -1;
  assert_int_equal(nfcs_bundle_get_f64(&b.last_ckpt, "coordinator/t", &tc), 0);
  print_message("  stopped at t = %.4f of 1 (checkpoint at %.4f); continuing from the checkpoint\n", sum.t_reached, tc);
  /* the stop came after the first step of the sixth tick: the coordinator's last tick ended at
   * 0.5, the field (advanced first) had taken one step of 0.001 beyond it: mid-tick */
  assert_true(sum.t_reached == 0.5 && tc == 0.5);
  const double *cgl_reals = nfcs_bundle_get(&b.last_ckpt, "cgl/reals", NFCS_BK_F64, 7);
  assert_non_null(cgl_reals);
  assert_true(fabs(cgl_reals[0] - 0.501) < 1e-12);
  assert_int_equal(b.nckpt, 2); /* the regular one at 0.3 and the final one */
  opt.stop = NULL;
  opt.progress = NULL;
  opt.restart = &b.last_ckpt;
  rc = nfcs_run(ctx, &p, &sc, 1, &opt, &sum);
  if (rc) fail_msg("continue: %s", nfcs_error_message(ctx));
  const size_t n = 2 * 64 * 64;
  assert_memory_equal(nfcs_bundle_get(&a.last_ckpt, "cgl/state", NFCS_BK_REAL, n), nfcs_bundle_get(&c2.last_ckpt, "cgl/state", NFCS_BK_REAL, n),
                      n * sizeof(nfcs_real));
  assert_memory_equal(nfcs_bundle_get(&a.last_ckpt, "kuramoto/theta", NFCS_BK_F64, 20),
                      nfcs_bundle_get(&c2.last_ckpt, "kuramoto/theta", NFCS_BK_F64, 20), 20 * sizeof(double));
  nfcs_bundle_free(&a.last_ckpt);
  nfcs_bundle_free(&b.last_ckpt);
  nfcs_bundle_free(&c2.last_ckpt);
  nfcs_ctx_destroy(&ctx);
}

/* realtime: ticks paced on absolute deadlines */
static void test_realtime_pacing(void **state) {
  (void)state;
  nfcs_ctx *ctx = ctx_();
  static nfcs_params p;
  params(&p);
  p.coordinator.realtime = 1;
  p.coordinator.rate_hz = 20;
  p.run.t_end = 1.0; /* 10 ticks at 20 Hz: 0.5 s */
  static rec r;
  memset(&r, 0, sizeof r);
  nfcs_sink sink = {&REC, &r, 0};
  nfcs_run_options opt = {0};
  nfcs_run_summary sum;
  assert_int_equal(nfcs_run(ctx, &p, &sink, 1, &opt, &sum), 0);
  print_message("  10 ticks at 20 Hz: %.3f Hz achieved, %lld overruns\n", sum.ticks.achieved_rate_hz, (long long)sum.ticks.overruns);
  /* not a timing test (those are benchmarks): the run was paced — never faster than the rate —
   * and a slower rate shows up as counted overruns, not as silent drift */
  assert_true(sum.ticks.achieved_rate_hz <= 20 * 1.02);
  assert_true(sum.ticks.achieved_rate_hz >= 20 * 0.95 || sum.ticks.overruns > 0);
  assert_int_equal(sum.ticks.ticks, 10);
  nfcs_bundle_free(&r.last_ckpt);
  nfcs_ctx_destroy(&ctx);
}

/* ---------------------------------------------------------------- a list of sinks */
/* A sink that fails on its third snapshot, and one that takes only metrics. */
static int fail_snap(void *self, const nfcs_snapshot *s) {
  rec *r = self;
  if (r->nsnap == 2) return NFCS_ERROR(g_sink_ctx, NFCS_ERR_IO, "the live dashboard went away (injected)");
  return r_snapshot(self, s);
}
static const nfcs_sink_ops FAILING = {.open = r_open, .snapshot = fail_snap, .metrics = r_metrics, .close = r_close};
static const nfcs_sink_ops METRICS_ONLY = {.metrics = r_metrics};

static void test_sink_list(void **state) {
  (void)state;
  nfcs_ctx *ctx = ctx_();
  g_sink_ctx = ctx;
  static nfcs_params p;
  params(&p);
  static rec a, b, m;
  /* the file, a best-effort sink that fails, one that takes only metrics, the null sink */
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  memset(&m, 0, sizeof m);
  nfcs_sink sinks[4] = {{&REC, &a, 0}, {&FAILING, &b, 1}, {&METRICS_ONLY, &m, 0}};
  nfcs_null_sink_create(&sinks[3]);
  nfcs_run_options opt = {0};
  nfcs_run_summary sum;
  nfcs_ctx_set_log_level(ctx, NFCS_LOG_ERROR); /* the warning about the dropped sink is expected */
  TU_OK(ctx, nfcs_run(ctx, &p, sinks, 4, &opt, &sum));
  /* every sink got what it takes; the failed best-effort sink stopped at its failure */
  assert_int_equal(a.nsnap, 5);
  assert_int_equal(a.nmet, 11);
  assert_true(a.closed && a.close_status == 0 && a.nckpt == 4);
  assert_int_equal(b.nsnap, 2);
  assert_true(b.opened && b.closed && b.close_status == NFCS_ERR_IO); /* closed when it was dropped, with its error */
  assert_int_equal(m.nmet, 11);
  assert_true(m.nsnap == 0 && !m.opened);
  /* the same failure in an essential sink stops the run with its error */
  nfcs_bundle_free(&a.last_ckpt);
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  sinks[1].best_effort = 0;
  const int rc = nfcs_run(ctx, &p, sinks, 2, &opt, &sum);
  assert_int_equal(rc, NFCS_ERR_IO);
  assert_non_null(strstr(nfcs_error_message(ctx), "went away"));
  assert_true(a.closed && a.close_status == NFCS_ERR_IO);
  nfcs_bundle_free(&a.last_ckpt);
  nfcs_ctx_destroy(&ctx);
}

/* ---------------------------------------------------------------- failures of the backend */
/* The CPU backend with one operation replaced by a failing one (what a failed cuFFT, cuBLAS or
 * CUDA call looks like to core): the run stops with that error (NFCS_ERR_SOFTWARE, exit 70, the
 * call named), never as a "non-finite state", and the sink is closed with that status. */
static const nfcs_backend_ops *real_ops;
static nfcs_backend_ops faulty;
static nfcs_fft_ops faulty_fft;
static nfcs_network_ops faulty_network;
static nfcs_reduce_ops generic_reduce;
static nfcs_ctx *fault_ctx;
static int calls, fail_at;

static int failing_plan(void *self, const nfcs_grid *g, nfcs_real *a, nfcs_real *b, nfcs_fft **plan) {
  (void)self; (void)g; (void)a; (void)b; (void)plan;
  return NFCS_ERROR(fault_ctx, NFCS_ERR_SOFTWARE, "cuFFT: cufftPlanMany failed: CUFFT_ALLOC_FAILED (injected)");
}
static int failing_forward(void *self, nfcs_fft *plan, const nfcs_real *in, nfcs_real *out) {
  if (++calls == fail_at) return NFCS_ERROR(fault_ctx, NFCS_ERR_SOFTWARE, "cuFFT: forward transform failed: CUFFT_EXEC_FAILED (injected)");
  return real_ops->fft->forward(self, plan, in, out);
}
static int failing_rhs(void *self, const nfcs_kur_rhs *r, const double *theta, double a, const double *dir, double *out) {
  if (++calls == fail_at) return NFCS_ERROR(fault_ctx, NFCS_ERR_SOFTWARE, "cuBLAS: cublasDgemm failed: CUBLAS_STATUS_EXECUTION_FAILED (injected)");
  return real_ops->network->rhs(self, r, theta, a, dir, out);
}

/* bind the faulty table to the context (the CPU backend underneath) */
static void make_faulty(nfcs_ctx *ctx) {
  real_ops = ctx->ops;
  faulty = *real_ops;
  faulty_fft = *real_ops->fft;
  faulty_network = *real_ops->network;
  faulty.fft = &faulty_fft;
  faulty.network = &faulty_network;
  ctx->ops = &faulty;
  fault_ctx = ctx;
  calls = 0;
}

static void test_backend_failures(void **state) {
  (void)state;
  const struct { const char *what, *needle; } cases[] = {
    {"FFT plan", "cufftPlanMany failed"}, {"FFT execution mid-run", "forward transform failed"}, {"network right-hand side", "cublasDgemm failed"}};
  for (int q = 0; q < 3; q++) {
    nfcs_ctx *ctx = ctx_();
    make_faulty(ctx);
    if (q == 0) faulty_fft.create = failing_plan;
    if (q == 1) { faulty_fft.forward = failing_forward; fail_at = 40; }
    if (q == 2) { faulty_network.rhs = failing_rhs; fail_at = 60; }
    static nfcs_params p;
    params(&p);
    static rec r;
    memset(&r, 0, sizeof r);
    nfcs_sink sink = {&REC, &r, 0};
    nfcs_run_options opt = {0};
    nfcs_run_summary sum;
    const int rc = nfcs_run(ctx, &p, &sink, 1, &opt, &sum);
    print_message("  %s: exit %d, \"%s\"\n", cases[q].what, rc, nfcs_error_message(ctx));
    assert_int_equal(rc, NFCS_ERR_SOFTWARE);
    assert_non_null(strstr(nfcs_error_message(ctx), cases[q].needle));
    if (q > 0) {
      /* the run had started: the sink got the snapshots before the failure, and the status */
      assert_true(r.opened && r.closed && r.close_status == NFCS_ERR_SOFTWARE);
      assert_true(r.nsnap >= 1 && sum.t_reached < p.run.t_end);
    }
    nfcs_bundle_free(&r.last_ckpt);
    ctx->ops = real_ops;
    nfcs_ctx_destroy(&ctx);
  }
}

/* A backend that computes none of the field's metrics gets the generic ones (a download and the
 * host's reference implementation): the same metrics. */
static void test_generic_metrics(void **state) {
  (void)state;
  nfcs_ctx *ctx = ctx_();
  static nfcs_params p;
  params(&p);
  CGL(&p)->grid_size.v[0] = CGL(&p)->grid_size.v[1] = 48;
  CGL(&p)->spatial_extent.v[0] = CGL(&p)->spatial_extent.v[1] = 30;
  nfcs_cgl *a = NULL, *b = NULL;
  TU_OK(ctx, nfcs_cgl_create(ctx, &p, &a));
  real_ops = ctx->ops;
  faulty = *real_ops;
  generic_reduce = *real_ops->reduce;
  generic_reduce.moments = NULL;
  generic_reduce.k2_sum = NULL;
  generic_reduce.phase_metrics = NULL;
  faulty.reduce = &generic_reduce;
  ctx->ops = &faulty;
  TU_OK(ctx, nfcs_cgl_create(ctx, &p, &b));
  nfcs_real *f = tu_field(nfcs_cgl_grid(a));
  TU_OK(ctx, nfcs_cgl_pattern(&p, nfcs_cgl_grid(a), f));
  TU_OK(ctx, nfcs_cgl_set_field(a, f));
  TU_OK(ctx, nfcs_cgl_set_field(b, f));
  TU_OK(ctx, nfcs_cgl_advance_to(a, 2.0));
  TU_OK(ctx, nfcs_cgl_advance_to(b, 2.0));
  nfcs_field_metrics ma, mb;
  memset(&ma, 0, sizeof ma);
  memset(&mb, 0, sizeof mb);
  TU_OK(ctx, nfcs_cgl_metrics(a, &ma, 1));
  TU_OK(ctx, nfcs_cgl_metrics(b, &mb, 1));
  tu_check(fabs(ma.R_global - mb.R_global) / ma.R_global, tu_roundoff(100), "generic R_global vs the backend's (relative)");
  tu_check(fabs(ma.field_energy - mb.field_energy) / ma.field_energy, tu_roundoff(100), "generic field energy (relative)");
  tu_check(fabs(ma.gradient_energy - mb.gradient_energy) / ma.gradient_energy, tu_roundoff(100), "generic gradient energy (relative)");
  tu_check(fabs(ma.defect_density - mb.defect_density) / ma.defect_density, tu_roundoff(1e3), "generic defect density (relative)");
  assert_int_equal(ma.defects.positive, mb.defects.positive);
  assert_int_equal(ma.defects.negative, mb.defects.negative);
  free(f);
  nfcs_cgl_destroy(&b);
  ctx->ops = real_ops;
  nfcs_cgl_destroy(&a);
  nfcs_ctx_destroy(&ctx);
}

/* A second signal during a critical write (a flush, a checkpoint, the close) waits for the write to
 * end, then ends the process; outside one it ends it at once.  Each case in a child process: the
 * child's handler does what the command's does for a second signal. */
static void second_signal(int sig) {
  if (nfcs_critical_defer(sig)) return;
  _exit(3);
}

static void critical_case(int inside, int *status, char *seen, size_t len) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  const pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    signal(SIGTERM, second_signal);
    if (inside) nfcs_critical_enter();
    raise(SIGTERM);
    (void)!write(fds[1], "after", 5); /* reached only when the signal was put off */
    if (inside) nfcs_critical_leave(); /* the put-off signal ends the process here */
    (void)!write(fds[1], "-leave", 6);
    _exit(0);
  }
  close(fds[1]);
  ssize_t n = read(fds[0], seen, len - 1);
  seen[n > 0 ? n : 0] = '\0';
  close(fds[0]);
  assert_int_equal(waitpid(pid, status, 0), pid);
}

static void test_signal_waits_for_critical_write(void **state) {
  (void)state;
  int st;
  char seen[32];
  critical_case(1, &st, seen, sizeof seen);
  if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM && !strcmp(seen, "after")))
    fail_msg("inside a critical write: status %#x, the child wrote \"%s\" (expected: killed by SIGTERM after \"after\")", st, seen);
  critical_case(0, &st, seen, sizeof seen);
  if (!(WIFEXITED(st) && WEXITSTATUS(st) == 3 && !seen[0]))
    fail_msg("outside a critical write: status %#x, the child wrote \"%s\" (expected: ended at once by the handler)", st, seen);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_tick_arithmetic),
    cmocka_unit_test(test_signal_waits_for_critical_write),
    cmocka_unit_test(test_back_pressure),
    cmocka_unit_test(test_restart_bits),
    cmocka_unit_test(test_interrupt_and_continue),
    cmocka_unit_test(test_realtime_pacing),
    cmocka_unit_test(test_sink_list),
    cmocka_unit_test(test_backend_failures),
    cmocka_unit_test(test_generic_metrics),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
