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

static int read_array(nfcs_ctx *ctx, hid_t f, const char *path, const char *d, nfcs_elem elem, int rank, const int64_t *shape,
                      const char *shape_of, nfcs_array *out) {
  if (H5LTpath_valid(f, d, 1) <= 0) return NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s has no dataset %s", path, d);
  hid_t ds = H5Dopen2(f, d, H5P_DEFAULT);
  if (ds < 0) return NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s is not a dataset", path, d);
  hid_t sp = H5Dget_space(ds), ty = H5Dget_type(ds), mt = -1;
  int rc = NFCS_OK;
  hsize_t hd[8] = {0};
  const int r = H5Sget_simple_extent_ndims(sp);
  H5Sget_simple_extent_dims(sp, hd, NULL);
  const H5T_class_t cls = H5Tget_class(ty);
  if (elem == NFCS_ELEM_COMPLEX) {
    if (cls != H5T_COMPOUND || H5Tget_nmembers(ty) != 2 || H5Tget_member_index(ty, "r") < 0 || H5Tget_member_index(ty, "i") < 0) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: expected complex numbers (a compound {r, i}, as h5py writes), got another type", path, d);
      goto done;
    }
  } else if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: expected numbers, got another type", path, d);
    goto done;
  } else if (elem == NFCS_ELEM_I64 && cls != H5T_INTEGER) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: expected integers, got floating point", path, d);
    goto done;
  }
  if (rank >= 0) {
    int ok = r == rank;
    for (int i = 0; i < rank && ok; i++) ok = shape[i] < 0 || hd[i] == (hsize_t)shape[i];
    if (!ok) {
      char want[96], got[96];
      shape_text(want, sizeof want, rank, shape, NULL);
      shape_text(got, sizeof got, r < 8 ? r : 8, NULL, hd);
      rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: expected shape %s%s%s, got %s", path, d, want, shape_of ? " for " : "",
                      shape_of ? shape_of : "", got);
      goto done;
    }
  }
  if (r > NFCS_MAX_RANK + 1) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: expected at most %d axes, got %d", path, d, NFCS_MAX_RANK + 1, r);
    goto done;
  }
  size_t count = 1;
  for (int i = 0; i < r; i++) count *= (size_t)hd[i];
  void *buf = malloc((count ? count : 1) * nfcs_elem_size(elem));
  if (!buf) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory reading %s:%s", path, d); goto done; }
  mt = elem == NFCS_ELEM_COMPLEX ? nfcs_h5_complex_type(H5_REAL) : H5Tcopy(elem == NFCS_ELEM_I64 ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE);
  if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
    free(buf);
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: cannot read the values", path, d);
    goto done;
  }
  if (elem != NFCS_ELEM_I64) {
    const size_t nv = elem == NFCS_ELEM_COMPLEX ? 2 * count : count;
    for (size_t i = 0; i < nv; i++) {
      const double v = elem == NFCS_ELEM_COMPLEX ? (double)((const nfcs_real *)buf)[i] : ((const double *)buf)[i];
      if (!isfinite(v)) {
        free(buf);
        rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: value %zu is not finite", path, d, elem == NFCS_ELEM_COMPLEX ? i / 2 : i);
        goto done;
      }
    }
  }
  out->elem = elem;
  out->rank = r;
  for (int i = 0; i < r; i++) out->dims[i] = (int64_t)hd[i];
  out->data = buf;
done:
  if (mt >= 0) H5Tclose(mt);
  H5Tclose(ty);
  H5Sclose(sp);
  H5Dclose(ds);
  return rc;
}

static int h5_read(void *self, nfcs_ctx *ctx, const nfcs_params *p, const char *file_key, const char *dataset, nfcs_elem elem,
                   int rank, const int64_t *shape, const char *shape_of, nfcs_array *out) {
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
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return NFCS_ERROR(ctx, NFCS_ERR_NOINPUT, "%s: %s is not an HDF5 file", file_key, path);
  int rc = read_array(ctx, f, path, dataset, elem, rank, shape, shape_of, out);
  H5Fclose(f);
  return rc;
}

static const nfcs_input_ops H5_INPUT_OPS = {.read = h5_read};
static const nfcs_input H5_INPUT = {&H5_INPUT_OPS, NULL};

const nfcs_input *nfcs_h5_input(void) { return &H5_INPUT; }

/* ---------------------------------------------------------------- checkpoints */

#include "nfcs_bundle.h"

typedef struct ck_iter {
  nfcs_bundle *b;
  size_t bytes;
  int count, pass, bad;
} ck_iter;

static herr_t ck_visit(hid_t g, const char *name, const H5L_info_t *info, void *op) {
  (void)info;
  ck_iter *it = op;
  hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
  if (d < 0) { it->bad = 1; return 0; }
  hid_t sp = H5Dget_space(d);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(sp, &n, NULL);
  int64_t kind = NFCS_BK_F64;
  if (H5Aexists(d, "kind") > 0) {
    hid_t a = H5Aopen(d, "kind", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_INT64, &kind);
    H5Aclose(a);
  }
  if (it->pass == 0) {
    it->bytes += (size_t)n * nfcs_bundle_kind_size((int)kind) + 64;
    it->count++;
  } else {
    char key[128];
    snprintf(key, sizeof key, "%s", name);
    for (char *c = key; *c; c++) if (*c == '.') *c = '/';
    void *dst = nfcs_bundle_reserve(it->b, key, (int)kind, (size_t)n);
    hid_t mt = kind == NFCS_BK_I64 ? H5T_NATIVE_INT64 : kind == NFCS_BK_REAL ? (NFCS_SINGLE ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE)
                                                                              : H5T_NATIVE_DOUBLE;
    if (!dst || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst) < 0) it->bad = 1;
  }
  H5Sclose(sp);
  H5Dclose(d);
  return 0;
}

int nfcs_h5_read_checkpoint(nfcs_ctx *ctx, const char *path, nfcs_bundle *b, char **yaml, char **model_text,
                            char model_hash[65]) {
  *yaml = NULL;
  *model_text = NULL;
  model_hash[0] = '\0';
  memset(b, 0, sizeof *b);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  FILE *probe = fopen(path, "rb");
  if (!probe) return NFCS_ERROR(ctx, NFCS_ERR_NOINPUT, "--restart: cannot open %s: %s", path, strerror(errno));
  fclose(probe);
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
  *yaml = nfcs_h5_read_text(f, "/config/effective_yaml");
  if (H5LTpath_valid(f, "/config/model", 1) > 0) *model_text = nfcs_h5_read_text(f, "/config/model");
  nfcs_h5_read_attr_text(f, "model_hash", model_hash, 65);
  hid_t g = H5Gopen2(f, "/state", H5P_DEFAULT);
  ck_iter it = {.b = b};
  H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, ck_visit, &it);
  if (!it.bad && nfcs_bundle_init(b, it.bytes + 4096, it.count + 4) == NFCS_OK) {
    it.pass = 1;
    H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, ck_visit, &it);
  } else {
    it.bad = 1;
  }
  H5Gclose(g);
  if (it.bad || !*yaml) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "--restart: %s is damaged (cannot read its state)", path);
    nfcs_bundle_free(b);
    free(*yaml);
    *yaml = NULL;
    free(*model_text);
    *model_text = NULL;
  }
out:
  H5Fclose(f);
  return rc;
}
