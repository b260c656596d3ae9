/* Reading input files (nfcs_input over HDF5): the arrays a config's modules name, with their
 * type, shape and values checked before any of it is used. */
#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_data.h"
#include "nfcs_internal.h"
#include "nfcs_io.h"
#include "nfcs_h5_text.h"

#if NFCS_SINGLE
#define H5_REAL H5T_NATIVE_FLOAT
#else
#define H5_REAL H5T_NATIVE_DOUBLE
#endif

static void shape_text(char *buf, size_t len, int rank, const int64_t *dims, const hsize_t *hdims) {
  size_t o = (size_t)snprintf(buf, len, "[");
  for (int i = 0; i < rank && o < len; i++) {
    if (hdims) o += (size_t)snprintf(buf + o, len - o, "%s%llu", i ? ", " : "", (unsigned long long)hdims[i]);
    else if (dims[i] < 0) o += (size_t)snprintf(buf + o, len - o, "%sM", i ? ", " : "");
    else o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? ", " : "", (long long)dims[i]);
  }
  if (o < len) snprintf(buf + o, len - o, "]");
}

/* is the type one read as `elem` can come from?  (a compound {r, i} of two numbers for complex,
 * integers for I64, integers or floats for F64) */
static const char *type_mismatch(hid_t ty, nfcs_elem elem) {
  const H5T_class_t cls = H5Tget_class(ty);
  if (elem == NFCS_ELEM_COMPLEX) {
    if (cls != H5T_COMPOUND || H5Tget_nmembers(ty) != 2) return "expected complex numbers (a compound {r, i}, as h5py writes), got another type";
    for (int m = 0; m < 2; m++) {
      const int idx = H5Tget_member_index(ty, m ? "i" : "r");
      const H5T_class_t mc = idx < 0 ? H5T_NO_CLASS : H5Tget_member_class(ty, (unsigned)idx);
      if (mc != H5T_FLOAT && mc != H5T_INTEGER) return "expected complex numbers (a compound {r, i} of two numbers), got another type";
    }
    return NULL;
  }
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) return "expected numbers, got another type";
  if (elem == NFCS_ELEM_I64 && cls != H5T_INTEGER) return "expected integers, got floating point";
  return NULL;
}

static int read_array(nfcs_ctx *ctx, hid_t f, const char *path, const char *d, nfcs_elem elem, int rank, const int64_t *shape,
                      const char *shape_of, int64_t row0, int64_t rows, nfcs_array *out) {
  hid_t ds = nfcs_h5_open_dataset(f, d);
  if (ds < 0 && (!nfcs_h5_links_inside(f, d) || H5Lexists(f, d, H5P_DEFAULT) <= 0 || H5LTpath_valid(f, d, 1) <= 0))
    return NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s has no dataset %s%s", path, d,
                      nfcs_h5_links_inside(f, d) ? "" : " in the file itself (links to other files are not followed)");
  if (ds < 0)
    return NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s is not a dataset whose data is in the file (external raw data and virtual "
                      "datasets are not read)", path, d);
  hid_t sp = H5Dget_space(ds), ty = H5Dget_type(ds), mt = -1;
  int rc = NFCS_OK;
  void *buf = NULL;
  hid_t ms = H5S_ALL, fs = H5S_ALL; /* memory and file selections (a block of rows) */
  char why[256];
  const char *bad_type = ty < 0 ? "its type cannot be read" : type_mismatch(ty, elem);
  if (bad_type) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: %s", path, d, bad_type);
    goto done;
  }
  /* the shape: the rank first, then the lengths, then what they multiply to */
  int r;
  uint64_t count;
  hsize_t hd[NFCS_MAX_RANK + 1] = {0};
  if (sp < 0 || nfcs_h5_extent(sp, NFCS_MAX_RANK + 1, &r, hd, &count, why, sizeof why)) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: %s", path, d, sp < 0 ? "its dataspace cannot be read" : why);
    goto done;
  }
  if (rank >= 0) {
    int ok = r == rank;
    for (int i = 0; i < rank && ok; i++) ok = shape[i] < 0 || hd[i] == (hsize_t)shape[i];
    if (!ok) {
      char want[96], got[96];
      shape_text(want, sizeof want, rank, shape, NULL);
      shape_text(got, sizeof got, r, NULL, hd);
      rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: expected shape %s%s%s, got %s", path, d, want, shape_of ? " for " : "",
                      shape_of ? shape_of : "", got);
      goto done;
    }
  }
  /* a block of rows of the first axis (a distributed run's part), within the checked shape */
  if (rows >= 0) {
    if (r < 1 || row0 < 0 || (hsize_t)(row0 + rows) > hd[0]) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "%s:%s: rows %lld..%lld outside the dataset", path, d, (long long)row0, (long long)(row0 + rows));
      goto done;
    }
    count = hd[0] ? count / hd[0] * (uint64_t)rows : 0;
    hsize_t start[NFCS_MAX_RANK + 1] = {(hsize_t)row0}, cnt[NFCS_MAX_RANK + 1];
    for (int i = 0; i < r; i++) cnt[i] = i ? hd[i] : (hsize_t)rows;
    hd[0] = (hsize_t)rows;
    fs = H5Scopy(sp);
    ms = H5Screate_simple(r, cnt, NULL);
    if (fs < 0 || ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, cnt, NULL) < 0) {
      if (fs >= 0) H5Sclose(fs);
      if (ms >= 0) H5Sclose(ms);
      rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: cannot select its rows", path, d);
      goto done;
    }
  }
  size_t bytes;
  if (nfcs_h5_bytes(count, nfcs_elem_size(elem), &bytes, why, sizeof why)) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: %s", path, d, why);
    goto done;
  }
  buf = malloc(bytes ? bytes : 1);
  if (!buf) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory reading %s:%s (%zu bytes)", path, d, bytes); goto done; }
  mt = elem == NFCS_ELEM_COMPLEX ? nfcs_h5_complex_type(H5_REAL) : H5Tcopy(elem == NFCS_ELEM_I64 ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE);
  {
    const int bad = count && !(nfcs_h5_preflight_child && bytes > NFCS_H5_PREFLIGHT_BYTES) && H5Dread(ds, mt, ms, fs, H5P_DEFAULT, buf) < 0;
    if (ms != H5S_ALL) H5Sclose(ms);
    if (fs != H5S_ALL) H5Sclose(fs);
    ms = fs = H5S_ALL;
    if (bad) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: cannot read the values (damaged, or stored in a way this HDF5 cannot read)", path, d);
      goto done;
    }
  }
  if (elem != NFCS_ELEM_I64) {
    const size_t nv = elem == NFCS_ELEM_COMPLEX ? 2 * (size_t)count : (size_t)count;
    for (size_t i = 0; i < nv; i++) {
      const double v = elem == NFCS_ELEM_COMPLEX ? (double)((const nfcs_real *)buf)[i] : ((const double *)buf)[i];
      if (!isfinite(v)) {
        rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: value %zu is not finite", path, d, elem == NFCS_ELEM_COMPLEX ? i / 2 : i);
        goto done;
      }
    }
  }
  out->elem = elem;
  out->rank = r;
  for (int i = 0; i < r; i++) out->dims[i] = (int64_t)hd[i];
  out->data = buf;
  buf = NULL;
done:
  if (ms != H5S_ALL) H5Sclose(ms);
  if (fs != H5S_ALL) H5Sclose(fs);
  free(buf);
  if (mt >= 0) H5Tclose(mt);
  if (ty >= 0) H5Tclose(ty);
  if (sp >= 0) H5Sclose(sp);
  H5Dclose(ds);
  return rc;
}

/* one read of h5_read, in this process or in the guard's child */
typedef struct input_read {
  nfcs_ctx *ctx;
  const char *path, *file_key, *dataset, *shape_of;
  nfcs_elem elem;
  int rank;
  const int64_t *shape;
  int64_t row0, rows; /* rows < 0: all */
  nfcs_array *out;
} input_read;

static int input_read_run(void *arg) {
  input_read *a = arg;
  hid_t f = H5Fopen(a->path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return NFCS_ERROR(a->ctx, NFCS_ERR_DATA, "%s: %s is not an HDF5 file", a->file_key, a->path);
  const int rc = read_array(a->ctx, f, a->path, a->dataset, a->elem, a->rank, a->shape, a->shape_of, a->row0, a->rows, a->out);
  H5Fclose(f);
  return rc;
}

static int h5_read_rows(void *self, nfcs_ctx *ctx, const nfcs_params *p, const char *file_key, const char *dataset, nfcs_elem elem,
                        int rank, const int64_t *shape, const char *shape_of, int64_t row0, int64_t rows, nfcs_array *out) {
  (void)self;
  memset(out, 0, sizeof *out);
  const nfcs_param_def *d = nfcs_param_find(file_key, NULL);
  if (!d || d->type != NFCS_PT_STRING) return NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "%s: not a key naming a file", file_key);
  const char *rel = (const char *)p + d->offset;
  if (!rel[0]) return NFCS_ERROR(ctx, NFCS_ERR_CONFIG, "%s: expected the HDF5 file holding %s", file_key, dataset);
  char path[NFCS_PATH_MAX * 2];
  nfcs_params_input_path(p, rel, path, sizeof path);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  FILE *probe = fopen(path, "rb");
  if (!probe) return NFCS_ERROR(ctx, NFCS_ERR_NOINPUT, "%s: cannot open %s: %s", file_key, path, strerror(errno));
  fclose(probe);
  input_read a = {ctx, path, file_key, dataset, shape_of, elem, rank, shape, row0, rows, out};
  char why[256];
  if (nfcs_h5_guarded(input_read_run, &a, why, sizeof why))
    return NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s: %s is damaged or crafted: %s; nothing of it was used (docs/trust.md)", file_key, path, why);
  return input_read_run(&a);
}

static int h5_read(void *self, nfcs_ctx *ctx, const nfcs_params *p, const char *file_key, const char *dataset, nfcs_elem elem,
                   int rank, const int64_t *shape, const char *shape_of, nfcs_array *out) {
  return h5_read_rows(self, ctx, p, file_key, dataset, elem, rank, shape, shape_of, 0, -1, out);
}

static const nfcs_input_ops H5_INPUT_OPS = {.read = h5_read, .read_rows = h5_read_rows};
static const nfcs_input H5_INPUT = {&H5_INPUT_OPS, NULL};

const nfcs_input *nfcs_h5_input(void) { return &H5_INPUT; }

/* ---------------------------------------------------------------- checkpoints */

#include "nfcs_bundle.h"

/* The state of a checkpoint is read in two passes over /state: the first checks every entry (a
 * dataset of one axis, a name that fits, a known kind, data actually stored in the file: so that
 * nothing is allocated for lengths a damaged or crafted file only claims) and adds up the bytes; the
 * second reads them into a bundle of exactly that size. */
#define CK_MAX_ENTRIES 1024

typedef struct ck_iter {
  nfcs_bundle *b;
  size_t bytes;
  int count, pass;
  char why[320];
} ck_iter;

static herr_t ck_visit(hid_t g, const char *name, const H5L_info_t *info, void *op) {
  ck_iter *it = op;
  if (it->why[0]) return 1;
  if (info->type != H5L_TYPE_HARD) {
    snprintf(it->why, sizeof it->why, "/state/%.64s is a link, not a dataset", name);
    return 1;
  }
  char key[sizeof it->b->e[0].name];
  if (strlen(name) >= sizeof key) {
    snprintf(it->why, sizeof it->why, "/state/%.64s...: a name longer than %zu characters", name, sizeof key - 1);
    return 1;
  }
  hid_t d = nfcs_h5_open_dataset(g, name);
  if (d < 0) {
    snprintf(it->why, sizeof it->why, "/state/%s is not a dataset", name);
    return 1;
  }
  hid_t sp = H5Dget_space(d), ty = H5Dget_type(d);
  int rank = 0;
  uint64_t n = 0;
  hsize_t dims[1];
  char why[200];
  int64_t kind = NFCS_BK_F64;
  size_t bytes = 0;
  if (sp < 0 || ty < 0 || nfcs_h5_extent(sp, 1, &rank, dims, &n, why, sizeof why)) {
    snprintf(it->why, sizeof it->why, "/state/%s: %s", name, sp < 0 || ty < 0 ? "cannot be read" : why);
  } else if (H5Tget_class(ty) != H5T_INTEGER && H5Tget_class(ty) != H5T_FLOAT) {
    snprintf(it->why, sizeof it->why, "/state/%s: expected numbers", name);
  } else if (H5Aexists(d, "kind") > 0) {
    char text[32];
    char *end = NULL;
    if (nfcs_h5_read_attr_text(d, "kind", text, sizeof text) == 0) kind = strtoll(text, &end, 10);
    if (!end || *end || kind < NFCS_BK_F64 || kind > NFCS_BK_REAL)
      snprintf(it->why, sizeof it->why, "/state/%s: attribute kind must be 0, 1 or 2", name);
  }
  if (!it->why[0] && nfcs_h5_bytes(n, nfcs_bundle_kind_size((int)kind), &bytes, why, sizeof why))
    snprintf(it->why, sizeof it->why, "/state/%s: %s", name, why);
  if (!it->why[0] && (hsize_t)H5Dget_storage_size(d) < (hsize_t)n * (hsize_t)H5Tget_size(ty))
    snprintf(it->why, sizeof it->why, "/state/%s: claims %llu values but the file stores fewer", name, (unsigned long long)n);
  if (!it->why[0] && it->pass == 0) {
    if (++it->count > CK_MAX_ENTRIES || __builtin_add_overflow(it->bytes, bytes + 64, &it->bytes))
      snprintf(it->why, sizeof it->why, "/state holds more entries than any model has");
  } else if (!it->why[0]) {
    snprintf(key, sizeof key, "%s", name);
    for (char *c = key; *c; c++) if (*c == '.') *c = '/';
    void *dst = nfcs_bundle_reserve(it->b, key, (int)kind, (size_t)n);
    hid_t mt = kind == NFCS_BK_I64 ? H5T_NATIVE_INT64 : kind == NFCS_BK_REAL ? (NFCS_SINGLE ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE)
                                                                              : H5T_NATIVE_DOUBLE;
    if (!dst) snprintf(it->why, sizeof it->why, "/state/%s: a second entry of that name", name);
    else if (n && !(nfcs_h5_preflight_child && bytes > NFCS_H5_PREFLIGHT_BYTES) && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst) < 0)
      snprintf(it->why, sizeof it->why, "/state/%s: cannot read its values", name);
  }
  if (ty >= 0) H5Tclose(ty);
  if (sp >= 0) H5Sclose(sp);
  H5Dclose(d);
  return it->why[0] ? 1 : 0;
}

static int read_checkpoint(nfcs_ctx *ctx, const char *path, nfcs_bundle *b, char **yaml, char **model_text, char model_hash[65]);

typedef struct ck_read {
  nfcs_ctx *ctx;
  const char *path;
} ck_read;

static int ck_read_run(void *arg) {
  ck_read *a = arg;
  nfcs_bundle b;
  char *yaml = NULL, *model = NULL, hash[65];
  const int rc = read_checkpoint(a->ctx, a->path, &b, &yaml, &model, hash);
  if (!rc) {
    nfcs_bundle_free(&b);
    free(yaml);
    free(model);
  }
  return rc;
}

int nfcs_h5_read_checkpoint(nfcs_ctx *ctx, const char *path, nfcs_bundle *b, char **yaml, char **model_text,
                            char model_hash[65]) {
  *yaml = NULL;
  *model_text = NULL;
  model_hash[0] = '\0';
  memset(b, 0, sizeof *b);
  FILE *probe = fopen(path, "rb");
  if (!probe) return NFCS_ERROR(ctx, NFCS_ERR_NOINPUT, "--restart: cannot open %s: %s", path, strerror(errno));
  fclose(probe);
  ck_read a = {ctx, path};
  char why[256];
  if (nfcs_h5_guarded(ck_read_run, &a, why, sizeof why))
    return NFCS_ERROR(ctx, NFCS_ERR_DATA, "--restart: %s is damaged or crafted: %s; nothing of it was used (docs/trust.md)", path, why);
  return read_checkpoint(ctx, path, b, yaml, model_text, model_hash);
}

static int read_checkpoint(nfcs_ctx *ctx, const char *path, nfcs_bundle *b, char **yaml, char **model_text,
                           char model_hash[65]) {
  /* the file exists and can be opened (checked by the caller) */
  *yaml = NULL;
  *model_text = NULL;
  model_hash[0] = '\0';
  memset(b, 0, sizeof *b);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return NFCS_ERROR(ctx, NFCS_ERR_DATA, "--restart: %s is not an HDF5 file", path);
  int rc = NFCS_OK;
  char fmt[64] = "";
  nfcs_h5_read_attr_text(f, "format", fmt, sizeof fmt);
  if (strcmp(fmt, "nfcs-checkpoint-1") != 0 || H5LTpath_valid(f, "/state", 1) <= 0 ||
      H5LTpath_valid(f, "/config/effective_yaml", 1) <= 0) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "--restart: %s is not a checkpoint of nfcs", path);
    goto out;
  }
  *yaml = nfcs_h5_read_text(f, "/config/effective_yaml", NFCS_H5_TEXT_MAX);
  if (H5LTpath_valid(f, "/config/model", 1) > 0) *model_text = nfcs_h5_read_text(f, "/config/model", NFCS_H5_TEXT_MAX);
  nfcs_h5_read_attr_text(f, "model_hash", model_hash, 65);
  if (!*yaml) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "--restart: %s:/config/effective_yaml is not a text of at most %zu bytes", path, NFCS_H5_TEXT_MAX);
    goto out;
  }
  if (H5LTpath_valid(f, "/config/model", 1) > 0 && !*model_text) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "--restart: %s:/config/model is not a text of at most %zu bytes", path, NFCS_H5_TEXT_MAX);
    goto out;
  }
  hid_t g = nfcs_h5_links_inside(f, "/state") ? H5Gopen2(f, "/state", H5P_DEFAULT) : -1;
  ck_iter it = {.b = b};
  if (g < 0) snprintf(it.why, sizeof it.why, "/state is not a group");
  if (!it.why[0] && H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, ck_visit, &it) < 0 && !it.why[0])
    snprintf(it.why, sizeof it.why, "/state cannot be listed");
  if (!it.why[0] && nfcs_bundle_init(b, it.bytes + 4096, it.count + 4) != NFCS_OK)
    snprintf(it.why, sizeof it.why, "no memory for its %zu bytes of state", it.bytes);
  if (!it.why[0]) {
    it.pass = 1;
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, ck_visit, &it) < 0 && !it.why[0])
      snprintf(it.why, sizeof it.why, "/state cannot be listed");
  }
  if (g >= 0) H5Gclose(g);
  if (it.why[0]) rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "--restart: %s is damaged: %s", path, it.why);
out:
  if (rc) {
    nfcs_bundle_free(b);
    free(*yaml);
    *yaml = NULL;
    free(*model_text);
    *model_text = NULL;
  }
  H5Fclose(f);
  return rc;
}
