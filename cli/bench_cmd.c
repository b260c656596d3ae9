/* nfcs bench: time the CGL step of each scheme against the bare FFT pair of the same size, plan
 * flags and threads, measured in this process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_bench.h"
#include "nfcs_params.h"

static int parse_list(const char *s, int *out, int max) {
  int n = 0;
  char buf[512];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *t = strtok(buf, ","); t && n < max; t = strtok(NULL, ",")) {
    char *end;
    long v = strtol(t, &end, 10);
    if (*end || v <= 0) return -1;
    out[n++] = (int)v;
  }
  return n;
}

static int parse_list64(const char *s, int64_t *out, int max) {
  int n = 0;
  char buf[512];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *t = strtok(buf, ","); t && n < max; t = strtok(NULL, ",")) {
    char *end;
    double v = strtod(t, &end);
    if (*end || v < 1 || v != (double)(int64_t)v) return -1;
    out[n++] = (int64_t)v;
  }
  return n;
}

static void bench_kuramoto(const int64_t *osc, int no, const int *couplings, int nc, const int *threads, int nt,
                           double min_time) {
  static const char *cname[] = {"all_to_all", "mean_field", "matrix", "sparse"};
  double triad = nfcs_bench_stream_triad(threads[nt - 1], (size_t)40 << 20);
  printf("\nKuramoto RK4 step (four right-hand sides), normalization mean; STREAM triad measured in this process: "
         "%.1f GB/s (%d threads)\n\n", triad, threads[nt - 1]);
  printf("%-11s %9s %3s %9s  %-26s %11s %9s %9s %8s %10s\n", "coupling", "N", "thr", "setup s", "step ms [q1, q3]", "steps/s",
         "ns/osc", "K GB/s", "/triad", "memory MB");
  for (int c = 0; c < nc; c++)
    for (int t = 0; t < nt; t++)
      for (int o = 0; o < no; o++) {
        int64_t n = osc[o];
        if (couplings[c] == NFCS_COUPLING_MATRIX && n > 30000) continue; /* K would not fit */
        for (int blas = 0; blas <= (couplings[c] == NFCS_COUPLING_MATRIX ? 1 : 0); blas++) {
          nfcs_bench_kur_result r;
          char name[32], st[64];
          snprintf(name, sizeof name, "%s%s", cname[couplings[c]], couplings[c] == NFCS_COUPLING_MATRIX ? (blas ? "/blas" : "/fused") : "");
          if (nfcs_bench_kuramoto(n, couplings[c], blas, threads[t], min_time, &r)) {
            printf("%-11s %9lld %3d failed\n", name, (long long)n, threads[t]);
            continue;
          }
          snprintf(st, sizeof st, "%.4g [%.4g, %.4g]", r.step_ms, r.step_ms_q1, r.step_ms_q3);
          if (r.k_gbs > 0)
            printf("%-11s %9lld %3d %9.3f  %-26s %11.0f %9.2f %9.1f %7.0f%% %10.1f\n", name, (long long)n, threads[t], r.setup_s, st,
                   r.steps_per_s, r.ns_per_osc, r.k_gbs, 100 * r.k_gbs / triad, (double)r.memory / 1e6);
          else
            printf("%-11s %9lld %3d %9.3f  %-26s %11.0f %9.2f %9s %8s %10.1f\n", name, (long long)n, threads[t], r.setup_s, st,
                   r.steps_per_s, r.ns_per_osc, "-", "-", (double)r.memory / 1e6);
          fflush(stdout);
        }
      }
}

int nfcs_cmd_bench(int argc, char **argv) {
  int grids[32] = {128, 256, 512, 1024}, ng = 4;
  int threads[8] = {2}, nt = 1;
  int schemes[3] = {NFCS_SCHEME_STRANG, NFCS_SCHEME_ETDRK4, NFCS_SCHEME_UPSTREAM}, ns = 3;
  int dim = 2, planner = NFCS_PLAN_MEASURE;
  double min_time = 1.0;
  int64_t osc[32];
  int no = 0, couplings[4] = {NFCS_COUPLING_MEAN_FIELD, NFCS_COUPLING_MATRIX}, nc = 2, cgl = 1;
  static const char *scheme_names[] = {"strang", "etdrk4", "upstream"};
  static const char *planners[] = {"estimate", "measure", "patient", "exhaustive"};
  for (int i = 0; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(argv[i], "--grid") && v) { if ((ng = parse_list(v, grids, 32)) <= 0) goto usage; i++; }
    else if (!strcmp(argv[i], "--threads") && v) { if ((nt = parse_list(v, threads, 8)) <= 0) goto usage; i++; }
    else if (!strcmp(argv[i], "--oscillators") && v) { if ((no = parse_list64(v, osc, 32)) <= 0) goto usage; i++; }
    else if (!strcmp(argv[i], "--no-cgl")) cgl = 0;
    else if (!strcmp(argv[i], "--coupling") && v) {
      nc = 0;
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
        for (int q = 0; q < 3; q++) if (!strcmp(t, scheme_names[q])) k = q;
        if (k < 0 || ns == 3) goto usage;
        schemes[ns++] = k;
      }
      i++;
    } else goto usage;
  }
  if (!cgl) ng = 0;
  if (ng) printf("CGL step against the bare FFT pair (forward + inverse, same size, plan flags = %s, threads)\n"
         "%dD, %s precision; medians of interleaved batches, [q1, q3] in brackets\n\n", planners[planner], dim,
         NFCS_PRECISION_NAME);
  if (ng) printf("%-9s %-10s %3s %9s  %-22s %-22s %7s %10s %8s %8s\n", "scheme", "grid", "thr", "setup s", "step ms [q1, q3]",
         "FFT pair ms [q1, q3]", "ratio", "metrics ms", "/step", "batches");
  for (int s = 0; s < ns; s++)
    for (int t = 0; t < nt; t++)
      for (int g = 0; g < ng; g++) {
        nfcs_bench_cgl_result r;
        int rc = nfcs_bench_cgl(grids[g], dim, schemes[s], threads[t], planner, min_time, &r);
        char grid[32], st[64], pr[64];
        snprintf(grid, sizeof grid, dim == 1 ? "%d" : dim == 2 ? "%d^2" : "%d^3", grids[g]);
        if (rc) { printf("%-9s %-10s %3d failed (status %d)\n", scheme_names[schemes[s]], grid, threads[t], rc); continue; }
        snprintf(st, sizeof st, "%.4g [%.4g, %.4g]", r.step_ms, r.step_ms_q1, r.step_ms_q3);
        snprintf(pr, sizeof pr, "%.4g [%.4g, %.4g]", r.pair_ms, r.pair_ms_q1, r.pair_ms_q3);
        printf("%-9s %-10s %3d %9.3f  %-22s %-22s %7.3f %10.4g %8.2f %8d\n", scheme_names[schemes[s]], grid, threads[t], r.setup_s,
               st, pr, r.ratio, r.metrics_ms, r.metrics_ratio, r.batches);
        fflush(stdout);
      }
  if (no) bench_kuramoto(osc, no, couplings, nc, threads, nt, min_time);
  return 0;
usage:
  fprintf(stderr, "usage: nfcs bench [--grid 128,256,...] [--scheme strang,etdrk4,upstream] [--threads 1,2] [--dim 1|2|3]\n"
                  "                  [--oscillators 5,10,...] [--coupling mean_field,matrix,sparse] [--no-cgl]\n"
                  "                  [--min-time S] [--planner estimate|measure|patient|exhaustive]\n");
  return 64;
}
