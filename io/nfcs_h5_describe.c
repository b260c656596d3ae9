/* A run file (output or checkpoint) described for people: provenance, the model, the series and
 * their ranges, the coordinator's timing (`nfcs info FILE`). */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <libfyaml.h>
#include <math.h>
#include <openssl/opensslv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_h5_text.h"
#include "nfcs_io.h"

void nfcs_io_libraries(char *out, size_t len) {
  unsigned maj, min, rel;
  H5get_libversion(&maj, &min, &rel);
  snprintf(out, len, "HDF5 %u.%u.%u; libfyaml %s; %s", maj, min, rel, fy_library_version(), OPENSSL_VERSION_TEXT);
}

static long long dset_len(hid_t f, const char *path, int *rank, unsigned long long dims[4]) {
  *rank = 0;
  if (H5LTpath_valid(f, path, 1) <= 0) return -1;
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  hid_t s = H5Dget_space(d);
  hsize_t hd[8];
  *rank = H5Sget_simple_extent_ndims(s);
  H5Sget_simple_extent_dims(s, hd, NULL);
  for (int i = 0; i < *rank && i < 4; i++) dims[i] = hd[i];
  H5Sclose(s);
  H5Dclose(d);
  return *rank > 0 ? (long long)hd[0] : 1;
}

/* a value of the effective config by dotted key (nfcs writes simple nested YAML) */
static int yaml_value(const char *yaml, const char *key, char *out, size_t len) {
  char want[8][64];
  int nw = 0;
  char kb[256];
  snprintf(kb, sizeof kb, "%s", key);
  for (char *t = strtok(kb, "."); t && nw < 8; t = strtok(NULL, ".")) snprintf(want[nw++], 64, "%s", t);
  char stack[8][64];
  const char *line = yaml;
  while (line && *line) {
    const char *end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line) : strlen(line);
    size_t ind = 0;
    while (ind < n && line[ind] == ' ') ind++;
    if (ind < n && line[ind] != '#') {
      int depth = (int)ind / 2;
      const char *colon = memchr(line + ind, ':', n - ind);
      if (colon && depth < 8) {
        snprintf(stack[depth], 64, "%.*s", (int)(colon - line - ind), line + ind);
        if (depth == nw - 1) {
          int ok = 1;
          for (int i = 0; i < nw && ok; i++) ok = !strcmp(stack[i], want[i]);
          if (ok) {
            const char *v = colon + 1;
            while (*v == ' ') v++;
            snprintf(out, len, "%.*s", (int)(line + n - v), v);
            return 1;
          }
        }
      }
    }
    line = end ? end + 1 : NULL;
  }
  return 0;
}

typedef struct mctx { hid_t h; FILE *f; } mctx;
static herr_t metric_visit(hid_t g, const char *name, const H5L_info_t *info, void *op) {
  (void)info;
  mctx *m = op;
  if (!strcmp(name, "t")) return 0;
  hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
  if (d < 0) return 0;
  hid_t sp = H5Dget_space(d);
  hsize_t n = 0;
  if (H5Sget_simple_extent_ndims(sp) == 1) H5Sget_simple_extent_dims(sp, &n, NULL);
  if (n > 0) {
    double *v = malloc(sizeof(double) * n);
    if (v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) {
      double lo = v[0], hi = v[0];
      for (hsize_t i = 1; i < n; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i]; }
      fprintf(m->f, "    %-22s first %-12.6g last %-12.6g min %-12.6g max %-12.6g\n", name, v[0], v[n - 1], lo, hi);
    }
    free(v);
  }
  H5Sclose(sp);
  H5Dclose(d);
  return 0;
}

static double attr_double(hid_t obj, const char *name) {
  double v = NAN;
  if (H5Aexists(obj, name) > 0) {
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_DOUBLE, &v);
    H5Aclose(a);
  }
  return v;
}

int nfcs_h5_describe(const char *path, FILE *f) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  FILE *probe = fopen(path, "rb");
  if (!probe) {
    fprintf(stderr, "nfcs: error: cannot open %s\n", path);
    return 66;
  }
  fclose(probe);
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
  H5Pset_file_locking(fapl, 0, 1); /* a run may still be writing it */
#endif
  hid_t h = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  if (h < 0) {
    fprintf(stderr, "nfcs: error: %s is not an HDF5 file\n", path);
    return 65;
  }
  char b[1024];
  fprintf(f, "%s\n", path);
  static const char *attrs[] = {"software", "software_version", "created", "command_line", "backend", "precision", "threads", "exit_status"};
  for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
    if (nfcs_h5_read_attr_text(h, attrs[i], b, sizeof b) == 0) fprintf(f, "  %-17s %s\n", attrs[i], b);
  char *yaml = nfcs_h5_read_text(h, "/config/effective_yaml");
  if (yaml) {
    char v[256];
    char mh[72] = "";
    nfcs_h5_read_attr_text(h, "model_hash", mh, sizeof mh);
    fprintf(f, "  %-17s %s\n", "model hash", mh[0] ? mh : "(not recorded: written by an nfcs without model hashes)");
    if (yaml_value(yaml, "cgl.grid_size", v, sizeof v)) {
      char e[256] = "", sc[64] = "", dt[64] = "";
      yaml_value(yaml, "cgl.spatial_extent", e, sizeof e);
      yaml_value(yaml, "cgl.scheme", sc, sizeof sc);
      yaml_value(yaml, "cgl.time_step", dt, sizeof dt);
      fprintf(f, "  %-17s grid %s, box %s, scheme %s, dt %s\n", "field", v, e, sc, dt);
    }
    if (yaml_value(yaml, "kuramoto.coupling", v, sizeof v)) {
      char dt[64] = "";
      yaml_value(yaml, "kuramoto.time_step", dt, sizeof dt);
      /* N is the last axis of omega ([N], or [members, N]); a checkpoint has only the phases of
       * all members, one after another */
      int rank = 0;
      unsigned long long dims[4] = {0}, n = 0;
      if (dset_len(h, "/kuramoto/omega", &rank, dims) >= 0 && rank > 0) {
        n = dims[rank - 1];
      } else if (dset_len(h, "/state/kuramoto.theta", &rank, dims) >= 0 && rank > 0) {
        char m[64] = "";
        const long long members = yaml_value(yaml, "kuramoto.ensemble", m, sizeof m) ? atoll(m) : 1;
        n = dims[0] / (unsigned long long)(members > 0 ? members : 1);
      }
      fprintf(f, "  %-17s N = %llu, coupling %s, dt %s\n", "oscillators", n, v, dt);
    }
    free(yaml);
  }
  int rank;
  unsigned long long dims[4] = {0};
  long long T = dset_len(h, "/time/t", &rank, dims);
  if (T >= 0) {
    double *t = malloc(sizeof(double) * (size_t)(T > 0 ? T : 1));
    if (t && T > 0 && H5LTread_dataset_double(h, "/time/t", t) >= 0)
      fprintf(f, "  %-17s %lld, model time %.6g .. %.6g\n", "snapshots", T, t[0], t[T - 1]);
    else fprintf(f, "  %-17s %lld\n", "snapshots", T);
    free(t);
  }
  if (dset_len(h, "/fields/phi", &rank, dims) >= 0) {
    fprintf(f, "  %-17s [", "/fields/phi");
    for (int i = 0; i < rank; i++) fprintf(f, "%s%llu", i ? ", " : "", dims[i]);
    fprintf(f, "]\n");
  }
  long long M = dset_len(h, "/metrics/t", &rank, dims);
  if (M > 0) {
    double *t = malloc(sizeof(double) * (size_t)M);
    if (t && H5LTread_dataset_double(h, "/metrics/t", t) >= 0)
      fprintf(f, "  %-17s %lld samples, model time %.6g .. %.6g\n", "metrics", M, t[0], t[M - 1]);
    free(t);
    hid_t g = H5Gopen2(h, "/metrics", H5P_DEFAULT);
    mctx m = {h, f};
    H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, metric_visit, &m);
    H5Gclose(g);
  }
  if (H5LTpath_valid(h, "/coordinator", 1) > 0) {
    hid_t g = H5Gopen2(h, "/coordinator", H5P_DEFAULT);
    fprintf(f, "  %-17s %.0f ticks at %.5g Hz (target %.4g Hz, %s); work per tick p50 %.3g ms, p95 %.3g ms, p99 %.3g ms, max %.3g ms; "
            "%.0f overruns\n", "coordinator", attr_double(g, "ticks"), attr_double(g, "achieved_rate_hz"), attr_double(g, "rate_hz"),
            attr_double(g, "realtime") > 0 ? "realtime" : "as fast as possible", attr_double(g, "tick_ms_p50"),
            attr_double(g, "tick_ms_p95"), attr_double(g, "tick_ms_p99"), attr_double(g, "tick_ms_max"), attr_double(g, "overruns"));
    H5Gclose(g);
  }
  H5Fclose(h);
  return 0;
}
