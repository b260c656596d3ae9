/* The nfcs command: run, validate, info. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfcs/nfcs.h"
#include "nfcs_info.h"
int nfcs_cmd_bench(int argc, char **argv);
#include "progress.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: nfcs run CONFIG.yaml [-o OUT.h5] [--set KEY=VALUE]... [--restart CHECKPOINT.h5] [--threads N] [--quiet] [--no-cache]\n"
          "       nfcs validate CONFIG.yaml [--set KEY=VALUE]...\n"
          "       nfcs info [--params [--markdown]] [FILE.h5]\n"
          "       nfcs cache list|prune [--dir DIR] [--max-size BYTES]\n"
          "       nfcs bench [--grid 128,256,...] [--scheme strang,etdrk4,upstream] [--threads 1,2] [--dim 2]\n"
          "                  [--min-time S] [--planner measure]\n"
          "       nfcs --version | --help\n"
          "\n"
          "  run       advance the modules of CONFIG to run.t_end and write the HDF5 file (output.path)\n"
          "  validate  print the effective config, or every error found in it\n"
          "  info      build, backends and library versions; --params: every key with type, default,\n"
          "            range and help (--markdown: as the reference docs/configuration.md); FILE.h5: a\n"
          "            summary of a run's output\n"
          "\n"
          "exit status: 0 ok, 1 non-finite state, 64 usage, 65 bad input data (an input file that is\n"
          "             not what it must be), 66 an input file cannot be opened, 69 backend unavailable,\n"
          "             70 internal error (a failed GPU or library call, named), 71 not enough memory for\n"
          "             the run, 73 output cannot be created, 74 I/O error, 78 config error, 130 stopped\n"
          "             by a signal\n");
}

typedef struct cli_args {
  const char *cmd;
  const char *config;
  const char **sets; /* every --set, in order (as many as the command line holds) */
  int nsets;
  const char *out;
  const char *restart;
  int threads;  /* -1: not given */
  int quiet;
  int no_cache;
  int params, markdown;
  const char *file;
} cli_args;

static int parse_args(int argc, char **argv, cli_args *a) {
  memset(a, 0, sizeof *a);
  a->threads = -1;
  if (argc < 2) return NFCS_ERR_USAGE;
  static const char **sets; /* lives as long as the process, as argv does */
  free(sets);
  sets = calloc((size_t)argc, sizeof *sets);
  if (!sets) return NFCS_ERR_NOMEM;
  a->sets = sets;
  a->cmd = argv[1];
  for (int i = 2; i < argc; i++) {
    const char *s = argv[i];
    const char *val = NULL;
#define TAKE(flag)                                                                    \
  (!strcmp(s, flag) ? (i + 1 < argc ? (val = argv[++i], 1) : (fprintf(stderr, "nfcs: %s needs a value\n", flag), -1)) \
                    : (!strncmp(s, flag "=", sizeof(flag)) ? (val = s + sizeof(flag), 1) : 0))
    int r;
    if ((r = TAKE("--set")) != 0) {
      if (r < 0) return NFCS_ERR_USAGE;
      a->sets[a->nsets++] = val;
    } else if ((r = TAKE("-o")) != 0 || (r = TAKE("--output")) != 0) {
      if (r < 0) return NFCS_ERR_USAGE;
      a->out = val;
    } else if ((r = TAKE("--restart")) != 0) {
      if (r < 0) return NFCS_ERR_USAGE;
      a->restart = val;
    } else if ((r = TAKE("--threads")) != 0) {
      if (r < 0) return NFCS_ERR_USAGE;
      char *end;
      long t = strtol(val, &end, 10);
      if (*end || t < 0 || t > 4096) {
        fprintf(stderr, "nfcs: --threads expects an integer in [0, 4096], got '%s'\n", val);
        return NFCS_ERR_USAGE;
      }
      a->threads = (int)t;
    } else if (!strcmp(s, "--no-cache")) {
      a->no_cache = 1;
    } else if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
      a->quiet = 1;
    } else if (!strcmp(s, "--params")) {
      a->params = 1;
    } else if (!strcmp(s, "--markdown")) {
      a->markdown = 1;
    } else if (s[0] == '-' && s[1]) {
      fprintf(stderr, "nfcs: unknown option '%s'\n", s);
      return NFCS_ERR_USAGE;
    } else if (!a->config && strcmp(a->cmd, "info") != 0) {
      a->config = s;
    } else if (!a->file && !strcmp(a->cmd, "info")) {
      a->file = s;
    } else {
      fprintf(stderr, "nfcs: unexpected argument '%s'\n", s);
      return NFCS_ERR_USAGE;
    }
#undef TAKE
  }
  return NFCS_OK;
}

/* Defaults, file, --set, -o, --threads, cross checks, the run's files (for_run: their folders too).
 * Prints every error. */
static int load_params(const cli_args *a, nfcs_params *p, int for_run) {
  static nfcs_diags d;
  memset(&d, 0, sizeof d);
  nfcs_params_defaults(p);
  int rc = nfcs_config_load(a->config, p, &d);
  if (rc != NFCS_ERR_NOINPUT) {
    for (int i = 0; i < a->nsets; i++) nfcs_params_apply_set(p, a->sets[i], &d);
    if (a->out) {
      char buf[NFCS_PATH_MAX + 32];
      snprintf(buf, sizeof buf, "output.path=%s", a->out);
      nfcs_params_apply_set(p, buf, &d);
    }
    if (a->threads >= 0) {
      char buf[64];
      snprintf(buf, sizeof buf, "backend.threads=%d", a->threads);
      nfcs_params_apply_set(p, buf, &d);
    }
    if (d.count == 0) nfcs_params_validate(p, &d);
    if (d.count == 0) nfcs_run_check_files(p, a->restart, for_run, &d);
    if (d.count == 0) nfcs_run_check_memory(p, &d);
  }
  const int speak = nfcs_procs_rank() == 0; /* distributed: every process finds the same errors */
  for (int i = 0; i < d.count && speak; i++) fprintf(stderr, "%s\n", d.msg[i]);
  if (d.count) {
    if (speak && d.count >= (int)(sizeof d.msg / sizeof d.msg[0])) fprintf(stderr, "nfcs: (further errors not shown)\n");
    return d.code ? d.code : NFCS_ERR_CONFIG;
  }
  return NFCS_OK;
}

static volatile sig_atomic_t g_stop = 0;
static atomic_flag g_signalled = ATOMIC_FLAG_INIT;
static void on_signal(int sig) {
  /* test-and-set (lock-free, so async-signal-safe): of two signals handled at the same moment by
   * two threads, exactly one is the first */
  if (atomic_flag_test_and_set(&g_signalled)) {
    /* second signal: stop at once (the file is flushed after every snapshot), but never in the
     * middle of a flush, a checkpoint or the file's close: those end first */
    if (nfcs_critical_defer(sig)) return;
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  g_stop = 1;
}

static char *join_argv(int argc, char **argv) {
  size_t n = 1;
  for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 3;
  char *s = malloc(n);
  if (!s) return NULL;
  s[0] = '\0';
  for (int i = 0; i < argc; i++) {
    if (i) strcat(s, " ");
    int q = strchr(argv[i], ' ') != NULL;
    if (q) strcat(s, "'");
    strcat(s, argv[i]);
    if (q) strcat(s, "'");
  }
  return s;
}

static int fail(nfcs_ctx *ctx, int rc) {
  const char *m = nfcs_error_message(ctx);
  if (m[0]) fprintf(stderr, "nfcs: error: %s\n", m);
  else fprintf(stderr, "nfcs: error: %s\n", nfcs_status_text(rc));
  if (rc == NFCS_ERR_SOFTWARE) fprintf(stderr, "nfcs: (raised at %s)\n", nfcs_error_origin(ctx));
  return rc;
}

/* --restart: read the checkpoint and refuse one made for another model (65): its model hash
 * against this config's, and the first difference of the two models named. */
static int load_restart(nfcs_ctx *ctx, const char *path, const nfcs_params *p, const char *model_text, const char *model_hash,
                        nfcs_bundle *b) {
  char *yaml = NULL, *theirs = NULL, their_hash[65];
  int rc = nfcs_h5_read_checkpoint(ctx, path, b, &yaml, &theirs, their_hash);
  if (rc) return rc;
  char why[1024] = "";
  if (their_hash[0]) {
    if (strcmp(their_hash, model_hash) != 0) nfcs_model_difference(theirs, model_text, "the checkpoint", why, sizeof why);
  } else {
    /* a checkpoint from before model hashes: its model from the config it stores (the contents of
     * its input files were not recorded) */
    static nfcs_params q;
    static nfcs_diags d;
    memset(&d, 0, sizeof d);
    nfcs_params_defaults(&q);
    if (nfcs_config_load_string(path, yaml, &q, &d)) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "--restart: the config stored in %s does not load: %s", path, d.count ? d.msg[0] : "");
    } else {
      char *a = nfcs_params_model_text(&q), *c = nfcs_params_model_text(p);
      if (!a || !c) rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
      else if (strcmp(a, c) != 0) nfcs_model_difference(a, c, "the checkpoint", why, sizeof why);
      free(a);
      free(c);
    }
  }
  if (!rc && why[0]) rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "--restart: %s was written for a different model: %s", path, why);
  free(yaml);
  free(theirs);
  return rc;
}

/* the model time a checkpoint continues from (0 without one; its checks come with the run) */
static double restart_time(const nfcs_bundle *b, const char *path) {
  double t = 0;
  if (!path || nfcs_bundle_get_f64(b, "coordinator/t", &t) || !(t >= 0)) return 0;
  return t;
}

static void print_summary(const nfcs_params *p, const nfcs_run_summary *s) {
  printf("output: %s\n", p->output.path);
  printf("  model time %.6g%s reached in %.3f s (setup %.3f s)\n", s->t_reached, s->t_start > 0 ? " (from a checkpoint)" : "",
         s->wall_s, s->setup_s);
  for (int i = 0; i < s->nmodules; i++) printf("  %s\n", s->module_line[i]);
  printf("  %lld snapshots, %lld metric samples, checkpoint %s\n", (long long)s->snapshots, (long long)s->metric_samples,
         s->checkpoint_path);
  const nfcs_tick_stats *t = &s->ticks;
  printf("  coordinator: %lld ticks at %.4g Hz (%s, target %.4g Hz); work per tick p50 %.3g ms, p95 %.3g ms, p99 %.3g ms, "
         "max %.3g ms; %lld overruns\n",
         (long long)t->ticks, t->achieved_rate_hz, t->realtime ? "realtime" : "as fast as possible", t->rate_hz, t->p50, t->p95,
         t->p99, t->max, (long long)t->overruns);
}

static int cmd_run(const cli_args *a, int argc, char **argv) {
  static nfcs_params p;
  /* distributed: every process loads the same config; they go on together or not at all */
  const int root = nfcs_procs_rank() == 0;
  int rc = nfcs_procs_agree(load_params(a, &p, 1));
  if (rc) return rc;
  nfcs_ctx *ctx = NULL;
  if ((rc = nfcs_ctx_create(&ctx))) return rc;
  nfcs_ctx_set_log_level(ctx, !root ? NFCS_LOG_ERROR
                              : a->quiet && p.logging.level < NFCS_LOG_WARNING ? NFCS_LOG_WARNING
                                                                               : (nfcs_log_level)p.logging.level);
  nfcs_ctx_set_threads(ctx, (int)p.backend.threads);
  nfcs_ctx_set_fft(ctx, p.backend.fft_planner, p.backend.fft_wisdom);
  nfcs_sink sinks[2] = {{0}}, *sink = &sinks[0], *mon = &sinks[1];
  nfcs_bundle restart = {0};
  int relayed = 0;
  char *model_text = NULL, model_hash[65] = "";
  char *cmdline = join_argv(argc, argv);
  /* the cache: prepared data (coefficients, FFTW wisdom) always where it is on; finished runs
   * reused or continued unless --no-cache, a --restart or mpirun says otherwise */
  char cache_dir[NFCS_PATH_MAX] = "", result_key[65] = "";
  nfcs_cache_default_dir(&p, cache_dir, sizeof cache_dir);
  nfcs_ctx_set_cache(ctx, cache_dir, p.cache.enabled ? p.cache.max_size : 0); /* the wisdom's place either way */
  if (!p.cache.enabled) cache_dir[0] = '\0';
  const int results = cache_dir[0] && !a->no_cache && !a->restart && nfcs_procs_size() == 1;
  const char *restart_path = a->restart;
  nfcs_cache_plan plan = {0};
  rc = nfcs_ctx_use_backend(ctx, p.backend.device == NFCS_DEVICE_CUDA ? "cuda" : "cpu");
  if (!rc) rc = nfcs_model_describe(ctx, &p, &model_text, model_hash);
  if (!rc && cache_dir[0] && !a->no_cache && nfcs_procs_size() == 1)
    rc = nfcs_result_key(&p, model_hash, p.backend.device == NFCS_DEVICE_CUDA ? "cuda" : "cpu", nfcs_ctx_threads(ctx), 1, result_key);
  if (!rc && results) {
    rc = nfcs_cache_consult(ctx, cache_dir, &p, result_key, &plan);
    if (!rc && (plan.verdict == NFCS_CACHE_UP_TO_DATE || plan.verdict == NFCS_CACHE_REUSED)) {
      printf("output: %s\n  %s: the same run (t = %.10g) %s; nothing computed (--no-cache computes it again)\n", p.output.path,
             plan.verdict == NFCS_CACHE_UP_TO_DATE ? "up to date" : "reused",
             p.run.t_end, plan.verdict == NFCS_CACHE_UP_TO_DATE ? "is in this file already" : "copied from the cache's");
      if (plan.verdict == NFCS_CACHE_REUSED) printf("  from %s\n", plan.source);
      goto done;
    }
    if (!rc && plan.verdict == NFCS_CACHE_CONTINUED) {
      nfcs_log(ctx, NFCS_LOG_INFO, "cache: continued from t = %.10g (the finished run %s)", plan.t_from, plan.source);
      restart_path = plan.restart;
    }
  }
  /* every process reads the checkpoint (each takes its part of the state from the whole) */
  if (!rc && restart_path) rc = load_restart(ctx, restart_path, &p, model_text, model_hash, &restart);
  /* the file: written by every process (parallel HDF5), or by the first one */
  if (!rc) rc = nfcs_h5_sink_create(ctx, p.output.path, sink);
  if (!rc && !root && !sink->ops->collective) sink->ops->destroy(&sink->self), sink->ops = NULL;
  /* live metrics: the first process's */
  if (!rc && root && (p.monitor.listen[0] || p.monitor.textfile[0])) rc = nfcs_monitor_sink_create(ctx, &p, mon);
  {
    const int all = nfcs_procs_agree(rc);
    if (all && !rc) { /* another process failed and says why */
      rc = all;
      relayed = 1;
    }
  }
  if (rc) goto done;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  cli_progress prog;
  cli_progress_init(&prog, a->quiet || !root);
  nfcs_run_options opt = {
    .input = nfcs_h5_input(),
    .command_line = cmdline,
    .progress = cli_progress_update,
    .progress_user = &prog,
    .stop = &g_stop,
    .restart = restart_path ? &restart : NULL,
    .model_hash = model_hash,
    .model_text = model_text,
  };
  if (root) {
    char about[2048];
    nfcs_run_about(&p, nfcs_ctx_threads(ctx), nfcs_procs_size(), restart_time(&restart, restart_path), about, sizeof about);
    nfcs_log(ctx, NFCS_LOG_INFO, "run: %s", about);
  }
  nfcs_run_summary sum;
  rc = nfcs_run(ctx, &p, sink->ops ? sinks : NULL, sink->ops ? (mon->ops ? 2 : 1) : 0, &opt, &sum);
  if ((rc == NFCS_OK || rc == NFCS_ERR_INTERRUPTED) && root) {
    print_summary(&p, &sum);
    if (plan.verdict == NFCS_CACHE_CONTINUED) printf("  continued from t = %.10g: the cached run %s\n", plan.t_from, plan.source);
  }
  /* a finished run is a result: into the cache's index */
  if (!rc && result_key[0] && sum.t_reached >= p.run.t_end - 1e-9 * fmax(1.0, p.run.t_end) &&
      nfcs_cache_record(ctx, cache_dir, &p, result_key, p.run.t_end))
    nfcs_log(ctx, NFCS_LOG_WARNING, "%s (the run is fine; only the cache missed it)", nfcs_error_message(ctx));
done:
  {
    /* distributed: the first process tells what it met; another one an error of its own, unless the
     * first met the same status of its own (the same config, the same files: the same error) */
    const int own = rc && !relayed && !nfcs_error_relayed(ctx);
    const int root_own = nfcs_procs_root_status(own ? rc : 0);
    if (rc && (root || (own && root_own != rc))) fail(ctx, rc);
  }
  for (int k = 0; k < 2; k++)
    if (sinks[k].ops) sinks[k].ops->destroy(&sinks[k].self);
  nfcs_bundle_free(&restart);
  free(model_text);
  free(cmdline);
  nfcs_ctx_destroy(&ctx);
  return rc;
}

static int cmd_validate(const cli_args *a) {
  static nfcs_params p;
  int rc = load_params(a, &p, 0);
  if (rc) return rc;
  char *y = nfcs_params_to_yaml(&p);
  if (!y) return NFCS_ERR_NOMEM;
  fputs(y, stdout);
  free(y);
  fprintf(stderr, "nfcs: %s: the configuration is valid\n", a->config);
  return NFCS_OK;
}

static int nfcs_main(int argc, char **argv);

/* nfcs cache list|prune [--dir DIR] [--max-size BYTES] */
static int cmd_cache(int argc, char **argv) {
  const char *what = argc > 0 ? argv[0] : "";
  char dir[NFCS_PATH_MAX] = "";
  double max = -1;
  static nfcs_params p; /* the defaults: where the cache is when no config says */
  nfcs_params_defaults(&p);
  nfcs_cache_default_dir(&p, dir, sizeof dir);
  for (int i = 1; i < argc; i++) {
    char *end = NULL;
    if (!strcmp(argv[i], "--dir") && i + 1 < argc) snprintf(dir, sizeof dir, "%s", argv[++i]);
    else if (!strcmp(argv[i], "--max-size") && i + 1 < argc && (max = strtod(argv[++i], &end), *end == '\0') && max >= 0) continue;
    else {
      fprintf(stderr, "nfcs: cache: unexpected '%s'\nusage: nfcs cache list|prune [--dir DIR] [--max-size BYTES]\n", argv[i]);
      return NFCS_ERR_USAGE;
    }
  }
  if (strcmp(what, "list") != 0 && strcmp(what, "prune") != 0) {
    fprintf(stderr, "usage: nfcs cache list|prune [--dir DIR] [--max-size BYTES]\n");
    return NFCS_ERR_USAGE;
  }
  if (!dir[0]) {
    fprintf(stderr, "nfcs: cache: no folder (set --dir, XDG_CACHE_HOME or HOME)\n");
    return NFCS_ERR_USAGE;
  }
  nfcs_ctx *ctx = NULL;
  int rc = nfcs_ctx_create(&ctx);
  if (rc) return rc;
  rc = !strcmp(what, "list") ? nfcs_cache_list(ctx, dir, stdout) : nfcs_cache_prune(ctx, dir, max >= 0 ? max : p.cache.max_size, stdout);
  if (rc) fail(ctx, rc);
  nfcs_ctx_destroy(&ctx);
  return rc;
}

int main(int argc, char **argv) {
  /* under mpirun: MPI, and every process runs the command (only the first one speaks for all) */
  char why[256];
  int rc = nfcs_procs_init(&argc, &argv, why, sizeof why);
  if (rc) {
    fprintf(stderr, "nfcs: error: %s\n", why);
    return rc;
  }
  if (nfcs_procs_rank() != 0 && (argc < 2 || strcmp(argv[1], "run") != 0)) {
    /* validate, info, bench: the same answer on every process, printed once */
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) rc = 0;
  }
  rc = nfcs_main(argc, argv);
  nfcs_procs_finalize();
  return rc;
}

static int nfcs_main(int argc, char **argv) {
  nfcs_io_init();
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
    usage(stdout);
    return 0;
  }
  if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
    printf("nfcs %s (%s precision)\n", NFCS_VERSION, NFCS_PRECISION_NAME);
    return 0;
  }
  if (argc >= 2 && !strcmp(argv[1], "bench")) return nfcs_cmd_bench(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "cache")) return cmd_cache(argc - 2, argv + 2);
  cli_args a;
  if (parse_args(argc, argv, &a)) {
    usage(stderr);
    return NFCS_ERR_USAGE;
  }
  if (!strcmp(a.cmd, "run") || !strcmp(a.cmd, "validate")) {
    if (!a.config) {
      fprintf(stderr, "nfcs: %s needs a CONFIG.yaml\n", a.cmd);
      usage(stderr);
      return NFCS_ERR_USAGE;
    }
    return !strcmp(a.cmd, "run") ? cmd_run(&a, argc, argv) : cmd_validate(&a);
  }
  if (!strcmp(a.cmd, "bench")) return nfcs_cmd_bench(argc - 2, argv + 2);
  if (!strcmp(a.cmd, "info")) {
    if (a.params) return nfcs_info_params(stdout, a.markdown);
    if (a.file) return nfcs_h5_describe(a.file, stdout);
    return nfcs_info_build(stdout);
  }
  fprintf(stderr, "nfcs: unknown command '%s'\n", a.cmd);
  usage(stderr);
  return NFCS_ERR_USAGE;
}
