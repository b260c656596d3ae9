/* The cache's own files (docs/cache.md): what is expensive to prepare and the same from run to run
 * (ETDRK4's coefficients), kept in cache.dir/<kind>/ under a name drawn from the exact text of
 * what they depend on.  A file holds that text, the data's length and a checksum of it: a file of
 * another key (a name collision), a short or damaged one is never used.  Written through a
 * temporary file and a rename (two runs writing the same entry at once leave one whole file);
 * a file used is touched, and beyond cache.max_size the least recently used go first. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nfcs_cache.h"
#include "nfcs_internal.h"

#define MAGIC "NFCSCACHE1\n"

static uint64_t fnv1a(const void *data, size_t n, uint64_t h) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}
#define FNV0 1469598103934665603ull

void nfcs_cache_default_dir(const nfcs_params *p, char *out, size_t len) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (p && p->cache.dir[0]) snprintf(out, len, "%s", p->cache.dir);
  else if (xdg && *xdg) snprintf(out, len, "%s/nfcs", xdg);
  else if (home && *home) snprintf(out, len, "%s/.cache/nfcs", home);
  else out[0] = '\0';
}

void nfcs_ctx_set_cache(nfcs_ctx *ctx, const char *dir, double max_bytes) {
  snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s", dir ? dir : "");
  ctx->cache_max = max_bytes;
}

static int entry_path(const nfcs_ctx *ctx, const char *kind, const char *key, char *out, size_t len) {
  if (!ctx->cache_dir[0]) return -1;
  const int n = snprintf(out, len, "%s/%s/%016llx.bin", ctx->cache_dir, kind, (unsigned long long)fnv1a(key, strlen(key), FNV0));
  return n > 0 && (size_t)n < len ? 0 : -1;
}

int nfcs_cache_load(const nfcs_ctx *ctx, const char *kind, const char *key, void *buf, size_t bytes) {
  char path[NFCS_PATH_MAX + 64];
  if (!(ctx->cache_max > 0) || entry_path(ctx, kind, key, path, sizeof path)) return 0;
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  const size_t klen = strlen(key);
  char magic[sizeof MAGIC - 1];
  uint64_t hdr[3]; /* key length, data length, checksum */
  int ok = fread(magic, 1, sizeof magic, f) == sizeof magic && !memcmp(magic, MAGIC, sizeof magic) &&
           fread(hdr, sizeof hdr, 1, f) == 1 && hdr[0] == klen && hdr[1] == bytes;
  char *k = ok ? malloc(klen + 1) : NULL;
  ok = ok && k && fread(k, 1, klen, f) == klen && !memcmp(k, key, klen);
  free(k);
  ok = ok && fread(buf, 1, bytes, f) == bytes && fgetc(f) == EOF && fnv1a(buf, bytes, FNV0) == hdr[2];
  fclose(f);
  if (ok) utimensat(AT_FDCWD, path, NULL, 0); /* used now: the last to go */
  return ok;
}

void nfcs_cache_store(const nfcs_ctx *ctx, const char *kind, const char *key, const void *buf, size_t bytes) {
  char path[NFCS_PATH_MAX + 64], tmp[NFCS_PATH_MAX + 96], dir[NFCS_PATH_MAX + 32];
  if (entry_path(ctx, kind, key, path, sizeof path)) return;
  if ((double)bytes > ctx->cache_max) return; /* larger than the whole cache may be */
  snprintf(dir, sizeof dir, "%s/%s", ctx->cache_dir, kind);
  if (nfcs_make_dirs(dir)) {
    nfcs_log(ctx, NFCS_LOG_DEBUG, "cache: cannot create %s: %s", dir, strerror(errno));
    return;
  }
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (!f) return;
  const size_t klen = strlen(key);
  const uint64_t hdr[3] = {klen, bytes, fnv1a(buf, bytes, FNV0)};
  int ok = fwrite(MAGIC, 1, sizeof MAGIC - 1, f) == sizeof MAGIC - 1 && fwrite(hdr, sizeof hdr, 1, f) == 1 &&
           fwrite(key, 1, klen, f) == klen && fwrite(buf, 1, bytes, f) == bytes;
  ok = !fclose(f) && ok;
  if (!ok || rename(tmp, path)) {
    unlink(tmp);
    nfcs_log(ctx, NFCS_LOG_DEBUG, "cache: cannot write %s (a full disk?): computed again next time", path);
    return;
  }
  nfcs_cache_prune_files(ctx->cache_dir, ctx->cache_max, NULL, NULL);
}

/* ---------------------------------------------------------------- the size bound */

typedef struct owned { char path[NFCS_PATH_MAX + 300]; double bytes; struct timespec used; } owned;

static int older(const void *a, const void *b) {
  const owned *x = a, *y = b;
  if (x->used.tv_sec != y->used.tv_sec) return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
  return (x->used.tv_nsec > y->used.tv_nsec) - (x->used.tv_nsec < y->used.tv_nsec);
}

/* every file of the cache's own folders (KINDS), oldest use first */
static const char *const KINDS[] = {"coefficients", NULL};

static owned *list_owned(const char *dir, size_t *n, double *total) {
  *n = 0;
  *total = 0;
  size_t cap = 0;
  owned *all = NULL;
  for (int k = 0; KINDS[k]; k++) {
    char sub[NFCS_PATH_MAX + 32];
    snprintf(sub, sizeof sub, "%s/%s", dir, KINDS[k]);
    DIR *d = opendir(sub);
    if (!d) continue;
    for (struct dirent *e; (e = readdir(d));) {
      if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp.")) continue;
      if (*n == cap) {
        owned *t = realloc(all, sizeof *all * (cap = cap ? 2 * cap : 64));
        if (!t) break;
        all = t;
      }
      owned *o = &all[*n];
      snprintf(o->path, sizeof o->path, "%s/%s", sub, e->d_name);
      struct stat st;
      if (stat(o->path, &st) || !S_ISREG(st.st_mode)) continue;
      o->bytes = (double)st.st_size;
      o->used = st.st_mtim;
      *total += o->bytes;
      (*n)++;
    }
    closedir(d);
  }
  if (all) qsort(all, *n, sizeof *all, older);
  return all;
}

double nfcs_cache_prune_files(const char *dir, double max_bytes, void (*removed)(void *user, const char *path, double bytes),
                              void *user) {
  size_t n;
  double total;
  owned *all = list_owned(dir, &n, &total);
  for (size_t i = 0; i < n && total > max_bytes; i++)
    if (!unlink(all[i].path)) {
      total -= all[i].bytes;
      if (removed) removed(user, all[i].path, all[i].bytes);
    }
  free(all);
  return total;
}

void nfcs_cache_each_file(const char *dir, void (*each)(void *user, const char *path, double bytes, double used_s), void *user) {
  size_t n;
  double total;
  owned *all = list_owned(dir, &n, &total);
  for (size_t i = 0; i < n; i++) each(user, all[i].path, all[i].bytes, (double)all[i].used.tv_sec + 1e-9 * (double)all[i].used.tv_nsec);
  free(all);
}
