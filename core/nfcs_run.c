/* The run loop: ticks of coordinator.sim_time_per_tick from 0 to run.t_end.  Each tick advances
 * every module to the tick boundary (each with its own time step, landing exactly), checks the
 * state, measures when a metric sample falls due, runs the regulator, applies the controls for
 * the next tick, and hands snapshots to the sink when they fall due.  One place, so that the
 * coordinator (part 3/7) takes it over. */
#include "nfcs_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfcs_cgl.h"
#include "nfcs_internal.h"
#include "nfcs_kuramoto.h"
#include "nfcs_metrics.h"
#include "nfcs_regulator.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* the n-th multiple of an interval (exact for the integers); +inf for interval 0 */
static double nth(double interval, int64_t n) { return interval > 0 ? (double)n * interval : HUGE_VAL; }

typedef struct run_state {
  nfcs_ctx *ctx;
  const nfcs_params *p;
  nfcs_cgl *cgl;
  nfcs_kuramoto *kur;
  nfcs_real *field;   /* host snapshot buffer */
  double *theta;      /* host phases */
  nfcs_controls u;
  nfcs_metrics last;  /* the latest full sample */
} run_state;

static int measure(run_state *r, double t, int full, nfcs_metrics *m) {
  memset(m, 0, sizeof *m);
  m->t = t;
  m->R = m->psi = m->R_modular = NAN;
  if (r->cgl) NFCS_CHECK(nfcs_cgl_metrics(r->cgl, m, full));
  if (r->kur) {
    NFCS_CHECK(nfcs_kuramoto_order(r->kur, &m->R, &m->psi));
    m->has_oscillators = 1;
    m->R_modular = m->R * m->R;
  }
  nfcs_metrics_combine(m, r->p);
  return NFCS_OK;
}

static int write_snapshot(run_state *r, nfcs_sink *sink, double t, int64_t step) {
  nfcs_snapshot s = {.t = t, .step = step, .phi = NULL, .theta = NULL};
  if (r->cgl) {
    NFCS_CHECK(nfcs_cgl_get_field(r->cgl, r->field));
    s.phi = r->field;
  }
  if (r->kur) {
    NFCS_CHECK(nfcs_kuramoto_get_phases(r->kur, r->theta));
    s.theta = r->theta;
  }
  return sink->ops->snapshot(sink->self, &s);
}

static int write_metrics(nfcs_sink *sink, const nfcs_metrics *m) {
  const char *names[32];
  double values[32];
  nfcs_metrics_sample s = {.t = m->t, .names = names, .values = values};
  s.count = nfcs_metrics_series(m, names, values);
  return sink->ops->metrics(sink->self, &s);
}

int nfcs_run(nfcs_ctx *ctx, const nfcs_params *p, nfcs_sink *sink, const nfcs_run_options *opt, nfcs_run_summary *sum) {
  const double t0 = now_s();
  int rc = NFCS_OK, sink_open = 0;
  run_state r = {.ctx = ctx, .p = p};
  char *yaml = NULL;
  double *omega = NULL;
  const char **names = NULL;
  memset(sum, 0, sizeof *sum);

  if (p->has_cgl) {
    NFCS_CHECK_GOTO(nfcs_cgl_create(ctx, p, &r.cgl), out);
    const nfcs_grid *g = nfcs_cgl_grid(r.cgl);
    r.field = malloc(sizeof(nfcs_real) * 2 * g->npts);
    if (!r.field) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); goto out; }
    if (p->cgl.ic.type == NFCS_IC_FILE) {
      if (!opt->initial_field) { rc = NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "initial field file not read"); goto out; }
      NFCS_CHECK_GOTO(nfcs_cgl_set_field(r.cgl, opt->initial_field), out);
    } else {
      NFCS_CHECK_GOTO(nfcs_cgl_pattern(p, g, r.field), out);
      NFCS_CHECK_GOTO(nfcs_cgl_set_field(r.cgl, r.field), out);
    }
  }
  if (p->has_kuramoto) {
    NFCS_CHECK_GOTO(nfcs_kuramoto_create(ctx, p, opt->kuramoto_inputs, &r.kur), out);
    const int64_t n = nfcs_kuramoto_n(r.kur);
    r.theta = malloc(sizeof(double) * (size_t)n);
    omega = malloc(sizeof(double) * (size_t)n);
    r.u.per_osc = calloc((size_t)n, sizeof(double));
    if (!r.theta || !omega || !r.u.per_osc) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); goto out; }
    NFCS_CHECK_GOTO(nfcs_kuramoto_get_omega(r.kur, omega), out);
    if (p->kuramoto.natural_frequencies.n == n) {
      names = malloc(sizeof(char *) * (size_t)n);
      if (names)
        for (int64_t i = 0; i < n; i++) names[i] = p->kuramoto.natural_frequencies.name[i];
    }
  } else if (opt->kuramoto_inputs) {
    nfcs_kuramoto_inputs_free(opt->kuramoto_inputs);
  }
  const double T = p->run.t_end, tick = p->coordinator.sim_time_per_tick;
  const double snap = p->output.snapshot_interval, mint = p->output.metrics_interval;
  double dt_min = tick;
  if (r.cgl && nfcs_cgl_dt(r.cgl) < dt_min) dt_min = nfcs_cgl_dt(r.cgl);
  if (r.kur && nfcs_kuramoto_dt(r.kur) < dt_min) dt_min = nfcs_kuramoto_dt(r.kur);
  const double tol = 1e-9 * dt_min;
  /* plan once: the shortened steps that landing on ticks, outputs and t_end need */
  if (r.cgl) {
    const double times[] = {T, tick, snap, mint};
    for (size_t i = 0; i < 4; i++)
      if (times[i] > 0) NFCS_CHECK_GOTO(nfcs_cgl_prepare_time(r.cgl, times[i]), out);
  }

  yaml = nfcs_params_to_yaml(p);
  nfcs_run_info info = {
    .params = p,
    .effective_yaml = yaml ? yaml : "",
    .command_line = opt->command_line,
    .backend = ctx->backend_type ? ctx->backend_type->name : "cpu",
    .threads = nfcs_ctx_threads(ctx),
    .grid = r.cgl ? nfcs_cgl_grid(r.cgl) : NULL,
    .n_oscillators = r.kur ? nfcs_kuramoto_n(r.kur) : 0,
    .omega = omega,
    .oscillator_names = names,
  };
  NFCS_CHECK_GOTO(sink->ops->open(sink->self, &info), out);
  sink_open = 1;

  /* the initial state: a snapshot and a metrics sample; controls start at zero (as upstream) */
  double t = 0;
  int64_t k_snap = 1, k_tick = 1, k_met = 1;
  double last_written = 0;
  NFCS_CHECK_GOTO(write_snapshot(&r, sink, 0.0, 0), out);
  sum->snapshots++;
  if (mint > 0) {
    NFCS_CHECK_GOTO(measure(&r, 0.0, 1, &r.last), out);
    NFCS_CHECK_GOTO(write_metrics(sink, &r.last), out);
    sum->metric_samples++;
  }
  const int regulate = p->regulator.type != NFCS_REG_NONE;
  int64_t next_log = p->logging.log_metrics_interval;
  sum->setup_s = now_s() - t0;
  const double loop_start = now_s();
  double step_wall = 0;
  while (t < T - tol) {
    double t_tick = nth(tick, k_tick), t_snap = nth(snap, k_snap), t_met = nth(mint, k_met);
    double target = T;
    if (t_tick < target) target = t_tick;
    if (t_snap < target) target = t_snap;
    if (t_met < target) target = t_met;
    if (fabs(target - T) <= tol) target = T;
    double a = now_s();
    if (r.cgl) NFCS_CHECK_GOTO(nfcs_cgl_advance_to(r.cgl, target), out);
    if (r.kur) NFCS_CHECK_GOTO(nfcs_kuramoto_advance_to(r.kur, target), out);
    step_wall += now_s() - a;
    if (r.cgl && !nfcs_cgl_finite(r.cgl)) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_NONFINITE,
                      "cgl: the field became non-finite between t = %.10g and t = %.10g (step %lld); the file keeps "
                      "the last good snapshot (t = %.10g). Try a smaller cgl.time_step.",
                      t, target, (long long)nfcs_cgl_steps(r.cgl), last_written);
      goto out;
    }
    if (r.kur && !nfcs_kuramoto_finite(r.kur)) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_NONFINITE,
                      "kuramoto: the phases became non-finite between t = %.10g and t = %.10g (step %lld); the file "
                      "keeps the last good snapshot (t = %.10g). Try a smaller kuramoto.time_step.",
                      t, target, (long long)nfcs_kuramoto_steps(r.kur), last_written);
      goto out;
    }
    t = target;
    const int at_tick = fabs(t - t_tick) <= tol, at_end = fabs(t - T) <= tol;
    if (at_tick) k_tick++;
    /* metrics */
    nfcs_metrics m;
    int measured = 0;
    if (fabs(t - t_met) <= tol || (at_end && mint > 0)) {
      NFCS_CHECK_GOTO(measure(&r, t, 1, &m), out);
      NFCS_CHECK_GOTO(write_metrics(sink, &m), out);
      sum->metric_samples++;
      r.last = m;
      measured = 1;
      if (fabs(t - t_met) <= tol) k_met++;
    }
    /* the regulator, once per tick */
    if (regulate && (at_tick || at_end)) {
      if (!measured) NFCS_CHECK_GOTO(measure(&r, t, 0, &m), out);
      if (nfcs_regulator_needs_phases(p)) NFCS_CHECK_GOTO(nfcs_kuramoto_get_phases(r.kur, r.theta), out);
      nfcs_regulator_compute(p, &m, r.theta, r.kur ? nfcs_kuramoto_n(r.kur) : 0, &r.u);
      if (r.cgl) NFCS_CHECK_GOTO(nfcs_cgl_set_control(r.cgl, r.u.field, 0.0, NULL), out);
      if (r.kur) NFCS_CHECK_GOTO(nfcs_kuramoto_set_control(r.kur, r.u.oscillator, r.u.use_per_osc ? r.u.per_osc : NULL), out);
    }
    int64_t steps = r.cgl ? nfcs_cgl_steps(r.cgl) : nfcs_kuramoto_steps(r.kur);
    if (r.kur && nfcs_kuramoto_steps(r.kur) > steps) steps = nfcs_kuramoto_steps(r.kur);
    if (next_log > 0 && steps >= next_log) {
      nfcs_log(ctx, NFCS_LOG_INFO, "t = %.6g: R_global %.4g, R %.4g, defects %lld, H_a %.4g, risk %.4g, J %.4g", t,
               r.last.R_global, r.last.R, (long long)(r.last.defects.positive + r.last.defects.negative),
               r.last.hallucination_number, r.last.systemic_risk, r.last.J);
      while (next_log <= steps) next_log += p->logging.log_metrics_interval;
    }
    int stop = opt->stop && *opt->stop;
    int capped = p->system.max_simulation_steps > 0 && steps >= p->system.max_simulation_steps;
    int snap_due = fabs(t - t_snap) <= tol;
    if (snap_due) k_snap++;
    if (snap_due || at_end || stop || capped) {
      NFCS_CHECK_GOTO(write_snapshot(&r, sink, t, steps), out);
      sum->snapshots++;
      last_written = t;
    }
    if (opt->progress) {
      nfcs_progress pr = {.t = t, .t_end = T, .steps = steps, .wall_s = now_s() - loop_start, .done = 0};
      opt->progress(opt->progress_user, &pr);
    }
    if (stop) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_INTERRUPTED, "stopped by a signal at t = %.10g; the file holds the state at that time", t);
      break;
    }
    if (capped) {
      nfcs_log(ctx, NFCS_LOG_WARNING, "system.max_simulation_steps = %lld reached at t = %.10g: the run stops here",
               (long long)p->system.max_simulation_steps, t);
      break;
    }
  }
  sum->t_reached = t;
  sum->cgl_steps = r.cgl ? nfcs_cgl_steps(r.cgl) : 0;
  sum->kuramoto_steps = r.kur ? nfcs_kuramoto_steps(r.kur) : 0;
  sum->wall_s = now_s() - t0;
  {
    int64_t ns = sum->cgl_steps > sum->kuramoto_steps ? sum->cgl_steps : sum->kuramoto_steps;
    sum->step_ms_mean = ns ? 1e3 * step_wall / (double)ns : 0;
  }
  if (opt->progress) {
    nfcs_progress pr = {.t = t, .t_end = T, .steps = sum->cgl_steps ? sum->cgl_steps : sum->kuramoto_steps,
                        .wall_s = now_s() - loop_start, .done = 1};
    opt->progress(opt->progress_user, &pr);
  }
out:
  if (sink_open) {
    int crc = sink->ops->close(sink->self, rc);
    if (!rc) rc = crc;
  }
  free(yaml);
  free(omega);
  free(names);
  free(r.field);
  free(r.theta);
  free(r.u.per_osc);
  nfcs_cgl_destroy(&r.cgl);
  nfcs_kuramoto_destroy(&r.kur);
  return rc;
}
