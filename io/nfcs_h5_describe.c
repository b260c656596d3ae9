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
#include <fcntl.h>
#include <unistd.h>

#include "nfcs_h5_text.h"
#include "nfcs_io.h"

void nfcs_io_libraries(char *out, size_t len) {
  unsigned maj, min, rel;
  H5get_libversion(&maj, &min, &rel);
  snprintf(out, len, "HDF5 %u.%u.%u; libfyaml %s; %s", maj, min, rel, fy_library_version(), OPENSSL_VERSION_TEXT);
}

/* text from the file made safe for a terminal: control characters shown as '?' */
static const char *printable(char *s) {
  for (unsigned char *c = (unsigned char *)s; *c; c++)
    if (*c < 0x20 || *c == 0x7f) *c = '?';
  return s;
}

/* the length of the first axis of a dataset (1 for a scalar), its rank and lengths (at most 4
 * axes; -1 when absent, not a dataset, or of more axes) */
static long long dset_len(hid_t f, const char *path, int *rank, unsigned long long dims[4]) {
  *rank = 0;
  hid_t d = nfcs_h5_open_dataset(f, path);
  if (d < 0) return -1;
  hid_t s = H5Dget_space(d);
  hsize_t hd[4];
  uint64_t count;
  char why[128];
  long long n = -1;
  if (s >= 0 && nfcs_h5_extent(s, 4, rank, hd, &count, why, sizeof why) == 0) {
    for (int i = 0; i < *rank; i++) dims[i] = hd[i];
    n = *rank > 0 ? (long long)hd[0] : 1;
  }
  if (s >= 0) H5Sclose(s);
  H5Dclose(d);
  return n;
}

/* a one-axis dataset of numbers read whole, its length into *n (NULL when it is not one, or does
 * not fit in memory) */
static double *read_series(hid_t loc, const char *path, hsize_t *n) {
  *n = 0;
  hid_t d = nfcs_h5_open_dataset(loc, path);
  if (d < 0) return NULL;
  hid_t sp = H5Dget_space(d), ty = H5Dget_type(d);
  int rank;
  hsize_t dims[1];
  uint64_t count;
  size_t bytes;
  char why[160];
  double *v = NULL;
  if (sp >= 0 && ty >= 0 && (H5Tget_class(ty) == H5T_FLOAT || H5Tget_class(ty) == H5T_INTEGER) &&
      nfcs_h5_extent(sp, 1, &rank, dims, &count, why, sizeof why) == 0 && rank == 1 && count > 0 &&
      nfcs_h5_bytes(count, sizeof(double), &bytes, why, sizeof why) == 0 && (v = malloc(bytes)) != NULL) {
    if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) *n = count;
    else { free(v); v = NULL; }
  }
  if (ty >= 0) H5Tclose(ty);
  if (sp >= 0) H5Sclose(sp);
  H5Dclose(d);
  return v;
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

typedef struct mctx { hid_t h; FILE *f; int shown; } mctx;
static herr_t metric_visit(hid_t g, const char *name, const H5L_info_t *info, void *op) {
  mctx *m = op;
  if (!strcmp(name, "t") || info->type != H5L_TYPE_HARD) return 0;
  if (++m->shown > 4 * NFCS_MAX_METRICS) return 1; /* no file of nfcs has more */
  hsize_t n;
  double *v = read_series(g, name, &n);
  if (v) {
    double lo = v[0], hi = v[0];
    for (hsize_t i = 1; i < n; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i]; }
    fprintf(m->f, "    %-22.64s first %-12.6g last %-12.6g min %-12.6g max %-12.6g\n", name, v[0], v[n - 1], lo, hi);
  }
  free(v);
  return 0;
}

/* a numeric attribute of one element, or NaN */
static double attr_double(hid_t obj, const char *name) {
  char text[64];
  if (nfcs_h5_read_attr_text(obj, name, text, sizeof text) == 0) return strtod(text, NULL); /* an integer one */
  double v = NAN;
  if (H5Aexists(obj, name) <= 0) return v;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return v;
  hid_t sp = H5Aget_space(a), ty = H5Aget_type(a);
  int rank;
  hsize_t dims[H5S_MAX_RANK];
  uint64_t count;
  char why[128];
  if (sp >= 0 && ty >= 0 && H5Tget_class(ty) == H5T_FLOAT && nfcs_h5_extent(sp, H5S_MAX_RANK, &rank, dims, &count, why, sizeof why) == 0 &&
      count == 1 && H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0)
    v = NAN;
  if (ty >= 0) H5Tclose(ty);
  if (sp >= 0) H5Sclose(sp);
  H5Aclose(a);
  return v;
}

static int describe(const char *path, FILE *f) {
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
  static const char *attrs[] = {"software", "software_version", "created", "command_line", "backend", "precision", "threads", "mpi_ranks", "exit_status"};
  for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
    if (nfcs_h5_read_attr_text(h, attrs[i], b, sizeof b) == 0) fprintf(f, "  %-17s %s\n", attrs[i], printable(b));
  char *yaml = nfcs_h5_read_text(h, "/config/effective_yaml", NFCS_H5_TEXT_MAX);
  if (yaml) {
    char v[256];
    char mh[72] = "";
    nfcs_h5_read_attr_text(h, "model_hash", mh, sizeof mh);
    fprintf(f, "  %-17s %s\n", "model hash", mh[0] ? printable(mh) : "(not recorded: written by an nfcs without model hashes)");
    if (yaml_value(yaml, "cgl.grid_size", v, sizeof v)) {
      char e[256] = "", sc[64] = "", dt[64] = "";
      yaml_value(yaml, "cgl.spatial_extent", e, sizeof e);
      yaml_value(yaml, "cgl.scheme", sc, sizeof sc);
      yaml_value(yaml, "cgl.time_step", dt, sizeof dt);
      fprintf(f, "  %-17s grid %s, box %s, scheme %s, dt %s\n", "field", printable(v), printable(e), printable(sc), printable(dt));
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
      fprintf(f, "  %-17s N = %llu, coupling %s, dt %s\n", "oscillators", n, printable(v), printable(dt));
    }
    free(yaml);
  }
  int rank;
  unsigned long long dims[4] = {0};
  hsize_t T;
  double *t = read_series(h, "/time/t", &T);
  if (t) fprintf(f, "  %-17s %llu, model time %.6g .. %.6g\n", "snapshots", (unsigned long long)T, t[0], t[T - 1]);
  else if (dset_len(h, "/time/t", &rank, dims) >= 0) fprintf(f, "  %-17s 0\n", "snapshots");
  free(t);
  if (dset_len(h, "/fields/phi", &rank, dims) >= 0) {
    fprintf(f, "  %-17s [", "/fields/phi");
    for (int i = 0; i < rank; i++) fprintf(f, "%s%llu", i ? ", " : "", dims[i]);
    fprintf(f, "]\n");
  }
  hsize_t M;
  double *mt = read_series(h, "/metrics/t", &M);
  if (mt) {
    fprintf(f, "  %-17s %llu samples, model time %.6g .. %.6g\n", "metrics", (unsigned long long)M, mt[0], mt[M - 1]);
    free(mt);
    hid_t g = H5Gopen2(h, "/metrics", H5P_DEFAULT);
    mctx m = {h, f, 0};
    if (g >= 0) {
      H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, metric_visit, &m);
      H5Gclose(g);
    }
  }
  hid_t g = H5LTpath_valid(h, "/coordinator", 1) > 0 ? H5Gopen2(h, "/coordinator", H5P_DEFAULT) : -1;
  if (g >= 0) {
    fprintf(f, "  %-17s %.0f ticks at %.5g Hz (target %.4g Hz, %s); work per tick p50 %.3g ms, p95 %.3g ms, p99 %.3g ms, max %.3g ms; "
            "%.0f overruns\n", "coordinator", attr_double(g, "ticks"), attr_double(g, "achieved_rate_hz"), attr_double(g, "rate_hz"),
            attr_double(g, "realtime") > 0 ? "realtime" : "as fast as possible", attr_double(g, "tick_ms_p50"),
            attr_double(g, "tick_ms_p95"), attr_double(g, "tick_ms_p99"), attr_double(g, "tick_ms_max"), attr_double(g, "overruns"));
    H5Gclose(g);
  }
  H5Fclose(h);
  return 0;
}

typedef struct describe_args {
  const char *path;
} describe_args;

static int describe_run(void *arg) {
  const describe_args *a = arg;
  FILE *null = fopen("/dev/null", "w");
  if (!null) return 0;
  const int saved = dup(2), devnull = open("/dev/null", O_WRONLY); /* the child's messages: not shown twice */
  if (devnull >= 0) dup2(devnull, 2);
  const int rc = describe(a->path, null);
  fclose(null);
  if (saved >= 0) dup2(saved, 2);
  return rc;
}

int nfcs_h5_describe(const char *path, FILE *f) {
  describe_args a = {path};
  char why[256];
  if (access(path, R_OK) == 0 && nfcs_h5_guarded(describe_run, &a, why, sizeof why)) {
    fprintf(stderr, "nfcs: error: %s is damaged or crafted: %s (docs/trust.md)\n", path, why);
    return 65;
  }
  return describe(path, f);
}
