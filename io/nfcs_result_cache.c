/* The result cache (SPEC.md 6, docs/cache.md).  Runs are deterministic, so a finished run is a
 * result: an index in cache.dir (results.index) maps the run's key -- the model hash and whatever
 * else fixes the file's contents -- to the output files and final checkpoints of finished runs.
 * Before a run: the same run to the same file is "up to date"; to another path the file is
 * copied ("reused"); a shorter run of the same key is copied and continued from its final
 * checkpoint ("continued from t = ...").  An entry is trusted only when its file has the size and
 * the SHA-256 the index holds: one gone or changed is dropped.  The index is read and rewritten
 * under an exclusive lock (flock of results.lock) and replaced through a rename: concurrent runs
 * never lose or tear an entry. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nfcs_cache.h"
#include "nfcs_internal.h"
#include "nfcs_io.h"
#include "nfcs_run.h"

#define INDEX_NAME "results.index"
#define LOCK_NAME "results.lock"
#define INDEX_HEADER "# nfcs result cache v1: key t_end created used size sha256 ckpt_size ckpt_sha256 output checkpoint\n"
#define MAX_ENTRIES 4096 /* beyond it, the least recently used entry goes */

static double now_unix(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---------------------------------------------------------------- the key */

/* rows outside the key: the model's (its hash stands for them) and those that change nothing the
 * file holds (NFCS_PF_NO_RESULT) */
static int outside_key(const nfcs_param_def *d) { return (d->flags & (NFCS_PF_MODEL | NFCS_PF_INPUT_FILE | NFCS_PF_NO_RESULT)) != 0; }

int nfcs_result_key(const nfcs_params *p, const char *model_hash, const char *backend, int threads, int processes, char key[65]) {
  size_t n;
  const nfcs_param_def *t = nfcs_param_table(&n);
  size_t cap = 4096, len = 0;
  char *text = malloc(cap);
  if (!text) return NFCS_ERR_NOMEM;
  len += (size_t)snprintf(text, cap, "nfcs %s %s\nmodel %s\nbackend %s\nthreads %d\nprocesses %d\n", NFCS_VERSION, NFCS_PRECISION_NAME,
                          model_hash, backend, threads, processes);
  for (size_t i = 0; i < n; i++) {
    if (outside_key(&t[i])) continue;
    char v[4 * NFCS_PATH_MAX + 8];
    nfcs_param_format(p, &t[i], v, sizeof v);
    const size_t need = strlen(t[i].key) + strlen(v) + 4;
    if (len + need >= cap) {
      char *m = realloc(text, cap = 2 * (cap + need));
      if (!m) {
        free(text);
        return NFCS_ERR_NOMEM;
      }
      text = m;
    }
    len += (size_t)snprintf(text + len, cap - len, "%s: %s\n", t[i].key, v);
  }
  const int rc = nfcs_sha256_hex(text, len, key) ? NFCS_ERR_SOFTWARE : NFCS_OK;
  free(text);
  return rc;
}

/* ---------------------------------------------------------------- the index */

typedef struct entry {
  char key[65];
  double t_end, created, used;
  long long size, ckpt_size;
  char digest[65], ckpt_digest[65];
  char output[PATH_MAX], checkpoint[PATH_MAX];
} entry;

typedef struct cindex {
  int fd;          /* the lock */
  char dir[NFCS_PATH_MAX];
  int n, cap;
  entry *e;
} cindex;

/* paths in the index: %, tab and newline as %XX */
static void encode(const char *s, char *out, size_t len) {
  size_t o = 0;
  for (; *s && o + 4 < len; s++) {
    if (*s == '%' || *s == '\t' || *s == '\n' || *s == '\r') o += (size_t)snprintf(out + o, len - o, "%%%02X", (unsigned char)*s);
    else out[o++] = *s;
  }
  out[o] = '\0';
}

static void decode(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    unsigned v;
    if (*r == '%' && sscanf(r + 1, "%2X", &v) == 1) {
      *w++ = (char)v;
      r += 2;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
}

static int parse_line(char *line, entry *e) {
  char *f[10];
  int k = 0;
  for (char *s = line, *tab; k < 10; s = tab + 1) {
    f[k++] = s;
    if (!(tab = strchr(s, '\t'))) break;
    *tab = '\0';
  }
  if (k != 10 || strlen(f[0]) != 64 || strlen(f[5]) != 64 || (strlen(f[7]) != 64 && strcmp(f[7], "-") != 0)) return -1;
  char *end;
  memset(e, 0, sizeof *e);
  snprintf(e->key, sizeof e->key, "%s", f[0]);
  e->t_end = strtod(f[1], &end);
  e->created = strtod(f[2], NULL);
  e->used = strtod(f[3], NULL);
  e->size = strtoll(f[4], NULL, 10);
  snprintf(e->digest, sizeof e->digest, "%s", f[5]);
  e->ckpt_size = strtoll(f[6], NULL, 10);
  snprintf(e->ckpt_digest, sizeof e->ckpt_digest, "%s", f[7]);
  f[9][strcspn(f[9], "\n")] = '\0';
  decode(f[8]);
  decode(f[9]);
  snprintf(e->output, sizeof e->output, "%s", f[8]);
  snprintf(e->checkpoint, sizeof e->checkpoint, "%s", f[9]);
  return isfinite(e->t_end) && e->size >= 0 ? 0 : -1;
}

static void drop(cindex *x, int i) {
  x->e[i] = x->e[--x->n];
}

/* e into the index: an entry of the same file replaced (the file holds e's run now), the least
 * recently used one dropped when the index is full; -1 when out of memory */
static int add_entry(cindex *x, const entry *e) {
  for (int i = 0; i < x->n; i++)
    if (!strcmp(x->e[i].output, e->output)) drop(x, i--);
  if (x->n == MAX_ENTRIES) {
    int old = 0;
    for (int i = 1; i < x->n; i++)
      if (x->e[i].used < x->e[old].used) old = i;
    drop(x, old);
  }
  if (x->n == x->cap) {
    const int cap = x->cap ? 2 * x->cap : 16;
    entry *m = realloc(x->e, sizeof *m * (size_t)cap);
    if (!m) return -1;
    x->e = m;
    x->cap = cap;
  }
  x->e[x->n++] = *e;
  return 0;
}

/* the index, locked (until index_close); an unreadable line is left out */
static int index_open(nfcs_ctx *ctx, const char *dir, cindex *x) {
  memset(x, 0, sizeof *x);
  x->fd = -1;
  snprintf(x->dir, sizeof x->dir, "%s", dir);
  char path[NFCS_PATH_MAX + 32];
  if (nfcs_make_dirs(dir)) return NFCS_ERROR(ctx, NFCS_ERR_CANTCREAT, "cache.dir: cannot create %s: %s", dir, strerror(errno));
  snprintf(path, sizeof path, "%s/%s", dir, LOCK_NAME);
  x->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (x->fd < 0) return NFCS_ERROR(ctx, NFCS_ERR_CANTCREAT, "cache: cannot open %s: %s", path, strerror(errno));
  while (flock(x->fd, LOCK_EX) != 0)
    if (errno != EINTR) return NFCS_ERROR(ctx, NFCS_ERR_IO, "cache: cannot lock %s: %s", path, strerror(errno));
  snprintf(path, sizeof path, "%s/%s", dir, INDEX_NAME);
  FILE *f = fopen(path, "r");
  if (!f) return NFCS_OK; /* none yet */
  char *line = malloc(4 * PATH_MAX + 1024);
  entry e;
  while (line && fgets(line, 4 * PATH_MAX + 1024, f) && x->n < MAX_ENTRIES)
    if (line[0] != '#' && !parse_line(line, &e) && add_entry(x, &e)) break;
  free(line);
  fclose(f);
  return NFCS_OK;
}

/* the index rewritten (through a temporary file and a rename), then unlocked */
static int index_close(nfcs_ctx *ctx, cindex *x, int write) {
  int rc = NFCS_OK;
  if (write && x->fd >= 0) {
    char path[NFCS_PATH_MAX + 32], tmp[NFCS_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", x->dir, INDEX_NAME);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int ok = f != NULL && fputs(INDEX_HEADER, f) >= 0;
    for (int i = 0; i < x->n && ok; i++) {
      const entry *e = &x->e[i];
      char o[3 * PATH_MAX + 1], c[3 * PATH_MAX + 1];
      encode(e->output, o, sizeof o);
      encode(e->checkpoint, c, sizeof c);
      ok = fprintf(f, "%s\t%a\t%.3f\t%.3f\t%lld\t%s\t%lld\t%s\t%s\t%s\n", e->key, e->t_end, e->created, e->used, e->size, e->digest,
                   e->ckpt_size, e->ckpt_digest[0] ? e->ckpt_digest : "-", o, c) > 0;
    }
    if (f && fclose(f)) ok = 0;
    if (!ok || rename(tmp, path)) {
      unlink(tmp);
      rc = NFCS_ERROR(ctx, NFCS_ERR_IO, "cache: cannot write %s: %s", path, strerror(errno));
    }
  }
  if (x->fd >= 0) close(x->fd); /* the lock goes with it */
  free(x->e);
  x->e = NULL;
  x->fd = -1;
  return rc;
}

/* the file is what the entry recorded: its size, then its SHA-256 */
static int intact(const char *path, long long size, const char *digest) {
  struct stat st;
  if (stat(path, &st) || !S_ISREG(st.st_mode) || (long long)st.st_size != size) return 0;
  char hex[65];
  return !nfcs_sha256_file(path, hex) && !strcmp(hex, digest);
}

static int same_file(const char *a, const char *b) {
  struct stat x, y;
  return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* ---------------------------------------------------------------- copies */

/* src to dst through a temporary file beside dst and a rename: a reflink where the file system
 * has them (a copy that shares blocks until either is written), else copy_file_range */
static int copy_file(const char *src, const char *dst) {
  char tmp[PATH_MAX + 64];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", dst, (long)getpid());
  const int in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0) return -1;
  const int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    close(in);
    return -1;
  }
  int rc = 0;
#ifdef FICLONE
  if (ioctl(out, FICLONE, in) != 0)
#endif
  {
    struct stat st;
    rc = fstat(in, &st);
    for (off_t left = st.st_size; !rc && left > 0;) {
      const ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
      if (n <= 0) rc = -1;
      else left -= n;
    }
  }
  const int e = errno;
  close(in);
  if (close(out)) rc = -1;
  if (!rc && rename(tmp, dst)) rc = -1;
  if (rc) unlink(tmp);
  errno = rc ? e : 0;
  return rc;
}

/* ---------------------------------------------------------------- consult, record */

/* t lies on the grid of an interval (none: 0) as the coordinator lands on it */
static int on_grid(double t, double interval) {
  if (!(interval > 0)) return 1;
  const double k = t / interval;
  return fabs(k - nearbyint(k)) <= 1e-9 * fmax(1.0, k);
}

/* a file sink continues a shorter run into the same file a fresh run writes when the shorter
 * one's end was a tick, a snapshot and a metrics time of both (its final state and sample are
 * then the longer run's too, no extra entry) */
static int continuable(const nfcs_params *p, double t) {
  return t > 0 && p->output.snapshot_interval > 0 && on_grid(t, p->coordinator.sim_time_per_tick) &&
         on_grid(t, p->output.snapshot_interval) && on_grid(t, p->output.metrics_interval);
}

int nfcs_cache_consult(nfcs_ctx *ctx, const char *dir, const nfcs_params *p, const char *key, nfcs_cache_plan *plan) {
  memset(plan, 0, sizeof *plan);
  plan->verdict = NFCS_CACHE_COMPUTE;
  cindex x;
  int rc = index_open(ctx, dir, &x);
  if (rc) {
    index_close(ctx, &x, 0);
    return rc;
  }
  char ckpt[NFCS_PATH_MAX + 16];
  nfcs_checkpoint_path(p, ckpt, sizeof ckpt);
  const double T = p->run.t_end, tol = 1e-12 * fmax(1.0, fabs(T));
  int changed = 0, exact = -1, shorter = -1; /* shorter: its checkpoint checked already */
  for (int i = 0; i < x.n; i++) {
    entry *e = &x.e[i];
    if (strcmp(e->key, key) != 0) continue;
    if (!intact(e->output, e->size, e->digest)) { /* gone or changed: never trusted again */
      nfcs_log(ctx, NFCS_LOG_DEBUG, "cache: %s changed or is gone: its entry is dropped", e->output);
      drop(&x, i--);
      changed = 1;
      continue;
    }
    if (fabs(e->t_end - T) <= tol) {
      if (exact < 0 || same_file(e->output, p->output.path)) exact = i; /* this very file, else any copy */
    } else if (e->t_end < T && continuable(p, e->t_end) && (shorter < 0 || e->t_end > x.e[shorter].t_end) && e->ckpt_digest[0] &&
               intact(e->checkpoint, e->ckpt_size, e->ckpt_digest)) {
      shorter = i; /* the longest run it can continue */
    }
  }
  int best = exact >= 0 ? exact : shorter;
  if (best >= 0 && p->output.xdmf) {
    /* the XDMF sidecar names its HDF5 file: this very file's, when it is there, is up to date; a
     * copy or a continued file gets its own from a run */
    char xmf[NFCS_PATH_MAX + 8];
    nfcs_sidecar_path(p, xmf, sizeof xmf);
    struct stat st;
    if (!(exact >= 0 && same_file(x.e[exact].output, p->output.path) && !stat(xmf, &st))) best = -1;
  }
  if (best >= 0) {
    entry *e = &x.e[best];
    const int whole = best == exact, same = same_file(e->output, p->output.path);
    snprintf(plan->source, sizeof plan->source, "%s", e->output);
    plan->t_from = e->t_end;
    e->used = now_unix();
    changed = 1;
    if (whole && same) {
      plan->verdict = NFCS_CACHE_UP_TO_DATE;
    } else {
      /* copies into this run's places (none where the shorter run is this very file) */
      int crc = same ? 0 : copy_file(e->output, p->output.path);
      const int have_ckpt = best == shorter || (e->ckpt_digest[0] && intact(e->checkpoint, e->ckpt_size, e->ckpt_digest));
      if (!crc && have_ckpt && !same_file(e->checkpoint, ckpt)) crc = copy_file(e->checkpoint, ckpt);
      if (crc) {
        rc = NFCS_ERROR(ctx, NFCS_ERR_CANTCREAT, "cache: cannot copy the cached run %s to %s: %s (--no-cache computes it)", e->output,
                        p->output.path, strerror(errno));
      } else if (whole) {
        /* the copy is the same bytes: into the index with the digests just checked, not read again */
        plan->verdict = NFCS_CACHE_REUSED;
        entry copy = *e;
        copy.created = copy.used = now_unix();
        if (!realpath(p->output.path, copy.output)) snprintf(copy.output, sizeof copy.output, "%s", p->output.path);
        if (!have_ckpt) copy.ckpt_digest[0] = '\0';
        if (!realpath(ckpt, copy.checkpoint)) snprintf(copy.checkpoint, sizeof copy.checkpoint, "%s", ckpt);
        e = NULL; /* add_entry may move the entries */
        if (add_entry(&x, &copy)) rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
      } else {
        plan->verdict = NFCS_CACHE_CONTINUED;
        snprintf(plan->restart, sizeof plan->restart, "%s", ckpt);
      }
    }
  }
  const int wrc = index_close(ctx, &x, changed);
  return rc ? rc : wrc;
}

int nfcs_cache_record(nfcs_ctx *ctx, const char *dir, const nfcs_params *p, const char *key, double t_end) {
  entry e = {.t_end = t_end};
  snprintf(e.key, sizeof e.key, "%s", key);
  char ckpt[NFCS_PATH_MAX + 16];
  nfcs_checkpoint_path(p, ckpt, sizeof ckpt);
  struct stat st;
  if (!realpath(p->output.path, e.output) || stat(e.output, &st) || nfcs_sha256_file(e.output, e.digest))
    return NFCS_ERROR(ctx, NFCS_ERR_IO, "cache: cannot read the output %s: %s", p->output.path, strerror(errno));
  e.size = (long long)st.st_size;
  if (realpath(ckpt, e.checkpoint) && !stat(e.checkpoint, &st) && !nfcs_sha256_file(e.checkpoint, e.ckpt_digest))
    e.ckpt_size = (long long)st.st_size;
  else
    e.ckpt_digest[0] = '\0', snprintf(e.checkpoint, sizeof e.checkpoint, "%s", ckpt);
  e.created = e.used = now_unix();
  cindex x;
  int rc = index_open(ctx, dir, &x);
  if (!rc) {
    if (add_entry(&x, &e)) rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  }
  const int wrc = index_close(ctx, &x, !rc);
  return rc ? rc : wrc;
}

/* ---------------------------------------------------------------- nfcs cache list | prune */

typedef struct walk { FILE *f; double total; int n; } walk;

static void show_file(void *user, const char *path, double bytes, double used) {
  walk *w = user;
  char when[32];
  const time_t t = (time_t)used;
  strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime(&t));
  fprintf(w->f, "  %10.1f MB  used %s  %s\n", bytes / 1e6, when, path);
  w->total += bytes;
  w->n++;
}

int nfcs_cache_list(nfcs_ctx *ctx, const char *dir, FILE *f) {
  cindex x;
  int rc = index_open(ctx, dir, &x);
  if (!rc) {
    fprintf(f, "cache %s\nfinished runs (%d):\n", dir, x.n);
    for (int i = 0; i < x.n; i++) {
      const entry *e = &x.e[i];
      struct stat st;
      const char *state = stat(e->output, &st) ? "gone" : (long long)st.st_size != e->size ? "changed" : "ok";
      char when[32];
      const time_t t = (time_t)e->used;
      strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime(&t));
      fprintf(f, "  %.12s  t_end %-10.6g %10.1f MB  used %s  %-7s %s\n", e->key, e->t_end, (double)e->size / 1e6, when, state, e->output);
    }
    walk w = {.f = f};
    fprintf(f, "prepared data (least recently used first):\n");
    nfcs_cache_each_file(dir, show_file, &w);
    fprintf(f, "  %d files, %.1f MB (cache.max_size bounds them)\n", w.n, w.total / 1e6);
  }
  index_close(ctx, &x, 0);
  return rc;
}

static void said_removed(void *user, const char *path, double bytes) {
  walk *w = user;
  fprintf(w->f, "  removed %s (%.1f MB)\n", path, bytes / 1e6);
  w->total += bytes;
  w->n++;
}

int nfcs_cache_prune(nfcs_ctx *ctx, const char *dir, double max_bytes, FILE *f) {
  cindex x;
  int rc = index_open(ctx, dir, &x);
  int dropped = 0;
  if (!rc)
    for (int i = 0; i < x.n; i++)
      if (!intact(x.e[i].output, x.e[i].size, x.e[i].digest)) {
        fprintf(f, "  dropped the entry of %s (gone or changed)\n", x.e[i].output);
        drop(&x, i--);
        dropped++;
      }
  const int wrc = index_close(ctx, &x, !rc && dropped);
  if (rc) return rc;
  walk w = {.f = f};
  const double left = nfcs_cache_prune_files(dir, max_bytes, said_removed, &w);
  fprintf(f, "cache %s: %d entries dropped, %d files removed (%.1f MB); %.1f MB of prepared data left (at most %.1f MB)\n", dir, dropped,
          w.n, w.total / 1e6, left / 1e6, max_bytes / 1e6);
  return wrc;
}
