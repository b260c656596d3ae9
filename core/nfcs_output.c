#include "nfcs_output.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_internal.h"

enum { JOB_SNAPSHOT, JOB_METRICS, JOB_CHECKPOINT, JOB_FINISH };
#define QCAP 256

typedef struct job {
  int type;
  int slot;                /* the snapshot's or the sample's buffer */
  nfcs_snapshot snap;
  double t;
  int count;
  const char *names[NFCS_MAX_METRICS];
  double values[NFCS_MAX_METRICS];
  const void *data[NFCS_MAX_DATASETS];
} job;

/* A pool of buffers handed to the coordinator and given back by the I/O thread once written. */
typedef struct pool {
  int n;
  void **buf;
  int *busy;
} pool;

struct nfcs_output {
  nfcs_ctx *ctx;
  nfcs_sink sinks[NFCS_MAX_SINKS];
  int live[NFCS_MAX_SINKS]; /* opened and not failed (best-effort sinks drop out when they fail) */
  int nsinks;
  nfcs_run_info info;
  pthread_t thread;
  int started;
  pthread_mutex_t mu;
  pthread_cond_t cv_job, cv_free;
  job q[QCAP];
  int head, tail, len;
  pool snaps, samples;
  int in_flight, max_in_flight;
  nfcs_bundle ckpt;
  int ckpt_busy;
  /* finish */
  int status;
  const float *tick_ms;
  int64_t nticks;
  nfcs_tick_stats stats;
  /* the open, done by the thread, reported back */
  int opened, open_rc;
  int err;
  char err_msg[1024];
  int done;
};

/* The I/O thread's own error record (the context's belongs to the coordinator thread). */
static void fail(nfcs_output *o, int rc) {
  pthread_mutex_lock(&o->mu);
  if (!o->err) {
    o->err = rc;
    snprintf(o->err_msg, sizeof o->err_msg, "%s", nfcs_error_message(o->ctx));
  }
  pthread_mutex_unlock(&o->mu);
}

/* A sink's call failed: an essential sink's error stops the run; a best-effort sink is left out
 * from then on, with a warning. */
static void sink_failed(nfcs_output *o, int k, int rc) {
  if (!o->sinks[k].best_effort) {
    fail(o, rc);
    return;
  }
  o->live[k] = 0;
  nfcs_log(o->ctx, NFCS_LOG_WARNING, "output: a best-effort sink failed and is left out from now on: %s", nfcs_error_message(o->ctx));
  if (o->sinks[k].ops->close) o->sinks[k].ops->close(o->sinks[k].self, rc); /* it is closed with its error */
}

/* one item to every live sink that takes it */
static void dispatch(nfcs_output *o, const job *j) {
  for (int k = 0; k < o->nsinks && !o->err; k++) {
    if (!o->live[k]) continue;
    const nfcs_sink_ops *op = o->sinks[k].ops;
    void *self = o->sinks[k].self;
    int rc = NFCS_OK;
    switch (j->type) {
    case JOB_SNAPSHOT:
      if (op->snapshot) rc = op->snapshot(self, &j->snap);
      break;
    case JOB_METRICS:
      if (op->metrics) {
        nfcs_metrics_sample m = {.t = j->t, .count = j->count, .names = j->names, .values = j->values};
        memcpy(m.data, j->data, sizeof m.data);
        rc = op->metrics(self, &m);
      }
      break;
    case JOB_CHECKPOINT:
      if (op->checkpoint) rc = op->checkpoint(self, &o->ckpt, j->t);
      break;
    default:
      if (op->timing && o->tick_ms) rc = op->timing(self, o->tick_ms, o->nticks, &o->stats);
      break;
    }
    if (rc) sink_failed(o, k, rc);
  }
}

static void *io_main(void *arg) {
  nfcs_output *o = arg;
  int rc = NFCS_OK;
  for (int k = 0; k < o->nsinks && !rc; k++) {
    const nfcs_sink_ops *op = o->sinks[k].ops;
    const int orc = op->open ? op->open(o->sinks[k].self, &o->info) : NFCS_OK;
    o->live[k] = !orc;
    if (orc && !o->sinks[k].best_effort) rc = orc;
    else if (orc) nfcs_log(o->ctx, NFCS_LOG_WARNING, "output: a best-effort sink could not start: %s", nfcs_error_message(o->ctx));
  }
  if (rc) /* an essential sink did not open: close those that did */
    for (int k = 0; k < o->nsinks; k++)
      if (o->live[k] && o->sinks[k].ops->close) o->sinks[k].ops->close(o->sinks[k].self, rc);
  pthread_mutex_lock(&o->mu);
  o->opened = 1;
  o->open_rc = rc;
  if (rc) {
    o->err = rc;
    snprintf(o->err_msg, sizeof o->err_msg, "%s", nfcs_error_message(o->ctx));
  }
  pthread_cond_broadcast(&o->cv_free);
  pthread_mutex_unlock(&o->mu);
  if (rc) return NULL;
  for (;;) {
    pthread_mutex_lock(&o->mu);
    while (o->len == 0) pthread_cond_wait(&o->cv_job, &o->mu);
    job *j = &o->q[o->head];
    pthread_mutex_unlock(&o->mu);
    const int finish = j->type == JOB_FINISH;
    if (!o->err) dispatch(o, j);
    if (finish) /* every sink that opened is closed, with the run's status */
      for (int k = 0; k < o->nsinks; k++) {
        const nfcs_sink_ops *op = o->sinks[k].ops;
        if (!op->close || (!o->live[k] && o->sinks[k].best_effort)) continue; /* dropped ones are closed already */
        const int crc = op->close(o->sinks[k].self, o->status ? o->status : o->err);
        if (crc) sink_failed(o, k, crc);
      }
    pthread_mutex_lock(&o->mu);
    if (j->type == JOB_SNAPSHOT) {
      o->snaps.busy[j->slot] = 0;
      o->in_flight--;
    }
    if (j->type == JOB_METRICS) o->samples.busy[j->slot] = 0;
    if (j->type == JOB_CHECKPOINT) o->ckpt_busy = 0;
    o->head = (o->head + 1) % QCAP;
    o->len--;
    if (finish) o->done = 1;
    pthread_cond_broadcast(&o->cv_free);
    pthread_mutex_unlock(&o->mu);
    if (finish) return NULL;
  }
}

static int pool_init(pool *pl, int n, size_t bytes) {
  pl->n = n;
  pl->buf = calloc((size_t)n, sizeof(void *));
  pl->busy = calloc((size_t)n, sizeof(int));
  if (!pl->buf || !pl->busy) return NFCS_ERR_NOMEM;
  for (int i = 0; i < n; i++)
    if (!(pl->buf[i] = malloc(bytes ? bytes : 8))) return NFCS_ERR_NOMEM;
  return NFCS_OK;
}

static void pool_free(pool *pl) {
  for (int i = 0; i < pl->n && pl->buf; i++) free(pl->buf[i]);
  free(pl->buf);
  free(pl->busy);
  memset(pl, 0, sizeof *pl);
}

int nfcs_output_start(nfcs_ctx *ctx, const nfcs_sink *sinks, int nsinks, const nfcs_run_info *info, size_t snap_bytes,
                      int nslots, size_t sample_bytes, size_t state_bytes, int state_entries, nfcs_output **out) {
  *out = NULL;
  if (nsinks < 0 || nsinks > NFCS_MAX_SINKS)
    return NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "%d sinks: at most %d", nsinks, NFCS_MAX_SINKS);
  for (int k = 0; k < nsinks; k++)
    if (!sinks[k].ops) return NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "sink %d has no operations", k);
  nfcs_output *o = calloc(1, sizeof *o);
  if (!o) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  o->ctx = ctx;
  for (int k = 0; k < nsinks; k++) o->sinks[k] = sinks[k];
  o->nsinks = nsinks;
  o->info = *info;
  int rc = pool_init(&o->snaps, nslots, snap_bytes);
  if (!rc) rc = pool_init(&o->samples, NFCS_OUTPUT_SAMPLE_SLOTS, sample_bytes);
  if (!rc) rc = nfcs_bundle_init(&o->ckpt, state_bytes, state_entries);
  if (rc) {
    nfcs_output_destroy(&o);
    return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory for the output buffers (%d x %zu bytes)", nslots, snap_bytes);
  }
  pthread_mutex_init(&o->mu, NULL);
  pthread_cond_init(&o->cv_job, NULL);
  pthread_cond_init(&o->cv_free, NULL);
  if (pthread_create(&o->thread, NULL, io_main, o) != 0) {
    nfcs_output_destroy(&o);
    return NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "cannot start the I/O thread");
  }
  o->started = 1;
  pthread_mutex_lock(&o->mu);
  while (!o->opened) pthread_cond_wait(&o->cv_free, &o->mu);
  rc = o->open_rc;
  pthread_mutex_unlock(&o->mu);
  if (rc) {
    pthread_join(o->thread, NULL);
    o->started = 0;
    char msg[sizeof o->err_msg];
    snprintf(msg, sizeof msg, "%s", o->err_msg); /* the I/O thread's record, handed over */
    nfcs_output_destroy(&o);
    return NFCS_ERROR(ctx, rc, "%s", msg);
  }
  *out = o;
  return NFCS_OK;
}

static int check(nfcs_output *o) {
  if (!o->err) return NFCS_OK;
  return NFCS_ERROR(o->ctx, o->err, "%s", o->err_msg);
}

/* push a job (waits for room: back-pressure) */
static int push(nfcs_output *o, const job *j) {
  pthread_mutex_lock(&o->mu);
  while (o->len == QCAP && !o->err) pthread_cond_wait(&o->cv_free, &o->mu);
  int rc = o->err;
  if (!rc) {
    o->q[o->tail] = *j;
    o->tail = (o->tail + 1) % QCAP;
    o->len++;
    pthread_cond_signal(&o->cv_job);
  }
  pthread_mutex_unlock(&o->mu);
  return rc ? check(o) : NFCS_OK;
}

/* a free buffer of the pool (waits while every one is queued) */
static int pool_take(nfcs_output *o, pool *pl, void **buf) {
  pthread_mutex_lock(&o->mu);
  for (;;) {
    if (o->err) break;
    int free_slot = -1;
    for (int i = 0; i < pl->n; i++)
      if (!pl->busy[i]) { free_slot = i; break; }
    if (free_slot >= 0) {
      *buf = pl->buf[free_slot];
      break;
    }
    pthread_cond_wait(&o->cv_free, &o->mu);
  }
  pthread_mutex_unlock(&o->mu);
  return check(o);
}

/* the buffer's place in the pool, marked busy until the I/O thread is done with it */
static int pool_mark(nfcs_output *o, pool *pl, void *buf) {
  int slot = -1;
  for (int i = 0; i < pl->n; i++)
    if (pl->buf[i] == buf) slot = i;
  if (slot < 0) return -1;
  pthread_mutex_lock(&o->mu);
  pl->busy[slot] = 1;
  pthread_mutex_unlock(&o->mu);
  return slot;
}

int nfcs_output_snapshot_buffer(nfcs_output *o, void **buf) { return pool_take(o, &o->snaps, buf); }
int nfcs_output_sample_buffer(nfcs_output *o, void **buf) { return pool_take(o, &o->samples, buf); }

int nfcs_output_snapshot(nfcs_output *o, void *buf, const nfcs_snapshot *s) {
  job j = {.type = JOB_SNAPSHOT, .snap = *s};
  if ((j.slot = pool_mark(o, &o->snaps, buf)) < 0) return NFCS_ERROR(o->ctx, NFCS_ERR_SOFTWARE, "snapshot from an unknown buffer");
  pthread_mutex_lock(&o->mu);
  o->in_flight++;
  if (o->in_flight > o->max_in_flight) o->max_in_flight = o->in_flight;
  pthread_mutex_unlock(&o->mu);
  return push(o, &j);
}

int nfcs_output_metrics(nfcs_output *o, void *buf, const nfcs_metrics_sample *m) {
  if (m->count > NFCS_MAX_METRICS) return NFCS_ERROR(o->ctx, NFCS_ERR_SOFTWARE, "%d metric series: at most %d", m->count, NFCS_MAX_METRICS);
  job j = {.type = JOB_METRICS, .t = m->t, .count = m->count};
  if ((j.slot = pool_mark(o, &o->samples, buf)) < 0) return NFCS_ERROR(o->ctx, NFCS_ERR_SOFTWARE, "metrics from an unknown buffer");
  for (int i = 0; i < j.count; i++) {
    j.names[i] = m->names[i]; /* names are static strings */
    j.values[i] = m->values[i];
  }
  memcpy(j.data, m->data, sizeof j.data);
  return push(o, &j);
}

int nfcs_output_checkpoint_bundle(nfcs_output *o, nfcs_bundle **b) {
  pthread_mutex_lock(&o->mu);
  while (o->ckpt_busy && !o->err) pthread_cond_wait(&o->cv_free, &o->mu);
  pthread_mutex_unlock(&o->mu);
  nfcs_bundle_reset(&o->ckpt);
  *b = &o->ckpt;
  return check(o);
}

int nfcs_output_checkpoint(nfcs_output *o, double t) {
  pthread_mutex_lock(&o->mu);
  o->ckpt_busy = 1;
  pthread_mutex_unlock(&o->mu);
  job j = {.type = JOB_CHECKPOINT, .t = t};
  return push(o, &j);
}

int nfcs_output_sync(nfcs_output *o) {
  pthread_mutex_lock(&o->mu);
  while (o->len > 0) pthread_cond_wait(&o->cv_free, &o->mu);
  const int e = o->err;
  pthread_mutex_unlock(&o->mu);
  return e;
}

int nfcs_output_failed(nfcs_output *o) {
  pthread_mutex_lock(&o->mu);
  int e = o->err;
  pthread_mutex_unlock(&o->mu);
  return e;
}

void nfcs_output_tick(nfcs_output *o, const nfcs_live *l) {
  for (int k = 0; k < o->nsinks; k++) {
    if (!o->sinks[k].ops->tick) continue;
    pthread_mutex_lock(&o->mu);
    const int live = o->live[k] && !o->err;
    pthread_mutex_unlock(&o->mu);
    if (live) o->sinks[k].ops->tick(o->sinks[k].self, l);
  }
}

int nfcs_output_max_in_flight(const nfcs_output *o) { return o->max_in_flight; }

int nfcs_output_finish(nfcs_output *o, int status, const float *tick_ms, int64_t nticks, const nfcs_tick_stats *st) {
  o->status = status;
  o->tick_ms = tick_ms;
  o->nticks = nticks;
  if (st) o->stats = *st;
  job j = {.type = JOB_FINISH};
  /* the finish job goes in even after an error: the sink must close the file */
  pthread_mutex_lock(&o->mu);
  while (o->len == QCAP) pthread_cond_wait(&o->cv_free, &o->mu);
  o->q[o->tail] = j;
  o->tail = (o->tail + 1) % QCAP;
  o->len++;
  pthread_cond_signal(&o->cv_job);
  while (!o->done) pthread_cond_wait(&o->cv_free, &o->mu);
  pthread_mutex_unlock(&o->mu);
  pthread_join(o->thread, NULL);
  o->started = 0;
  return check(o);
}

void nfcs_output_destroy(nfcs_output **po) {
  if (!po || !*po) return;
  nfcs_output *o = *po;
  if (o->started) nfcs_output_finish(o, NFCS_ERR_SOFTWARE, NULL, 0, NULL);
  pool_free(&o->snaps);
  pool_free(&o->samples);
  nfcs_bundle_free(&o->ckpt);
  free(o);
  *po = NULL;
}
