/* The coordinator: the heart of a run.  Each tick it advances every module (registry order) by
 * sim_time_per_tick of model time — each with its own time step, landing on the tick boundary
 * exactly —, checks the state, measures when a metrics sample falls due, runs the regulator,
 * applies the controls for the next tick, and queues the snapshots, metrics and checkpoints that
 * fall due to the I/O thread.  realtime: ticks paced to the wall clock on absolute deadlines
 * (an overrun is counted, never accumulated); otherwise back to back. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfcs_internal.h"
#include "nfcs_kuramoto.h"
#include "nfcs_module.h"
#include "nfcs_output.h"
#include "nfcs_run.h"

#define MAXMOD 8

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* the n-th multiple of an interval (exact for the integers); +inf for interval 0 */
static double nth(double interval, int64_t n) { return interval > 0 ? (double)n * interval : HUGE_VAL; }

void nfcs_checkpoint_path(const nfcs_params *p, char *out, size_t len) {
  if (p->output.checkpoint_path[0]) {
    snprintf(out, len, "%s", p->output.checkpoint_path);
    return;
  }
  size_t n = strlen(p->output.path);
  if (n > 3 && !strcmp(p->output.path + n - 3, ".h5")) snprintf(out, len, "%.*s.ckpt.h5", (int)(n - 3), p->output.path);
  else snprintf(out, len, "%s.ckpt.h5", p->output.path);
}

typedef struct coord {
  nfcs_ctx *ctx;
  const nfcs_params *p;
  const nfcs_module_type *op[MAXMOD];
  void *m[MAXMOD];
  size_t nm;
  double *theta;          /* host phases for the regulator */
  int64_t n_osc;
  nfcs_controls u;
  nfcs_output *out;
  nfcs_metrics last;
} coord;

static int measure(coord *c, double t, int full, nfcs_metrics *m) {
  memset(m, 0, sizeof *m);
  m->t = t;
  m->R = m->psi = m->R_modular = NAN;
  for (size_t i = 0; i < c->nm; i++) NFCS_CHECK(c->op[i]->observe(c->m[i], m, full));
  nfcs_metrics_combine(m, c->p);
  return NFCS_OK;
}

static int queue_snapshot(coord *c, double t, int64_t step) {
  void *buf;
  NFCS_CHECK(nfcs_output_snapshot_buffer(c->out, &buf));
  nfcs_snapshot s = {.t = t, .step = step};
  size_t off = 0;
  for (size_t i = 0; i < c->nm; i++) {
    NFCS_CHECK(c->op[i]->snapshot(c->m[i], (char *)buf + off, &s));
    off += (c->op[i]->snapshot_bytes(c->m[i]) + 63) & ~(size_t)63;
  }
  return nfcs_output_snapshot(c->out, buf, &s);
}

static int queue_metrics(coord *c, const nfcs_metrics *m) {
  const char *names[32];
  double values[32];
  nfcs_metrics_sample s = {.t = m->t, .names = names, .values = values};
  s.count = nfcs_metrics_series(m, names, values);
  return nfcs_output_metrics(c->out, &s);
}

typedef struct counters { int64_t tick, snap, met, ckpt, snapshots, samples; } counters;

static int queue_checkpoint(coord *c, double t, const counters *k) {
  nfcs_bundle *b;
  NFCS_CHECK(nfcs_output_checkpoint_bundle(c->out, &b));
  for (size_t i = 0; i < c->nm; i++) NFCS_CHECK(c->op[i]->save(c->m[i], b));
  const int64_t ints[] = {k->tick, k->snap, k->met, k->ckpt, k->snapshots, k->samples};
  NFCS_CHECK(nfcs_bundle_put(b, "coordinator/ints", NFCS_BK_I64, 6, ints));
  NFCS_CHECK(nfcs_bundle_put_f64(b, "coordinator/t", t));
  return nfcs_output_checkpoint(c->out, t);
}

static int cmp_f(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

static void tick_stats(const float *ms, int64_t n, nfcs_tick_stats *st) {
  st->ticks = n;
  if (n <= 0) return;
  float *s = malloc(sizeof(float) * (size_t)n);
  if (!s) return;
  memcpy(s, ms, sizeof(float) * (size_t)n);
  qsort(s, (size_t)n, sizeof(float), cmp_f);
#define Q(q) (double)s[(int64_t)ceil((q) * (double)n) - 1 < 0 ? 0 : (int64_t)ceil((q) * (double)n) - 1]
  st->p50 = Q(0.50);
  st->p95 = Q(0.95);
  st->p99 = Q(0.99);
#undef Q
  st->max = s[n - 1];
  free(s);
}

static void sleep_until(double deadline) {
  struct timespec ts;
  ts.tv_sec = (time_t)floor(deadline);
  ts.tv_nsec = (long)((deadline - floor(deadline)) * 1e9);
  if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
  }
}

int nfcs_run(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_sink *sinks, int nsinks, const nfcs_run_options *opt,
             nfcs_run_summary *sum) {
  const double t0_wall = now_s();
  int rc = NFCS_OK;
  coord c = {.ctx = ctx, .p = p};
  char *yaml = NULL;
  float *tick_ms = NULL;
  int64_t nticks = 0, overruns = 0;
  memset(sum, 0, sizeof *sum);
  nfcs_module_env env = {.input = opt->input};

  /* modules, in registry order */
  size_t nreg;
  const nfcs_module_type *const *reg = nfcs_modules(&nreg);
  for (size_t i = 0; i < nreg && c.nm < MAXMOD; i++) {
    if (!p->present[i]) continue;
    c.op[c.nm] = reg[i];
    NFCS_CHECK_GOTO(reg[i]->create(ctx, p, &env, &c.m[c.nm]), out);
    c.nm++;
  }
  if (c.nm == 0) { rc = NFCS_ERROR(ctx, NFCS_ERR_CONFIG, "no module to run"); goto out; }
  nfcs_run_info info = {
    .params = p,
    .command_line = opt->command_line,
    .backend = ctx->backend_type ? ctx->backend_type->name : "cpu",
    .threads = nfcs_ctx_threads(ctx),
    .resume_t = -1,
    .checkpoint_path = sum->checkpoint_path,
    .model_hash = opt->model_hash,
    .model_text = opt->model_text,
  };
  nfcs_checkpoint_path(p, sum->checkpoint_path, sizeof sum->checkpoint_path);
  for (size_t i = 0; i < c.nm; i++) c.op[i]->describe(c.m[i], &info);
  c.n_osc = info.n_oscillators;
  if (c.n_osc) {
    c.theta = calloc((size_t)c.n_osc, sizeof(double));
    c.u.per_osc = calloc((size_t)c.n_osc, sizeof(double));
    if (!c.theta || !c.u.per_osc) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); goto out; }
  }

  const double T = p->run.t_end, tick = p->coordinator.sim_time_per_tick;
  const double snap = p->output.snapshot_interval, mint = p->output.metrics_interval;
  double ckint = p->output.checkpoint_interval;
  double dt_min = tick;
  for (size_t i = 0; i < c.nm; i++) dt_min = fmin(dt_min, c.op[i]->dt(c.m[i]));
  /* upstream's logging.save_state_interval (steps) sets the checkpoint interval unless
   * output.checkpoint_interval is given */
  if (ckint == 0 && !p->origin[nfcs_param_index(nfcs_param_find("output.checkpoint_interval", NULL))] &&
      p->origin[nfcs_param_index(nfcs_param_find("logging.save_state_interval", NULL))])
    ckint = (double)p->logging.save_state_interval * dt_min;
  const double tol = 1e-9 * dt_min;
  /* plan once: the shortened steps that landing on ticks, outputs and t_end need */
  {
    const double times[] = {T, tick, snap, mint, ckint};
    for (size_t i = 0; i < c.nm; i++)
      for (size_t k = 0; k < 5; k++)
        if (times[k] > 0) NFCS_CHECK_GOTO(c.op[i]->prepare(c.m[i], times[k]), out);
  }

  /* restart: every module's exact state and the coordinator's counters */
  counters k = {1, 1, 1, 1, 0, 0};
  double t = 0;
  if (opt->restart) {
    for (size_t i = 0; i < c.nm; i++) NFCS_CHECK_GOTO(c.op[i]->restore(c.m[i], opt->restart), out);
    const int64_t *ki = nfcs_bundle_get(opt->restart, "coordinator/ints", NFCS_BK_I64, 6);
    if (!ki || nfcs_bundle_get_f64(opt->restart, "coordinator/t", &t)) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "the checkpoint has no coordinator state");
      goto out;
    }
    k = (counters){ki[0], ki[1], ki[2], ki[3], ki[4], ki[5]};
    info.resume_t = t;
    sum->t_start = t;
    if (t > T + tol) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "the checkpoint is at t = %.10g, beyond run.t_end = %.10g", t, T);
      goto out;
    }
  }

  /* the output pipeline: snapshot buffers and one checkpoint bundle, allocated once */
  size_t snap_bytes = 0, state_bytes = 4096;
  for (size_t i = 0; i < c.nm; i++) {
    snap_bytes += (c.op[i]->snapshot_bytes(c.m[i]) + 63) & ~(size_t)63;
    state_bytes += c.op[i]->state_bytes(c.m[i]) + 64 * 16;
  }
  yaml = nfcs_params_to_yaml(p);
  info.effective_yaml = yaml ? yaml : "";
  NFCS_CHECK_GOTO(nfcs_output_start(ctx, sinks, nsinks, &info, snap_bytes, opt->snapshot_buffers > 0 ? opt->snapshot_buffers : 2,
                                    state_bytes, 64, &c.out),
                  out);
  const double ticks_left = ceil((T - t) / tick - 1e-9) + 2;
  if (ticks_left > 2e8) { rc = NFCS_ERROR(ctx, NFCS_ERR_CONFIG, "run.t_end / coordinator.sim_time_per_tick: more than 2e8 ticks"); goto finish; }
  tick_ms = malloc(sizeof(float) * (size_t)ticks_left);
  if (!tick_ms) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory for %.0f tick timings", ticks_left); goto finish; }

  /* the initial state: a snapshot and a metrics sample; controls start at zero (as upstream) */
  if (!opt->restart) {
    NFCS_CHECK_GOTO(queue_snapshot(&c, 0.0, 0), finish);
    k.snapshots++;
    if (mint > 0) {
      NFCS_CHECK_GOTO(measure(&c, 0.0, 1, &c.last), finish);
      NFCS_CHECK_GOTO(queue_metrics(&c, &c.last), finish);
      k.samples++;
    }
  }
  const int regulate = p->regulator.type != NFCS_REG_NONE;
  const int realtime = p->coordinator.realtime;
  const double period = 1.0 / p->coordinator.rate_hz;
  int64_t next_log = p->logging.log_metrics_interval;
  const volatile int *stop = (const volatile int *)opt->stop;
  sum->setup_s = now_s() - t0_wall;
  const double loop_start = now_s();
  double deadline = loop_start + period;
  double step_wall = 0, last_written = t;
  int interrupted = 0;
  while (t < T - tol) {
    const double tick_start = now_s();
    const double t_tick = nth(tick, k.tick), t_snap = nth(snap, k.snap), t_met = nth(mint, k.met), t_ck = nth(ckint, k.ckpt);
    double target = fmin(fmin(t_tick, T), fmin(t_snap, fmin(t_met, t_ck)));
    if (fabs(target - T) <= tol) target = T;
    /* advance every module to the target, each with its own step */
    for (size_t i = 0; i < c.nm; i++) {
      int arc = c.op[i]->advance(c.m[i], target, stop);
      if (arc == NFCS_ERR_INTERRUPTED) { interrupted = 1; break; }
      NFCS_CHECK_GOTO(arc, finish);
      int finite = 0;
      NFCS_CHECK_GOTO(c.op[i]->finite(c.m[i], &finite), finish);
      if (!finite) {
        rc = NFCS_ERROR(ctx, NFCS_ERR_NONFINITE,
                        "%s: the state became non-finite between t = %.10g and t = %.10g (step %lld); the file keeps the "
                        "last good snapshot (t = %.10g) and the last checkpoint. Try a smaller time step.",
                        c.op[i]->name, t, target, (long long)c.op[i]->steps(c.m[i]), last_written);
        goto finish;
      }
    }
    step_wall += now_s() - tick_start;
    if (interrupted || (stop && *stop)) {
      interrupted = 1;
      break;
    }
    t = target;
    const int at_tick = fabs(t - t_tick) <= tol, at_end = fabs(t - T) <= tol;
    if (at_tick) k.tick++;
    /* measure */
    nfcs_metrics m;
    int measured = 0;
    if (fabs(t - t_met) <= tol || (at_end && mint > 0)) {
      /* each series records its own times, k * interval, whatever the rounding of the others */
      NFCS_CHECK_GOTO(measure(&c, fabs(t - t_met) <= tol ? t_met : t, 1, &m), finish);
      NFCS_CHECK_GOTO(queue_metrics(&c, &m), finish);
      k.samples++;
      c.last = m;
      measured = 1;
      if (fabs(t - t_met) <= tol) k.met++;
    }
    /* regulate: the controls for the next tick */
    if (regulate && (at_tick || at_end)) {
      if (!measured) NFCS_CHECK_GOTO(measure(&c, t, 0, &m), finish);
      if (nfcs_regulator_needs_phases(p))
        for (size_t i = 0; i < c.nm; i++)
          if (c.op[i]->phases) NFCS_CHECK_GOTO(c.op[i]->phases(c.m[i], c.theta), finish);
      nfcs_regulator_compute(p, &m, c.theta, c.n_osc, &c.u);
      for (size_t i = 0; i < c.nm; i++) NFCS_CHECK_GOTO(c.op[i]->control(c.m[i], &c.u), finish);
    }
    int64_t steps = 0;
    for (size_t i = 0; i < c.nm; i++) steps = steps > c.op[i]->steps(c.m[i]) ? steps : c.op[i]->steps(c.m[i]);
    if (next_log > 0 && steps >= next_log && k.samples > 0) {
      nfcs_log(ctx, NFCS_LOG_INFO, "t = %.6g: R_global %.4g, R %.4g, defects %lld, H_a %.4g, risk %.4g, J %.4g", t,
               c.last.R_global, c.last.R, (long long)(c.last.defects.positive + c.last.defects.negative),
               c.last.hallucination_number, c.last.systemic_risk, c.last.J);
      while (next_log <= steps) next_log += p->logging.log_metrics_interval;
    }
    const int capped = p->system.max_simulation_steps > 0 && steps >= p->system.max_simulation_steps;
    const int snap_due = fabs(t - t_snap) <= tol;
    if (snap_due) k.snap++;
    if (snap_due || at_end || capped) {
      NFCS_CHECK_GOTO(queue_snapshot(&c, snap_due ? t_snap : t, steps), finish);
      k.snapshots++;
      last_written = t;
    }
    if (fabs(t - t_ck) <= tol) {
      k.ckpt++;
      if (!at_end) {
        NFCS_CHECK_GOTO(queue_checkpoint(&c, t_ck, &k), finish);
        sum->checkpoints++;
      }
    }
    if (at_tick || at_end) {
      const double work = now_s() - tick_start;
      tick_ms[nticks++] = (float)(1e3 * work);
      if (opt->progress) {
        nfcs_progress pr = {.t = t, .t_end = T, .steps = steps, .wall_s = now_s() - loop_start, .done = 0};
        opt->progress(opt->progress_user, &pr);
      }
      if (realtime) {
        /* absolute deadlines: an overrun is counted and the schedule skips ahead, never drifts */
        double now = now_s();
        if (now > deadline) {
          overruns++;
          deadline += period * ceil((now - deadline) / period);
        }
        sleep_until(deadline);
        deadline += period;
      }
    }
    if (nfcs_output_failed(c.out)) { rc = nfcs_output_failed(c.out); goto finish; }
    if (capped) {
      nfcs_log(ctx, NFCS_LOG_WARNING, "system.max_simulation_steps = %lld reached at t = %.10g: the run stops here",
               (long long)p->system.max_simulation_steps, t);
      break;
    }
  }
  /* the end (or a stop): the final checkpoint, and a last snapshot when the modules agree on the time */
  {
    int same = 1;
    double tm = c.op[0]->time(c.m[0]);
    for (size_t i = 1; i < c.nm; i++) same &= fabs(c.op[i]->time(c.m[i]) - tm) <= tol;
    if (interrupted && same && fabs(tm - last_written) > tol) {
      int64_t steps = 0;
      for (size_t i = 0; i < c.nm; i++) steps = steps > c.op[i]->steps(c.m[i]) ? steps : c.op[i]->steps(c.m[i]);
      NFCS_CHECK_GOTO(queue_snapshot(&c, tm, steps), finish);
      k.snapshots++;
    }
    NFCS_CHECK_GOTO(queue_checkpoint(&c, t, &k), finish);
    sum->checkpoints++;
  }
  if (interrupted) {
    double tm = c.op[0]->time(c.m[0]);
    rc = NFCS_ERROR(ctx, NFCS_ERR_INTERRUPTED,
                    "stopped by a signal at t = %.10g; checkpoint %s written (continue with --restart)", tm,
                    sum->checkpoint_path);
  }
  {
    const double loop_wall = now_s() - loop_start;
    sum->ticks.rate_hz = p->coordinator.rate_hz;
    sum->ticks.realtime = realtime;
    sum->ticks.overruns = overruns;
    sum->ticks.achieved_rate_hz = loop_wall > 0 ? (double)nticks / loop_wall : 0;
    tick_stats(tick_ms, nticks, &sum->ticks);
  }
  sum->t_reached = t;
  for (size_t i = 0; i < c.nm; i++) {
    if (!strcmp(c.op[i]->name, "cgl")) sum->cgl_steps = c.op[i]->steps(c.m[i]);
    if (!strcmp(c.op[i]->name, "kuramoto")) sum->kuramoto_steps = c.op[i]->steps(c.m[i]);
  }
  {
    int64_t ns = sum->cgl_steps > sum->kuramoto_steps ? sum->cgl_steps : sum->kuramoto_steps;
    sum->step_ms_mean = ns ? 1e3 * step_wall / (double)ns : 0;
  }
  if (opt->progress) {
    nfcs_progress pr = {.t = t, .t_end = T, .steps = sum->cgl_steps > sum->kuramoto_steps ? sum->cgl_steps : sum->kuramoto_steps,
                        .wall_s = now_s() - loop_start, .done = 1};
    opt->progress(opt->progress_user, &pr);
  }
finish:
  sum->snapshots = k.snapshots;
  sum->metric_samples = k.samples;
  if (c.out) {
    sum->max_in_flight = nfcs_output_max_in_flight(c.out);
    int frc = nfcs_output_finish(c.out, rc, tick_ms, nticks, &sum->ticks);
    if (!rc) rc = frc;
    nfcs_output_destroy(&c.out);
  }
  sum->wall_s = now_s() - t0_wall;
out:
  free(yaml);
  free(tick_ms);
  free(c.theta);
  free(c.u.per_osc);
  for (size_t i = 0; i < c.nm; i++) c.op[i]->destroy(&c.m[i]);
  return rc;
}
