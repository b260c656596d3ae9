/* The coordinator: the heart of a run.  Each tick it advances every module (registry order) by
 * sim_time_per_tick of model time — each with its own time step, landing on the tick boundary
 * exactly —, checks the state, measures when a metrics sample falls due, runs the regulator,
 * applies the controls for the next tick, and queues the snapshots, metrics and checkpoints that
 * fall due to the I/O thread.  realtime: ticks paced to the wall clock on absolute deadlines
 * (an overrun is counted, never accumulated); otherwise back to back.
 *
 * A run is four steps over one `run` record: set_up (modules, datasets, the plan of step sizes,
 * the output), restore (a checkpoint's state, when restarting), the ticks, and finish (the final
 * checkpoint, the timing, the summary).
 *
 * Distributed (mpirun -n P): every process runs this same loop on its part of the modules; the
 * first one writes (its sinks get the datasets gathered from every process's block).  Processes
 * agree at fixed points — after each step of the set-up and at the start of every tick — on
 * whether to go on: a signal seen by any of them (mpirun forwards it to all) stops every one at
 * the same tick, an error of one stops all with its status, and nothing a single process does
 * alone can leave the others waiting in a collective call. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfcs_internal.h"
#include "nfcs_metrics.h"
#include "nfcs_module.h"
#include "nfcs_output.h"
#include "nfcs_procs_ops.h"
#include "nfcs_run.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* the n-th multiple of an interval (exact for the integers); +inf for interval 0 */
static double nth(double interval, int64_t n) { return interval > 0 ? (double)n * interval : HUGE_VAL; }

/* output.path with `ending` in place of its .h5 (added when it has none) */
static void beside_output(const nfcs_params *p, const char *ending, char *out, size_t len) {
  const size_t n = strlen(p->output.path);
  if (n > 3 && !strcmp(p->output.path + n - 3, ".h5")) snprintf(out, len, "%.*s%s", (int)(n - 3), p->output.path, ending);
  else snprintf(out, len, "%s%s", p->output.path, ending);
}

void nfcs_checkpoint_path(const nfcs_params *p, char *out, size_t len) {
  if (p->output.checkpoint_path[0]) snprintf(out, len, "%s", p->output.checkpoint_path);
  else beside_output(p, ".ckpt.h5", out, len);
}

void nfcs_sidecar_path(const nfcs_params *p, char *out, size_t len) { beside_output(p, ".xmf", out, len); }

/* what comes next: the index of the next tick, snapshot, metrics sample and checkpoint, and how
 * many snapshots and samples were written (a checkpoint keeps them) */
typedef struct counters { int64_t tick, snap, met, ckpt, snapshots, samples; } counters;

/* The data a module records at one cadence: its bytes in the buffer and the run's index of each of
 * its datasets of that cadence. */
typedef struct recording {
  size_t bytes, offset;
  int n;
  int index[NFCS_MAX_DATASETS];
} recording;

typedef struct run {
  nfcs_ctx *ctx;
  const nfcs_params *p;
  const nfcs_run_options *opt;
  nfcs_run_summary *sum;
  /* the modules of the config, registry order */
  size_t nm;
  const nfcs_module_type *op[NFCS_MAX_MODULES];
  void *m[NFCS_MAX_MODULES];
  nfcs_module_ref ref[NFCS_MAX_MODULES];
  /* what they write */
  nfcs_dataset_list ds;
  nfcs_dataset_list whole; /* distributed: the same, each the whole of it (what the first process's sinks write) */
  recording rec[NFCS_MAX_MODULES][3]; /* by cadence */
  size_t snap_bytes, sample_bytes;
  /* distributed: where each dataset's whole data lies in the first process's buffers, their sizes,
   * this process's records and the first process's gathered copy (by cadence) */
  int distributed, root;
  int collective; /* distributed with collective sinks: every process writes its own blocks, no gathering */
  size_t goff[NFCS_MAX_DATASETS], gbytes[3];
  void *scratch[3], *stage[3];
  int deferred; /* the first process's output error, reported at the next agreement */
  nfcs_run_info info;
  char *yaml;
  nfcs_output *out;
  /* the regulator: the module sharing the phases it reads, host copies, its controls */
  int phases_from;
  nfcs_shared phases;
  double *theta, *each;
  nfcs_controls u;
  nfcs_metric_set last;
  /* the schedule */
  double T, tick, snap, mint, ckint, tol;
  counters k;
  double t;
  /* timing and the loop's state */
  float *tick_ms;
  int64_t nticks, overruns, next_log;
  double t0_wall, loop_start, loop_end, deadline, step_wall, last_written;
  int interrupted;
} run;

static int64_t max_steps(const run *r) {
  int64_t s = 0;
  for (size_t i = 0; i < r->nm; i++)
    if (r->op[i]->steps && r->op[i]->steps(r->m[i]) > s) s = r->op[i]->steps(r->m[i]);
  return s;
}

/* ---------------------------------------------------------------- measuring, recording */

static int measure(run *r, double t, int full, nfcs_metric_set *m) {
  memset(m, 0, sizeof *m);
  m->t = t;
  for (size_t i = 0; i < r->nm; i++)
    if (r->op[i]->observe) NFCS_CHECK(r->op[i]->observe(r->m[i], m, full));
  nfcs_metrics_combine(m, r->p);
  if (m->dropped) return NFCS_ERROR(r->ctx, NFCS_ERR_SOFTWARE, "more than %d metric series", NFCS_MAX_METRICS);
  return NFCS_OK;
}

/* every module's data of a cadence into buf; data[] indexed by the run's dataset list */
static int record(run *r, nfcs_cadence cadence, void *buf, const void **data) {
  for (size_t i = 0; i < r->nm; i++) {
    const recording *rc = &r->rec[i][cadence];
    if (!rc->n) continue;
    const void *local[NFCS_MAX_DATASETS] = {0};
    NFCS_CHECK(r->op[i]->record(r->m[i], cadence, (char *)buf + rc->offset, local));
    for (int k = 0; k < rc->n; k++) data[rc->index[k]] = local[k];
  }
  return NFCS_OK;
}

/* Distributed: every process's records of a cadence, the blocks of split datasets gathered into
 * the first process's stage (its whole data, laid out as goff says) — collective, and every
 * process takes part even when its own recording failed. */
static int gather_records(run *r, nfcs_cadence cadence) {
  const void *local[NFCS_MAX_DATASETS] = {0};
  int rc = record(r, cadence, r->scratch[cadence], local);
  const nfcs_procs_ops *pr = nfcs_procs();
  for (int d = 0; d < r->ds.count; d++) {
    const nfcs_dataset *ds = &r->ds.d[d];
    if (ds->cadence != cadence) continue;
    void *at = r->root ? (char *)r->stage[cadence] + r->goff[d] : NULL;
    size_t rest = nfcs_elem_size(ds->elem);
    for (int a = 1; a < ds->rank; a++) rest *= (size_t)ds->shape[a];
    if (ds->flags & NFCS_DS_SPLIT) {
      const int grc = pr->gatherv(local[d], rc || !local[d] ? 0 : ds->extent[0], rest, at, 0);
      if (!rc) rc = grc;
    } else if (r->root && !rc && local[d]) {
      memcpy(at, local[d], rest * (size_t)(ds->rank ? ds->shape[0] : 1));
    }
  }
  return nfcs_procs_check(r->ctx, rc);
}

/* distributed: an output's failure is kept for the next agreement (the other processes are still
 * in the tick, and its collective calls) */
static int defer(run *r, int rc) {
  if (rc && !r->deferred) r->deferred = rc;
  return NFCS_OK;
}

/* whole data of a cadence from the stage into a pool buffer, data[] pointing into it */
static void from_stage(run *r, nfcs_cadence cadence, void *buf, const void **data) {
  memcpy(buf, r->stage[cadence], r->gbytes[cadence]);
  for (int d = 0; d < r->ds.count; d++)
    if (r->ds.d[d].cadence == cadence) data[d] = (char *)buf + r->goff[d];
}

/* A buffer of the output holding the records of a cadence, data[] pointing into it: this
 * process's own (one process, or a collective sink), or the whole, gathered from every process's
 * blocks, on the first one (the gathering is collective).  *buf stays NULL where there is nothing
 * to queue: another process of a gathered run, or an output that failed already. */
static int take_records(run *r, nfcs_cadence c, void **buf, const void **data) {
  *buf = NULL;
  const int gathered = r->distributed && !r->collective;
  if (gathered) {
    NFCS_CHECK(gather_records(r, c));
    if (!r->root) return NFCS_OK;
  }
  if (r->deferred) return NFCS_OK;
  void *b;
  int rc = c == NFCS_PER_SNAPSHOT ? nfcs_output_snapshot_buffer(r->out, &b) : nfcs_output_sample_buffer(r->out, &b);
  if (!rc && gathered) from_stage(r, c, b, data);
  else if (!rc) rc = record(r, c, b, data);
  if (!rc) *buf = b;
  return rc;
}

/* After queuing: one process returns the output's status.  Distributed, it is kept for the tick's
 * agreement (every process must reach it), a collective sink's I/O thread waited for first (its
 * calls are over before the coordinator's next collective call). */
static int settle(run *r, int rc) {
  if (!r->distributed) return rc;
  if (r->collective) {
    const int src = nfcs_output_sync(r->out);
    if (!rc) rc = src;
  }
  return defer(r, rc);
}

static int queue_snapshot(run *r, double t, int64_t step) {
  void *buf;
  nfcs_snapshot s = {.t = t, .step = step};
  int rc = take_records(r, NFCS_PER_SNAPSHOT, &buf, s.data);
  if (!rc && buf) rc = nfcs_output_snapshot(r->out, buf, &s);
  return settle(r, rc);
}

static int queue_metrics(run *r, const nfcs_metric_set *m) {
  void *buf;
  nfcs_metrics_sample s = {.t = m->t, .count = m->count, .names = m->name, .values = m->value};
  int rc = take_records(r, NFCS_PER_SAMPLE, &buf, s.data);
  if (!rc && buf) rc = nfcs_output_metrics(r->out, buf, &s);
  return settle(r, rc);
}

static int queue_checkpoint(run *r, double t) {
  nfcs_bundle *b;
  /* distributed: the modules' saves gather the whole state on the first process (collective), so
   * every process saves, whatever became of its output (the bundle is handed out even then, and no
   * sink reads it any more once the output has failed) */
  NFCS_CHECK(settle(r, nfcs_output_checkpoint_bundle(r->out, &b)));
  for (size_t i = 0; i < r->nm; i++)
    if (r->op[i]->save) NFCS_CHECK(r->op[i]->save(r->m[i], b));
  const counters *k = &r->k;
  const int64_t ints[] = {k->tick, k->snap, k->met, k->ckpt, k->snapshots, k->samples};
  NFCS_CHECK(nfcs_bundle_put(b, "coordinator/ints", NFCS_BK_I64, 6, ints));
  NFCS_CHECK(nfcs_bundle_put_f64(b, "coordinator/t", t));
  /* queued by whoever writes it: every process of a collective sink, else the first (or only) one */
  const int writes = !r->distributed || r->collective || r->root;
  return settle(r, writes && !r->deferred ? nfcs_output_checkpoint(r->out, t) : NFCS_OK);
}

/* ---------------------------------------------------------------- timing */

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

/* ---------------------------------------------------------------- set-up */

/* the modules of the config, in registry order, each seeing those created before it */
static int create_modules(run *r) {
  size_t nreg;
  const nfcs_module_type *const *reg = nfcs_modules(&nreg);
  nfcs_module_env env = {.input = r->opt->input, .modules = r->ref};
  for (size_t i = 0; i < nreg; i++) {
    if (!r->p->present[i]) continue;
    r->op[r->nm] = reg[i];
    env.nmodules = (int)r->nm;
    NFCS_CHECK(reg[i]->create(r->ctx, r->p, &env, &r->m[r->nm]));
    r->ref[r->nm] = (nfcs_module_ref){reg[i], r->m[r->nm]};
    r->nm++;
  }
  if (r->nm == 0) return NFCS_ERROR(r->ctx, NFCS_ERR_CONFIG, "no module to run");
  return NFCS_OK;
}

/* every module's datasets, and where each one's records go */
static int describe(run *r) {
  for (size_t i = 0; i < r->nm; i++) {
    const int first = r->ds.count;
    if (r->op[i]->datasets && r->op[i]->datasets(r->m[i], &r->ds))
      return NFCS_ERROR(r->ctx, NFCS_ERR_SOFTWARE, "%s: its datasets do not fit the list (at most %d in a run)", r->op[i]->name,
                        NFCS_MAX_DATASETS);
    for (int d = first; d < r->ds.count; d++) {
      recording *rc = &r->rec[i][r->ds.d[d].cadence];
      rc->index[rc->n++] = d;
      for (int e = 0; e < d; e++)
        if (!strcmp(r->ds.d[e].path, r->ds.d[d].path))
          return NFCS_ERROR(r->ctx, NFCS_ERR_SOFTWARE, "%s: dataset %s is written twice", r->op[i]->name, r->ds.d[d].path);
    }
    for (int c = NFCS_PER_SNAPSHOT; c <= NFCS_PER_SAMPLE; c++) {
      recording *rc = &r->rec[i][c];
      if (!rc->n) continue;
      if (!r->op[i]->record || !r->op[i]->record_bytes)
        return NFCS_ERROR(r->ctx, NFCS_ERR_SOFTWARE, "%s describes datasets it cannot record", r->op[i]->name);
      size_t *total = c == NFCS_PER_SNAPSHOT ? &r->snap_bytes : &r->sample_bytes;
      rc->bytes = r->op[i]->record_bytes(r->m[i], (nfcs_cadence)c);
      rc->offset = *total;
      *total += (rc->bytes + 63) & ~(size_t)63;
    }
  }
  if (!r->distributed || r->collective) return NFCS_OK;
  r->whole = r->ds;
  for (int d = 0; d < r->whole.count; d++)
    for (int a = 0; a < r->whole.d[d].rank; a++) {
      r->whole.d[d].offset[a] = 0;
      r->whole.d[d].extent[a] = r->whole.d[d].shape[a];
    }
  /* distributed: each dataset's whole data in the first process's buffers; this process's records */
  for (int d = 0; d < r->ds.count; d++) {
    const nfcs_dataset *ds = &r->ds.d[d];
    if (ds->cadence == NFCS_STATIC) continue;
    size_t bytes = nfcs_elem_size(ds->elem);
    for (int a = 0; a < ds->rank; a++) bytes *= (size_t)ds->shape[a];
    r->goff[d] = r->gbytes[ds->cadence];
    r->gbytes[ds->cadence] += (bytes + 63) & ~(size_t)63;
  }
  for (int c = NFCS_PER_SNAPSHOT; c <= NFCS_PER_SAMPLE; c++) {
    const size_t local = c == NFCS_PER_SNAPSHOT ? r->snap_bytes : r->sample_bytes;
    r->scratch[c] = malloc(local ? local : 8);
    r->stage[c] = r->root ? malloc(r->gbytes[c] ? r->gbytes[c] : 8) : NULL;
    if (!r->scratch[c] || (r->root && !r->stage[c])) return NFCS_ERROR(r->ctx, NFCS_ERR_NOMEM, "out of memory for the output's buffers");
  }
  return NFCS_OK;
}

/* the regulator's phases: shared by the first module that has them */
static int find_phases(run *r) {
  r->phases_from = -1;
  if (!nfcs_regulator_needs_phases(r->p)) return NFCS_OK;
  for (size_t i = 0; i < r->nm && r->phases_from < 0; i++)
    if (r->op[i]->share && r->op[i]->share(r->m[i], NFCS_SHARED_PHASES, &r->phases) == NFCS_OK && r->phases.elem == NFCS_ELEM_F64)
      r->phases_from = (int)i;
  if (r->phases_from < 0) return NFCS_OK;
  r->theta = calloc((size_t)r->phases.count, sizeof(double));
  r->each = calloc((size_t)r->phases.count, sizeof(double));
  if (!r->theta || !r->each) return NFCS_ERROR(r->ctx, NFCS_ERR_NOMEM, "out of memory");
  return NFCS_OK;
}

static int set_up(run *r) {
  const nfcs_params *p = r->p;
  nfcs_diags *mem = calloc(1, sizeof *mem);
  if (!mem) return NFCS_ERROR(r->ctx, NFCS_ERR_NOMEM, "out of memory");
  const int mrc = nfcs_run_check_memory(p, mem);
  int rc = mrc ? NFCS_ERROR(r->ctx, mrc, "%s", mem->msg[0] + strlen("nfcs: error: ")) : NFCS_OK;
  free(mem);
  /* the free memory is each machine's own: every process goes on, or none */
  NFCS_CHECK(nfcs_procs_check(r->ctx, rc));
  NFCS_CHECK(nfcs_procs_check(r->ctx, create_modules(r)));
  NFCS_CHECK(describe(r));
  NFCS_CHECK(find_phases(r));
  nfcs_checkpoint_path(p, r->sum->checkpoint_path, sizeof r->sum->checkpoint_path);
  r->info = (nfcs_run_info){
    .params = p,
    .command_line = r->opt->command_line,
    .backend = r->ctx->backend_type ? r->ctx->backend_type->name : "cpu",
    .threads = nfcs_ctx_threads(r->ctx),
    .mpi_ranks = nfcs_procs()->size,
    .collective = r->collective,
    .ndatasets = r->ds.count,
    .datasets = r->distributed && !r->collective ? r->whole.d : r->ds.d,
    .resume_t = -1,
    .checkpoint_path = r->sum->checkpoint_path,
    .model_hash = r->opt->model_hash,
    .model_text = r->opt->model_text,
  };
  /* the schedule; tolerances from the finest time step */
  r->T = p->run.t_end;
  r->tick = p->coordinator.sim_time_per_tick;
  r->snap = p->output.snapshot_interval;
  r->mint = p->output.metrics_interval;
  r->ckint = p->output.checkpoint_interval;
  double dt_min = r->tick;
  for (size_t i = 0; i < r->nm; i++)
    if (r->op[i]->dt) dt_min = fmin(dt_min, r->op[i]->dt(r->m[i]));
  /* upstream's logging.save_state_interval (steps) sets the checkpoint interval unless
   * output.checkpoint_interval is given */
  if (r->ckint == 0 && !p->origin[nfcs_param_index(nfcs_param_find("output.checkpoint_interval", NULL))] &&
      p->origin[nfcs_param_index(nfcs_param_find("logging.save_state_interval", NULL))])
    r->ckint = (double)p->logging.save_state_interval * dt_min;
  r->tol = 1e-9 * dt_min;
  /* plan once: the shortened steps that landing on ticks, outputs and t_end need */
  const double times[] = {r->T, r->tick, r->snap, r->mint, r->ckint};
  for (size_t i = 0; i < r->nm; i++)
    for (size_t k = 0; k < 5; k++)
      if (times[k] > 0 && r->op[i]->prepare) NFCS_CHECK(r->op[i]->prepare(r->m[i], times[k]));
  r->k = (counters){1, 1, 1, 1, 0, 0};
  r->t = 0;
  return NFCS_OK;
}

/* the first process's output error so far, and any process's signal: the tick's agreement.
 * Returns the status to stop with (*stop set for a signal). */
static int agree(run *r, int *stop) {
  const int mine = r->root || r->collective ? (r->deferred ? r->deferred : nfcs_output_failed(r->out)) : 0;
  int v[3] = {r->opt->stop && *r->opt->stop, mine, 0};
  NFCS_CHECK(nfcs_procs()->max_int(v, 3));
  *stop = v[0];
  if (!v[1]) return NFCS_OK;
  if (mine) return mine; /* its message comes with the output's finish */
  return nfcs_procs_relay(r->ctx, v[1], "another process's output failed");
}

/* ---------------------------------------------------------------- restore */

/* the index of the first multiple of `interval` after t (beyond the tolerance): what comes next
 * once everything up to t is done (1 for interval 0: never due) */
static int64_t next_index(double interval, double t, double tol) {
  if (!(interval > 0)) return 1;
  int64_t n = (int64_t)floor((t + tol) / interval) + 1;
  while (n > 1 && nth(interval, n - 1) > t + tol) n--;
  while (nth(interval, n) <= t + tol) n++;
  return n;
}

/* A checkpoint's state, trusted only after it is checked (SPEC.md 4): a finite time within the
 * run, every module's clock finite and at that time (a stop may leave one a step ahead, never
 * beyond the next tick), every state finite.  What comes next (tick, snapshot, sample, checkpoint)
 * is recomputed from the time and this run's intervals, which may differ from the checkpoint's:
 * everything up to the checkpoint's time stays as it is in the file, and the outputs go on from
 * the next multiple of each interval. */
static int restore(run *r, const nfcs_bundle *b) {
  for (size_t i = 0; i < r->nm; i++)
    if (r->op[i]->restore) NFCS_CHECK(r->op[i]->restore(r->m[i], b));
  const int64_t *ki = nfcs_bundle_get(b, "coordinator/ints", NFCS_BK_I64, 6);
  double t;
  if (!ki || nfcs_bundle_get_f64(b, "coordinator/t", &t)) return NFCS_ERROR(r->ctx, NFCS_ERR_DATA, "the checkpoint has no coordinator state");
  if (!isfinite(t) || t < 0)
    return NFCS_ERROR(r->ctx, NFCS_ERR_DATA, "the checkpoint's time is %g: expected a finite time >= 0", t);
  if (t > r->T + r->tol)
    return NFCS_ERROR(r->ctx, NFCS_ERR_DATA, "the checkpoint is at t = %.10g, beyond run.t_end = %.10g", t, r->T);
  const double next_tick = fmin(nth(r->tick, next_index(r->tick, t, r->tol)), r->T);
  for (size_t i = 0; i < r->nm; i++) {
    if (r->op[i]->time) {
      const double ti = r->op[i]->time(r->m[i]);
      if (!isfinite(ti) || ti < t - r->tol || ti > next_tick + r->tol)
        return NFCS_ERROR(r->ctx, NFCS_ERR_DATA, "the checkpoint's %s is at t = %.10g, the coordinator at t = %.10g: they do not belong "
                          "together", r->op[i]->name, ti, t);
    }
    int finite = 1;
    if (r->op[i]->finite) NFCS_CHECK(r->op[i]->finite(r->m[i], &finite));
    if (!finite) return NFCS_ERROR(r->ctx, NFCS_ERR_DATA, "the checkpoint's %s state is not finite", r->op[i]->name);
  }
  /* the counts written so far (for the summary): from the checkpoint, within sense */
  for (int i = 4; i < 6; i++)
    if (ki[i] < 0 || ki[i] > ((int64_t)1 << 40))
      return NFCS_ERROR(r->ctx, NFCS_ERR_DATA, "the checkpoint's output counters are damaged (%lld)", (long long)ki[i]);
  r->k = (counters){next_index(r->tick, t, r->tol), next_index(r->snap, t, r->tol), next_index(r->mint, t, r->tol),
                    next_index(r->ckint, t, r->tol), ki[4], ki[5]};
  r->t = t;
  r->info.resume_t = t;
  r->sum->t_start = t;
  return NFCS_OK;
}

/* ---------------------------------------------------------------- the output and the first records */

static int start_output(run *r, const nfcs_sink *sinks, int nsinks) {
  size_t state_bytes = 4096;
  for (size_t i = 0; i < r->nm; i++)
    if (r->op[i]->state_bytes) state_bytes += r->op[i]->state_bytes(r->m[i]) + 64 * 16;
  r->yaml = nfcs_params_to_yaml(r->p);
  r->info.effective_yaml = r->yaml ? r->yaml : "";
  /* distributed: the first process's buffers hold whole datasets; the others' output has no sinks */
  const int gathered = r->distributed && !r->collective;
  const size_t snap_bytes = gathered ? (r->root ? r->gbytes[NFCS_PER_SNAPSHOT] : 8) : r->snap_bytes;
  const size_t sample_bytes = gathered ? (r->root ? r->gbytes[NFCS_PER_SAMPLE] : 8) : r->sample_bytes;
  int rc = nfcs_output_start(r->ctx, sinks, gathered && !r->root ? 0 : nsinks, &r->info, snap_bytes,
                             r->opt->snapshot_buffers > 0 ? r->opt->snapshot_buffers : 2, sample_bytes, state_bytes, 64, &r->out);
  NFCS_CHECK(nfcs_procs_check(r->ctx, rc));
  const double ticks_left = ceil((r->T - r->t) / r->tick - 1e-9) + 2;
  if (ticks_left > 2e8) return NFCS_ERROR(r->ctx, NFCS_ERR_CONFIG, "run.t_end / coordinator.sim_time_per_tick: more than 2e8 ticks");
  r->tick_ms = malloc(sizeof(float) * (size_t)ticks_left);
  if (!r->tick_ms) return NFCS_ERROR(r->ctx, NFCS_ERR_NOMEM, "out of memory for %.0f tick timings", ticks_left);
  /* a new run starts with a snapshot and a metrics sample of the initial state; controls start at
   * zero (as upstream) */
  if (!r->opt->restart) {
    NFCS_CHECK(queue_snapshot(r, 0.0, 0));
    r->k.snapshots++;
    if (r->mint > 0) {
      NFCS_CHECK(measure(r, 0.0, 1, &r->last));
      NFCS_CHECK(queue_metrics(r, &r->last));
      r->k.samples++;
    }
  }
  return NFCS_OK;
}

/* ---------------------------------------------------------------- a tick */

/* the controls for the next tick from the metrics m of this one */
static int regulate(run *r, const nfcs_metric_set *m) {
  int64_t n = 0;
  if (r->phases_from >= 0) {
    const int i = r->phases_from;
    NFCS_CHECK(r->op[i]->share(r->m[i], NFCS_SHARED_PHASES, &r->phases));
    NFCS_CHECK(r->ctx->ops->memory->download_bytes(r->ctx->backend, r->theta, r->phases.data, sizeof(double) * (size_t)r->phases.count));
    n = r->phases.count;
  }
  nfcs_regulator_compute(r->p, m, r->theta, n, r->each, &r->u);
  for (size_t i = 0; i < r->nm; i++)
    if (r->op[i]->control) NFCS_CHECK(r->op[i]->control(r->m[i], &r->u));
  return NFCS_OK;
}

/* advance every module to `target`; *stopped when a signal stopped one */
static int advance_all(run *r, double target, int *stopped) {
  /* distributed, a signal is acted on at the next tick, where the processes agree on it: one that
   * stopped within a tick alone would leave the others waiting in its collective calls */
  const volatile int *stop = r->distributed ? NULL : (const volatile int *)r->opt->stop;
  for (size_t i = 0; i < r->nm; i++) {
    if (!r->op[i]->advance) continue;
    const int arc = r->op[i]->advance(r->m[i], target, stop);
    if (arc == NFCS_ERR_INTERRUPTED) {
      *stopped = 1;
      return NFCS_OK;
    }
    NFCS_CHECK(arc);
    int finite = 1;
    if (r->op[i]->finite) NFCS_CHECK(r->op[i]->finite(r->m[i], &finite));
    if (!finite)
      return NFCS_ERROR(r->ctx, NFCS_ERR_NONFINITE,
                        "%s: the state became non-finite between t = %.10g and t = %.10g (step %lld); the file keeps the "
                        "last good snapshot (t = %.10g) and the last checkpoint. Try a smaller time step.",
                        r->op[i]->name, r->t, target, (long long)(r->op[i]->steps ? r->op[i]->steps(r->m[i]) : 0), r->last_written);
  }
  return NFCS_OK;
}

/* the live state after a tick, to the sinks that watch it (live metrics) */
static void publish(run *r, double t, float tick_ms) {
  nfcs_live l = {.t = t, .t_end = r->T, .ticks = r->nticks, .overruns = r->overruns, .tick_s = 1e-3 * (double)tick_ms,
                 .rate_hz = r->p->coordinator.rate_hz};
  for (size_t i = 0; i < r->nm; i++) {
    if (!r->op[i]->steps) continue;
    l.module[l.nmodules] = r->op[i]->name;
    l.steps[l.nmodules++] = r->op[i]->steps(r->m[i]);
  }
  nfcs_output_tick(r->out, &l);
}

/* One pass of the loop: to the next tick or output time, whichever comes first.  *stop set when
 * the run ends here (a signal, the step cap). */
static int tick(run *r, int *stop) {
  const nfcs_params *p = r->p;
  counters *k = &r->k;
  const double tol = r->tol, T = r->T;
  const double tick_start = now_s();
  const double t_tick = nth(r->tick, k->tick), t_snap = nth(r->snap, k->snap), t_met = nth(r->mint, k->met),
               t_ck = nth(r->ckint, k->ckpt);
  double target = fmin(fmin(t_tick, T), fmin(t_snap, fmin(t_met, t_ck)));
  if (fabs(target - T) <= tol) target = T;
  int stopped = 0;
  if (r->distributed) {
    NFCS_CHECK(agree(r, &stopped));
    if (stopped) {
      r->interrupted = *stop = 1;
      return NFCS_OK;
    }
  }
  NFCS_CHECK(advance_all(r, target, &stopped));
  r->step_wall += now_s() - tick_start;
  if (stopped || (!r->distributed && r->opt->stop && *r->opt->stop)) {
    r->interrupted = *stop = 1;
    return NFCS_OK;
  }
  r->t = target;
  const double t = r->t;
  const int at_tick = fabs(t - t_tick) <= tol, at_end = fabs(t - T) <= tol;
  if (at_tick) k->tick++;
  /* measure */
  nfcs_metric_set m;
  int measured = 0;
  if (fabs(t - t_met) <= tol || (at_end && r->mint > 0)) {
    /* each series records its own times, k * interval, whatever the rounding of the others */
    NFCS_CHECK(measure(r, fabs(t - t_met) <= tol ? t_met : t, 1, &m));
    NFCS_CHECK(queue_metrics(r, &m));
    k->samples++;
    r->last = m;
    measured = 1;
    if (fabs(t - t_met) <= tol) k->met++;
  }
  /* regulate: the controls for the next tick */
  if (p->regulator.type != NFCS_REG_NONE && (at_tick || at_end)) {
    if (!measured) NFCS_CHECK(measure(r, t, 0, &m));
    NFCS_CHECK(regulate(r, &m));
  }
  const int64_t steps = max_steps(r);
  if (r->next_log > 0 && steps >= r->next_log && k->samples > 0) {
    const nfcs_metric_set *l = &r->last;
    nfcs_log(r->ctx, NFCS_LOG_INFO, "t = %.6g: R_global %.4g, R %.4g, defects %lld, H_a %.4g, risk %.4g, J %.4g", t,
             nfcs_metric_or(l, "R_global", 0.0), nfcs_metric_or(l, "R", NAN), (long long)nfcs_metric_or(l, "defect_count", 0.0),
             nfcs_metric_or(l, "hallucination_number", 0.0), nfcs_metric_or(l, "systemic_risk", NAN), nfcs_metric_or(l, "J", NAN));
    while (r->next_log <= steps) r->next_log += p->logging.log_metrics_interval;
  }
  const int capped = p->system.max_simulation_steps > 0 && steps >= p->system.max_simulation_steps;
  const int snap_due = fabs(t - t_snap) <= tol;
  if (snap_due) k->snap++;
  if (snap_due || at_end || capped) {
    NFCS_CHECK(queue_snapshot(r, snap_due ? t_snap : t, steps));
    k->snapshots++;
    r->last_written = t;
  }
  if (fabs(t - t_ck) <= tol) {
    k->ckpt++;
    if (!at_end) {
      NFCS_CHECK(queue_checkpoint(r, t_ck));
      r->sum->checkpoints++;
    }
  }
  if (at_tick || at_end) {
    r->tick_ms[r->nticks++] = (float)(1e3 * (now_s() - tick_start));
    if (r->opt->progress) {
      nfcs_progress pr = {.t = t, .t_end = T, .steps = steps, .wall_s = now_s() - r->loop_start, .done = 0};
      r->opt->progress(r->opt->progress_user, &pr);
    }
    const int pace = p->coordinator.realtime && r->root; /* the first process paces; the others wait for it at the next agreement */
    const double period = 1.0 / p->coordinator.rate_hz;
    if (pace) {
      /* absolute deadlines: an overrun is counted and the schedule skips ahead, never drifts */
      const double now = now_s();
      if (now > r->deadline) {
        r->overruns++;
        r->deadline += period * ceil((now - r->deadline) / period);
      }
    }
    publish(r, t, r->tick_ms[r->nticks - 1]);
    if (pace) {
      sleep_until(r->deadline);
      r->deadline += period;
    }
  }
  if (!r->distributed) NFCS_CHECK(nfcs_output_failed(r->out));
  if (capped) {
    nfcs_log(r->ctx, NFCS_LOG_WARNING, "system.max_simulation_steps = %lld reached at t = %.10g: the run stops here",
             (long long)p->system.max_simulation_steps, t);
    *stop = 1;
  }
  return NFCS_OK;
}

static int loop(run *r) {
  r->next_log = r->p->logging.log_metrics_interval;
  r->sum->setup_s = now_s() - r->t0_wall;
  r->loop_start = now_s();
  r->deadline = r->loop_start + 1.0 / r->p->coordinator.rate_hz;
  r->last_written = r->t;
  int stop = 0;
  while (r->t < r->T - r->tol && !stop) NFCS_CHECK(tick(r, &stop));
  r->loop_end = now_s();
  return NFCS_OK;
}

/* ---------------------------------------------------------------- finish */

/* The end (or a stop): a last snapshot when stopped between snapshots with the modules at one
 * time, the final checkpoint, the tick statistics. */
static int finish(run *r) {
  const double tol = r->tol;
  double tm = r->t;
  int same = 1, first = 1;
  for (size_t i = 0; i < r->nm; i++) {
    if (!r->op[i]->time) continue;
    const double ti = r->op[i]->time(r->m[i]);
    if (first) tm = ti, first = 0;
    else same &= fabs(ti - tm) <= tol;
  }
  if (r->interrupted && same && fabs(tm - r->last_written) > tol) {
    NFCS_CHECK(queue_snapshot(r, tm, max_steps(r)));
    r->k.snapshots++;
  }
  NFCS_CHECK(queue_checkpoint(r, r->t));
  r->sum->checkpoints++;
  if (r->interrupted)
    return NFCS_ERROR(r->ctx, NFCS_ERR_INTERRUPTED, "stopped by a signal at t = %.10g; checkpoint %s written (continue with --restart)",
                      tm, r->sum->checkpoint_path);
  return NFCS_OK;
}

static void summarise(run *r) {
  nfcs_run_summary *s = r->sum;
  /* the rate of the tick loop itself: the final checkpoint and the flush after it are not ticks */
  const double loop_wall = (r->loop_end > 0 ? r->loop_end : now_s()) - r->loop_start;
  s->ticks.rate_hz = r->p->coordinator.rate_hz;
  s->ticks.realtime = r->p->coordinator.realtime;
  s->ticks.overruns = r->overruns;
  s->ticks.achieved_rate_hz = loop_wall > 0 ? (double)r->nticks / loop_wall : 0;
  tick_stats(r->tick_ms, r->nticks, &s->ticks);
  s->t_reached = r->t;
  s->steps = max_steps(r);
  s->nmodules = (int)r->nm;
  for (size_t i = 0; i < r->nm; i++) {
    if (r->op[i]->summary) r->op[i]->summary(r->m[i], s->module_line[i], sizeof s->module_line[i]);
    else snprintf(s->module_line[i], sizeof s->module_line[i], "%s", r->op[i]->name);
  }
  s->step_ms_mean = s->steps ? 1e3 * r->step_wall / (double)s->steps : 0;
  if (r->opt->progress) {
    nfcs_progress pr = {.t = r->t, .t_end = r->T, .steps = s->steps, .wall_s = loop_wall, .done = 1};
    r->opt->progress(r->opt->progress_user, &pr);
  }
}

/* ---------------------------------------------------------------- the run */

void nfcs_run_about(const nfcs_params *p, int threads, int processes, double t_start, char *line, size_t len) {
  size_t nreg, o = 0;
  const nfcs_module_type *const *reg = nfcs_modules(&nreg);
#define ADD(...) (o += (size_t)snprintf(line + o, o < len ? len - o : 0, __VA_ARGS__), o = o < len ? o : len)
  line[0] = '\0';
  int k = 0;
  for (size_t i = 0; i < nreg; i++) {
    if (!p->present[i]) continue;
    char phrase[256];
    if (reg[i]->about) reg[i]->about(p, phrase, sizeof phrase);
    else snprintf(phrase, sizeof phrase, "%s", reg[i]->name);
    ADD("%s%s", k++ ? " + " : "", phrase);
  }
  const nfcs_param_def *reg_row = nfcs_param_find("regulator.type", NULL);
  char regulator[64];
  nfcs_param_format(p, reg_row, regulator, sizeof regulator);
  const int by_default = !p->origin[nfcs_param_index(reg_row)];
  ADD("; regulator %s%s", regulator,
      p->regulator.type == NFCS_REG_PROPORTIONAL && by_default ? " (the default; regulator.type: none turns it off)" : "");
  ADD("; backend %s, %d thread%s, %d process%s", p->backend.device == NFCS_DEVICE_CUDA ? "cuda" : "cpu", threads, threads == 1 ? "" : "s",
      processes, processes == 1 ? "" : "es");
  ADD("; t %g -> %g; output %s", t_start, p->run.t_end, p->output.path);
#undef ADD
}

int nfcs_run(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_sink *sinks, int nsinks, const nfcs_run_options *opt,
             nfcs_run_summary *sum) {
  memset(sum, 0, sizeof *sum);
  run *r = calloc(1, sizeof *r);
  if (!r) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  *r = (run){.ctx = ctx, .p = p, .opt = opt, .sum = sum, .t0_wall = now_s(), .phases_from = -1};
  r->distributed = nfcs_procs_distributed();
  r->root = nfcs_procs()->rank == 0;
  if (r->distributed) {
    /* collective output when every process has sinks and all of them write collectively (the
     * gathering path otherwise; NFCS_MPI_GATHER=1 asks for it: the first process writes alone) */
    const char *gather = getenv("NFCS_MPI_GATHER");
    int mine = nsinks > 0 && !(gather && !strcmp(gather, "1"));
    for (int k = 0; k < nsinks; k++) mine &= sinks[k].ops->collective || sinks[k].ops->no_data;
    int any_not = !mine;
    nfcs_procs()->max_int(&any_not, 1);
    r->collective = !any_not;
  }
  int rc = set_up(r);
  if (!rc && opt->restart) rc = nfcs_procs_check(ctx, restore(r, opt->restart));
  if (!rc) {
    /* from here on the output is open: whatever happens, the sinks are finished and closed */
    rc = start_output(r, sinks, nsinks);
    if (!rc) rc = loop(r);
    if (!rc) rc = finish(r);
    if (!rc || rc == NFCS_ERR_INTERRUPTED) summarise(r);
    sum->snapshots = r->k.snapshots;
    sum->metric_samples = r->k.samples;
    if (r->out) {
      sum->max_in_flight = nfcs_output_max_in_flight(r->out);
      if (!rc) rc = r->deferred;
      /* a collective sink closes the file on every process at once, with the same status */
      if (r->collective) rc = nfcs_procs_check(ctx, rc);
      const int frc = nfcs_output_finish(r->out, rc, r->tick_ms, r->nticks, &sum->ticks);
      if (!rc) rc = frc;
      nfcs_output_destroy(&r->out);
    }
    /* every process ends with the same status */
    if (r->distributed) rc = nfcs_procs_check(ctx, rc);
    sum->wall_s = now_s() - r->t0_wall;
  }
  for (int c = 0; c < 3; c++) {
    free(r->scratch[c]);
    free(r->stage[c]);
  }
  free(r->yaml);
  free(r->tick_ms);
  free(r->theta);
  free(r->each);
  for (size_t i = r->nm; i-- > 0;) r->op[i]->destroy(&r->m[i]);
  free(r);
  return rc;
}
