/* The HDF5 sink (SPEC.md §3) and the reader of initial fields.  Complex data is the compound
 * {r, i} that h5py reads as complex; snapshots go into chunked datasets extended one snapshot at a
 * time, and the file is flushed after every snapshot, so it is readable during the run and after
 * a crash. */
#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfcs_internal.h"
#include "nfcs_io.h"

#if NFCS_SINGLE
#define H5_REAL H5T_NATIVE_FLOAT
#else
#define H5_REAL H5T_NATIVE_DOUBLE
#endif

typedef struct h5sink {
  nfcs_ctx *ctx;
  char path[NFCS_PATH_MAX];
  hid_t file;
  hid_t phi, t, step;   /* datasets (-1 when absent) */
  hid_t theta;          /* /kuramoto/theta */
  hsize_t nosc;
  hid_t mt;             /* /metrics/t */
  hid_t mser[32];       /* /metrics/<name> */
  int nmet;
  hsize_t nmsamp;
  hid_t cmem;           /* memory compound type */
  int dim;
  hsize_t spatial[3];   /* C order */
  hsize_t nsnap;
} h5sink;

static hid_t complex_type(hid_t real) {
  size_t sz = H5Tget_size(real);
  hid_t t = H5Tcreate(H5T_COMPOUND, 2 * sz);
  H5Tinsert(t, "r", 0, real);
  H5Tinsert(t, "i", sz, real);
  return t;
}

static int attr_str(hid_t obj, const char *name, const char *value) {
  hid_t st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, H5T_VARIABLE);
  H5Tset_cset(st, H5T_CSET_UTF8);
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, st, sp, H5P_DEFAULT, H5P_DEFAULT);
  int rc = a < 0 || H5Awrite(a, st, &value) < 0;
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(st);
  return rc;
}

static int attr_num(hid_t obj, const char *name, hid_t type, const void *v) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
  int rc = a < 0 || H5Awrite(a, type, v) < 0;
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  return rc;
}

static hid_t make_group(hid_t file, const char *name) { return H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT); }

/* an extendible dataset [0, rest...] chunked one snapshot at a time */
static hid_t make_series(hid_t file, const char *name, hid_t ftype, int rank_rest, const hsize_t *rest) {
  hsize_t dims[4] = {0}, maxd[4] = {H5S_UNLIMITED}, chunk[4] = {1};
  for (int i = 0; i < rank_rest; i++) {
    dims[i + 1] = maxd[i + 1] = chunk[i + 1] = rest[i];
  }
  if (rank_rest == 0) chunk[0] = 1024;
  hid_t sp = H5Screate_simple(rank_rest + 1, dims, maxd);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, rank_rest + 1, chunk);
  hid_t d = H5Dcreate2(file, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Pclose(dcpl);
  H5Sclose(sp);
  return d;
}

static int append(hid_t d, hid_t memtype, hsize_t index, int rank_rest, const hsize_t *rest, const void *data) {
  hsize_t dims[4] = {index + 1}, start[4] = {index}, count[4] = {1};
  for (int i = 0; i < rank_rest; i++) { dims[i + 1] = rest[i]; count[i + 1] = rest[i]; }
  if (H5Dset_extent(d, dims) < 0) return -1;
  hid_t fs = H5Dget_space(d);
  H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
  hid_t ms = H5Screate_simple(rank_rest + 1, count, NULL);
  herr_t e = H5Dwrite(d, memtype, ms, fs, H5P_DEFAULT, data);
  H5Sclose(ms);
  H5Sclose(fs);
  return e < 0 ? -1 : 0;
}

static int sink_open(void *self, const nfcs_run_info *info) {
  h5sink *s = self;
  const nfcs_params *p = info->params;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  s->file = H5Fcreate(s->path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (s->file < 0)
    return NFCS_ERROR(s->ctx, NFCS_ERR_CANTCREAT, "cannot create the output file %s: %s", s->path,
                      errno ? strerror(errno) : "HDF5 refused it");
  hid_t f = s->file;
  int bad = 0;
  /* root attributes */
  char created[64];
  time_t now = time(NULL);
  struct tm tmv;
  gmtime_r(&now, &tmv);
  strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  bad |= attr_str(f, "software", "nfcs");
  bad |= attr_str(f, "software_version", NFCS_VERSION);
  bad |= attr_str(f, "created", created);
  bad |= attr_str(f, "command_line", info->command_line ? info->command_line : "");
  bad |= attr_str(f, "backend", info->backend);
  bad |= attr_str(f, "precision", p->output.precision == NFCS_PREC_FLOAT32 ? "float32" : "float64");
  bad |= attr_str(f, "engine_precision", NFCS_SINGLE ? "single" : "double");
  int64_t th = info->threads;
  bad |= attr_num(f, "threads", H5T_NATIVE_INT64, &th);

  hid_t g = make_group(f, "/config");
  {
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, H5T_VARIABLE);
    H5Tset_cset(st, H5T_CSET_UTF8);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(g, "effective_yaml", st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const char *y = info->effective_yaml;
    bad |= d < 0 || H5Dwrite(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, &y) < 0;
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(st);
  }
  H5Gclose(g);

  hid_t ftime = H5T_IEEE_F64LE;
  g = make_group(f, "/time");
  s->t = make_series(f, "/time/t", ftime, 0, NULL);
  s->step = make_series(f, "/time/step", H5T_STD_I64LE, 0, NULL);
  H5Gclose(g);
  bad |= s->t < 0 || s->step < 0;

  if (info->grid) {
    const nfcs_grid *gr = info->grid;
    s->dim = gr->dim;
    g = make_group(f, "/grid");
    static const char *names[3] = {"/grid/x", "/grid/y", "/grid/z"};
    for (int a = 0; a < gr->dim; a++) {
      hsize_t n = (hsize_t)gr->n[a];
      double *x = malloc(sizeof(double) * n);
      if (!x) { bad = 1; break; }
      for (hsize_t j = 0; j < n; j++) x[j] = nfcs_grid_x(gr, a, (int64_t)j);
      bad |= H5LTmake_dataset_double(f, names[a], 1, &n, x) < 0;
      hid_t d = H5Dopen2(f, names[a], H5P_DEFAULT);
      attr_num(d, "L", H5T_NATIVE_DOUBLE, &gr->L[a]);
      attr_num(d, "dx", H5T_NATIVE_DOUBLE, &gr->dx[a]);
      H5Dclose(d);
      free(x);
      s->spatial[gr->dim - 1 - a] = n;
    }
    H5Gclose(g);
    g = make_group(f, "/fields");
    hid_t freal = p->output.precision == NFCS_PREC_FLOAT32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    hid_t fc = complex_type(freal);
    s->phi = make_series(f, "/fields/phi", fc, gr->dim, s->spatial);
    H5Tclose(fc);
    bad |= s->phi < 0;
    if (s->phi >= 0) {
      attr_num(s->phi, "c1", H5T_NATIVE_DOUBLE, &p->cgl.c1);
      attr_num(s->phi, "c3", H5T_NATIVE_DOUBLE, &p->cgl.c3);
      attr_num(s->phi, "time_step", H5T_NATIVE_DOUBLE, &p->cgl.time_step);
      char v[64];
      nfcs_param_format(p, nfcs_param_find("cgl.scheme", NULL), v, sizeof v);
      attr_str(s->phi, "scheme", v);
      attr_str(s->phi, "axes", gr->dim == 1 ? "t,x" : gr->dim == 2 ? "t,y,x" : "t,z,y,x");
    }
    H5Gclose(g);
  }
  if (info->n_oscillators > 0) {
    g = make_group(f, "/kuramoto");
    hsize_t n = (hsize_t)info->n_oscillators;
    s->nosc = n;
    bad |= H5LTmake_dataset_double(f, "/kuramoto/omega", 1, &n, info->omega) < 0;
    s->theta = make_series(f, "/kuramoto/theta", H5T_IEEE_F64LE, 1, &n);
    bad |= s->theta < 0;
    if (info->oscillator_names) {
      hid_t st = H5Tcopy(H5T_C_S1);
      H5Tset_size(st, H5T_VARIABLE);
      H5Tset_cset(st, H5T_CSET_UTF8);
      hid_t sp = H5Screate_simple(1, &n, NULL);
      hid_t d = H5Dcreate2(f, "/kuramoto/names", st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      bad |= d < 0 || H5Dwrite(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, info->oscillator_names) < 0;
      if (d >= 0) H5Dclose(d);
      H5Sclose(sp);
      H5Tclose(st);
    }
    H5Gclose(g);
  }
  s->cmem = complex_type(H5_REAL);
  if (bad || H5Fflush(f, H5F_SCOPE_GLOBAL) < 0)
    return NFCS_ERROR(s->ctx, NFCS_ERR_CANTCREAT, "cannot write the layout of %s (disk full or not writable?)", s->path);
  return NFCS_OK;
}

static int sink_snapshot(void *self, const nfcs_snapshot *snap) {
  h5sink *s = self;
  int bad = 0;
  if (s->phi >= 0 && snap->phi) bad |= append(s->phi, s->cmem, s->nsnap, s->dim, s->spatial, snap->phi);
  if (s->theta >= 0 && snap->theta) bad |= append(s->theta, H5T_NATIVE_DOUBLE, s->nsnap, 1, &s->nosc, snap->theta);
  bad |= append(s->t, H5T_NATIVE_DOUBLE, s->nsnap, 0, NULL, &snap->t);
  bad |= append(s->step, H5T_NATIVE_INT64, s->nsnap, 0, NULL, &snap->step);
  if (bad || H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0)
    return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "writing snapshot %llu at t = %g to %s failed (disk full?)",
                      (unsigned long long)s->nsnap, snap->t, s->path);
  s->nsnap++;
  return NFCS_OK;
}

static int sink_metrics(void *self, const nfcs_metrics_sample *m) {
  h5sink *s = self;
  int bad = 0;
  if (s->mt < 0) {
    hid_t g = make_group(s->file, "/metrics");
    if (g >= 0) H5Gclose(g);
    s->mt = make_series(s->file, "/metrics/t", H5T_IEEE_F64LE, 0, NULL);
    bad |= s->mt < 0;
    s->nmet = m->count < 32 ? m->count : 32;
    for (int i = 0; i < s->nmet; i++) {
      char name[128];
      snprintf(name, sizeof name, "/metrics/%s", m->names[i]);
      s->mser[i] = make_series(s->file, name, H5T_IEEE_F64LE, 0, NULL);
      bad |= s->mser[i] < 0;
    }
  }
  bad |= append(s->mt, H5T_NATIVE_DOUBLE, s->nmsamp, 0, NULL, &m->t);
  for (int i = 0; i < s->nmet && i < m->count; i++) bad |= append(s->mser[i], H5T_NATIVE_DOUBLE, s->nmsamp, 0, NULL, &m->values[i]);
  if (bad) return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "writing metrics at t = %g to %s failed (disk full?)", m->t, s->path);
  s->nmsamp++;
  return NFCS_OK;
}

static int sink_close(void *self, int status) {
  h5sink *s = self;
  int rc = NFCS_OK;
  if (s->file >= 0) {
    int64_t st = status;
    if (attr_num(s->file, "exit_status", H5T_NATIVE_INT64, &st)) rc = NFCS_ERR_IO;
  }
  hid_t *ids[] = {&s->phi, &s->t, &s->step, &s->theta, &s->mt};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
    if (*ids[i] >= 0) { H5Dclose(*ids[i]); *ids[i] = -1; }
  for (int i = 0; i < s->nmet; i++)
    if (s->mser[i] >= 0) { H5Dclose(s->mser[i]); s->mser[i] = -1; }
  s->nmet = 0;
  if (s->cmem >= 0) { H5Tclose(s->cmem); s->cmem = -1; }
  if (s->file >= 0) {
    if (H5Fclose(s->file) < 0) rc = NFCS_ERROR(s->ctx, NFCS_ERR_IO, "closing %s failed", s->path);
    s->file = -1;
  }
  return rc;
}

static void sink_destroy(void **self) {
  if (!self || !*self) return;
  sink_close(*self, 0);
  free(*self);
  *self = NULL;
}

static const nfcs_sink_ops H5_OPS = {
  .open = sink_open,
  .snapshot = sink_snapshot,
  .metrics = sink_metrics,
  .close = sink_close,
  .destroy = sink_destroy,
};

int nfcs_h5_sink_create(nfcs_ctx *ctx, const char *path, nfcs_sink *sink) {
  h5sink *s = calloc(1, sizeof *s);
  if (!s) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  s->ctx = ctx;
  snprintf(s->path, sizeof s->path, "%s", path);
  s->file = s->phi = s->t = s->step = s->cmem = s->theta = s->mt = -1;
  sink->ops = &H5_OPS;
  sink->self = s;
  return NFCS_OK;
}

/* ---------------------------------------------------------------- initial field from a file */

int nfcs_h5_read_field(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_grid *g, nfcs_real *host) {
  char path[NFCS_PATH_MAX * 2];
  nfcs_params_input_path(p, p->cgl.ic.path, path, sizeof path);
  const char *dset = p->cgl.ic.dataset;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  FILE *probe = fopen(path, "rb");
  if (!probe)
    return NFCS_ERROR(ctx, NFCS_ERR_NOINPUT, "cgl.initial_condition.path: cannot open %s: %s", path, strerror(errno));
  fclose(probe);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return NFCS_ERROR(ctx, NFCS_ERR_NOINPUT, "cgl.initial_condition.path: %s is not an HDF5 file", path);
  int rc = NFCS_OK;
  hid_t d = -1, sp = -1, ft = -1, mt = -1;
  if (H5LTpath_valid(f, dset, 1) <= 0) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "cgl.initial_condition.dataset: %s has no dataset %s", path, dset);
    goto done;
  }
  d = H5Dopen2(f, dset, H5P_DEFAULT);
  sp = H5Dget_space(d);
  ft = H5Dget_type(d);
  if (H5Tget_class(ft) != H5T_COMPOUND || H5Tget_nmembers(ft) != 2 || H5Tget_member_index(ft, "r") < 0 ||
      H5Tget_member_index(ft, "i") < 0) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: expected complex numbers (a compound {r, i}, as h5py writes), got another type", path, dset);
    goto done;
  }
  int rank = H5Sget_simple_extent_ndims(sp);
  hsize_t dims[8] = {0};
  H5Sget_simple_extent_dims(sp, dims, NULL);
  int shape_ok = rank == g->dim;
  for (int a = 0; a < g->dim && shape_ok; a++) shape_ok = dims[a] == (hsize_t)g->n[g->dim - 1 - a];
  if (!shape_ok) {
    char want[64], got[64];
    if (g->dim == 1) snprintf(want, sizeof want, "[%lld]", (long long)g->n[0]);
    else if (g->dim == 2) snprintf(want, sizeof want, "[%lld, %lld]", (long long)g->n[1], (long long)g->n[0]);
    else snprintf(want, sizeof want, "[%lld, %lld, %lld]", (long long)g->n[2], (long long)g->n[1], (long long)g->n[0]);
    size_t o = (size_t)snprintf(got, sizeof got, "[");
    for (int a = 0; a < rank && o < sizeof got; a++) o += (size_t)snprintf(got + o, sizeof got - o, "%s%llu", a ? ", " : "", (unsigned long long)dims[a]);
    if (o < sizeof got) snprintf(got + o, sizeof got - o, "]");
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: expected shape %s for cgl.grid_size, got %s", path, dset, want, got);
    goto done;
  }
  mt = complex_type(H5_REAL);
  if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, host) < 0) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: cannot read the values", path, dset);
    goto done;
  }
  for (size_t i = 0; i < 2 * g->npts; i++)
    if (!isfinite(host[i])) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: value %zu is not finite", path, dset, i / 2);
      goto done;
    }
done:
  if (mt >= 0) H5Tclose(mt);
  if (ft >= 0) H5Tclose(ft);
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  H5Fclose(f);
  return rc;
}
