/* nfcs info: the build, backends, schemes and library versions; every parameter; a run file. */
#include <cblas.h>
#include <fftw3.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_backend.h"
#include "nfcs_cgl.h"
#include "nfcs_info.h"
#include "nfcs_params.h"

int nfcs_info_build(FILE *f) {
  fprintf(f, "nfcs %s\n", NFCS_VERSION);
  fprintf(f, "  precision      %s\n", NFCS_PRECISION_NAME);
  fprintf(f, "  build          %s, %s\n", NFCS_BUILD_TYPE, NFCS_C_COMPILER);
  fprintf(f, "backends\n");
  size_t n;
  const nfcs_backend_type *const *types = nfcs_backend_types(&n);
  for (size_t i = 0; i < n; i++) {
    char why[256] = "";
    int ok = types[i]->available(why, sizeof why);
    fprintf(f, "  %-14s %s%s%s (%s)\n", types[i]->name, ok ? "available" : "unavailable", why[0] ? ": " : "", why,
            types[i]->description);
  }
  if (!nfcs_backend_find("cuda"))
    fprintf(f, "  %-14s not built into this nfcs (CUDA toolkit %s at configure time)\n", "cuda",
            NFCS_HAVE_CUDA_TOOLKIT ? "found" : "not found");
  fprintf(f, "cgl schemes\n");
  const nfcs_cgl_scheme_type *s = nfcs_cgl_schemes(&n);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "  %-14s order %d, %d FFTs a step: %s\n", s[i].name, s[i].order, s[i].ffts_per_step, s[i].description);
  unsigned maj, min, rel;
  H5get_libversion(&maj, &min, &rel);
  fprintf(f, "libraries\n");
#if NFCS_SINGLE
  fprintf(f, "  FFTW           %s\n", fftwf_version);
#else
  fprintf(f, "  FFTW           %s\n", fftw_version);
#endif
  fprintf(f, "  HDF5           %u.%u.%u\n", maj, min, rel);
  fprintf(f, "  libfyaml       %s\n", fy_library_version());
  fprintf(f, "  OpenBLAS       %s\n", openblas_get_config());
  return 0;
}

static const char *type_name(nfcs_ptype t) {
  switch (t) {
  case NFCS_PT_REAL: return "real";
  case NFCS_PT_INT: return "integer";
  case NFCS_PT_BOOL: return "bool";
  case NFCS_PT_ENUM: return "choice";
  case NFCS_PT_STRING: return "string";
  case NFCS_PT_REAL_LIST: return "real list";
  case NFCS_PT_INT_LIST: return "integer list";
  case NFCS_PT_NAMED_REALS: return "name: real";
  }
  return "?";
}

static void fmt_bound(char *b, size_t n, double v) {
  if (v >= 1e15) snprintf(b, n, "inf");
  else if (v <= -1e15) snprintf(b, n, "-inf");
  else snprintf(b, n, "%g", v);
}

int nfcs_info_params(FILE *f) {
  size_t n;
  const nfcs_param_def *t = nfcs_param_table(&n);
  static nfcs_params p;
  nfcs_params_defaults(&p);
  fprintf(f, "Every key of the config file (YAML, dotted here; --set KEY=VALUE on the command line).\n\n");
  for (size_t i = 0; i < n; i++) {
    const nfcs_param_def *d = &t[i];
    char def[256], range[256] = "";
    nfcs_param_format(&p, d, def, sizeof def);
    if (d->type == NFCS_PT_ENUM) {
      snprintf(range, sizeof range, "one of %s", d->choices);
      for (char *c = range; *c; c++) if (*c == '|') *c = ',';
    } else if (d->type == NFCS_PT_REAL || d->type == NFCS_PT_INT || d->type == NFCS_PT_REAL_LIST || d->type == NFCS_PT_INT_LIST ||
               d->type == NFCS_PT_NAMED_REALS) {
      char lo[32], hi[32];
      fmt_bound(lo, sizeof lo, d->min);
      fmt_bound(hi, sizeof hi, d->max);
      size_t o = (size_t)snprintf(range, sizeof range, "%s%s, %s]", (d->flags & NFCS_PF_MIN_EXCLUSIVE) ? "(" : "[", lo, hi);
      if (d->type == NFCS_PT_REAL_LIST || d->type == NFCS_PT_INT_LIST)
        snprintf(range + o, sizeof range - o, ", %d to %d entries", d->min_count, d->max_count);
    }
    fprintf(f, "%s\n  type: %s   default: %s%s%s\n  %s\n\n", d->key, type_name(d->type), def, range[0] ? "   range: " : "",
            range, d->help);
  }
  return 0;
}

static int read_attr_str(hid_t obj, const char *name, char *buf, size_t len) {
  buf[0] = '\0';
  if (H5Aexists(obj, name) <= 0) return -1;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = H5Aget_type(a);
  int rc = -1;
  if (H5Tget_class(t) == H5T_STRING) {
    if (H5Tis_variable_str(t) > 0) {
      char *s = NULL;
      hid_t mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      H5Tset_cset(mt, H5Tget_cset(t));
      if (H5Aread(a, mt, &s) >= 0 && s) {
        snprintf(buf, len, "%s", s);
        H5free_memory(s);
        rc = 0;
      }
      H5Tclose(mt);
    }
  } else if (H5Tget_class(t) == H5T_INTEGER) {
    long long v;
    if (H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0) { snprintf(buf, len, "%lld", v); rc = 0; }
  }
  H5Tclose(t);
  H5Aclose(a);
  return rc;
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

int nfcs_info_file(const char *path, FILE *f) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  FILE *probe = fopen(path, "rb");
  if (!probe) {
    fprintf(stderr, "nfcs: error: cannot open %s\n", path);
    return 66;
  }
  fclose(probe);
  hid_t h = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (h < 0) {
    fprintf(stderr, "nfcs: error: %s is not an HDF5 file\n", path);
    return 65;
  }
  char b[1024];
  fprintf(f, "%s\n", path);
  static const char *attrs[] = {"software", "software_version", "created", "command_line", "backend", "precision", "threads", "exit_status"};
  for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
    if (read_attr_str(h, attrs[i], b, sizeof b) == 0) fprintf(f, "  %-17s %s\n", attrs[i], b);
  int rank;
  unsigned long long dims[4] = {0};
  long long T = dset_len(h, "/time/t", &rank, dims);
  if (T >= 0) {
    double *t = malloc(sizeof(double) * (size_t)(T > 0 ? T : 1));
    if (t && T > 0 && H5LTread_dataset_double(h, "/time/t", t) >= 0)
      fprintf(f, "  snapshots         %lld, t = %.6g .. %.6g\n", T, t[0], t[T - 1]);
    else fprintf(f, "  snapshots         %lld\n", T);
    free(t);
  }
  if (dset_len(h, "/fields/phi", &rank, dims) >= 0) {
    fprintf(f, "  field /fields/phi [");
    for (int i = 0; i < rank; i++) fprintf(f, "%s%llu", i ? ", " : "", dims[i]);
    fprintf(f, "]\n");
  }
  H5Fclose(h);
  return 0;
}
