/* The live-metrics sink (docs/monitoring.md): what a running coordinator does, in the Prometheus
 * text format, served at /metrics by libmicrohttpd from a thread of its own (monitor.listen) and
 * rewritten into a file for node_exporter's textfile collector (monitor.textfile) by another.
 *
 * Three kinds of caller share one state under one lock, each holding it only to copy: the
 * coordinator's thread publishes after every tick (nfcs_sink_ops.tick), the I/O thread counts what
 * the file sink before it wrote (snapshots, samples, checkpoints) and keeps the latest metric
 * values, and the server and textfile threads copy the state out and format it without the lock.
 * A tick never waits for a scrape or a disk. */
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nfcs_bundle.h"
#include "nfcs_config.h"
#include "nfcs_io.h"
#include "nfcs_prom.h"

#define NBUCKETS 20
/* the tick latency's buckets, as fractions of the tick's budget (1 / coordinator.rate_hz): fine
 * around the budget, where a control loop's health is decided */
static const double BUCKET_FRACTION[NBUCKETS] = {0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7,
                                                 0.8,  0.9,   0.95, 1.0, 1.1, 1.25, 1.5, 2.0, 5.0, 10.0};

typedef struct state {
  int running, finished, status;
  double t, t_end, rate_hz;
  int64_t ticks, overruns, snapshots, samples, checkpoints, bytes;
  int64_t bucket[NBUCKETS]; /* observations in (le[i-1], le[i]] */
  int64_t count;
  double sum;
  int nmodules;
  char module[NFCS_MAX_MODULES][64];
  int64_t steps[NFCS_MAX_MODULES];
  int nmetrics;
  char name[NFCS_MAX_METRICS][64];
  double value[NFCS_MAX_METRICS];
} state;

typedef struct monitor {
  nfcs_ctx *ctx;
  char listen[NFCS_PATH_MAX], textfile[NFCS_PATH_MAX], tmpfile[NFCS_PATH_MAX + 32];
  double interval;
  /* fixed for the run */
  char backend[32], model_hash[72], output[NFCS_PATH_MAX];
  int threads, processes;
  double start_time, le[NBUCKETS];
  int64_t snap_bytes, sample_bytes;
  pthread_mutex_t mu;
  state st;
  struct MHD_Daemon *daemon;
  int port;
  /* the textfile writer */
  pthread_t writer;
  int writing, stop, warned;
  pthread_cond_t cv;
} monitor;

/* ---------------------------------------------------------------- the text */

static char *render(monitor *m, size_t *len) {
  state s;
  pthread_mutex_lock(&m->mu);
  s = m->st;
  pthread_mutex_unlock(&m->mu);
  nfcs_prom_buf b = {0};
  /* the precision the engine computes in, in the file's words (its `precision` attribute says how snapshots are stored) */
  const char *build[] = {"version", NFCS_VERSION, "backend", m->backend, "precision", strcmp(NFCS_PRECISION_NAME, "single") ? "float64" : "float32",
                         NULL};
  nfcs_prom_family(&b, "nfcs_build_info", "gauge", "The engine: version, backend and floating-point precision of the build (always 1).");
  nfcs_prom_sample(&b, "nfcs_build_info", build, 1);
  const char *run[] = {"model_hash", m->model_hash, "output", m->output, NULL};
  nfcs_prom_family(&b, "nfcs_run_info", "gauge", "The run: its model hash and output file (always 1).");
  nfcs_prom_sample(&b, "nfcs_run_info", run, 1);
  nfcs_prom_family(&b, "nfcs_start_time_seconds", "gauge", "Start of the run, seconds since the Unix epoch.");
  nfcs_prom_sample(&b, "nfcs_start_time_seconds", NULL, m->start_time);
  nfcs_prom_family(&b, "nfcs_running", "gauge", "1 while the run is ticking, 0 once it has ended.");
  nfcs_prom_sample(&b, "nfcs_running", NULL, s.running && !s.finished);
  if (s.finished) {
    nfcs_prom_family(&b, "nfcs_exit_status", "gauge", "The run's exit status (0 success; the codes of nfcs --help).");
    nfcs_prom_sample(&b, "nfcs_exit_status", NULL, s.status);
  }
  nfcs_prom_family(&b, "nfcs_processes", "gauge", "Processes of the run (mpirun -n P; 1 without).");
  nfcs_prom_sample(&b, "nfcs_processes", NULL, m->processes);
  nfcs_prom_family(&b, "nfcs_threads", "gauge", "Threads of each process.");
  nfcs_prom_sample(&b, "nfcs_threads", NULL, m->threads);
  nfcs_prom_family(&b, "nfcs_model_time", "gauge", "Model time reached.");
  nfcs_prom_sample(&b, "nfcs_model_time", NULL, s.t);
  nfcs_prom_family(&b, "nfcs_model_time_end", "gauge", "Model time the run ends at (run.t_end).");
  nfcs_prom_sample(&b, "nfcs_model_time_end", NULL, s.t_end);
  nfcs_prom_family(&b, "nfcs_tick_rate_target_hertz", "gauge", "The coordinator's tick rate (coordinator.rate_hz).");
  nfcs_prom_sample(&b, "nfcs_tick_rate_target_hertz", NULL, s.rate_hz);
  nfcs_prom_family(&b, "nfcs_ticks_total", "counter", "Coordinator ticks done by this run.");
  nfcs_prom_sample(&b, "nfcs_ticks_total", NULL, (double)s.ticks);
  nfcs_prom_family(&b, "nfcs_tick_overruns_total", "counter", "Realtime ticks that missed their deadline.");
  nfcs_prom_sample(&b, "nfcs_tick_overruns_total", NULL, (double)s.overruns);
  int64_t cum[NBUCKETS], c = 0;
  for (int i = 0; i < NBUCKETS; i++) cum[i] = (c += s.bucket[i]);
  nfcs_prom_histogram(&b, "nfcs_tick_duration_seconds", "Wall time each tick spent working (advance, measure, control, queue output).",
                      m->le, cum, NBUCKETS, s.count, s.sum);
  nfcs_prom_family(&b, "nfcs_steps_total", "counter", "Time steps taken by each module.");
  for (int i = 0; i < s.nmodules; i++) {
    const char *l[] = {"module", s.module[i], NULL};
    nfcs_prom_sample(&b, "nfcs_steps_total", l, (double)s.steps[i]);
  }
  nfcs_prom_family(&b, "nfcs_snapshots_written_total", "counter", "Snapshots written to the output file.");
  nfcs_prom_sample(&b, "nfcs_snapshots_written_total", NULL, (double)s.snapshots);
  nfcs_prom_family(&b, "nfcs_metric_samples_written_total", "counter", "Metric samples written to the output file.");
  nfcs_prom_sample(&b, "nfcs_metric_samples_written_total", NULL, (double)s.samples);
  nfcs_prom_family(&b, "nfcs_checkpoints_written_total", "counter", "Checkpoints written.");
  nfcs_prom_sample(&b, "nfcs_checkpoints_written_total", NULL, (double)s.checkpoints);
  nfcs_prom_family(&b, "nfcs_output_written_bytes_total", "counter",
                   "Bytes of data handed to the output: snapshots and metric samples as stored, and checkpoints.");
  nfcs_prom_sample(&b, "nfcs_output_written_bytes_total", NULL, (double)s.bytes);
  if (s.nmetrics) {
    nfcs_prom_family(&b, "nfcs_metric", "gauge", "The latest value of each series of the output's /metrics group.");
    for (int i = 0; i < s.nmetrics; i++) {
      const char *l[] = {"name", s.name[i], NULL};
      nfcs_prom_sample(&b, "nfcs_metric", l, s.value[i]);
    }
  }
  if (b.failed) {
    nfcs_prom_free(&b);
    return NULL;
  }
  *len = b.len;
  return b.s;
}

/* ---------------------------------------------------------------- the server */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type, char *body, size_t len, int owned) {
  struct MHD_Response *r = MHD_create_response_from_buffer(len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
  if (!r) {
    if (owned) free(body);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", type);
  if (code == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(r, "Allow", "GET, HEAD");
  const enum MHD_Result q = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  return q;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
                              const char *upload, size_t *upload_size, void **req) {
  (void)version, (void)upload, (void)req;
  monitor *m = cls;
  static char text_plain[] = "text/plain; charset=utf-8";
  if (*upload_size) { /* a body nobody asked for: read and ignore it, then answer */
    *upload_size = 0;
    return MHD_YES;
  }
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    static char no[] = "only GET and HEAD\n";
    return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text_plain, no, sizeof no - 1, 0);
  }
  if (!strcmp(url, "/metrics")) {
    size_t len = 0;
    char *text = render(m, &len);
    if (!text) {
      static char oom[] = "out of memory\n";
      return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text_plain, oom, sizeof oom - 1, 0);
    }
    return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len, 1);
  }
  if (!strcmp(url, "/")) {
    static char home[] = "nfcs: live metrics of a running simulation at /metrics (Prometheus text format)\n";
    return reply(c, MHD_HTTP_OK, text_plain, home, sizeof home - 1, 0);
  }
  static char nf[] = "not found: the metrics are at /metrics\n";
  return reply(c, MHD_HTTP_NOT_FOUND, text_plain, nf, sizeof nf - 1, 0);
}

static int serve(monitor *m) {
  char host[NFCS_PATH_MAX], err[256];
  int port;
  if (nfcs_listen_split(m->listen, host, sizeof host, &port, err, sizeof err))
    return NFCS_ERROR(m->ctx, NFCS_ERR_CONFIG, "monitor.listen: %s", err);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
  if (!host[0]) hints.ai_family = AF_INET; /* "*": every IPv4 address */
  char ps[16];
  snprintf(ps, sizeof ps, "%d", port);
  const int g = getaddrinfo(host[0] ? host : NULL, ps, &hints, &ai);
  if (g || !ai) return NFCS_ERROR(m->ctx, NFCS_ERR_CANTCREAT, "monitor.listen: cannot resolve '%s': %s", host, gai_strerror(g));
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
  if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
  m->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, m, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                               MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_LISTENING_ADDRESS_REUSE,
                               1u, MHD_OPTION_END);
  const int e = errno;
  freeaddrinfo(ai);
  if (!m->daemon)
    return NFCS_ERROR(m->ctx, NFCS_ERR_CANTCREAT, "monitor.listen: cannot serve at %s: %s", m->listen,
                      e ? strerror(e) : "the address is taken or not this machine's");
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
  m->port = info ? info->port : port;
  const int v6 = strchr(host, ':') != NULL;
  nfcs_log(m->ctx, NFCS_LOG_INFO, "monitor: serving http://%s%s%s:%d/metrics", v6 ? "[" : "", host[0] ? host : "0.0.0.0", v6 ? "]" : "",
           m->port);
  return NFCS_OK;
}

/* ---------------------------------------------------------------- the textfile */

static int write_textfile(monitor *m) {
  size_t len = 0;
  char *text = render(m, &len);
  if (!text) return ENOMEM;
  int e = 0;
  FILE *f = fopen(m->tmpfile, "w");
  if (!f) e = errno;
  else {
    if (fwrite(text, 1, len, f) != len) e = errno ? errno : EIO;
    if (fclose(f) && !e) e = errno ? errno : EIO;
    if (!e && rename(m->tmpfile, m->textfile)) e = errno;
    if (e) unlink(m->tmpfile);
  }
  free(text);
  if (e && !m->warned) { /* once: the next rewrites may succeed, and the run goes on either way */
    m->warned = 1;
    nfcs_log(m->ctx, NFCS_LOG_WARNING, "monitor.textfile: cannot write %s: %s", m->textfile, strerror(e));
  }
  return e;
}

static void *writer_main(void *arg) {
  monitor *m = arg;
  pthread_mutex_lock(&m->mu);
  while (!m->stop) {
    pthread_mutex_unlock(&m->mu);
    write_textfile(m);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    const double at = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec + m->interval;
    ts.tv_sec = (time_t)at;
    ts.tv_nsec = (long)((at - (double)ts.tv_sec) * 1e9);
    pthread_mutex_lock(&m->mu);
    while (!m->stop && pthread_cond_timedwait(&m->cv, &m->mu, &ts) != ETIMEDOUT) {
    }
  }
  pthread_mutex_unlock(&m->mu);
  write_textfile(m); /* the final state */
  return NULL;
}

/* ---------------------------------------------------------------- the sink */

static int64_t stored_bytes(const nfcs_dataset *d, int float32) {
  int64_t n = (int64_t)nfcs_elem_size(d->elem);
  if (float32 && (d->flags & NFCS_DS_OUT_PRECISION)) n /= 2;
  for (int a = 0; a < d->rank; a++) n *= d->shape[a];
  return n;
}

static int mon_open(void *self, const nfcs_run_info *info) {
  monitor *m = self;
  const nfcs_params *p = info->params;
  snprintf(m->backend, sizeof m->backend, "%s", info->backend ? info->backend : "cpu");
  snprintf(m->model_hash, sizeof m->model_hash, "%s", info->model_hash ? info->model_hash : "");
  snprintf(m->output, sizeof m->output, "%s", p->output.path);
  m->threads = info->threads;
  m->processes = info->mpi_ranks;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  m->start_time = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
  const double budget = 1.0 / p->coordinator.rate_hz;
  for (int i = 0; i < NBUCKETS; i++) { /* to 12 digits: le="0.0025", not 0.0025000000000000005 */
    char v[40];
    snprintf(v, sizeof v, "%.12g", BUCKET_FRACTION[i] * budget);
    m->le[i] = strtod(v, NULL);
  }
  const int f32 = p->output.precision == NFCS_PREC_FLOAT32;
  for (int i = 0; i < info->ndatasets; i++) {
    const nfcs_dataset *d = &info->datasets[i];
    if (d->cadence == NFCS_PER_SNAPSHOT) m->snap_bytes += stored_bytes(d, f32);
    if (d->cadence == NFCS_PER_SAMPLE) m->sample_bytes += stored_bytes(d, f32);
  }
  pthread_mutex_lock(&m->mu);
  m->st.running = 1;
  m->st.t_end = p->run.t_end;
  m->st.t = info->resume_t > 0 ? info->resume_t : 0;
  m->st.rate_hz = p->coordinator.rate_hz;
  pthread_mutex_unlock(&m->mu);
  if (m->listen[0]) NFCS_CHECK(serve(m));
  if (m->textfile[0]) {
    snprintf(m->tmpfile, sizeof m->tmpfile, "%s.tmp.%ld", m->textfile, (long)getpid());
    if (pthread_create(&m->writer, NULL, writer_main, m)) return NFCS_ERROR(m->ctx, NFCS_ERR_SOFTWARE, "monitor: cannot start a thread");
    m->writing = 1;
  }
  return NFCS_OK;
}

static void mon_tick(void *self, const nfcs_live *l) {
  monitor *m = self;
  int b = 0;
  while (b < NBUCKETS && l->tick_s > m->le[b]) b++;
  pthread_mutex_lock(&m->mu);
  state *s = &m->st;
  s->t = l->t;
  s->t_end = l->t_end;
  s->ticks = l->ticks;
  s->overruns = l->overruns;
  if (b < NBUCKETS) s->bucket[b]++;
  s->count++;
  s->sum += l->tick_s;
  s->nmodules = l->nmodules < NFCS_MAX_MODULES ? l->nmodules : NFCS_MAX_MODULES;
  for (int i = 0; i < s->nmodules; i++) {
    snprintf(s->module[i], sizeof s->module[i], "%s", l->module[i]);
    s->steps[i] = l->steps[i];
  }
  pthread_mutex_unlock(&m->mu);
}

static int mon_snapshot(void *self, const nfcs_snapshot *sn) {
  (void)sn;
  monitor *m = self;
  pthread_mutex_lock(&m->mu);
  m->st.snapshots++;
  m->st.bytes += m->snap_bytes + 16;
  pthread_mutex_unlock(&m->mu);
  return NFCS_OK;
}

static int mon_metrics(void *self, const nfcs_metrics_sample *ms) {
  monitor *m = self;
  pthread_mutex_lock(&m->mu);
  state *s = &m->st;
  s->nmetrics = ms->count < NFCS_MAX_METRICS ? ms->count : NFCS_MAX_METRICS;
  for (int i = 0; i < s->nmetrics; i++) {
    snprintf(s->name[i], sizeof s->name[i], "%s", ms->names[i]);
    s->value[i] = ms->values[i];
  }
  s->samples++;
  s->bytes += m->sample_bytes + 8 * (int64_t)(ms->count + 1);
  pthread_mutex_unlock(&m->mu);
  return NFCS_OK;
}

static int mon_checkpoint(void *self, const nfcs_bundle *b, double t) {
  (void)t;
  monitor *m = self;
  pthread_mutex_lock(&m->mu);
  m->st.checkpoints++;
  m->st.bytes += (int64_t)b->used;
  pthread_mutex_unlock(&m->mu);
  return NFCS_OK;
}

static int mon_close(void *self, int status) {
  monitor *m = self;
  pthread_mutex_lock(&m->mu);
  m->st.finished = 1;
  m->st.status = status;
  m->stop = 1;
  pthread_cond_broadcast(&m->cv);
  pthread_mutex_unlock(&m->mu);
  if (m->writing) pthread_join(m->writer, NULL);
  m->writing = 0;
  if (m->daemon) MHD_stop_daemon(m->daemon);
  m->daemon = NULL;
  return NFCS_OK;
}

static void mon_destroy(void **self) {
  monitor *m = *self;
  if (!m) return;
  if (m->writing || m->daemon) mon_close(m, NFCS_ERR_SOFTWARE);
  pthread_mutex_destroy(&m->mu);
  pthread_cond_destroy(&m->cv);
  free(m);
  *self = NULL;
}

static const nfcs_sink_ops MONITOR_OPS = {
  .no_data = 1,
  .open = mon_open,
  .snapshot = mon_snapshot,
  .metrics = mon_metrics,
  .checkpoint = mon_checkpoint,
  .tick = mon_tick,
  .close = mon_close,
  .destroy = mon_destroy,
};

int nfcs_monitor_sink_create(nfcs_ctx *ctx, const nfcs_params *p, nfcs_sink *sink) {
  monitor *m = calloc(1, sizeof *m);
  if (!m) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  m->ctx = ctx;
  snprintf(m->listen, sizeof m->listen, "%s", p->monitor.listen);
  snprintf(m->textfile, sizeof m->textfile, "%s", p->monitor.textfile);
  m->interval = p->monitor.interval;
  pthread_mutex_init(&m->mu, NULL);
  pthread_cond_init(&m->cv, NULL);
  sink->ops = &MONITOR_OPS;
  sink->self = m;
  sink->best_effort = 1;
  return NFCS_OK;
}

int nfcs_monitor_port(const nfcs_sink *sink) {
  if (!sink || sink->ops != &MONITOR_OPS || !sink->self) return -1;
  return ((const monitor *)sink->self)->port;
}
