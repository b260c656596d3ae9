/* UTF-8 text in HDF5 files (see nfcs_h5_text.h). */
#include "nfcs_h5_text.h"

#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

hid_t nfcs_h5_complex_type(hid_t real) {
  size_t sz = H5Tget_size(real);
  hid_t t = H5Tcreate(H5T_COMPOUND, 2 * sz);
  H5Tinsert(t, "r", 0, real);
  H5Tinsert(t, "i", sz, real);
  return t;
}

hid_t nfcs_h5_text_type(void) {
  hid_t st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, H5T_VARIABLE);
  H5Tset_cset(st, H5T_CSET_UTF8);
  return st;
}

int nfcs_h5_write_text_attr(hid_t obj, const char *name, const char *text) {
  hid_t st = nfcs_h5_text_type(), sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, st, sp, H5P_DEFAULT, H5P_DEFAULT);
  int bad = a < 0 || H5Awrite(a, st, &text) < 0;
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(st);
  return bad;
}

int nfcs_h5_write_text(hid_t loc, const char *name, const char *text) {
  hid_t st = nfcs_h5_text_type(), sp = H5Screate(H5S_SCALAR);
  hid_t d = H5Dcreate2(loc, name, st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int bad = d < 0 || H5Dwrite(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) < 0;
  if (d >= 0) H5Dclose(d);
  H5Sclose(sp);
  H5Tclose(st);
  return bad;
}

int nfcs_h5_read_attr_text(hid_t obj, const char *name, char *buf, size_t len) {
  buf[0] = '\0';
  if (H5Aexists(obj, name) <= 0) return -1;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = H5Aget_type(a);
  int rc = -1;
  if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(t));
    char *s = NULL;
    if (H5Aread(a, mt, &s) >= 0 && s) {
      snprintf(buf, len, "%s", s);
      H5free_memory(s);
      rc = 0;
    }
    H5Tclose(mt);
  } else if (H5Tget_class(t) == H5T_INTEGER) {
    long long v;
    if (H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0) {
      snprintf(buf, len, "%lld", v);
      rc = 0;
    }
  }
  H5Tclose(t);
  H5Aclose(a);
  return rc;
}

char *nfcs_h5_read_text(hid_t loc, const char *path) {
  if (H5LTpath_valid(loc, path, 1) <= 0) return NULL;
  hid_t d = H5Dopen2(loc, path, H5P_DEFAULT);
  if (d < 0) return NULL;
  hid_t st = nfcs_h5_text_type();
  char *y = NULL, *out = NULL;
  if (H5Dread(d, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, &y) >= 0 && y) {
    out = strdup(y);
    H5free_memory(y);
  }
  H5Tclose(st);
  H5Dclose(d);
  return out;
}
