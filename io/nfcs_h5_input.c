/* Reading the inputs of a Kuramoto network from HDF5 files. */
#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_internal.h"
#include "nfcs_io.h"
#include "nfcs_h5_text.h"
#include "nfcs_kuramoto.h"

static int open_input(nfcs_ctx *ctx, const nfcs_params *p, const char *key, const char *rel, hid_t *f, char *path, size_t len) {
  nfcs_params_input_path(p, rel, path, len);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  FILE *probe = fopen(path, "rb");
  if (!probe) return NFCS_ERROR(ctx, NFCS_ERR_NOINPUT, "%s: cannot open %s: %s", key, path, strerror(errno));
  fclose(probe);
  *f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (*f < 0) return NFCS_ERROR(ctx, NFCS_ERR_NOINPUT, "%s: %s is not an HDF5 file", key, path);
  return NFCS_OK;
}

/* Read dataset `d` of file f into a new array of doubles (or int64 when as_int), checking its
 * shape against rank/dims (dims[i] < 0: any length, returned in *len). */
static int read_ds(nfcs_ctx *ctx, hid_t f, const char *path, const char *d, int rank, const int64_t *dims, int as_int,
                   void **out, int64_t *len) {
  *out = NULL;
  if (H5LTpath_valid(f, d, 1) <= 0) return NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s has no dataset %s", path, d);
  hid_t ds = H5Dopen2(f, d, H5P_DEFAULT);
  hid_t sp = H5Dget_space(ds), ty = H5Dget_type(ds);
  int rc = NFCS_OK;
  hsize_t hd[8] = {0};
  int r = H5Sget_simple_extent_ndims(sp);
  H5Sget_simple_extent_dims(sp, hd, NULL);
  H5T_class_t cls = H5Tget_class(ty);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: expected numbers, got another type", path, d);
    goto done;
  }
  if (as_int && cls != H5T_INTEGER) {
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: expected integers (oscillator indices), got floating point", path, d);
    goto done;
  }
  int ok = r == rank;
  for (int i = 0; i < rank && ok; i++) ok = dims[i] < 0 || hd[i] == (hsize_t)dims[i];
  if (!ok) {
    char want[64] = "[", got[64] = "[";
    for (int i = 0; i < rank; i++) {
      char b[24];
      if (dims[i] < 0) snprintf(b, sizeof b, "%sM", i ? ", " : "");
      else snprintf(b, sizeof b, "%s%lld", i ? ", " : "", (long long)dims[i]);
      strcat(want, b);
    }
    for (int i = 0; i < r && i < 4; i++) {
      char b[24];
      snprintf(b, sizeof b, "%s%llu", i ? ", " : "", (unsigned long long)hd[i]);
      strcat(got, b);
    }
    strcat(want, "]");
    strcat(got, "]");
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: expected shape %s, got %s", path, d, want, got);
    goto done;
  }
  size_t count = 1;
  for (int i = 0; i < r; i++) count *= (size_t)hd[i];
  if (len) *len = (int64_t)(r ? hd[0] : 1);
  void *buf = malloc((count ? count : 1) * 8);
  if (!buf) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory reading %s:%s", path, d); goto done; }
  if (H5Dread(ds, as_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
    free(buf);
    rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: cannot read the values", path, d);
    goto done;
  }
  if (!as_int) {
    const double *v = buf;
    for (size_t i = 0; i < count; i++)
      if (!isfinite(v[i])) {
        free(buf);
        rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s:%s: value %zu is not finite", path, d, i);
        goto done;
      }
  }
  *out = buf;
done:
  H5Tclose(ty);
  H5Sclose(sp);
  H5Dclose(ds);
  return rc;
}

int nfcs_h5_read_kuramoto(nfcs_ctx *ctx, const nfcs_params *p, int64_t n, nfcs_kuramoto_inputs *in) {
  memset(in, 0, sizeof *in);
  char path[NFCS_PATH_MAX * 2];
  hid_t f = -1;
  int rc = NFCS_OK;
  const int64_t nn[2] = {n, n}, n1[1] = {n}, any[1] = {-1};
  if (nfcs_kuramoto_section(p)->coupling == NFCS_COUPLING_MATRIX) {
    const int from_file = nfcs_kuramoto_section(p)->matrix.source == NFCS_MATRIX_FILE;
    const int need = from_file || nfcs_kuramoto_section(p)->matrix.lag_dataset[0] || nfcs_kuramoto_section(p)->matrix.modulation_dataset[0] ||
                     nfcs_kuramoto_section(p)->matrix.mask_dataset[0];
    if (need) {
      if (!nfcs_kuramoto_section(p)->matrix.path[0])
        return NFCS_ERROR(ctx, NFCS_ERR_CONFIG, "kuramoto.matrix.path: expected the HDF5 file holding the matrix datasets");
      NFCS_CHECK(open_input(ctx, p, "kuramoto.matrix.path", nfcs_kuramoto_section(p)->matrix.path, &f, path, sizeof path));
      if (from_file) NFCS_CHECK_GOTO(read_ds(ctx, f, path, nfcs_kuramoto_section(p)->matrix.dataset, 2, nn, 0, (void **)&in->K, NULL), out);
      if (nfcs_kuramoto_section(p)->matrix.lag_dataset[0])
        NFCS_CHECK_GOTO(read_ds(ctx, f, path, nfcs_kuramoto_section(p)->matrix.lag_dataset, 2, nn, 0, (void **)&in->lag, NULL), out);
      if (!from_file && nfcs_kuramoto_section(p)->matrix.modulation_dataset[0])
        NFCS_CHECK_GOTO(read_ds(ctx, f, path, nfcs_kuramoto_section(p)->matrix.modulation_dataset, 2, nn, 0, (void **)&in->modulation, NULL), out);
      if (!from_file && nfcs_kuramoto_section(p)->matrix.mask_dataset[0])
        NFCS_CHECK_GOTO(read_ds(ctx, f, path, nfcs_kuramoto_section(p)->matrix.mask_dataset, 2, nn, 0, (void **)&in->mask, NULL), out);
      H5Fclose(f);
      f = -1;
    }
  }
  if (nfcs_kuramoto_section(p)->coupling == NFCS_COUPLING_SPARSE) {
    NFCS_CHECK_GOTO(open_input(ctx, p, "kuramoto.sparse.path", nfcs_kuramoto_section(p)->sparse.path, &f, path, sizeof path), out);
    int64_t ls = 0, ld = 0, lw = 0;
    NFCS_CHECK_GOTO(read_ds(ctx, f, path, nfcs_kuramoto_section(p)->sparse.src, 1, any, 1, (void **)&in->src, &ls), out);
    NFCS_CHECK_GOTO(read_ds(ctx, f, path, nfcs_kuramoto_section(p)->sparse.dst, 1, any, 1, (void **)&in->dst, &ld), out);
    if (nfcs_kuramoto_section(p)->sparse.weight[0])
      NFCS_CHECK_GOTO(read_ds(ctx, f, path, nfcs_kuramoto_section(p)->sparse.weight, 1, any, 0, (void **)&in->weight, &lw), out);
    if (ls != ld || (in->weight && lw != ls)) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "%s: src, dst and weight must have the same length, got %lld, %lld and %lld", path,
                      (long long)ls, (long long)ld, (long long)(in->weight ? lw : ls));
      goto out;
    }
    in->nedges = ls;
    H5Fclose(f);
    f = -1;
  }
  if (nfcs_kuramoto_section(p)->phases.type == NFCS_PHASES_FILE) {
    NFCS_CHECK_GOTO(open_input(ctx, p, "kuramoto.initial_phases.path", nfcs_kuramoto_section(p)->phases.path, &f, path, sizeof path), out);
    NFCS_CHECK_GOTO(read_ds(ctx, f, path, nfcs_kuramoto_section(p)->phases.dataset, 1, n1, 0, (void **)&in->theta0, NULL), out);
  }
out:
  if (f >= 0) H5Fclose(f);
  if (rc) nfcs_kuramoto_inputs_free(in);
  return rc;
}

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
