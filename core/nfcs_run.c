/* The run loop: ticks of coordinator.sim_time_per_tick from 0 to run.t_end, snapshots when they
 * fall due, a finiteness check per tick.  One place, so the coordinator can take it over. */
#include "nfcs_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfcs_cgl.h"
#include "nfcs_internal.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* the n-th multiple of an interval, exact for the integers */
static double nth(double interval, int64_t n) { return interval > 0 ? (double)n * interval : HUGE_VAL; }

int nfcs_run(nfcs_ctx *ctx, const nfcs_params *p, nfcs_sink *sink, const nfcs_run_options *opt, nfcs_run_summary *sum) {
  const double t0 = now_s();
  int rc = NFCS_OK, sink_open = 0;
  nfcs_cgl *cgl = NULL;
  nfcs_real *host = NULL;
  char *yaml = NULL;
  memset(sum, 0, sizeof *sum);

  if (p->has_cgl) {
    NFCS_CHECK_GOTO(nfcs_cgl_create(ctx, p, &cgl), out);
    const nfcs_grid *g = nfcs_cgl_grid(cgl);
    host = malloc(sizeof(nfcs_real) * 2 * g->npts);
    if (!host) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); goto out; }
    if (p->cgl.ic.type == NFCS_IC_FILE) {
      if (!opt->initial_field) { rc = NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "initial field file not read"); goto out; }
      NFCS_CHECK_GOTO(nfcs_cgl_set_field(cgl, opt->initial_field), out);
    } else {
      NFCS_CHECK_GOTO(nfcs_cgl_pattern(p, g, host), out);
      NFCS_CHECK_GOTO(nfcs_cgl_set_field(cgl, host), out);
    }
  }
  const double T = p->run.t_end, tick = p->coordinator.sim_time_per_tick, snap = p->output.snapshot_interval;
  const double dt_min = cgl ? nfcs_cgl_dt(cgl) : tick;
  const double tol = 1e-9 * (dt_min < tick ? dt_min : tick);
  /* plan once: the shortened steps that landing on ticks, snapshots and t_end need */
  if (cgl) {
    NFCS_CHECK_GOTO(nfcs_cgl_prepare_time(cgl, T), out);
    NFCS_CHECK_GOTO(nfcs_cgl_prepare_time(cgl, tick), out);
    if (snap > 0) NFCS_CHECK_GOTO(nfcs_cgl_prepare_time(cgl, snap), out);
  }

  yaml = nfcs_params_to_yaml(p);
  nfcs_run_info info = {
    .params = p,
    .effective_yaml = yaml ? yaml : "",
    .command_line = opt->command_line,
    .backend = ctx->backend_type ? ctx->backend_type->name : "cpu",
    .threads = nfcs_ctx_threads(ctx),
    .grid = cgl ? nfcs_cgl_grid(cgl) : NULL,
  };
  NFCS_CHECK_GOTO(sink->ops->open(sink->self, &info), out);
  sink_open = 1;

  double t = 0;
  int64_t k_snap = 1, k_tick = 1;
  double last_written = -1;
  /* initial state */
  {
    nfcs_snapshot s = {.t = 0, .step = 0, .phi = NULL};
    if (cgl) { NFCS_CHECK_GOTO(nfcs_cgl_get_field(cgl, host), out); s.phi = host; }
    NFCS_CHECK_GOTO(sink->ops->snapshot(sink->self, &s), out);
    sum->snapshots++;
    last_written = 0;
  }
  sum->setup_s = now_s() - t0;
  const double loop_start = now_s();
  double step_wall = 0;
  while (t < T - tol) {
    double t_tick = nth(tick, k_tick), t_snap = nth(snap, k_snap);
    double target = T;
    if (t_tick < target) target = t_tick;
    if (t_snap < target) target = t_snap;
    if (fabs(target - T) <= tol) target = T;
    if (cgl) {
      double a = now_s();
      NFCS_CHECK_GOTO(nfcs_cgl_advance_to(cgl, target), out);
      step_wall += now_s() - a;
      if (!nfcs_cgl_finite(cgl)) {
        rc = NFCS_ERROR(ctx, NFCS_ERR_NONFINITE,
                        "cgl: the field became non-finite between t = %.10g and t = %.10g (step %lld); "
                        "the file keeps the last good snapshot (t = %.10g). Try a smaller cgl.time_step.",
                        t, target, (long long)nfcs_cgl_steps(cgl), last_written);
        goto out;
      }
    }
    t = target;
    if (fabs(t - t_tick) <= tol) k_tick++;
    int due = fabs(t - t_snap) <= tol || fabs(t - T) <= tol;
    if (fabs(t - t_snap) <= tol) k_snap++;
    int64_t steps = cgl ? nfcs_cgl_steps(cgl) : 0;
    int stop = opt->stop && *opt->stop;
    int capped = p->system.max_simulation_steps > 0 && steps >= p->system.max_simulation_steps;
    if (due || stop || capped) {
      nfcs_snapshot s = {.t = t, .step = steps, .phi = NULL};
      if (cgl) { NFCS_CHECK_GOTO(nfcs_cgl_get_field(cgl, host), out); s.phi = host; }
      NFCS_CHECK_GOTO(sink->ops->snapshot(sink->self, &s), out);
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
  sum->cgl_steps = cgl ? nfcs_cgl_steps(cgl) : 0;
  sum->wall_s = now_s() - t0;
  sum->step_ms_mean = sum->cgl_steps ? 1e3 * step_wall / (double)sum->cgl_steps : 0;
  if (opt->progress) {
    nfcs_progress pr = {.t = t, .t_end = T, .steps = sum->cgl_steps, .wall_s = now_s() - loop_start, .done = 1};
    opt->progress(opt->progress_user, &pr);
  }
out:
  if (sink_open) {
    int crc = sink->ops->close(sink->self, rc);
    if (!rc) rc = crc;
  }
  free(yaml);
  free(host);
  nfcs_cgl_destroy(&cgl);
  return rc;
}
