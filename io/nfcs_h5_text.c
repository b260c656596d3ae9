/* UTF-8 text in HDF5 files (see nfcs_h5_text.h). */
#include "nfcs_h5_text.h"

#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

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

int nfcs_h5_extent(hid_t space, int max_rank, int *rank, hsize_t *dims, uint64_t *count, char *why, size_t len) {
  *rank = 0;
  *count = 0;
  const H5S_class_t cls = H5Sget_simple_extent_type(space);
  if (cls == H5S_SCALAR) {
    *count = 1;
    return 0;
  }
  if (cls != H5S_SIMPLE) {
    snprintf(why, len, "%s", cls == H5S_NULL ? "it holds no data (a null dataspace)" : "its dataspace cannot be read");
    return -1;
  }
  const int r = H5Sget_simple_extent_ndims(space);
  if (r < 0 || r > max_rank) {
    snprintf(why, len, "expected at most %d axes, got %d", max_rank, r);
    return -1;
  }
  hsize_t d[H5S_MAX_RANK];
  if (H5Sget_simple_extent_dims(space, d, NULL) != r) {
    snprintf(why, len, "its dataspace cannot be read");
    return -1;
  }
  uint64_t n = 1;
  for (int i = 0; i < r; i++) {
    if (__builtin_mul_overflow(n, (uint64_t)d[i], &n)) {
      snprintf(why, len, "its lengths multiply past 2^64 elements");
      return -1;
    }
    dims[i] = d[i];
  }
  *rank = r;
  *count = n;
  return 0;
}

int nfcs_h5_bytes(uint64_t count, size_t size, size_t *bytes, char *why, size_t len) {
  uint64_t b;
  if (__builtin_mul_overflow(count, (uint64_t)size, &b) || b > SIZE_MAX) {
    snprintf(why, len, "%llu elements of %zu bytes overflow a size", (unsigned long long)count, size);
    return -1;
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const double mem = pages > 0 && page > 0 ? (double)pages * (double)page : 0;
  if (mem > 0 && (double)b > mem) {
    snprintf(why, len, "%llu elements (%.3g GB) are more than this machine's memory (%.3g GB)", (unsigned long long)count,
             (double)b / 1e9, mem / 1e9);
    return -1;
  }
  *bytes = (size_t)b;
  return 0;
}

/* every link on the way to path (each prefix /a, /a/b, ...) is a link inside this file: hard or
 * soft, never an external link (which opens another file) or a user-defined one */
int nfcs_h5_links_inside(hid_t loc, const char *path) {
  char prefix[1024];
  const size_t n = strlen(path);
  if (n == 0 || n >= sizeof prefix) return 0;
  for (size_t i = 1; i <= n; i++) {
    if (i < n && path[i] != '/') continue;
    memcpy(prefix, path, i);
    prefix[i] = '\0';
    if (!strcmp(prefix, "/") || !strcmp(prefix, ".")) continue;
#if H5_VERSION_GE(1, 12, 0)
    H5L_info2_t li;
    if (H5Lexists(loc, prefix, H5P_DEFAULT) <= 0 || H5Lget_info2(loc, prefix, &li, H5P_DEFAULT) < 0) return 0;
#else
    H5L_info_t li;
    if (H5Lexists(loc, prefix, H5P_DEFAULT) <= 0 || H5Lget_info(loc, prefix, &li, H5P_DEFAULT) < 0) return 0;
#endif
    if (li.type != H5L_TYPE_HARD && li.type != H5L_TYPE_SOFT) return 0;
  }
  return 1;
}

hid_t nfcs_h5_open_dataset(hid_t loc, const char *path) {
  if (!nfcs_h5_links_inside(loc, path) || H5LTpath_valid(loc, path, 1) <= 0) return -1;
  H5O_info_t oi;
#if H5_VERSION_GE(1, 12, 0)
  if (H5Oget_info_by_name3(loc, path, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET) return -1;
#else
  if (H5Oget_info_by_name2(loc, path, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET) return -1;
#endif
  hid_t d = H5Dopen2(loc, path, H5P_DEFAULT);
  if (d < 0) return -1;
  /* its data in this file: no external raw-data files, no virtual dataset mapping other files */
  hid_t dcpl = H5Dget_create_plist(d);
  const int inside = dcpl >= 0 && H5Pget_layout(dcpl) != H5D_VIRTUAL && H5Pget_external_count(dcpl) == 0;
  if (dcpl >= 0) H5Pclose(dcpl);
  if (!inside) {
    H5Dclose(d);
    return -1;
  }
  return d;
}

/* one string of type t from an attribute (a >= 0) or a dataset (d >= 0), of at most max_bytes:
 * malloc'd, or NULL */
static char *read_one_string(hid_t a, hid_t d, hid_t t, size_t max_bytes) {
  char *out = NULL;
  if (H5Tis_variable_str(t) > 0) {
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(t));
    char *s = NULL;
    const herr_t e = a >= 0 ? H5Aread(a, mt, &s) : H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s);
    if (e >= 0 && s && strlen(s) <= max_bytes) out = strdup(s);
    if (s) H5free_memory(s); /* also after a failed read that got as far as allocating */
    H5Tclose(mt);
    return out;
  }
  const size_t n = H5Tget_size(t);
  if (n == 0 || n > max_bytes) return NULL;
  hid_t mt = H5Tcopy(H5T_C_S1);
  H5Tset_size(mt, n + 1); /* room for the terminator whatever the file's padding */
  H5Tset_strpad(mt, H5T_STR_NULLTERM);
  H5Tset_cset(mt, H5Tget_cset(t));
  char *buf = calloc(1, n + 2);
  if (buf && (a >= 0 ? H5Aread(a, mt, buf) : H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf)) >= 0) out = buf;
  else free(buf);
  H5Tclose(mt);
  return out;
}

/* a single element: a scalar dataspace, or a simple one holding exactly one element */
static int single_element(hid_t space) {
  int rank;
  hsize_t dims[H5S_MAX_RANK];
  uint64_t count;
  char why[128];
  return nfcs_h5_extent(space, H5S_MAX_RANK, &rank, dims, &count, why, sizeof why) == 0 && count == 1;
}

int nfcs_h5_read_attr_text(hid_t obj, const char *name, char *buf, size_t len) {
  buf[0] = '\0';
  if (H5Aexists(obj, name) <= 0) return -1;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return -1;
  hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
  int rc = -1;
  if (t >= 0 && sp >= 0 && single_element(sp)) {
    if (H5Tget_class(t) == H5T_STRING) {
      char *s = read_one_string(a, -1, t, 1u << 20);
      if (s) {
        snprintf(buf, len, "%s", s);
        free(s);
        rc = 0;
      }
    } else if (H5Tget_class(t) == H5T_INTEGER) {
      long long v;
      if (H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0) {
        snprintf(buf, len, "%lld", v);
        rc = 0;
      }
    }
  }
  if (sp >= 0) H5Sclose(sp);
  if (t >= 0) H5Tclose(t);
  H5Aclose(a);
  return rc;
}

char *nfcs_h5_read_text(hid_t loc, const char *path, size_t max_bytes) {
  hid_t d = nfcs_h5_open_dataset(loc, path);
  if (d < 0) return NULL;
  hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
  char *out = NULL;
  if (t >= 0 && sp >= 0 && H5Tget_class(t) == H5T_STRING && single_element(sp)) out = read_one_string(-1, d, t, max_bytes);
  if (sp >= 0) H5Sclose(sp);
  if (t >= 0) H5Tclose(t);
  H5Dclose(d);
  return out;
}

int nfcs_h5_preflight_child;

int nfcs_h5_guarded(int (*fn)(void *arg), void *arg, char *why, size_t len) {
  const char *off = getenv("NFCS_NO_PREFLIGHT");
  if (off && *off && strcmp(off, "0") != 0) return 0;
  fflush(NULL);
  const pid_t pid = fork();
  if (pid < 0) return 0; /* no child: read without the guard */
  if (pid == 0) {
    nfcs_h5_preflight_child = 1;
    signal(SIGALRM, SIG_DFL);
    const char *secs = getenv("NFCS_PREFLIGHT_SECONDS"); /* shorter in the fuzzers' CI runs */
    const long limit = secs && *secs ? strtol(secs, NULL, 10) : 30;
    alarm(limit > 0 && limit < 3600 ? (unsigned)limit : 30);
    fn(arg);
    _exit(0);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return 0;
  /* a signal, or the exit status a sanitizer gives a crash (the child itself only exits 0) */
  if (WIFSIGNALED(st)) {
    const int sig = WTERMSIG(st);
    if (sig == SIGALRM) snprintf(why, len, "the HDF5 library did not finish reading it in time");
    else snprintf(why, len, "the HDF5 library crashed reading it (%s)", strsignal(sig));
    return -1;
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
    snprintf(why, len, "the HDF5 library failed reading it (exit %d)", WEXITSTATUS(st));
    return -1;
  }
  return 0;
}
