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
#include <fcntl.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "nfcs_bundle.h"
#include "nfcs_cgl.h"
#include "nfcs_internal.h"
#include "nfcs_io.h"
#include "nfcs_h5_text.h"

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
  hsize_t members;      /* ensemble: theta is [T][M][N] */
  hid_t Rm, psim;       /* /kuramoto/R, /kuramoto/psi [T][M] of an ensemble */
  hid_t mt;             /* /metrics/t */
  hid_t mser[32];       /* /metrics/<name> */
  char mname[32][64];
  int nmet;
  hsize_t nmsamp;
  double last_snap_t, last_met_t, last_flush;
  char *yaml;           /* the effective config, for checkpoints */
  char *model_text;     /* the model (canonical text) and its hash, for checkpoints */
  char model_hash[72];
  char ckpt_path[NFCS_PATH_MAX + 16];
  int broken;           /* a write failed: the file is left as of its last flush */
  hid_t absd, argd;     /* /fields/abs_phi, /fields/arg_phi (output.xdmf) */
  hid_t fout;           /* their file type */
  int xdmf;
  char xmf_path[NFCS_PATH_MAX + 8];
  double *snap_times;   /* times of the snapshots in the file (for the XDMF sidecar) */
  size_t snap_cap;
  double grid_x0[3], grid_dx[3];
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

/* File access: the metadata cache keeps every change in memory until the next flush (no
 * evictions), so the file on disk is always the state of the last flush — readable after a crash
 * or kill -9 with everything flushed before it intact. */
static hid_t crash_safe_fapl(void) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5AC_cache_config_t cc;
  cc.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  if (H5Pget_mdc_config(fapl, &cc) >= 0) {
    cc.evictions_enabled = 0;
    cc.incr_mode = H5C_incr__off;
    cc.flash_incr_mode = H5C_flash_incr__off;
    cc.decr_mode = H5C_decr__off;
    cc.set_initial_size = 1;
    cc.initial_size = 16 << 20;
    cc.max_size = 64 << 20;
    H5Pset_mdc_config(fapl, &cc);
  }
  return fapl;
}

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int sink_flush(h5sink *s) {
  s->last_flush = wall_now();
  return H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : 0;
}

/* t of the last entry of a 1D series, -inf when empty */
static hsize_t series_len(hid_t d) {
  hid_t sp = H5Dget_space(d);
  hsize_t dims[4] = {0};
  H5Sget_simple_extent_dims(sp, dims, NULL);
  H5Sclose(sp);
  return dims[0];
}

static void series_truncate(hid_t d, hsize_t n) {
  hid_t sp = H5Dget_space(d);
  hsize_t dims[4] = {0};
  int r = H5Sget_simple_extent_dims(sp, dims, NULL);
  H5Sclose(sp);
  if (r > 0 && dims[0] > n) {
    dims[0] = n;
    H5Dset_extent(d, dims);
  }
}

/* entries of a time series with t <= t0 */
static hsize_t count_upto(hid_t tset, double t0) {
  hsize_t n = series_len(tset);
  if (!n) return 0;
  double *t = malloc(sizeof(double) * n);
  if (!t) return n;
  H5Dread(tset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t);
  hsize_t k = 0;
  while (k < n && t[k] <= t0 + 1e-9 * (1 + fabs(t0))) k++;
  free(t);
  return k;
}

/* Continue an existing run file from model time t0 (restart): drop what lies beyond t0. */
/* dimension scales (netCDF-4 conventions): xarray / h5netcdf see named dimensions */
static void scale(hid_t file, const char *path, const char *name) {
  hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
  if (d < 0) return;
  if (H5DSis_scale(d) <= 0) H5DSset_scale(d, name);
  H5Dclose(d);
}

static void attach(hid_t file, hid_t dset, const char *scale_path, unsigned axis) {
  if (dset < 0 || H5LTpath_valid(file, scale_path, 1) <= 0) return;
  hid_t sc = H5Dopen2(file, scale_path, H5P_DEFAULT);
  if (H5DSis_attached(dset, sc, axis) <= 0) H5DSattach_scale(dset, sc, axis);
  H5Dclose(sc);
}

/* netCDF-4 readers (h5netcdf, xarray) resolve a dimension only in the variable's group or its
 * ancestors: the scales are also linked (hard links, the same datasets) into /fields and
 * /kuramoto, and the main variables at the root, so that xarray.open_dataset(path,
 * engine="h5netcdf") gives phi(t, y, x), theta(t, oscillator), omega(oscillator) with their
 * coordinates. */
static void link_if(hid_t f, const char *src, const char *dst) {
  if (H5LTpath_valid(f, src, 1) > 0 && H5LTpath_valid(f, dst, 0) <= 0) H5Lcreate_hard(f, src, f, dst, H5P_DEFAULT, H5P_DEFAULT);
}

static void netcdf_links(hid_t f) {
  static const char *axes[] = {"t", "x", "y", "z"};
  static const char *src[] = {"/time/t", "/grid/x", "/grid/y", "/grid/z"};
  for (int i = 0; i < 4; i++) {
    char dst[64];
    if (H5LTpath_valid(f, "/fields", 1) > 0) { snprintf(dst, sizeof dst, "/fields/%s", axes[i]); link_if(f, src[i], dst); }
    snprintf(dst, sizeof dst, "/%s", axes[i]);
    link_if(f, src[i], dst);
  }
  if (H5LTpath_valid(f, "/kuramoto", 1) > 0) {
    link_if(f, "/time/t", "/kuramoto/t");
    link_if(f, "/kuramoto/oscillator", "/oscillator");
    link_if(f, "/kuramoto/theta", "/theta");
    link_if(f, "/kuramoto/omega", "/omega");
  }
  link_if(f, "/fields/phi", "/phi");
}

static void attach_field_axes(h5sink *s, hid_t d) {
  static const char *grid[3] = {"/grid/x", "/grid/y", "/grid/z"};
  attach(s->file, d, "/time/t", 0);
  for (int a = 0; a < s->dim; a++) attach(s->file, d, grid[s->dim - 1 - a], (unsigned)(a + 1));
}

/* The XDMF sidecar: a temporal collection of uniform grids whose attributes are hyperslabs of
 * /fields/abs_phi and /fields/arg_phi (XDMF has no compound complex type).  Rewritten after each
 * snapshot through a temporary file and a rename. */
static void write_xdmf(h5sink *s) {
  if (!s->xdmf || !s->xmf_path[0]) return;
  char tmp[NFCS_PATH_MAX + 32];
  snprintf(tmp, sizeof tmp, "%s.tmp", s->xmf_path);
  FILE *f = fopen(tmp, "w");
  if (!f) return;
  const char *base = strrchr(s->path, '/');
  base = base ? base + 1 : s->path;
  const int d = s->dim < 2 ? 2 : s->dim;
  char dims[64], orig[128], step[128];
  hsize_t n[3] = {1, 1, 1};
  for (int a = 0; a < s->dim; a++) n[a] = s->spatial[a]; /* C order: slowest first */
  if (s->dim == 1) { n[1] = n[0]; n[0] = 1; }
  if (d == 2) {
    snprintf(dims, sizeof dims, "%llu %llu", (unsigned long long)n[0], (unsigned long long)n[1]);
    snprintf(orig, sizeof orig, "%.17g %.17g", s->dim > 1 ? s->grid_x0[1] : 0.0, s->grid_x0[0]);
    snprintf(step, sizeof step, "%.17g %.17g", s->dim > 1 ? s->grid_dx[1] : 1.0, s->grid_dx[0]);
  } else {
    snprintf(dims, sizeof dims, "%llu %llu %llu", (unsigned long long)n[0], (unsigned long long)n[1], (unsigned long long)n[2]);
    snprintf(orig, sizeof orig, "%.17g %.17g %.17g", s->grid_x0[2], s->grid_x0[1], s->grid_x0[0]);
    snprintf(step, sizeof step, "%.17g %.17g %.17g", s->grid_dx[2], s->grid_dx[1], s->grid_dx[0]);
  }
  const int prec = H5Tget_size(s->fout) == 4 ? 4 : 8;
  fprintf(f, "<?xml version=\"1.0\" ?>\n<!-- written by nfcs: |phi| and arg(phi) of %s as a time series -->\n", base);
  fprintf(f, "<Xdmf Version=\"3.0\">\n <Domain>\n  <Grid Name=\"phi\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
  for (hsize_t k = 0; k < s->nsnap; k++) {
    fprintf(f, "   <Grid Name=\"snapshot %llu\" GridType=\"Uniform\">\n    <Time Value=\"%.17g\"/>\n", (unsigned long long)k,
            s->snap_times ? s->snap_times[k] : 0.0);
    fprintf(f, "    <Topology TopologyType=\"%dDCoRectMesh\" Dimensions=\"%s\"/>\n", d, dims);
    fprintf(f, "    <Geometry GeometryType=\"%s\">\n", d == 2 ? "ORIGIN_DXDY" : "ORIGIN_DXDYDZ");
    fprintf(f, "     <DataItem Dimensions=\"%d\" Format=\"XML\">%s</DataItem>\n", d, orig);
    fprintf(f, "     <DataItem Dimensions=\"%d\" Format=\"XML\">%s</DataItem>\n    </Geometry>\n", d, step);
    static const char *names[2] = {"abs_phi", "arg_phi"};
    for (int q = 0; q < 2; q++) {
      fprintf(f, "    <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Node\">\n", names[q]);
      fprintf(f, "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"%s\" Type=\"HyperSlab\">\n", dims);
      if (s->dim == 1)
        fprintf(f, "      <DataItem Dimensions=\"3 2\" Format=\"XML\">%llu 0 1 1 1 %s</DataItem>\n", (unsigned long long)k,
                dims + 2);
      else if (d == 2)
        fprintf(f, "      <DataItem Dimensions=\"3 3\" Format=\"XML\">%llu 0 0 1 1 1 1 %s</DataItem>\n", (unsigned long long)k, dims);
      else
        fprintf(f, "      <DataItem Dimensions=\"3 4\" Format=\"XML\">%llu 0 0 0 1 1 1 1 1 %s</DataItem>\n", (unsigned long long)k,
                dims);
      fprintf(f, "      <DataItem Dimensions=\"%llu %s\" NumberType=\"Float\" Precision=\"%d\" Format=\"HDF\">%s:/fields/%s</DataItem>\n",
              (unsigned long long)s->nsnap, s->dim == 1 ? dims + 2 : dims, prec, base, names[q]);
      fprintf(f, "     </DataItem>\n    </Attribute>\n");
    }
    fprintf(f, "   </Grid>\n");
  }
  fprintf(f, "  </Grid>\n </Domain>\n</Xdmf>\n");
  if (fclose(f) == 0) rename(tmp, s->xmf_path);
  else unlink(tmp);
}

static int sink_resume(h5sink *s, const nfcs_run_info *info) {
  hid_t fapl = crash_safe_fapl();
  s->file = H5Fopen(s->path, H5F_ACC_RDWR, fapl);
  H5Pclose(fapl);
  if (s->file < 0) return -1;
  const double t0 = info->resume_t;
  s->t = H5Dopen2(s->file, "/time/t", H5P_DEFAULT);
  s->step = H5Dopen2(s->file, "/time/step", H5P_DEFAULT);
  if (s->t < 0 || s->step < 0) return -1;
  s->nsnap = count_upto(s->t, t0);
  series_truncate(s->t, s->nsnap);
  series_truncate(s->step, s->nsnap);
  if (s->nsnap) {
    double *t = malloc(sizeof(double) * s->nsnap);
    if (t && H5Dread(s->t, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) >= 0) s->last_snap_t = t[s->nsnap - 1];
    free(t);
  }
  if (H5LTpath_valid(s->file, "/fields/phi", 1) > 0) {
    s->phi = H5Dopen2(s->file, "/fields/phi", H5P_DEFAULT);
    series_truncate(s->phi, s->nsnap);
    hid_t sp = H5Dget_space(s->phi);
    hsize_t dims[4];
    s->dim = H5Sget_simple_extent_ndims(sp) - 1;
    H5Sget_simple_extent_dims(sp, dims, NULL);
    for (int a = 0; a < s->dim; a++) s->spatial[a] = dims[a + 1];
    H5Sclose(sp);
  }
  if (info->grid)
    for (int a = 0; a < info->grid->dim; a++) {
      s->grid_x0[a] = nfcs_grid_x(info->grid, a, 0);
      s->grid_dx[a] = info->grid->dx[a];
    }
  if (info->params->output.xdmf && H5LTpath_valid(s->file, "/fields/abs_phi", 1) > 0) {
    s->absd = H5Dopen2(s->file, "/fields/abs_phi", H5P_DEFAULT);
    s->argd = H5Dopen2(s->file, "/fields/arg_phi", H5P_DEFAULT);
    series_truncate(s->absd, s->nsnap);
    series_truncate(s->argd, s->nsnap);
    s->fout = info->params->output.precision == NFCS_PREC_FLOAT32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    s->xdmf = 1;
    size_t n = strlen(s->path);
    if (n > 3 && !strcmp(s->path + n - 3, ".h5")) snprintf(s->xmf_path, sizeof s->xmf_path, "%.*s.xmf", (int)(n - 3), s->path);
    else snprintf(s->xmf_path, sizeof s->xmf_path, "%s.xmf", s->path);
  }
  if (s->nsnap) {
    s->snap_cap = s->nsnap + 64;
    s->snap_times = malloc(sizeof(double) * s->snap_cap);
    if (s->snap_times) H5Dread(s->t, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, s->snap_times);
  }
  if (H5LTpath_valid(s->file, "/kuramoto/theta", 1) > 0) {
    s->theta = H5Dopen2(s->file, "/kuramoto/theta", H5P_DEFAULT);
    series_truncate(s->theta, s->nsnap);
    s->nosc = (hsize_t)info->n_oscillators;
  }
  if (H5LTpath_valid(s->file, "/metrics/t", 1) > 0) {
    s->mt = H5Dopen2(s->file, "/metrics/t", H5P_DEFAULT);
    s->nmsamp = count_upto(s->mt, t0);
    series_truncate(s->mt, s->nmsamp);
    s->last_met_t = -HUGE_VAL;
    if (s->nmsamp) {
      double *t = malloc(sizeof(double) * s->nmsamp);
      if (t && H5Dread(s->mt, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) >= 0) s->last_met_t = t[s->nmsamp - 1];
      free(t);
    }
    /* the metric series are opened by name at the next sample */
  }
  if (H5LTpath_valid(s->file, "/coordinator", 1) > 0) H5Ldelete(s->file, "/coordinator", H5P_DEFAULT);
  if (H5Aexists(s->file, "exit_status") > 0) H5Adelete(s->file, "exit_status");
  nfcs_h5_write_text_attr(s->file, "restarted_from", info->checkpoint_path ? info->checkpoint_path : "");
  if (s->model_hash[0]) nfcs_h5_write_text_attr(s->file, "model_hash", s->model_hash);
  s->cmem = complex_type(H5_REAL);
  return sink_flush(s);
}

static int sink_open(void *self, const nfcs_run_info *info) {
  h5sink *s = self;
  const nfcs_params *p = info->params;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  free(s->yaml);
  s->yaml = strdup(info->effective_yaml ? info->effective_yaml : "");
  free(s->model_text);
  s->model_text = info->model_text ? strdup(info->model_text) : NULL;
  snprintf(s->model_hash, sizeof s->model_hash, "%s", info->model_hash ? info->model_hash : "");
  snprintf(s->ckpt_path, sizeof s->ckpt_path, "%s", info->checkpoint_path ? info->checkpoint_path : "");
  s->last_snap_t = s->last_met_t = -HUGE_VAL;
  if (info->resume_t >= 0 && access(s->path, F_OK) == 0) {
    /* the file being continued must belong to this model: checked read-only, before anything is touched */
    char theirs[72] = "";
    hid_t ro = H5Fopen(s->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (ro >= 0) {
      nfcs_h5_read_attr_text(ro, "model_hash", theirs, sizeof theirs);
      H5Fclose(ro);
    }
    if (theirs[0] && s->model_hash[0] && strcmp(theirs, s->model_hash) != 0)
      return NFCS_ERROR(s->ctx, NFCS_ERR_DATA, "the output file %s belongs to another model (model_hash %.16s..., this run %.16s...); "
                        "nothing was changed in it", s->path, theirs, s->model_hash);
    if (sink_resume(s, info) == 0) return NFCS_OK;
    return NFCS_ERROR(s->ctx, NFCS_ERR_CANTCREAT, "cannot continue the output file %s (not a file of nfcs, or not writable)", s->path);
  }
  hid_t fapl = crash_safe_fapl();
  s->file = H5Fcreate(s->path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
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
  bad |= nfcs_h5_write_text_attr(f, "software", "nfcs");
  bad |= nfcs_h5_write_text_attr(f, "software_version", NFCS_VERSION);
  bad |= nfcs_h5_write_text_attr(f, "created", created);
  bad |= nfcs_h5_write_text_attr(f, "command_line", info->command_line ? info->command_line : "");
  bad |= nfcs_h5_write_text_attr(f, "backend", info->backend);
  bad |= nfcs_h5_write_text_attr(f, "precision", p->output.precision == NFCS_PREC_FLOAT32 ? "float32" : "float64");
  bad |= nfcs_h5_write_text_attr(f, "engine_precision", NFCS_SINGLE ? "single" : "double");
  int64_t th = info->threads;
  bad |= attr_num(f, "threads", H5T_NATIVE_INT64, &th);
  if (s->model_hash[0]) bad |= nfcs_h5_write_text_attr(f, "model_hash", s->model_hash);

  hid_t g = make_group(f, "/config");
  bad |= nfcs_h5_write_text(g, "effective_yaml", info->effective_yaml);
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
      attr_num(s->phi, "c1", H5T_NATIVE_DOUBLE, &nfcs_cgl_section(p)->c1);
      attr_num(s->phi, "c3", H5T_NATIVE_DOUBLE, &nfcs_cgl_section(p)->c3);
      attr_num(s->phi, "time_step", H5T_NATIVE_DOUBLE, &nfcs_cgl_section(p)->time_step);
      char v[64];
      nfcs_param_format(p, nfcs_param_find("cgl.scheme", NULL), v, sizeof v);
      nfcs_h5_write_text_attr(s->phi, "scheme", v);
      nfcs_h5_write_text_attr(s->phi, "axes", gr->dim == 1 ? "t,x" : gr->dim == 2 ? "t,y,x" : "t,z,y,x");
    }
    for (int a = 0; a < gr->dim; a++) {
      s->grid_x0[a] = nfcs_grid_x(gr, a, 0);
      s->grid_dx[a] = gr->dx[a];
    }
    if (p->output.xdmf) {
      s->xdmf = 1;
      s->fout = freal;
      s->absd = make_series(f, "/fields/abs_phi", freal, gr->dim, s->spatial);
      s->argd = make_series(f, "/fields/arg_phi", freal, gr->dim, s->spatial);
      bad |= s->absd < 0 || s->argd < 0;
      size_t n = strlen(s->path);
      if (n > 3 && !strcmp(s->path + n - 3, ".h5")) snprintf(s->xmf_path, sizeof s->xmf_path, "%.*s.xmf", (int)(n - 3), s->path);
      else snprintf(s->xmf_path, sizeof s->xmf_path, "%s.xmf", s->path);
    }
    H5Gclose(g);
    scale(f, "/grid/x", "x");
    if (gr->dim > 1) scale(f, "/grid/y", "y");
    if (gr->dim > 2) scale(f, "/grid/z", "z");
  }
  scale(f, "/time/t", "t");
  attach(f, s->step, "/time/t", 0);
  if (s->phi >= 0) attach_field_axes(s, s->phi);
  if (s->absd >= 0) attach_field_axes(s, s->absd);
  if (s->argd >= 0) attach_field_axes(s, s->argd);
  if (info->n_oscillators > 0) {
    g = make_group(f, "/kuramoto");
    hsize_t n = (hsize_t)info->n_oscillators;
    s->nosc = n;
    s->members = info->members > 1 ? (hsize_t)info->members : 1;
    if (s->members > 1) {
      hsize_t mn[2] = {s->members, n};
      bad |= H5LTmake_dataset_double(f, "/kuramoto/omega", 2, mn, info->omega) < 0;
      s->theta = make_series(f, "/kuramoto/theta", H5T_IEEE_F64LE, 2, mn);
      s->Rm = make_series(f, "/kuramoto/R", H5T_IEEE_F64LE, 1, &s->members);
      s->psim = make_series(f, "/kuramoto/psi", H5T_IEEE_F64LE, 1, &s->members);
      bad |= H5LTmake_dataset_double(f, "/kuramoto/coupling", 1, &s->members, info->member_coupling) < 0;
      bad |= s->Rm < 0 || s->psim < 0;
    } else {
      bad |= H5LTmake_dataset_double(f, "/kuramoto/omega", 1, &n, info->omega) < 0;
      s->theta = make_series(f, "/kuramoto/theta", H5T_IEEE_F64LE, 1, &n);
    }
    bad |= s->theta < 0;
    {
      /* the oscillator axis as a scale too */
      int64_t *idx = malloc(sizeof(int64_t) * n);
      if (idx) {
        for (hsize_t i = 0; i < n; i++) idx[i] = (int64_t)i;
        H5LTmake_dataset(f, "/kuramoto/oscillator", 1, &n, H5T_NATIVE_INT64, idx);
        free(idx);
      }
      scale(f, "/kuramoto/oscillator", "oscillator");
      scale(f, "/time/t", "t");
      attach(f, s->theta, "/time/t", 0);
      hid_t om = H5Dopen2(f, "/kuramoto/omega", H5P_DEFAULT);
      if (s->members > 1) {
        scale(f, "/kuramoto/coupling", "member");
        attach(f, s->theta, "/kuramoto/coupling", 1);
        attach(f, s->theta, "/kuramoto/oscillator", 2);
        attach(f, om, "/kuramoto/coupling", 0);
        attach(f, om, "/kuramoto/oscillator", 1);
        attach(f, s->Rm, "/time/t", 0);
        attach(f, s->Rm, "/kuramoto/coupling", 1);
        attach(f, s->psim, "/time/t", 0);
        attach(f, s->psim, "/kuramoto/coupling", 1);
      } else {
        attach(f, s->theta, "/kuramoto/oscillator", 1);
        attach(f, om, "/kuramoto/oscillator", 0);
      }
      H5Dclose(om);
    }
    if (info->oscillator_names) {
      hid_t st = nfcs_h5_text_type();
      hid_t sp = H5Screate_simple(1, &n, NULL);
      hid_t d = H5Dcreate2(f, "/kuramoto/names", st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      bad |= d < 0 || H5Dwrite(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, info->oscillator_names) < 0;
      if (d >= 0) H5Dclose(d);
      H5Sclose(sp);
      H5Tclose(st);
    }
    H5Gclose(g);
  }
  netcdf_links(f);
  s->cmem = complex_type(H5_REAL);
  if (bad || sink_flush(s) < 0) {
    s->broken = 1;
    return NFCS_ERROR(s->ctx, NFCS_ERR_CANTCREAT, "cannot write the layout of %s (%s)", s->path,
                      errno ? strerror(errno) : "disk full or not writable?");
  }
  return NFCS_OK;
}

/* Room on the output's file system for `bytes` more (with a margin)?  A write that fails half way
 * leaves HDF5 metadata pointing at data the disk did not take; checking first keeps the file as
 * it was.  Unknown (statvfs fails): assume yes. */
static int room_for(const h5sink *s, double bytes) {
  char dir[NFCS_PATH_MAX];
  snprintf(dir, sizeof dir, "%s", s->path);
  char *slash = strrchr(dir, '/');
  if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
  else snprintf(dir, sizeof dir, ".");
  struct statvfs v;
  if (statvfs(dir, &v) != 0) return 1;
  double avail = (double)v.f_bavail * (double)v.f_frsize;
  return avail >= 2.0 * bytes + (1 << 20);
}

static int sink_snapshot(void *self, const nfcs_snapshot *snap) {
  h5sink *s = self;
  int bad = 0;
  if (snap->t <= s->last_snap_t + 1e-9 * (1 + fabs(snap->t))) return NFCS_OK; /* already in the file (restart) */
  double field = s->phi >= 0 ? 2.0 * sizeof(double) : 0.0;
  for (int a = 0; a < s->dim; a++) field *= (double)s->spatial[a];
  const double need = 4096.0 + field + 8.0 * (double)s->nosc;
  if (!room_for(s, need)) {
    s->broken = 1;
    return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "the disk of %s is full: no room for snapshot %llu at t = %g (%.3g MB); "
                      "the file keeps the %llu snapshots written before", s->path, (unsigned long long)s->nsnap, snap->t,
                      need / 1e6, (unsigned long long)s->nsnap);
  }
  /* the data first, the times last: /time/t never counts a snapshot whose data is missing */
  if (s->phi >= 0 && snap->phi) bad |= append(s->phi, s->cmem, s->nsnap, s->dim, s->spatial, snap->phi);
  if (!bad && s->theta >= 0 && snap->theta) {
    if (s->members > 1) {
      hsize_t mn[2] = {s->members, s->nosc};
      bad |= append(s->theta, H5T_NATIVE_DOUBLE, s->nsnap, 2, mn, snap->theta);
      if (!bad && snap->R_members) bad |= append(s->Rm, H5T_NATIVE_DOUBLE, s->nsnap, 1, &s->members, snap->R_members);
      if (!bad && snap->psi_members) bad |= append(s->psim, H5T_NATIVE_DOUBLE, s->nsnap, 1, &s->members, snap->psi_members);
    } else {
      bad |= append(s->theta, H5T_NATIVE_DOUBLE, s->nsnap, 1, &s->nosc, snap->theta);
    }
  }
  if (!bad && s->xdmf && snap->phi) {
    size_t np = 1;
    for (int a = 0; a < s->dim; a++) np *= s->spatial[a];
    double *buf = malloc(sizeof(double) * np);
    if (!buf) bad = 1;
    for (int q = 0; q < 2 && !bad; q++) {
      for (size_t i = 0; i < np; i++) {
        double re = snap->phi[2 * i], im = snap->phi[2 * i + 1];
        buf[i] = q == 0 ? hypot(re, im) : atan2(im, re);
      }
      bad |= append(q == 0 ? s->absd : s->argd, H5T_NATIVE_DOUBLE, s->nsnap, s->dim, s->spatial, buf);
    }
    free(buf);
  }
  if (!bad) bad |= append(s->step, H5T_NATIVE_INT64, s->nsnap, 0, NULL, &snap->step);
  if (!bad) bad |= append(s->t, H5T_NATIVE_DOUBLE, s->nsnap, 0, NULL, &snap->t);
  if (bad || sink_flush(s) < 0) {
    s->broken = 1;
    return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "writing snapshot %llu at t = %g to %s failed (%s); the file keeps what was "
                      "written before", (unsigned long long)s->nsnap, snap->t, s->path, errno ? strerror(errno) : "disk full?");
  }
  if (s->nsnap + 1 > s->snap_cap) {
    size_t cap = s->snap_cap ? 2 * s->snap_cap : 64;
    double *nt = realloc(s->snap_times, sizeof(double) * cap);
    if (nt) { s->snap_times = nt; s->snap_cap = cap; }
  }
  if (s->snap_times && s->nsnap < s->snap_cap) s->snap_times[s->nsnap] = snap->t;
  s->nsnap++;
  s->last_snap_t = snap->t;
  write_xdmf(s);
  return NFCS_OK;
}

static int sink_metrics(void *self, const nfcs_metrics_sample *m) {
  h5sink *s = self;
  int bad = 0;
  if (m->t <= s->last_met_t + 1e-9 * (1 + fabs(m->t))) return NFCS_OK; /* already in the file (restart) */
  if (s->nmsamp % 64 == 0 && !room_for(s, 65536.0)) {
    s->broken = 1;
    return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "the disk of %s is full: no room for metrics at t = %g; the file keeps what "
                      "was written before", s->path, m->t);
  }
  if (s->mt < 0) {
    hid_t g = make_group(s->file, "/metrics");
    if (g >= 0) H5Gclose(g);
    s->mt = make_series(s->file, "/metrics/t", H5T_IEEE_F64LE, 0, NULL);
    bad |= s->mt < 0;
    if (s->mt >= 0 && H5DSis_scale(s->mt) <= 0) H5DSset_scale(s->mt, "metrics_t");
  }
  if (s->nmet == 0) {
    s->nmet = m->count < 32 ? m->count : 32;
    for (int i = 0; i < s->nmet; i++) {
      char name[128];
      snprintf(name, sizeof name, "/metrics/%s", m->names[i]);
      snprintf(s->mname[i], sizeof s->mname[i], "%s", m->names[i]);
      if (H5LTpath_valid(s->file, name, 1) > 0) {
        s->mser[i] = H5Dopen2(s->file, name, H5P_DEFAULT);
        series_truncate(s->mser[i], s->nmsamp);
      } else {
        s->mser[i] = make_series(s->file, name, H5T_IEEE_F64LE, 0, NULL);
        attach(s->file, s->mser[i], "/metrics/t", 0);
      }
      bad |= s->mser[i] < 0;
    }
  }
  bad |= append(s->mt, H5T_NATIVE_DOUBLE, s->nmsamp, 0, NULL, &m->t);
  for (int i = 0; i < s->nmet && i < m->count; i++) bad |= append(s->mser[i], H5T_NATIVE_DOUBLE, s->nmsamp, 0, NULL, &m->values[i]);
  if (!bad && wall_now() - s->last_flush > 1.0) bad |= sink_flush(s) < 0;
  if (bad) {
    s->broken = 1;
    return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "writing metrics at t = %g to %s failed (%s); the file keeps what was written "
                      "before", m->t, s->path, errno ? strerror(errno) : "disk full?");
  }
  s->nmsamp++;
  s->last_met_t = m->t;
  return NFCS_OK;
}

/* ---------------------------------------------------------------- checkpoints */

static int write_state_file(h5sink *s, const char *path, const nfcs_bundle *b, double t) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) return -1;
  int bad = 0;
  bad |= nfcs_h5_write_text_attr(f, "software", "nfcs");
  bad |= nfcs_h5_write_text_attr(f, "software_version", NFCS_VERSION);
  bad |= nfcs_h5_write_text_attr(f, "format", "nfcs-checkpoint-1");
  bad |= attr_num(f, "t", H5T_NATIVE_DOUBLE, &t);
  hid_t g = make_group(f, "/config");
  bad |= nfcs_h5_write_text(g, "effective_yaml", s->yaml ? s->yaml : "");
  if (s->model_text) bad |= nfcs_h5_write_text(g, "model", s->model_text);
  H5Gclose(g);
  if (s->model_hash[0]) bad |= nfcs_h5_write_text_attr(f, "model_hash", s->model_hash);
  g = make_group(f, "/state");
  for (int i = 0; i < b->n && !bad; i++) {
    const nfcs_bundle_entry *e = &b->e[i];
    char name[128];
    snprintf(name, sizeof name, "%s", e->name);
    for (char *c = name; *c; c++) if (*c == '/') *c = '.';
    hsize_t n = e->count;
    hid_t ft = e->kind == NFCS_BK_I64 ? H5T_STD_I64LE : (e->kind == NFCS_BK_REAL && NFCS_SINGLE) ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    hid_t mt = e->kind == NFCS_BK_I64 ? H5T_NATIVE_INT64 : e->kind == NFCS_BK_REAL ? H5_REAL : H5T_NATIVE_DOUBLE;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(g, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= d < 0 || H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, b->arena + e->offset) < 0;
    int64_t kind = e->kind;
    if (d >= 0) {
      bad |= attr_num(d, "kind", H5T_NATIVE_INT64, &kind);
      H5Dclose(d);
    }
    H5Sclose(sp);
  }
  H5Gclose(g);
  if (H5Fclose(f) < 0) bad = 1;
  return bad ? -1 : 0;
}

static int sink_checkpoint(void *self, const nfcs_bundle *b, double t) {
  h5sink *s = self;
  if (!s->ckpt_path[0]) return NFCS_OK;
  char tmp[NFCS_PATH_MAX + 64];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", s->ckpt_path, (long)getpid());
  {
    h5sink probe = *s;
    snprintf(probe.path, sizeof probe.path, "%s", s->ckpt_path);
    if (!room_for(&probe, (double)b->used))
      return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "the disk of %s is full: no room for the checkpoint at t = %g (%.3g MB); "
                        "the last checkpoint is kept", s->ckpt_path, t, (double)b->used / 1e6);
  }
  if (write_state_file(s, tmp, b, t) != 0) {
    unlink(tmp);
    return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "writing the checkpoint %s at t = %g failed (disk full or not writable?)", s->ckpt_path, t);
  }
  /* durable before it replaces the last one */
  int fd = open(tmp, O_RDONLY);
  if (fd >= 0) { fsync(fd); close(fd); }
  if (rename(tmp, s->ckpt_path) != 0) {
    unlink(tmp);
    return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "cannot put the checkpoint in place at %s: %s", s->ckpt_path, strerror(errno));
  }
  return NFCS_OK;
}

static int sink_timing(void *self, const float *ms, int64_t n, const nfcs_tick_stats *st) {
  h5sink *s = self;
  if (s->file < 0) return NFCS_OK;
  int bad = 0;
  hid_t g = H5LTpath_valid(s->file, "/coordinator", 1) > 0 ? H5Gopen2(s->file, "/coordinator", H5P_DEFAULT)
                                                             : make_group(s->file, "/coordinator");
  hsize_t hn = (hsize_t)n;
  hid_t sp = H5Screate_simple(1, &hn, NULL);
  hid_t d = H5Dcreate2(g, "tick_ms", H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bad |= d < 0 || (n > 0 && H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, ms) < 0);
  if (d >= 0) H5Dclose(d);
  H5Sclose(sp);
  bad |= attr_num(g, "rate_hz", H5T_NATIVE_DOUBLE, &st->rate_hz);
  bad |= attr_num(g, "achieved_rate_hz", H5T_NATIVE_DOUBLE, &st->achieved_rate_hz);
  bad |= attr_num(g, "tick_ms_p50", H5T_NATIVE_DOUBLE, &st->p50);
  bad |= attr_num(g, "tick_ms_p95", H5T_NATIVE_DOUBLE, &st->p95);
  bad |= attr_num(g, "tick_ms_p99", H5T_NATIVE_DOUBLE, &st->p99);
  bad |= attr_num(g, "tick_ms_max", H5T_NATIVE_DOUBLE, &st->max);
  bad |= attr_num(g, "overruns", H5T_NATIVE_INT64, &st->overruns);
  bad |= attr_num(g, "ticks", H5T_NATIVE_INT64, &st->ticks);
  int64_t rt = st->realtime;
  bad |= attr_num(g, "realtime", H5T_NATIVE_INT64, &rt);
  H5Gclose(g);
  if (bad || sink_flush(s) < 0) {
    s->broken = 1;
    return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "writing the coordinator timing to %s failed", s->path);
  }
  return NFCS_OK;
}

static int sink_close(void *self, int status) {
  h5sink *s = self;
  int rc = NFCS_OK;
  if (s->broken) {
    /* a write failed (disk full): closing would flush metadata that points at data the disk did
     * not take.  Leave the file as it was at its last flush, which is consistent. */
    s->file = -1;
    return NFCS_ERR_IO;
  }
  if (s->file >= 0) {
    int64_t st = status;
    if (H5Aexists(s->file, "exit_status") > 0) H5Adelete(s->file, "exit_status");
    if (attr_num(s->file, "exit_status", H5T_NATIVE_INT64, &st)) rc = NFCS_ERR_IO;
  }
  hid_t *ids[] = {&s->phi, &s->t, &s->step, &s->theta, &s->mt, &s->absd, &s->argd, &s->Rm, &s->psim};
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
  h5sink *s = *self;
  if (s->file >= 0) sink_close(s, NFCS_ERR_SOFTWARE);
  if (s->cmem >= 0) H5Tclose(s->cmem);
  free(s->yaml);
  free(s->model_text);
  free(s->snap_times);
  free(*self);
  *self = NULL;
}

static const nfcs_sink_ops H5_OPS = {
  .open = sink_open,
  .snapshot = sink_snapshot,
  .metrics = sink_metrics,
  .checkpoint = sink_checkpoint,
  .timing = sink_timing,
  .close = sink_close,
  .destroy = sink_destroy,
};

void nfcs_io_init(void) {
  /* files are closed explicitly; a file abandoned after a failed write must not be flushed by
   * the library's exit handler */
  H5dont_atexit();
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

int nfcs_h5_sink_create(nfcs_ctx *ctx, const char *path, nfcs_sink *sink) {
  h5sink *s = calloc(1, sizeof *s);
  if (!s) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  s->ctx = ctx;
  snprintf(s->path, sizeof s->path, "%s", path);
  s->file = s->phi = s->t = s->step = s->cmem = s->theta = s->mt = s->absd = s->argd = s->Rm = s->psim = -1;
  sink->ops = &H5_OPS;
  sink->self = s;
  return NFCS_OK;
}
