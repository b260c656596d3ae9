/* The HDF5 sink (docs/file-format.md): it writes whatever datasets the modules describe — static
 * ones when the file opens, time series extended one snapshot (or metrics sample) at a time —,
 * the metric series by name, the coordinator's timing and checkpoints.  Complex data is the
 * compound {r, i} that h5py reads as complex.  The file is flushed after every snapshot, so it is
 * readable during the run and after a crash.  Nothing here knows a module: no field is named. */
#include <errno.h>
#include <dirent.h>
#include <signal.h>
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
#include "nfcs_internal.h"
#include "nfcs_io.h"
#include "nfcs_procs.h"
#include "nfcs_run.h"
#include "nfcs_h5_text.h"

#if NFCS_SINGLE
#define H5_REAL H5T_NATIVE_FLOAT
#else
#define H5_REAL H5T_NATIVE_DOUBLE
#endif

#define TIME_SNAPSHOTS "/time/t"
#define TIME_SAMPLES "/metrics/t"

/* one described dataset in the file */
typedef struct h5set {
  const nfcs_dataset *d;
  hid_t id;               /* its time series (-1: not open, or static) */
  hid_t abs_id, arg_id;   /* NFCS_DS_XDMF: |z| and arg z beside it */
  hsize_t rest[NFCS_MAX_RANK];
} h5set;

typedef struct h5sink {
  nfcs_ctx *ctx;
  char path[NFCS_PATH_MAX];
  hid_t file;
  hid_t t, step;        /* /time/t, /time/step */
  hid_t mt;             /* /metrics/t */
  hid_t mser[NFCS_MAX_METRICS]; /* /metrics/<name> */
  int nmet;
  int samples_open;     /* the per-sample datasets are open */
  hsize_t nmsamp;
  h5set set[NFCS_MAX_DATASETS];
  int nset;
  double last_snap_t, last_met_t, last_flush;
  char *yaml;           /* the effective config, for checkpoints */
  char *model_text;     /* the model (canonical text) and its hash, for checkpoints */
  char model_hash[72];
  char ckpt_path[NFCS_PATH_MAX + 16];
  int broken;           /* a write failed: the file is left as of its last flush */
  int precision32;      /* output.precision: float32 */
  int xdmf;             /* index of the dataset shown by the XDMF sidecar, or -1 */
  char xmf_path[NFCS_PATH_MAX + 8];
  char abs_path[128], arg_path[128];
  double *snap_times;   /* times of the snapshots in the file (for the XDMF sidecar) */
  size_t snap_cap;
  hid_t cmem;           /* memory compound type of complex data */
  hsize_t nsnap;
  hsize_t keep_snap, keep_met; /* a continued file: its entries up to the checkpoint (check_continuable) */
  /* under mpirun with parallel HDF5: every process has the file open (MPI-IO) and writes its own
   * blocks in collective writes; what is whole (times, metrics, coordinates, attributes) the first
   * process writes, the others taking part with nothing; files beside it are the first's */
  int par, rank;
  hid_t dxpl;
} h5sink;

/* Text in a file written by several processes: parallel HDF5 writes no variable-length data, so
 * the text datasets are fixed-length strings there (readers, h5py included, read both alike). */
static hid_t fixed_text_type(size_t n) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, n ? n : 1);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

/* the first process, or the only one: writes what is whole, and the files beside the output */
static int first(const h5sink *s) { return !s->par || s->rank == 0; }

/* the whole of dataset d (space sp) from the first process; under mpirun the others take part in
 * the collective write with nothing */
static int write_whole(const h5sink *s, hid_t d, hid_t memtype, hid_t sp, const void *data) {
  hid_t fs = H5Scopy(sp), ms = H5Scopy(sp);
  if (!first(s)) {
    H5Sselect_none(fs);
    H5Sselect_none(ms);
  }
  const int bad = H5Dwrite(d, memtype, ms, fs, s->dxpl, data) < 0;
  H5Sclose(fs);
  H5Sclose(ms);
  return bad;
}

/* a scalar text dataset (fixed-length under parallel HDF5, written by the first process) */
static int write_text(const h5sink *s, hid_t loc, const char *name, const char *text) {
  if (!s->par) return nfcs_h5_write_text(loc, name, text);
  hid_t t = fixed_text_type(strlen(text) + 1), sp = H5Screate(H5S_SCALAR);
  hid_t d = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int bad = d < 0 || write_whole(s, d, t, sp, text);
  if (d >= 0) H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(t);
  return bad;
}

/* a decision of the first process, on every process (they must all go the same way) */
static int first_says(const h5sink *s, int v) {
  if (s->par) nfcs_procs_broadcast(&v, sizeof v);
  return v;
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

/* link creation that makes the groups of a path as needed */
static hid_t path_lcpl(void) {
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  return lcpl;
}

/* an extendible dataset [0, rest...] chunked one entry at a time; fill_nan: entries never written
 * read as NaN (floating types) */
static hid_t make_series_filled(hid_t file, const char *name, hid_t ftype, int rank_rest, const hsize_t *rest, int fill_nan);
static hid_t make_series(hid_t file, const char *name, hid_t ftype, int rank_rest, const hsize_t *rest) {
  return make_series_filled(file, name, ftype, rank_rest, rest, 0);
}

static hid_t make_series_filled(hid_t file, const char *name, hid_t ftype, int rank_rest, const hsize_t *rest, int fill_nan) {
  hsize_t dims[NFCS_MAX_RANK + 1] = {0}, maxd[NFCS_MAX_RANK + 1] = {H5S_UNLIMITED}, chunk[NFCS_MAX_RANK + 1] = {1};
  for (int i = 0; i < rank_rest; i++) dims[i + 1] = maxd[i + 1] = chunk[i + 1] = rest[i];
  if (rank_rest == 0) chunk[0] = 1024;
  hid_t sp = H5Screate_simple(rank_rest + 1, dims, maxd);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, rank_rest + 1, chunk);
  if (fill_nan) {
    const double nan2[2] = {NAN, NAN};
    const H5T_class_t cls = H5Tget_class(ftype);
    if (cls == H5T_FLOAT) H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, nan2);
    if (cls == H5T_COMPOUND) {
      hid_t mem = nfcs_h5_complex_type(H5T_NATIVE_DOUBLE);
      H5Pset_fill_value(dcpl, mem, nan2);
      H5Tclose(mem);
    }
  }
  hid_t lcpl = path_lcpl();
  hid_t d = H5Dcreate2(file, name, ftype, sp, lcpl, dcpl, H5P_DEFAULT);
  H5Pclose(lcpl);
  H5Pclose(dcpl);
  H5Sclose(sp);
  return d;
}

/* Entry `index` of a series (lengths `rest` after the time axis): this process's block, from
 * `off` with lengths `cnt`, or nothing (mine = 0: under mpirun it still takes part in the
 * collective write). */
static int append_block(const h5sink *s, hid_t d, hid_t memtype, hsize_t index, int rank_rest, const hsize_t *rest,
                        const hsize_t *off, const hsize_t *cnt, int mine, const void *data) {
  hsize_t dims[NFCS_MAX_RANK + 1] = {index + 1}, start[NFCS_MAX_RANK + 1] = {index}, count[NFCS_MAX_RANK + 1] = {1};
  for (int i = 0; i < rank_rest; i++) { dims[i + 1] = rest[i]; start[i + 1] = off[i]; count[i + 1] = cnt[i]; }
  if (H5Dset_extent(d, dims) < 0) return -1;
  hid_t fs = H5Dget_space(d);
  hid_t ms = H5Screate_simple(rank_rest + 1, count, NULL);
  if (mine) {
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
  } else {
    H5Sselect_none(fs);
    H5Sselect_none(ms);
  }
  herr_t e = H5Dwrite(d, memtype, ms, fs, s->dxpl, data);
  H5Sclose(ms);
  H5Sclose(fs);
  return e < 0 ? -1 : 0;
}

/* a whole entry: the first process writes it */
static int append(const h5sink *s, hid_t d, hid_t memtype, hsize_t index, int rank_rest, const hsize_t *rest, const void *data) {
  const hsize_t zero[NFCS_MAX_RANK] = {0};
  return append_block(s, d, memtype, index, rank_rest, rest, zero, rest, first(s), data);
}

/* an entry of a described dataset: this process's block of a split one (parallel), else whole */
static int append_set(const h5sink *s, const h5set *h, hid_t id, hid_t memtype, hsize_t index, const void *data) {
  if (!(s->par && (h->d->flags & NFCS_DS_SPLIT))) return append(s, id, memtype, index, h->d->rank, h->rest, data);
  hsize_t off[NFCS_MAX_RANK], cnt[NFCS_MAX_RANK];
  for (int a = 0; a < h->d->rank; a++) off[a] = (hsize_t)h->d->offset[a], cnt[a] = (hsize_t)h->d->extent[a];
  return append_block(s, id, memtype, index, h->d->rank, h->rest, off, cnt, 1, data);
}

/* File access: the metadata cache keeps every change in memory until the next flush (no
 * evictions), so the file on disk is always the state of the last flush — readable after a crash
 * or kill -9 with everything flushed before it intact. */
static hid_t crash_safe_fapl(const h5sink *s) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if NFCS_HDF5_PARALLEL
  if (s->par) {
    /* MPI-IO, every process; metadata read and written collectively */
    H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
    H5Pset_all_coll_metadata_ops(fapl, 1);
    H5Pset_coll_metadata_write(fapl, 1);
  }
#else
  (void)s;
#endif
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

static int sink_flush(h5sink *s) { /* collective under mpirun: every process flushes at the same calls */
  s->last_flush = wall_now();
  nfcs_critical_enter(); /* a second signal waits for the flush to end */
  const int rc = H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : 0;
  nfcs_critical_leave();
  return rc;
}

/* ---------------------------------------------------------------- durability

   What is renamed into place is synced first, and its folder after the rename (so that the new
   name survives a power cut); the file is synced when it is closed. */

static void fsync_path(const char *path) {
  const int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

static void fsync_folder_of(const char *path) {
  char dir[NFCS_PATH_MAX + 64];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash == dir) snprintf(dir, sizeof dir, "/");
  else if (slash) *slash = '\0';
  else snprintf(dir, sizeof dir, ".");
  const int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

/* Temporary files of `path` ("PATH.tmp.PID") left by a process that no longer runs (killed while
 * writing a checkpoint or the sidecar): removed. */
static void remove_stale_temporaries(const char *path) {
  if (!path[0]) return;
  char dir[NFCS_PATH_MAX + 64];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  const char *base = slash ? slash + 1 : path;
  if (slash == dir) snprintf(dir, sizeof dir, "/");
  else if (slash) *slash = '\0';
  else snprintf(dir, sizeof dir, ".");
  DIR *dp = opendir(dir);
  if (!dp) return;
  const size_t bl = strlen(base);
  struct dirent *e;
  while ((e = readdir(dp))) {
    if (strncmp(e->d_name, base, bl) || strncmp(e->d_name + bl, ".tmp.", 5)) continue;
    char *end;
    const long pid = strtol(e->d_name + bl + 5, &end, 10);
    if (*end || pid <= 0) continue;
    if (pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) continue; /* its writer still runs */
    char full[2 * NFCS_PATH_MAX + 64];
    snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
    unlink(full);
  }
  closedir(dp);
}

static void series_truncate(hid_t d, hsize_t n) {
  hid_t sp = H5Dget_space(d);
  hsize_t dims[NFCS_MAX_RANK + 1] = {0};
  int r = H5Sget_simple_extent_dims(sp, dims, NULL);
  H5Sclose(sp);
  if (r > 0 && dims[0] > n) {
    dims[0] = n;
    H5Dset_extent(d, dims);
  }
}

/* ---------------------------------------------------------------- types of a described dataset */

/* its type in the file (the caller closes it) */
static hid_t file_type(const h5sink *s, const nfcs_dataset *d) {
  const hid_t freal = (d->flags & NFCS_DS_OUT_PRECISION) && s->precision32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  switch (d->elem) {
  case NFCS_ELEM_F64: return H5Tcopy(freal);
  case NFCS_ELEM_I64: return H5Tcopy(H5T_STD_I64LE);
  case NFCS_ELEM_COMPLEX: return nfcs_h5_complex_type(freal);
  case NFCS_ELEM_TEXT: return nfcs_h5_text_type();
  }
  return -1;
}

/* its type in memory (the caller closes it) */
static hid_t mem_type(const nfcs_dataset *d) {
  switch (d->elem) {
  case NFCS_ELEM_F64: return H5Tcopy(H5T_NATIVE_DOUBLE);
  case NFCS_ELEM_I64: return H5Tcopy(H5T_NATIVE_INT64);
  case NFCS_ELEM_COMPLEX: return nfcs_h5_complex_type(H5_REAL);
  case NFCS_ELEM_TEXT: return nfcs_h5_text_type();
  }
  return -1;
}

static int is_series(const nfcs_dataset *d) { return d->cadence != NFCS_STATIC; }
static const char *time_axis(const nfcs_dataset *d) { return d->cadence == NFCS_PER_SAMPLE ? TIME_SAMPLES : TIME_SNAPSHOTS; }

static int write_attrs(hid_t obj, const nfcs_dataset *d) {
  int bad = 0;
  for (int a = 0; a < d->nattr; a++) {
    const nfcs_attr *at = &d->attr[a];
    if (H5Aexists(obj, at->name) > 0) continue; /* a continued file has them */
    if (at->elem == NFCS_ELEM_TEXT) bad |= nfcs_h5_write_text_attr(obj, at->name, at->text ? at->text : "");
    else if (at->elem == NFCS_ELEM_I64) bad |= attr_num(obj, at->name, H5T_NATIVE_INT64, &at->i);
    else bad |= attr_num(obj, at->name, H5T_NATIVE_DOUBLE, &at->f);
  }
  return bad;
}

/* ---------------------------------------------------------------- dimension scales, netCDF links */

/* dimension scales (netCDF-4 conventions): xarray / h5netcdf see named dimensions */
static void scale(hid_t file, const char *path, const char *name) {
  hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
  if (d < 0) return;
  if (H5DSis_scale(d) <= 0) H5DSset_scale(d, name);
  H5Dclose(d);
}

static void attach(hid_t file, hid_t dset, const char *scale_path, unsigned axis) {
  if (dset < 0 || !scale_path || H5LTpath_valid(file, scale_path, 1) <= 0) return;
  hid_t sc = H5Dopen2(file, scale_path, H5P_DEFAULT);
  if (H5DSis_attached(dset, sc, axis) <= 0) H5DSattach_scale(dset, sc, axis);
  H5Dclose(sc);
}

/* a dataset's axes: the time axis first for a series, then its own */
static void attach_axes(h5sink *s, const nfcs_dataset *d, hid_t id) {
  const unsigned first = is_series(d) ? 1 : 0;
  if (first) attach(s->file, id, time_axis(d), 0);
  for (int a = 0; a < d->rank; a++) attach(s->file, id, d->scale[a], first + (unsigned)a);
}

static void link_if(hid_t f, const char *src, const char *dst) {
  if (H5LTpath_valid(f, src, 1) > 0 && H5LTpath_valid(f, dst, 0) <= 0) H5Lcreate_hard(f, src, f, dst, H5P_DEFAULT, H5P_DEFAULT);
}

static const char *base_name(const char *path) {
  const char *b = strrchr(path, '/');
  return b ? b + 1 : path;
}

/* link `src` (a scale of a dataset in group `group`) into that group under its own name */
static void link_into(hid_t f, const char *group, const char *src) {
  char dst[256];
  snprintf(dst, sizeof dst, "%s/%s", group, base_name(src));
  link_if(f, src, dst);
}

/* netCDF-4 readers (h5netcdf, xarray) resolve a dimension only in the variable's group or its
 * ancestors: every scale a dataset uses (the time axis included) is also linked (a hard link: the
 * same dataset) into the dataset's group, and the datasets marked NFCS_DS_ROOT with their scales
 * at the root, so that xarray.open_dataset(path, engine="h5netcdf") gives phi(t, y, x) and
 * theta(t, oscillator) with their coordinates. */
static void netcdf_links(h5sink *s) {
  for (int i = 0; i < s->nset; i++) {
    const nfcs_dataset *d = s->set[i].d;
    if (d->flags & NFCS_DS_SCALE) continue;
    char group[256];
    snprintf(group, sizeof group, "%.*s", (int)(base_name(d->path) - 1 - d->path), d->path);
    const char *axes[NFCS_MAX_RANK + 1];
    int n = 0;
    if (is_series(d) && H5LTpath_valid(s->file, time_axis(d), 1) > 0) axes[n++] = time_axis(d);
    for (int a = 0; a < d->rank; a++)
      if (d->scale[a]) axes[n++] = d->scale[a];
    for (int a = 0; a < n; a++) {
      if (group[0]) link_into(s->file, group, axes[a]);
      if (d->flags & NFCS_DS_ROOT) link_into(s->file, "", axes[a]);
    }
    if (d->flags & NFCS_DS_ROOT) link_into(s->file, "", d->path);
  }
}

/* ---------------------------------------------------------------- the XDMF sidecar */

/* where the sidecar finds snapshot k of |z| (q = 0) or arg z (q = 1): xdmf_views */
static void xdmf_view_path(const h5sink *s, int q, hsize_t k, char *out, size_t len) {
  snprintf(out, len, "/xdmf/%s/%06llu", base_name(q == 0 ? s->abs_path : s->arg_path), (unsigned long long)k);
}

/* A temporal collection of uniform grids whose attributes are hyperslabs of the |z| and arg z
 * companions of the dataset shown (XDMF has no compound complex type).  Rewritten after each
 * snapshot through a temporary file and a rename. */
static void write_xdmf(h5sink *s) {
  if (s->xdmf < 0 || !s->xmf_path[0]) return;
  const nfcs_dataset *ds = s->set[s->xdmf].d;
  char tmp[NFCS_PATH_MAX + 32];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", s->xmf_path, (long)getpid());
  FILE *f = fopen(tmp, "w");
  if (!f) return;
  const char *base = base_name(s->path);
  const int dim = ds->rank, d = dim < 2 ? 2 : dim;
  char dims[96], orig[160], step[160];
  if (dim == 1) {
    snprintf(dims, sizeof dims, "1 %llu", (unsigned long long)ds->shape[0]);
    snprintf(orig, sizeof orig, "%.17g %.17g", 0.0, ds->origin[0]);
    snprintf(step, sizeof step, "%.17g %.17g", 1.0, ds->spacing[0]);
  } else if (dim == 2) {
    snprintf(dims, sizeof dims, "%llu %llu", (unsigned long long)ds->shape[0], (unsigned long long)ds->shape[1]);
    snprintf(orig, sizeof orig, "%.17g %.17g", ds->origin[0], ds->origin[1]);
    snprintf(step, sizeof step, "%.17g %.17g", ds->spacing[0], ds->spacing[1]);
  } else {
    snprintf(dims, sizeof dims, "%llu %llu %llu", (unsigned long long)ds->shape[0], (unsigned long long)ds->shape[1],
             (unsigned long long)ds->shape[2]);
    snprintf(orig, sizeof orig, "%.17g %.17g %.17g", ds->origin[0], ds->origin[1], ds->origin[2]);
    snprintf(step, sizeof step, "%.17g %.17g %.17g", ds->spacing[0], ds->spacing[1], ds->spacing[2]);
  }
  const char *name = base_name(ds->path);
  const int prec = s->precision32 ? 4 : 8;
  fprintf(f, "<?xml version=\"1.0\" ?>\n<!-- written by nfcs: |%s| and arg(%s) of %s as a time series -->\n", name, name, base);
  fprintf(f, "<Xdmf Version=\"3.0\">\n <Domain>\n  <Grid Name=\"%s\" GridType=\"Collection\" CollectionType=\"Temporal\">\n", name);
  for (hsize_t k = 0; k < s->nsnap; k++) {
    fprintf(f, "   <Grid Name=\"snapshot %llu\" GridType=\"Uniform\">\n    <Time Value=\"%.17g\"/>\n", (unsigned long long)k,
            s->snap_times ? s->snap_times[k] : 0.0);
    fprintf(f, "    <Topology TopologyType=\"%dDCoRectMesh\" Dimensions=\"%s\"/>\n", d, dims);
    fprintf(f, "    <Geometry GeometryType=\"%s\">\n", d == 2 ? "ORIGIN_DXDY" : "ORIGIN_DXDYDZ");
    fprintf(f, "     <DataItem Dimensions=\"%d\" Format=\"XML\">%s</DataItem>\n", d, orig);
    fprintf(f, "     <DataItem Dimensions=\"%d\" Format=\"XML\">%s</DataItem>\n    </Geometry>\n", d, step);
    const char *paths[2] = {s->abs_path, s->arg_path};
    for (int q = 0; q < 2; q++) {
      char view[NFCS_PATH_MAX + 64];
      xdmf_view_path(s, q, k, view, sizeof view);
      fprintf(f, "    <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Node\">\n", base_name(paths[q]));
      fprintf(f, "     <DataItem Dimensions=\"%s\" NumberType=\"Float\" Precision=\"%d\" Format=\"HDF\">%s:%s</DataItem>\n", dims, prec,
              base, view);
      fprintf(f, "    </Attribute>\n");
    }
    fprintf(f, "   </Grid>\n");
  }
  fprintf(f, "  </Grid>\n </Domain>\n</Xdmf>\n");
  nfcs_critical_enter();
  if (fclose(f) == 0 && rename(tmp, s->xmf_path) == 0) fsync_folder_of(s->xmf_path);
  else unlink(tmp);
  nfcs_critical_leave();
}

/* the dataset the sidecar shows (the first marked NFCS_DS_XDMF), its companions and the sidecar's path */
static void xdmf_setup(h5sink *s, const nfcs_params *p) {
  s->xdmf = -1;
  if (!p->output.xdmf) return;
  for (int i = 0; i < s->nset && s->xdmf < 0; i++)
    if ((s->set[i].d->flags & NFCS_DS_XDMF) && s->set[i].d->elem == NFCS_ELEM_COMPLEX && s->set[i].d->cadence == NFCS_PER_SNAPSHOT)
      s->xdmf = i;
  if (s->xdmf < 0) return;
  const char *path = s->set[s->xdmf].d->path, *b = base_name(path);
  snprintf(s->abs_path, sizeof s->abs_path, "%.*sabs_%s", (int)(b - path), path, b);
  snprintf(s->arg_path, sizeof s->arg_path, "%.*sarg_%s", (int)(b - path), path, b);
  nfcs_sidecar_path(p, s->xmf_path, sizeof s->xmf_path);
}

/* ---------------------------------------------------------------- the layout */

static void bind_sets(h5sink *s, const nfcs_run_info *info) {
  s->nset = info->ndatasets < NFCS_MAX_DATASETS ? info->ndatasets : NFCS_MAX_DATASETS;
  for (int i = 0; i < s->nset; i++) {
    h5set *h = &s->set[i];
    h->d = &info->datasets[i];
    h->id = h->abs_id = h->arg_id = -1;
    for (int a = 0; a < h->d->rank; a++) h->rest[a] = (hsize_t)h->d->shape[a]; /* the whole; a process's block: offset, extent */
  }
  s->precision32 = info->params->output.precision == NFCS_PREC_FLOAT32;
}

/* a static dataset with its values */
static int write_static(h5sink *s, const nfcs_dataset *d) {
  hsize_t dims[NFCS_MAX_RANK];
  for (int a = 0; a < d->rank; a++) dims[a] = (hsize_t)d->shape[a];
  hid_t ft = file_type(s, d), mt = mem_type(d);
  const void *values = d->data;
  char *packed = NULL;
  if (s->par && d->elem == NFCS_ELEM_TEXT && d->data) {
    /* fixed-length strings (parallel HDF5 writes no variable-length data) */
    size_t count = 1, len = 1;
    for (int a = 0; a < d->rank; a++) count *= (size_t)d->shape[a];
    const char *const *txt = d->data;
    for (size_t i = 0; i < count; i++) if (txt[i] && strlen(txt[i]) + 1 > len) len = strlen(txt[i]) + 1;
    packed = calloc(count ? count : 1, len);
    if (!packed) { H5Tclose(ft); H5Tclose(mt); return 1; }
    for (size_t i = 0; i < count; i++) if (txt[i]) memcpy(packed + i * len, txt[i], strlen(txt[i]));
    H5Tclose(ft);
    H5Tclose(mt);
    ft = fixed_text_type(len);
    mt = fixed_text_type(len);
    values = packed;
  }
  hid_t sp = H5Screate_simple(d->rank, dims, NULL), lcpl = path_lcpl();
  hid_t id = H5Dcreate2(s->file, d->path, ft, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  int bad = id < 0 || (d->data && write_whole(s, id, mt, sp, values));
  if (id >= 0) {
    bad |= write_attrs(id, d);
    H5Dclose(id);
  }
  H5Pclose(lcpl);
  H5Sclose(sp);
  H5Tclose(mt);
  H5Tclose(ft);
  free(packed);
  if (!bad && (d->flags & NFCS_DS_SCALE)) scale(s->file, d->path, d->scale_name ? d->scale_name : base_name(d->path));
  return bad;
}

/* a time series: created (new file) or opened and cut to `keep` entries (a continued one).  A
 * series the continued file lacks (a module added since, e.g. an observer) is created with its
 * first `keep` entries NaN.  *created: whether it was made now (its axes are then to attach). */
static int open_series(h5sink *s, h5set *h, int create, hsize_t keep, int *created) {
  const nfcs_dataset *d = h->d;
  const int late = !create && H5LTpath_valid(s->file, d->path, 1) <= 0;
  *created = create || late;
  if (*created) {
    hid_t ft = file_type(s, d);
    h->id = make_series_filled(s->file, d->path, ft, d->rank, h->rest, late);
    H5Tclose(ft);
    if (h->id < 0) return 1;
    write_attrs(h->id, d);
    if (late && keep) {
      hsize_t dims[NFCS_MAX_RANK + 1] = {keep};
      for (int a = 0; a < d->rank; a++) dims[a + 1] = h->rest[a];
      if (H5Dset_extent(h->id, dims) < 0) return 1;
    }
  } else {
    h->id = H5Dopen2(s->file, d->path, H5P_DEFAULT);
    if (h->id < 0) return 1;
    series_truncate(h->id, keep);
  }
  if (s->xdmf >= 0 && h == &s->set[s->xdmf]) {
    const hid_t freal = s->precision32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    const char *paths[2] = {s->abs_path, s->arg_path};
    hid_t *ids[2] = {&h->abs_id, &h->arg_id};
    for (int q = 0; q < 2; q++) {
      if (create || H5LTpath_valid(s->file, paths[q], 1) <= 0) *ids[q] = make_series(s->file, paths[q], freal, d->rank, h->rest);
      else *ids[q] = H5Dopen2(s->file, paths[q], H5P_DEFAULT);
      if (*ids[q] < 0) return 1;
      series_truncate(*ids[q], keep);
    }
  }
  return 0;
}

/* the per-sample datasets, at the first sample (after /metrics/t) */
static int open_samples(h5sink *s, int create_all) {
  int bad = 0;
  for (int i = 0; i < s->nset && !bad; i++) {
    h5set *h = &s->set[i];
    if (h->d->cadence != NFCS_PER_SAMPLE) continue;
    int created;
    bad |= open_series(s, h, create_all, s->nmsamp, &created);
    if (!bad && created) attach_axes(s, h->d, h->id);
  }
  s->samples_open = 1;
  return bad;
}

/* ---------------------------------------------------------------- continuing a file

   A file is continued only when everything that will be opened for writing in it was checked,
   read-only, first: it is a file of nfcs of the same model, its time axes are finite and in order,
   and every series the run appends to has the rank, lengths, type and extendible first axis it
   writes, with at least the entries it keeps.  Otherwise it is not touched (65). */

/* a time series of the file: a dataset of rank 1 + rank_rest, lengths `rest` after the first,
 * type class cls, first axis extendible, at least `keep` entries; absent: *present = 0 */
static int check_series(hid_t f, const char *path, int rank_rest, const hsize_t *rest, H5T_class_t cls, hsize_t keep, int *present,
                        char *why, size_t wl) {
  *present = 0;
  if (H5LTpath_valid(f, path, 1) <= 0) return 0;
  hid_t d = nfcs_h5_open_dataset(f, path);
  if (d < 0) return snprintf(why, wl, "%s is not a dataset", path), -1;
  *present = 1;
  hid_t sp = H5Dget_space(d), ty = H5Dget_type(d);
  int rank = 0, rc = -1;
  uint64_t count;
  hsize_t dims[NFCS_MAX_RANK + 1], maxd[H5S_MAX_RANK];
  char w[200];
  if (sp < 0 || ty < 0 || nfcs_h5_extent(sp, NFCS_MAX_RANK + 1, &rank, dims, &count, w, sizeof w))
    snprintf(why, wl, "%s: %s", path, sp < 0 || ty < 0 ? "cannot be read" : w);
  else if (rank != rank_rest + 1)
    snprintf(why, wl, "%s has %d axes, this run writes %d", path, rank, rank_rest + 1);
  else if (H5Tget_class(ty) != cls)
    snprintf(why, wl, "%s holds another type than this run writes", path);
  else if (H5Sget_simple_extent_dims(sp, NULL, maxd) != rank || maxd[0] != H5S_UNLIMITED)
    snprintf(why, wl, "%s cannot grow", path);
  else if (dims[0] < keep)
    snprintf(why, wl, "%s has %llu entries, fewer than the %llu up to the checkpoint", path, (unsigned long long)dims[0],
             (unsigned long long)keep);
  else {
    rc = 0;
    for (int a = 0; a < rank_rest && !rc; a++)
      if (dims[a + 1] != rest[a]) {
        snprintf(why, wl, "%s has length %llu on axis %d, this run writes %llu", path, (unsigned long long)dims[a + 1], a + 1,
                 (unsigned long long)rest[a]);
        rc = -1;
      }
  }
  if (ty >= 0) H5Tclose(ty);
  if (sp >= 0) H5Sclose(sp);
  H5Dclose(d);
  return rc;
}

/* a time axis (/time/t, /metrics/t): finite, in order; *keep = its entries with t <= t0 */
static int check_time_axis(hid_t f, const char *path, double t0, hsize_t *keep, int *present, char *why, size_t wl) {
  *keep = 0;
  NFCS_CHECK(check_series(f, path, 0, NULL, H5T_FLOAT, 0, present, why, wl) ? -1 : 0);
  if (!*present) return 0;
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  hid_t sp = H5Dget_space(d);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(sp, &n, NULL);
  H5Sclose(sp);
  size_t bytes;
  double *t = NULL;
  int rc = -1;
  if (nfcs_h5_bytes(n, sizeof(double), &bytes, why, wl) == 0 && (t = malloc(bytes ? bytes : 8)) != NULL &&
      (n == 0 || H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) >= 0)) {
    rc = 0;
    for (hsize_t i = 0; i < n && !rc; i++)
      if (!isfinite(t[i]) || (i && t[i] < t[i - 1])) {
        snprintf(why, wl, "%s: entry %llu (%g) is not a finite time after the one before", path, (unsigned long long)i, t[i]);
        rc = -1;
      }
    while (*keep < n && t[*keep] <= t0 + 1e-9 * (1 + fabs(t0))) (*keep)++;
  } else if (!why[0]) {
    snprintf(why, wl, "%s cannot be read", path);
  }
  free(t);
  H5Dclose(d);
  return rc;
}

static H5T_class_t elem_class(nfcs_elem e) {
  return e == NFCS_ELEM_I64 ? H5T_INTEGER : e == NFCS_ELEM_COMPLEX ? H5T_COMPOUND : e == NFCS_ELEM_TEXT ? H5T_STRING : H5T_FLOAT;
}

static int check_continuable_here(h5sink *s, const nfcs_run_info *info, char *why, size_t wl);

typedef struct continuable_args {
  h5sink *s;
  const nfcs_run_info *info;
} continuable_args;

static int continuable_run(void *arg) {
  continuable_args *a = arg;
  char why[512];
  return check_continuable_here(a->s, a->info, why, sizeof why);
}

/* the check, first in the guard's child (the HDF5 library may crash on a crafted file) */
static int check_continuable(h5sink *s, const nfcs_run_info *info, char *why, size_t wl) {
  continuable_args a = {s, info};
  if (nfcs_h5_guarded(continuable_run, &a, why, wl)) return -1;
  return check_continuable_here(s, info, why, wl);
}

static int check_continuable_here(h5sink *s, const nfcs_run_info *info, char *why, size_t wl) {
  why[0] = '\0';
  hid_t f = H5Fopen(s->path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return snprintf(why, wl, "it is not an HDF5 file"), -1;
  char sw[16] = "", theirs[72] = "";
  nfcs_h5_read_attr_text(f, "software", sw, sizeof sw);
  nfcs_h5_read_attr_text(f, "model_hash", theirs, sizeof theirs);
  int rc = -1, present;
  hsize_t nsnap = 0, nmet = 0;
  if (strcmp(sw, "nfcs") != 0) snprintf(why, wl, "it was not written by nfcs");
  else if (!theirs[0]) snprintf(why, wl, "it records no model_hash (written by an nfcs without model hashes)");
  else if (s->model_hash[0] && strcmp(theirs, s->model_hash) != 0)
    snprintf(why, wl, "it belongs to another model (model_hash %.16s..., this run %.16s...)", theirs, s->model_hash);
  else if (check_time_axis(f, TIME_SNAPSHOTS, info->resume_t, &nsnap, &present, why, wl) == 0 && !present)
    snprintf(why, wl, "it has no %s", TIME_SNAPSHOTS);
  else if (!why[0] && check_series(f, "/time/step", 0, NULL, H5T_INTEGER, nsnap, &present, why, wl) == 0 && !present)
    snprintf(why, wl, "it has no /time/step");
  else if (!why[0] && check_time_axis(f, TIME_SAMPLES, info->resume_t, &nmet, &present, why, wl) == 0)
    rc = 0;
  s->keep_snap = nsnap;
  s->keep_met = nmet;
  /* every series this run appends to */
  for (int i = 0; i < s->nset && !rc; i++) {
    const h5set *h = &s->set[i];
    if (h->d->cadence == NFCS_STATIC) continue;
    const hsize_t keep = h->d->cadence == NFCS_PER_SNAPSHOT ? nsnap : nmet;
    rc = check_series(f, h->d->path, h->d->rank, h->rest, elem_class(h->d->elem), keep, &present, why, wl);
    if (!rc && s->xdmf == i)
      for (int q = 0; q < 2 && !rc; q++)
        rc = check_series(f, q ? s->arg_path : s->abs_path, h->d->rank, h->rest, H5T_FLOAT, keep, &present, why, wl);
  }
  /* the metric series: each a series of samples */
  if (!rc && H5LTpath_valid(f, "/metrics", 1) > 0) {
    hid_t g = nfcs_h5_links_inside(f, "/metrics") ? H5Gopen2(f, "/metrics", H5P_DEFAULT) : -1;
    H5G_info_t gi;
    if (g < 0 || H5Gget_info(g, &gi) < 0 || gi.nlinks > 4 * NFCS_MAX_METRICS) {
      snprintf(why, wl, "/metrics is not a group of metric series");
      rc = -1;
    }
    for (hsize_t i = 0; !rc && i < gi.nlinks; i++) {
      char name[160] = "/metrics/";
      const ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name + 9, sizeof name - 9, H5P_DEFAULT);
      if (len < 0 || (size_t)len >= sizeof name - 9) {
        snprintf(why, wl, "/metrics holds a name that is too long");
        rc = -1;
      } else if (strcmp(name, TIME_SAMPLES) != 0) {
        rc = check_series(f, name, 0, NULL, H5T_FLOAT, nmet, &present, why, wl);
      }
    }
    if (g >= 0) H5Gclose(g);
  }
  H5Fclose(f);
  return rc;
}

static int sink_resume(h5sink *s, const nfcs_run_info *info) {
  hid_t fapl = crash_safe_fapl(s);
  s->file = H5Fopen(s->path, H5F_ACC_RDWR, fapl);
  H5Pclose(fapl);
  if (s->file < 0) return -1;
  s->t = H5Dopen2(s->file, TIME_SNAPSHOTS, H5P_DEFAULT);
  s->step = H5Dopen2(s->file, "/time/step", H5P_DEFAULT);
  if (s->t < 0 || s->step < 0) return -1;
  s->nsnap = s->keep_snap;
  series_truncate(s->t, s->nsnap);
  series_truncate(s->step, s->nsnap);
  if (s->nsnap) {
    s->snap_cap = s->nsnap + 64;
    s->snap_times = malloc(sizeof(double) * s->snap_cap);
    if (s->snap_times && H5Dread(s->t, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, s->snap_times) >= 0)
      s->last_snap_t = s->snap_times[s->nsnap - 1];
  }
  int late = 0;
  for (int i = 0; i < s->nset; i++) {
    h5set *h = &s->set[i];
    if (h->d->cadence != NFCS_PER_SNAPSHOT) continue;
    int created;
    if (open_series(s, h, 0, s->nsnap, &created)) return -1;
    if (created) attach_axes(s, h->d, h->id);
    late |= created;
  }
  if (late) netcdf_links(s);
  if (s->xdmf >= 0 && s->set[s->xdmf].abs_id < 0) s->xdmf = -1; /* a file written without the sidecar's data */
  if (H5LTpath_valid(s->file, TIME_SAMPLES, 1) > 0) {
    s->mt = H5Dopen2(s->file, TIME_SAMPLES, H5P_DEFAULT);
    s->nmsamp = s->keep_met;
    series_truncate(s->mt, s->nmsamp);
    s->last_met_t = -HUGE_VAL;
    if (s->nmsamp) {
      double *t = malloc(sizeof(double) * s->nmsamp);
      if (t && H5Dread(s->mt, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) >= 0) s->last_met_t = t[s->nmsamp - 1];
      free(t);
    }
    /* the metric series and the per-sample datasets are opened by name at the next sample */
  }
  if (H5LTpath_valid(s->file, "/coordinator", 1) > 0) H5Ldelete(s->file, "/coordinator", H5P_DEFAULT);
  if (H5Aexists(s->file, "exit_status") > 0) H5Adelete(s->file, "exit_status");
  nfcs_h5_write_text_attr(s->file, "restarted_from", info->checkpoint_path ? info->checkpoint_path : "");
  if (s->model_hash[0]) nfcs_h5_write_text_attr(s->file, "model_hash", s->model_hash);
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
  s->par = NFCS_HDF5_PARALLEL && info->collective && nfcs_procs_size() > 1;
  s->rank = nfcs_procs_rank();
  if (s->dxpl > 0 && s->dxpl != H5P_DEFAULT) H5Pclose(s->dxpl);
  s->dxpl = H5P_DEFAULT;
#if NFCS_HDF5_PARALLEL
  if (s->par) {
    s->dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(s->dxpl, H5FD_MPIO_COLLECTIVE);
  }
#endif
  bind_sets(s, info);
  xdmf_setup(s, p);
  if (first(s)) {
    remove_stale_temporaries(s->ckpt_path);
    remove_stale_temporaries(s->xmf_path);
  }
  if (s->cmem < 0) s->cmem = nfcs_h5_complex_type(H5_REAL);
  if (info->resume_t >= 0 && access(s->path, F_OK) == 0) {
    /* the file being continued: checked read-only, before anything is touched */
    char why[512];
    if (check_continuable(s, info, why, sizeof why))
      return NFCS_ERROR(s->ctx, NFCS_ERR_DATA, "cannot continue the output file %s: %s; nothing was changed in it", s->path, why);
    if (sink_resume(s, info) == 0) return NFCS_OK;
    return NFCS_ERROR(s->ctx, NFCS_ERR_CANTCREAT, "cannot continue the output file %s (not writable?)", s->path);
  }
  hid_t fapl = crash_safe_fapl(s);
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
  if (s->par) nfcs_procs_broadcast(&now, sizeof now); /* the same attribute on every process */
  struct tm tmv;
  gmtime_r(&now, &tmv);
  strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  bad |= nfcs_h5_write_text_attr(f, "software", "nfcs");
  bad |= nfcs_h5_write_text_attr(f, "software_version", NFCS_VERSION);
  bad |= nfcs_h5_write_text_attr(f, "created", created);
  bad |= nfcs_h5_write_text_attr(f, "command_line", info->command_line ? info->command_line : "");
  bad |= nfcs_h5_write_text_attr(f, "backend", info->backend);
  bad |= nfcs_h5_write_text_attr(f, "precision", s->precision32 ? "float32" : "float64");
  bad |= nfcs_h5_write_text_attr(f, "engine_precision", NFCS_SINGLE ? "single" : "double");
  int64_t th = info->threads;
  bad |= attr_num(f, "threads", H5T_NATIVE_INT64, &th);
  int64_t ranks = info->mpi_ranks > 0 ? info->mpi_ranks : 1;
  bad |= attr_num(f, "mpi_ranks", H5T_NATIVE_INT64, &ranks);
  if (s->model_hash[0]) bad |= nfcs_h5_write_text_attr(f, "model_hash", s->model_hash);

  hid_t g = make_group(f, "/config");
  bad |= write_text(s, g, "effective_yaml", info->effective_yaml);
  H5Gclose(g);

  /* the snapshots' time axis, then the static datasets (coordinates first: they are scales), then
   * the per-snapshot series with their axes */
  s->t = make_series(f, TIME_SNAPSHOTS, H5T_IEEE_F64LE, 0, NULL);
  s->step = make_series(f, "/time/step", H5T_STD_I64LE, 0, NULL);
  bad |= s->t < 0 || s->step < 0;
  scale(f, TIME_SNAPSHOTS, "t");
  attach(f, s->step, TIME_SNAPSHOTS, 0);
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < s->nset && !bad; i++) {
      const nfcs_dataset *d = s->set[i].d;
      if (d->cadence == NFCS_STATIC && !!(d->flags & NFCS_DS_SCALE) == (pass == 0)) bad |= write_static(s, d);
    }
  for (int i = 0; i < s->nset && !bad; i++) {
    h5set *h = &s->set[i];
    if (h->d->cadence == NFCS_STATIC) {
      hid_t id = H5Dopen2(f, h->d->path, H5P_DEFAULT);
      if (id >= 0) { attach_axes(s, h->d, id); H5Dclose(id); }
      continue;
    }
    if (h->d->cadence != NFCS_PER_SNAPSHOT) continue;
    int made;
    bad |= open_series(s, h, 1, 0, &made);
    if (!bad) {
      attach_axes(s, h->d, h->id);
      if (h->abs_id >= 0) attach_axes(s, h->d, h->abs_id);
      if (h->arg_id >= 0) attach_axes(s, h->d, h->arg_id);
    }
  }
  netcdf_links(s);
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
static int room_for(const char *path, double bytes) {
  char dir[NFCS_PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
  else snprintf(dir, sizeof dir, ".");
  struct statvfs v;
  if (statvfs(dir, &v) != 0) return 1;
  double avail = (double)v.f_bavail * (double)v.f_frsize;
  return avail >= 2.0 * bytes + (1 << 20);
}

/* The sidecar's view of snapshot k: |z| and arg z of that snapshot as datasets of their own
 * (/xdmf/abs_phi/000003), virtual datasets over slot k of the series, no data copied.  ParaView's
 * Xdmf3 readers read no hyperslab item (they take a sliced array for one of no type and skip it);
 * a plain dataset every XDMF reader reads. */

static int xdmf_views(h5sink *s, const h5set *h, hsize_t k) {
  const int rank = h->d->rank;
  hsize_t vdims[NFCS_MAX_RANK], sdims[NFCS_MAX_RANK + 1] = {k + 1}, start[NFCS_MAX_RANK + 1] = {k}, count[NFCS_MAX_RANK + 1] = {1};
  for (int a = 0; a < rank; a++) vdims[a] = sdims[a + 1] = count[a + 1] = h->rest[a];
  int bad = 0;
  for (int q = 0; q < 2 && !bad; q++) {
    char view[NFCS_PATH_MAX + 64];
    xdmf_view_path(s, q, k, view, sizeof view);
    if (H5LTpath_valid(s->file, view, 1) > 0) continue; /* a restart's earlier snapshot: the same slot */
    /* a line is shown as a 1 x nx mesh (XDMF has no 1D co-rectilinear one): its view is [1, nx] */
    const hid_t vspace = rank == 1 ? H5Screate_simple(2, count, NULL) : H5Screate_simple(rank, vdims, NULL), sspace = H5Screate_simple(rank + 1, sdims, NULL);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), lcpl = path_lcpl();
    bad = vspace < 0 || sspace < 0 || dcpl < 0 || H5Sselect_hyperslab(sspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
          H5Pset_virtual(dcpl, vspace, ".", q == 0 ? s->abs_path : s->arg_path, sspace) < 0;
    if (!bad) {
      const hid_t id = H5Dcreate2(s->file, view, s->precision32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, vspace, lcpl, dcpl, H5P_DEFAULT);
      bad = id < 0;
      if (id >= 0) H5Dclose(id);
    }
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(sspace);
    H5Sclose(vspace);
  }
  return bad;
}

/* append the data of every set of a cadence (NULL data: that set has none this time) */
static int append_sets(h5sink *s, nfcs_cadence cadence, hsize_t index, const void *const *data) {
  int bad = 0;
  for (int i = 0; i < s->nset && !bad; i++) {
    h5set *h = &s->set[i];
    if (h->d->cadence != cadence || h->id < 0 || !data[i]) continue;
    hid_t mt = mem_type(h->d);
    bad |= append_set(s, h, h->id, mt, index, data[i]);
    H5Tclose(mt);
    if (!bad && h->abs_id >= 0) {
      /* |z| and arg z for the sidecar */
      const size_t np = nfcs_dataset_bytes(h->d) / nfcs_elem_size(NFCS_ELEM_COMPLEX);
      const nfcs_real *z = data[i];
      double *buf = malloc(sizeof(double) * (np ? np : 1));
      if (!buf) return 1;
      for (int q = 0; q < 2 && !bad; q++) {
        for (size_t k = 0; k < np; k++) buf[k] = q == 0 ? hypot(z[2 * k], z[2 * k + 1]) : atan2(z[2 * k + 1], z[2 * k]);
        bad |= append_set(s, h, q == 0 ? h->abs_id : h->arg_id, H5T_NATIVE_DOUBLE, index, buf);
      }
      free(buf);
      if (!bad && s->xdmf >= 0 && h == &s->set[s->xdmf]) bad |= xdmf_views(s, h, index);
    }
  }
  return bad;
}

static int sink_snapshot(void *self, const nfcs_snapshot *snap) {
  h5sink *s = self;
  int bad = 0;
  if (snap->t <= s->last_snap_t + 1e-9 * (1 + fabs(snap->t))) return NFCS_OK; /* already in the file (restart) */
  double need = 4096.0;
  for (int i = 0; i < s->nset; i++)
    if (s->set[i].d->cadence == NFCS_PER_SNAPSHOT) need += (double)nfcs_dataset_bytes(s->set[i].d);
  if (!first_says(s, first(s) ? room_for(s->path, need) : 0)) {
    s->broken = 1;
    return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "the disk of %s is full: no room for snapshot %llu at t = %g (%.3g MB); "
                      "the file keeps the %llu snapshots written before", s->path, (unsigned long long)s->nsnap, snap->t,
                      need / 1e6, (unsigned long long)s->nsnap);
  }
  /* the data first, the times last: /time/t never counts a snapshot whose data is missing */
  bad |= append_sets(s, NFCS_PER_SNAPSHOT, s->nsnap, snap->data);
  if (!bad) bad |= append(s, s->step, H5T_NATIVE_INT64, s->nsnap, 0, NULL, &snap->step);
  if (!bad) bad |= append(s, s->t, H5T_NATIVE_DOUBLE, s->nsnap, 0, NULL, &snap->t);
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
  if (first(s)) write_xdmf(s);
  return NFCS_OK;
}

static int sink_metrics(void *self, const nfcs_metrics_sample *m) {
  h5sink *s = self;
  int bad = 0;
  if (m->t <= s->last_met_t + 1e-9 * (1 + fabs(m->t))) return NFCS_OK; /* already in the file (restart) */
  if (s->nmsamp % 64 == 0 && !first_says(s, first(s) ? room_for(s->path, 65536.0) : 0)) {
    s->broken = 1;
    return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "the disk of %s is full: no room for metrics at t = %g; the file keeps what "
                      "was written before", s->path, m->t);
  }
  int created = 0;
  if (s->mt < 0) {
    s->mt = make_series(s->file, TIME_SAMPLES, H5T_IEEE_F64LE, 0, NULL);
    bad |= s->mt < 0;
    if (s->mt >= 0 && H5DSis_scale(s->mt) <= 0) H5DSset_scale(s->mt, "metrics_t");
    created = 1;
  }
  if (s->nmet == 0) {
    s->nmet = m->count < NFCS_MAX_METRICS ? m->count : NFCS_MAX_METRICS;
    for (int i = 0; i < s->nmet; i++) {
      char name[128];
      snprintf(name, sizeof name, "%s/%s", "/metrics", m->names[i]);
      if (H5LTpath_valid(s->file, name, 1) > 0) {
        s->mser[i] = H5Dopen2(s->file, name, H5P_DEFAULT);
        series_truncate(s->mser[i], s->nmsamp);
      } else {
        s->mser[i] = make_series(s->file, name, H5T_IEEE_F64LE, 0, NULL);
        attach(s->file, s->mser[i], TIME_SAMPLES, 0);
      }
      bad |= s->mser[i] < 0;
    }
  }
  if (!s->samples_open) {
    bad |= open_samples(s, created);
    netcdf_links(s); /* the links of series made now (link_if keeps the others) */
  }
  if (!bad) bad |= append_sets(s, NFCS_PER_SAMPLE, s->nmsamp, m->data);
  bad |= append(s, s->mt, H5T_NATIVE_DOUBLE, s->nmsamp, 0, NULL, &m->t);
  for (int i = 0; i < s->nmet && i < m->count; i++) bad |= append(s, s->mser[i], H5T_NATIVE_DOUBLE, s->nmsamp, 0, NULL, &m->values[i]);
  if (!bad && first_says(s, wall_now() - s->last_flush > 1.0)) bad |= sink_flush(s) < 0;
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
  if (!s->ckpt_path[0] || !first(s)) return NFCS_OK; /* the first process holds the whole state and writes it */
  char tmp[NFCS_PATH_MAX + 64];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", s->ckpt_path, (long)getpid());
  {
    if (!room_for(s->ckpt_path, (double)b->used))
      return NFCS_ERROR(s->ctx, NFCS_ERR_IO, "the disk of %s is full: no room for the checkpoint at t = %g (%.3g MB); "
                        "the last checkpoint is kept", s->ckpt_path, t, (double)b->used / 1e6);
  }
  /* written, synced, renamed over the last one, the folder synced: a second signal waits for all of it */
  nfcs_critical_enter();
  int rc = NFCS_OK;
  if (write_state_file(s, tmp, b, t) != 0) {
    unlink(tmp);
    rc = NFCS_ERROR(s->ctx, NFCS_ERR_IO, "writing the checkpoint %s at t = %g failed (disk full or not writable?)", s->ckpt_path, t);
  } else {
    fsync_path(tmp); /* durable before it replaces the last one */
    if (rename(tmp, s->ckpt_path) != 0) {
      unlink(tmp);
      rc = NFCS_ERROR(s->ctx, NFCS_ERR_IO, "cannot put the checkpoint in place at %s: %s", s->ckpt_path, strerror(errno));
    } else {
      fsync_folder_of(s->ckpt_path);
    }
  }
  nfcs_critical_leave();
  return rc;
}

static int sink_timing(void *self, const float *ms_in, int64_t n, const nfcs_tick_stats *st_in) {
  h5sink *s = self;
  if (s->file < 0) return NFCS_OK;
  int bad = 0;
  /* the first process's timing (it paces the ticks), the same attributes on every process */
  nfcs_tick_stats stv = *st_in;
  const nfcs_tick_stats *st = &stv;
  const float *ms = ms_in;
  if (s->par) nfcs_procs_broadcast(&stv, sizeof stv);
  hid_t g = H5LTpath_valid(s->file, "/coordinator", 1) > 0 ? H5Gopen2(s->file, "/coordinator", H5P_DEFAULT)
                                                             : make_group(s->file, "/coordinator");
  hsize_t hn = (hsize_t)n;
  hid_t sp = H5Screate_simple(1, &hn, NULL);
  hid_t d = H5Dcreate2(g, "tick_ms", H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bad |= d < 0 || (n > 0 && write_whole(s, d, H5T_NATIVE_FLOAT, sp, ms));
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
  hid_t *ids[] = {&s->t, &s->step, &s->mt};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
    if (*ids[i] >= 0) { H5Dclose(*ids[i]); *ids[i] = -1; }
  for (int i = 0; i < s->nset; i++) {
    hid_t *set_ids[] = {&s->set[i].id, &s->set[i].abs_id, &s->set[i].arg_id};
    for (int k = 0; k < 3; k++)
      if (*set_ids[k] >= 0) { H5Dclose(*set_ids[k]); *set_ids[k] = -1; }
  }
  s->samples_open = 0;
  for (int i = 0; i < s->nmet; i++)
    if (s->mser[i] >= 0) { H5Dclose(s->mser[i]); s->mser[i] = -1; }
  s->nmet = 0;
  if (s->cmem >= 0) { H5Tclose(s->cmem); s->cmem = -1; }
  if (s->file >= 0) {
    nfcs_critical_enter();
    if (H5Fclose(s->file) < 0) rc = NFCS_ERROR(s->ctx, NFCS_ERR_IO, "closing %s failed", s->path);
    else if (first(s)) fsync_path(s->path), fsync_folder_of(s->path);
    nfcs_critical_leave();
    s->file = -1;
  }
  return rc;
}

static void sink_destroy(void **self) {
  if (!self || !*self) return;
  h5sink *s = *self;
  if (s->file >= 0) sink_close(s, NFCS_ERR_SOFTWARE);
  if (s->cmem >= 0) H5Tclose(s->cmem);
  if (s->dxpl > 0 && s->dxpl != H5P_DEFAULT) H5Pclose(s->dxpl);
  free(s->yaml);
  free(s->model_text);
  free(s->snap_times);
  free(*self);
  *self = NULL;
}

static const nfcs_sink_ops H5_OPS = {
  .collective = NFCS_HDF5_PARALLEL, /* parallel HDF5: every process writes its blocks into the one file */
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
  s->file = s->t = s->step = s->cmem = s->mt = -1;
  s->dxpl = H5P_DEFAULT;
  s->xdmf = -1;
  sink->ops = &H5_OPS;
  sink->self = s;
  return NFCS_OK;
}
