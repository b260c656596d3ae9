/* nfcs bench: time the CGL step of each scheme against the bare FFT pair of the same size, plan
 * flags and threads, measured in this process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs/nfcs.h"
#include <limits.h>
#include <math.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* a comma-separated list of positive whole numbers ("256,512", "1e4,1e5"); -1 on anything else */
static int parse_list64(const char *s, int64_t *out, int max) {
  int n = 0;
  char buf[512];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *t = strtok(buf, ","); t && n < max; t = strtok(NULL, ",")) {
    char *end;
    double v = strtod(t, &end);
    if (*end || !(v >= 1 && v < 9e18) || v != (double)(int64_t)v) return -1;
    out[n++] = (int64_t)v;
  }
  return n;
}

/* the same list, for counts that fit an int (grid sizes, threads) */
static int parse_list(const char *s, int *out, int max) {
  int64_t v[32];
  const int n = parse_list64(s, v, max < 32 ? max : 32);
  for (int i = 0; i < n; i++) {
    if (v[i] > INT_MAX) return -1;
    out[i] = (int)v[i];
  }
  return n;
}

static const char *SCHEME[] = {"strang", "etdrk4", "upstream"};
static const char *CNAME[] = {"all_to_all", "mean_field", "matrix", "sparse"};

typedef struct jbuf { FILE *f; int first; } jbuf;
static void jsep(jbuf *j) { if (j->f) { fprintf(j->f, j->first ? "\n    " : ",\n    "); j->first = 0; } }

static double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}

/* the Python NFCS's targets, measured here */
typedef struct targets {
  double cgl_min_steps_s; int cgl_grid_min;   /* slowest of the benchmark grids */
  double sync_wall_s, sync_model_t;
  double coord_hz, coord_p95;
  double rss_mb;
  double model_mb;  /* the largest model of the run (field or network), bytes it holds */
} targets;

/* the Python NFCS's config (128^2 field, eight modules, regulator) at 10 Hz in realtime for 3 s */
static void coordinator_target(int threads, targets *tg) {
  nfcs_ctx *ctx = NULL;
  if (nfcs_ctx_create(&ctx)) return;
  nfcs_ctx_set_log_level(ctx, NFCS_LOG_WARNING);
  nfcs_ctx_set_threads(ctx, threads);
  nfcs_ctx_set_fft(ctx, NFCS_PLAN_MEASURE, "auto");
  static nfcs_params p;
  nfcs_params_defaults(&p);
  nfcs_params_set_present(&p, "cgl", 1);
  nfcs_params_set_present(&p, "kuramoto", 1);
  static const double w[8] = {2.0, 3.5, 4.0, 6.0, 8.0, 10.0, 12.0, 15.0};
  nfcs_kuramoto_section_rw(&p)->natural_frequencies.n = 8;
  for (int i = 0; i < 8; i++) {
    snprintf(nfcs_kuramoto_section_rw(&p)->natural_frequencies.name[i], NFCS_NAME_MAX, "m%d", i);
    nfcs_kuramoto_section_rw(&p)->natural_frequencies.value[i] = w[i];
  }
  p.coordinator.realtime = 1;
  p.run.t_end = 3.0;
  p.output.checkpoint_path[0] = '\0';
  nfcs_sink sink;
  nfcs_null_sink_create(&sink); /* the coordinator's own cost, without a disk */
  nfcs_run_options opt = {0};
  nfcs_run_summary sum;
  if (!nfcs_ctx_use_backend(ctx, "cpu") && !nfcs_run(ctx, &p, &sink, 1, &opt, &sum)) {
    tg->coord_hz = sum.ticks.achieved_rate_hz;
    tg->coord_p95 = sum.ticks.p95;
  }
  nfcs_ctx_destroy(&ctx);
}

/* wall time for 50 oscillators (Lorentzian, K = 4 Kc) to reach 95 % of R_inf from random phases */
static void sync_target(targets *tg) {
  nfcs_ctx *ctx = NULL;
  if (nfcs_ctx_create(&ctx)) return;
  nfcs_ctx_set_threads(ctx, 1);
  static nfcs_params p;
  nfcs_params_defaults(&p);
  nfcs_params_set_present(&p, "kuramoto", 1);
  nfcs_kuramoto_section_rw(&p)->oscillators = 50;
  nfcs_kuramoto_section_rw(&p)->normalization = NFCS_NORM_MEAN;
  nfcs_kuramoto_section_rw(&p)->base_coupling_strength = 4.0;
  nfcs_kuramoto_section_rw(&p)->freq.sampling = NFCS_SAMPLING_QUANTILE;
  nfcs_kuramoto_section_rw(&p)->freq.width = 0.5;
  nfcs_kuramoto *k = NULL;
  if (!nfcs_ctx_use_backend(ctx, "cpu") && !nfcs_kuramoto_create(ctx, &p, NULL, &k)) {
    const double target = 0.95 * sqrt(1 - 2 * 0.5 / 4.0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    double R = 0, psi;
    int64_t s = 0;
    while (R < target && s < 1000000) {
      nfcs_kuramoto_step(k, 0.01);
      nfcs_kuramoto_order(k, &R, &psi);
      s++;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    tg->sync_wall_s = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
    tg->sync_model_t = 0.01 * (double)s;
    nfcs_kuramoto_destroy(&k);
  }
  nfcs_ctx_destroy(&ctx);
}

static double g_model_mb;

static const char *g_device = "cpu";

static void bench_kuramoto(const int64_t *osc, int no, const int *couplings, int nc, const int *threads, int nt,
                           double min_time, jbuf *j) {
  const int cpu = !strcmp(g_device, "cpu");
  double triad = cpu ? nfcs_bench_stream_triad(threads[nt - 1], (size_t)8 << 20) /* 3 x 64 MB, far beyond the caches */
                     : nfcs_bench_copy_bandwidth(g_device, threads[nt - 1]);
  printf("\nKuramoto RK4 step (four right-hand sides), normalization mean, backend %s; %s measured in this process: "
         "%.1f GB/s\n\n", g_device, cpu ? "STREAM triad" : "device copy bandwidth", triad);
  printf("%-11s %9s %3s %9s  %-26s %11s %9s %9s %8s %10s\n", "coupling", "N", "thr", "setup s", "step ms [q1, q3]", "steps/s",
         "ns/osc", "K GB/s", "/triad", "memory MB");
  for (int c = 0; c < nc; c++)
    for (int t = 0; t < nt; t++)
      for (int o = 0; o < no; o++) {
        int64_t n = osc[o];
        if (couplings[c] == NFCS_COUPLING_MATRIX && n > 30000) continue; /* K would not fit */
        for (int blas = 0; blas <= (couplings[c] == NFCS_COUPLING_MATRIX && cpu ? 1 : 0); blas++) {
          nfcs_bench_kur_result r;
          char name[32], st[64];
          snprintf(name, sizeof name, "%s%s", CNAME[couplings[c]], couplings[c] == NFCS_COUPLING_MATRIX ? (blas ? "/blas" : "/fused") : "");
          if (nfcs_bench_kuramoto_on(g_device, n, couplings[c], blas, threads[t], min_time, &r)) {
            printf("%-11s %9lld %3d failed\n", name, (long long)n, threads[t]);
            continue;
          }
          snprintf(st, sizeof st, "%.4g [%.4g, %.4g]", r.step_ms, r.step_ms_q1, r.step_ms_q3);
          if ((double)r.memory / 1e6 > g_model_mb) g_model_mb = (double)r.memory / 1e6;
          if (r.k_gbs > 0)
            printf("%-11s %9lld %3d %9.3f  %-26s %11.0f %9.2f %9.1f %7.0f%% %10.1f\n", name, (long long)n, threads[t], r.setup_s, st,
                   r.steps_per_s, r.ns_per_osc, r.k_gbs, 100 * r.k_gbs / triad, (double)r.memory / 1e6);
          else
            printf("%-11s %9lld %3d %9.3f  %-26s %11.0f %9.2f %9s %8s %10.1f\n", name, (long long)n, threads[t], r.setup_s, st,
                   r.steps_per_s, r.ns_per_osc, "-", "-", (double)r.memory / 1e6);
          if (r.procs > 1)
            printf("%-11s   %d processes: exchanges %.4g ms a step (%.0f%% of it), %.3g MB sent by each process a step\n", "",
                   r.procs, r.comm_ms, 100 * r.comm_share, r.comm_bytes / 1e6);
          fflush(stdout);
          if (j->f) {
            jsep(j);
            fprintf(j->f, "{\"case\": \"kuramoto/%s/N%lld/t%d\", \"module\": \"kuramoto\", \"coupling\": \"%s\", \"N\": %lld, "
                    "\"threads\": %d, \"setup_s\": %.6g, \"step_ms\": %.6g, \"step_ms_q1\": %.6g, \"step_ms_q3\": %.6g, "
                    "\"steps_per_s\": %.6g, \"ns_per_oscillator\": %.6g, \"k_gbs\": %.6g, \"triad_gbs\": %.6g, \"memory_bytes\": %zu, "
                    "\"processes\": %d, \"comm_ms\": %.6g, \"comm_bytes\": %.6g, \"comm_share\": %.6g}",
                    name, (long long)n, threads[t], name, (long long)n, threads[t], r.setup_s, r.step_ms, r.step_ms_q1, r.step_ms_q3,
                    r.steps_per_s, r.ns_per_osc, r.k_gbs, triad, r.memory, r.procs > 0 ? r.procs : 1, r.comm_ms, r.comm_bytes, r.comm_share);
          }
        }
      }
}

int nfcs_cmd_bench(int argc, char **argv) {
  int grids[32] = {64, 128, 256, 512, 1024, 2048}, ng = 6;
  int threads[8] = {0}, nt = 1;
  int schemes[3] = {NFCS_SCHEME_STRANG, NFCS_SCHEME_ETDRK4, NFCS_SCHEME_UPSTREAM}, ns = 3;
  int dim = 2, planner = NFCS_PLAN_MEASURE, do_targets = 1;
  double min_time = 0.5;
  int64_t osc[32] = {5, 10, 20, 50, 1000, 10000, 100000, 1000000}, dense[8] = {1000, 4000, 10000};
  int no = 8, nd = 3, couplings[4] = {NFCS_COUPLING_MEAN_FIELD}, nc = 1, explicit_coupling = 0;
  const char *json = NULL, *device = "cpu";
  int64_t ensemble = 1;
  static const char *planners[] = {"estimate", "measure", "patient", "exhaustive"};
  for (int i = 0; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(argv[i], "--grid") && v) { if ((ng = parse_list(v, grids, 32)) <= 0) goto usage; i++; }
    else if (!strcmp(argv[i], "--threads") && v) { if ((nt = parse_list(v, threads, 8)) <= 0) goto usage; i++; }
    else if (!strcmp(argv[i], "--oscillators") && v) { if ((no = parse_list64(v, osc, 32)) <= 0) goto usage; nd = 0; i++; }
    else if (!strcmp(argv[i], "--no-cgl")) ng = 0;
    else if (!strcmp(argv[i], "--ensemble") && v) { ensemble = atoll(v); if (ensemble < 1) goto usage; i++; }
    else if (!strcmp(argv[i], "--no-kuramoto")) no = nd = 0;
    else if (!strcmp(argv[i], "--no-targets")) do_targets = 0;
    else if (!strcmp(argv[i], "--json") && v) { json = v; i++; }
    else if (!strcmp(argv[i], "--device") && v) { device = v; g_device = v; i++; }
    else if (!strcmp(argv[i], "--precision") && v) {
      if (strcmp(v, NFCS_PRECISION_NAME) != 0) {
        fprintf(stderr, "nfcs bench: this nfcs is built in %s precision; build with -DNFCS_PRECISION=%s for the other\n",
                NFCS_PRECISION_NAME, v);
        return 64;
      }
      i++;
    }
    else if (!strcmp(argv[i], "--coupling") && v) {
      nc = 0;
      explicit_coupling = 1;
      char buf[128];
      snprintf(buf, sizeof buf, "%s", v);
      for (char *t = strtok(buf, ","); t && nc < 4; t = strtok(NULL, ",")) {
        if (!strcmp(t, "mean_field")) couplings[nc++] = NFCS_COUPLING_MEAN_FIELD;
        else if (!strcmp(t, "matrix")) couplings[nc++] = NFCS_COUPLING_MATRIX;
        else if (!strcmp(t, "sparse")) couplings[nc++] = NFCS_COUPLING_SPARSE;
        else goto usage;
      }
      i++;
    }
    else if (!strcmp(argv[i], "--dim") && v) { dim = atoi(v); if (dim < 1 || dim > 3) goto usage; i++; }
    else if (!strcmp(argv[i], "--min-time") && v) { min_time = atof(v); if (!(min_time > 0)) goto usage; i++; }
    else if (!strcmp(argv[i], "--planner") && v) {
      planner = -1;
      for (int k = 0; k < 4; k++) if (!strcmp(v, planners[k])) planner = k;
      if (planner < 0) goto usage;
      i++;
    } else if (!strcmp(argv[i], "--scheme") && v) {
      ns = 0;
      char buf[128];
      snprintf(buf, sizeof buf, "%s", v);
      for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        int k = -1;
        for (int q = 0; q < 3; q++) if (!strcmp(t, SCHEME[q])) k = q;
        if (k < 0 || ns == 3) goto usage;
        schemes[ns++] = k;
      }
      i++;
    } else goto usage;
  }
  if (!threads[0]) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    threads[0] = c > 0 ? (int)c : 1;
  }
  jbuf j = {NULL, 1};
  if (json) {
    j.f = fopen(json, "w");
    if (!j.f) { fprintf(stderr, "nfcs bench: cannot write %s\n", json); return 73; }
    char host[256] = "";
    gethostname(host, sizeof host);
    fprintf(j.f, "{\n  \"software\": \"nfcs\", \"software_version\": \"%s\", \"precision\": \"%s\", \"host\": \"%s\", "
            "\"cores\": %ld, \"planner\": \"%s\", \"min_time_s\": %g,\n  \"cases\": [", NFCS_VERSION, NFCS_PRECISION_NAME, host,
            sysconf(_SC_NPROCESSORS_ONLN), planners[planner], min_time);
  }
  targets tg = {.cgl_min_steps_s = HUGE_VAL};
  double copy_bw = 0;
  if (ng) copy_bw = nfcs_bench_copy_bandwidth(device, threads[nt - 1]);
  if (ng) {
    printf("backend %s; copy bandwidth measured here: %.1f GB/s (read + written)\n", device, copy_bw);
    printf("CGL step against the bare FFT pair (forward + inverse, same size, plan flags = %s, threads)\n"
           "%dD, %s precision; medians of interleaved batches, [q1, q3] in brackets; metrics: every metric at a snapshot\n\n",
           planners[planner], dim, NFCS_PRECISION_NAME);
    printf("%-9s %-10s %3s %9s  %-22s %-22s %7s %10s %8s %9s %9s %7s\n", "scheme", "grid", "thr", "setup s", "step ms [q1, q3]",
           "FFT pair ms [q1, q3]", "ratio", "metrics ms", "/step", "memory MB", "min MB", "of BW");
  }
  for (int s = 0; s < ns && ng; s++)
    for (int t = 0; t < nt; t++)
      for (int g = 0; g < ng; g++) {
        nfcs_bench_cgl_result r;
        int rc = nfcs_bench_cgl_on(device, grids[g], dim, schemes[s], threads[t], planner, min_time, &r);
        char grid[32], st[64], pr[64];
        snprintf(grid, sizeof grid, dim == 1 ? "%d" : dim == 2 ? "%d^2" : "%d^3", grids[g]);
        if (rc) { printf("%-9s %-10s %3d failed (status %d)\n", SCHEME[schemes[s]], grid, threads[t], rc); continue; }
        snprintf(st, sizeof st, "%.4g [%.4g, %.4g]", r.step_ms, r.step_ms_q1, r.step_ms_q3);
        snprintf(pr, sizeof pr, "%.4g [%.4g, %.4g]", r.pair_ms, r.pair_ms_q1, r.pair_ms_q3);
        const double frac = copy_bw > 0 ? r.min_bytes / (r.step_ms * 1e-3) / 1e9 / copy_bw : 0;
        printf("%-9s %-10s %3d %9.3f  %-22s %-22s %7.3f %10.4g %8.2f %9.1f %9.1f %6.0f%%\n", SCHEME[schemes[s]], grid, threads[t],
               r.setup_s, st, pr, r.ratio, r.metrics_ms, r.metrics_ratio, (double)r.memory / 1e6, r.min_bytes / 1e6, 100 * frac);
        if (r.procs > 1)
          printf("%-9s   %d processes: all-to-alls %.4g ms a step (%.0f%% of it; each transform's transpose timed alone), "
                 "%.3g MB sent by each process a step\n", "", r.procs, r.comm_ms, 100 * r.comm_share, r.comm_bytes / 1e6);
        fflush(stdout);
        if ((double)r.memory / 1e6 > g_model_mb) g_model_mb = (double)r.memory / 1e6;
        if (dim == 2 && grids[g] <= 256 && grids[g] >= 64 && schemes[s] == NFCS_SCHEME_STRANG && 1e3 / r.step_ms < tg.cgl_min_steps_s) {
          tg.cgl_min_steps_s = 1e3 / r.step_ms;
          tg.cgl_grid_min = grids[g];
        }
        if (j.f) {
          jsep(&j);
          fprintf(j.f, "{\"case\": \"cgl/%s/%s/t%d\", \"module\": \"cgl\", \"scheme\": \"%s\", \"dim\": %d, \"n\": %d, "
                  "\"threads\": %d, \"setup_s\": %.6g, \"step_ms\": %.6g, \"step_ms_q1\": %.6g, \"step_ms_q3\": %.6g, "
                  "\"steps_per_s\": %.6g, \"fft_pair_ms\": %.6g, \"ratio_to_fft_pair\": %.6g, \"metrics_ms\": %.6g, "
                  "\"memory_bytes\": %zu, \"min_bytes\": %.6g, \"copy_gbs\": %.6g, \"device\": \"%s\", \"processes\": %d, "
                  "\"comm_ms\": %.6g, \"comm_bytes\": %.6g, \"comm_share\": %.6g}",
                  SCHEME[schemes[s]], grid, threads[t], SCHEME[schemes[s]], dim, grids[g], threads[t], r.setup_s, r.step_ms,
                  r.step_ms_q1, r.step_ms_q3, 1e3 / r.step_ms, r.pair_ms, r.ratio, r.metrics_ms, r.memory, r.min_bytes, copy_bw, device,
                  r.procs > 0 ? r.procs : 1, r.comm_ms, r.comm_bytes, r.comm_share);
        }
      }
  if (no && ensemble <= 1) bench_kuramoto(osc, no, couplings, nc, threads, nt, min_time, &j);
  if (nd && !explicit_coupling && ensemble <= 1) {
    int dc[1] = {NFCS_COUPLING_MATRIX};
    bench_kuramoto(dense, nd, dc, 1, threads, nt, min_time, &j);
  }
  if (ensemble > 1) {
    printf("\nEnsemble of %lld members sharing the coupling (kuramoto.ensemble), backend %s, against as many separate runs\n\n",
           (long long)ensemble, device);
    printf("%-11s %9s %9s  %-14s %-22s %9s\n", "coupling", "N", "members", "ensemble ms", "separate runs ms", "speed-up");
    for (int c = 0; c < nc; c++)
      for (int o = 0; o < no; o++) {
        nfcs_bench_kur_result e, one;
        if (couplings[c] == NFCS_COUPLING_MATRIX && osc[o] > 30000) continue;
        if (nfcs_bench_kuramoto_ensemble(device, osc[o], couplings[c], ensemble, threads[nt - 1], min_time, &e) ||
            nfcs_bench_kuramoto_ensemble(device, osc[o], couplings[c], 1, threads[nt - 1], min_time, &one)) {
          printf("%-11s %9lld failed\n", CNAME[couplings[c]], (long long)osc[o]);
          continue;
        }
        char sep[64];
        snprintf(sep, sizeof sep, "%lld x %.4g = %.4g", (long long)ensemble, one.step_ms, (double)ensemble * one.step_ms);
        printf("%-11s %9lld %9lld  %-14.4g %-22s %8.1fx\n", CNAME[couplings[c]], (long long)osc[o], (long long)ensemble, e.step_ms, sep,
               (double)ensemble * one.step_ms / e.step_ms);
        fflush(stdout);
        if (j.f) {
          jsep(&j);
          fprintf(j.f, "{\"case\": \"ensemble/%s/N%lld/M%lld\", \"module\": \"kuramoto\", \"members\": %lld, \"N\": %lld, "
                  "\"step_ms\": %.6g, \"single_member_step_ms\": %.6g, \"speed_up\": %.6g}", CNAME[couplings[c]], (long long)osc[o],
                  (long long)ensemble, (long long)ensemble, (long long)osc[o], e.step_ms, one.step_ms,
                  (double)ensemble * one.step_ms / e.step_ms);
        }
      }
    no = 0;
  }
  if (do_targets) {
    sync_target(&tg);
    coordinator_target(threads[nt - 1], &tg);
    tg.rss_mb = peak_rss_mb();
    printf("\nTargets of the Python NFCS, measured here\n\n");
    printf("%-44s %-22s %-10s\n", "target", "measured", "");
    char m[64];
    if (tg.cgl_min_steps_s < HUGE_VAL) {
      snprintf(m, sizeof m, "%.0f steps/s (slowest: %d^2)", tg.cgl_min_steps_s, tg.cgl_grid_min);
      printf("%-44s %-22s %-10s\n", "CGL >= 30 steps/s at each benchmark grid", m, tg.cgl_min_steps_s >= 30 ? "pass" : "FAIL");
    }
    snprintf(m, sizeof m, "%.4f s (t = %.2f)", tg.sync_wall_s, tg.sync_model_t);
    printf("%-44s %-22s %-10s\n", "Kuramoto sync time <= 0.1 s (N = 50)", m, tg.sync_wall_s <= 0.1 ? "pass" : "FAIL");
    snprintf(m, sizeof m, "%.3f Hz, p95 %.3g ms", tg.coord_hz, tg.coord_p95);
    printf("%-44s %-22s %-10s\n", "coordinator >= 9 Hz with p95 <= 50 ms", m, tg.coord_hz >= 9 && tg.coord_p95 <= 50 ? "pass" : "FAIL");
    tg.model_mb = g_model_mb;
    snprintf(m, sizeof m, "%.0f MB (largest case)", tg.model_mb);
    printf("%-44s %-22s %-10s\n", "memory <= 1 GB", m, tg.model_mb <= 1000 ? "pass" : "FAIL");
    printf("(peak resident memory of this bench process: %.0f MB, the STREAM arrays included)\n", tg.rss_mb);
    if (j.f) {
      jsep(&j);
      fprintf(j.f, "{\"case\": \"targets\", \"cgl_min_steps_per_s\": %.6g, \"sync_time_s\": %.6g, \"coordinator_hz\": %.6g, "
              "\"coordinator_p95_ms\": %.6g, \"largest_model_mb\": %.6g, \"peak_rss_mb\": %.6g}",
              tg.cgl_min_steps_s < HUGE_VAL ? tg.cgl_min_steps_s : 0, tg.sync_wall_s, tg.coord_hz, tg.coord_p95, tg.model_mb, tg.rss_mb);
    }
  }
  if (j.f) {
    fprintf(j.f, "\n  ]\n}\n");
    fclose(j.f);
  }
  return 0;
usage:
  fprintf(stderr, "usage: nfcs bench [--grid 64,128,256,...] [--scheme strang,etdrk4,upstream] [--threads 1,2] [--dim 1|2|3]\n"
                  "                  [--oscillators 5,10,...] [--coupling mean_field,matrix,sparse] [--no-cgl] [--no-kuramoto]\n"
                  "                  [--no-targets] [--min-time S] [--planner estimate|measure|patient|exhaustive]\n"
                  "                  [--precision double|single] [--device cpu|cuda] [--ensemble M] [--json FILE]\n");
  return 64;
}
