/* What a run needs from the machine, checked before anything is allocated or written (SPEC.md 1):
 * files (outputs never overwrite inputs, the outputs' folders are there to write in) and memory
 * (an estimate from the modules, against what the machine has). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nfcs_internal.h"
#include "nfcs_module.h"
#include "nfcs_run.h"

/* One file of the run: its key (or a name for the message), its path, and its identity: device and
 * inode when it exists, else the canonical path it would have (its folder resolved). */
typedef struct file_id {
  const char *key;
  char path[NFCS_PATH_MAX * 2];
  int exists;
  dev_t dev;
  ino_t ino;
  char canon[PATH_MAX + NFCS_PATH_MAX];
  int output;     /* 1: written by the run; 2: written best effort (its folder is not required) */
} file_id;

static void identify(file_id *f) {
  struct stat st;
  f->exists = stat(f->path, &st) == 0;
  if (f->exists) {
    f->dev = st.st_dev;
    f->ino = st.st_ino;
  }
  /* the canonical path of a file that may not exist yet: the real path of its folder + its name */
  char dir[NFCS_PATH_MAX * 2], real[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", f->path);
  char *slash = strrchr(dir, '/');
  const char *base = slash ? slash + 1 : f->path;
  if (slash == dir) snprintf(dir, sizeof dir, "/");
  else if (slash) *slash = '\0';
  else snprintf(dir, sizeof dir, ".");
  if (realpath(dir, real)) snprintf(f->canon, sizeof f->canon, "%s/%s", real, base);
  else snprintf(f->canon, sizeof f->canon, "%s", f->path);
}

static int same_file(const file_id *a, const file_id *b) {
  if (a->exists && b->exists) return a->dev == b->dev && a->ino == b->ino;
  return strcmp(a->canon, b->canon) == 0;
}

/* the folder of a path exists, and files can be made in it: 0, or errno */
static int folder_writable(const char *path, char *dir, size_t len) {
  snprintf(dir, len, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash == dir) snprintf(dir, len, "/");
  else if (slash) *slash = '\0';
  else snprintf(dir, len, ".");
  struct stat st;
  if (stat(dir, &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  return access(dir, W_OK | X_OK) == 0 ? 0 : errno;
}

int nfcs_run_check_files(const nfcs_params *p, const char *restart, int for_run, nfcs_diags *diags) {
  enum { MAXF = 40 };
  static const char *const INPUT_NAME = "an input file";
  file_id *f = calloc(MAXF, sizeof *f);
  if (!f) {
    nfcs_diags_add(diags, NFCS_ERR_NOMEM, "nfcs: error: out of memory checking the run's files");
    return NFCS_ERR_NOMEM;
  }
  int n = 0, bad = 0;
  /* the outputs first */
  f[n].key = "output.path";
  f[n].output = 1;
  snprintf(f[n++].path, sizeof f->path, "%s", p->output.path);
  f[n].key = "output.checkpoint_path";
  f[n].output = 1;
  nfcs_checkpoint_path(p, f[n++].path, sizeof f->path);
  if (p->output.xdmf) {
    f[n].key = "output.xdmf";
    f[n].output = 1;
    nfcs_sidecar_path(p, f[n++].path, sizeof f->path);
  }
  if (p->monitor.textfile[0]) { /* live metrics: best effort, but never over another file of the run */
    f[n].key = "monitor.textfile";
    f[n].output = 2;
    snprintf(f[n++].path, sizeof f->path, "%s", p->monitor.textfile);
  }
  /* then what is read: the config, the checkpoint continued from, the model's input files */
  if (p->config_path[0]) {
    f[n].key = "the config file";
    snprintf(f[n++].path, sizeof f->path, "%s", p->config_path);
  }
  const int restart_at = n;
  if (restart && restart[0]) {
    f[n].key = "--restart";
    snprintf(f[n++].path, sizeof f->path, "%s", restart);
  }
  nfcs_input_file in[MAXF];
  const int nin = nfcs_params_input_files(p, in, MAXF - n);
  for (int i = 0; i < nin && n < MAXF; i++) {
    f[n].key = in[i].key ? in[i].key : INPUT_NAME;
    snprintf(f[n++].path, sizeof f->path, "%s", in[i].path);
  }
  for (int i = 0; i < n; i++) identify(&f[i]);
  for (int i = 0; i < n; i++) {
    if (!f[i].output) continue;
    for (int j = i + 1; j < n; j++) {
      /* a run's checkpoint replaces the one it continues from: the one pair that may agree */
      if (!strcmp(f[i].key, "output.checkpoint_path") && j == restart_at && restart && restart[0]) continue;
      if (!same_file(&f[i], &f[j])) continue;
      const char *key = f[i].key, *other = f[j].key;
      if (f[j].output)
        nfcs_params_error(p, diags, other, "names the same file as %s (%s): one output would replace the other", key, f[j].path);
      else if (!strcmp(other, "the config file") || !strcmp(other, "--restart"))
        nfcs_params_error(p, diags, key, "names %s (%s): an output never overwrites an input", other, f[j].path);
      else
        nfcs_params_error(p, diags, key, "names the same file as %s (%s): an output never overwrites an input", other, f[j].path);
      bad = 1;
    }
  }
  if (!bad && for_run) {
    for (int i = 0; i < restart_at && f[i].output; i++) {
      if (f[i].output == 2) continue;
      char dir[NFCS_PATH_MAX * 2];
      const int e = folder_writable(f[i].path, dir, sizeof dir);
      if (e) {
        nfcs_diags_add(diags, NFCS_ERR_CANTCREAT, "nfcs: error: %s: cannot write %s: its folder %s %s", f[i].key, f[i].path, dir,
                       e == ENOENT ? "does not exist" : e == ENOTDIR ? "is not a folder" : strerror(e));
        bad = 2;
      }
    }
  }
  free(f);
  return bad == 1 ? NFCS_ERR_CONFIG : bad == 2 ? NFCS_ERR_CANTCREAT : NFCS_OK;
}

double nfcs_run_memory(const nfcs_params *p, char *detail, size_t len) {
  size_t nmod;
  const nfcs_module_type *const *mods = nfcs_modules(&nmod);
  double total = 0;
  size_t o = 0;
  if (len) detail[0] = '\0';
  for (size_t m = 0; m < nmod; m++) {
    if (!p->present[m] || !mods[m]->memory) continue;
    const double b = mods[m]->memory(p);
    total += b;
    if (o < len) o += (size_t)snprintf(detail + o, len - o, "%s%s %.3g GB", o ? ", " : "", mods[m]->name, b / 1e9);
  }
  return total;
}

int nfcs_run_check_memory(const nfcs_params *p, nfcs_diags *diags) {
  char detail[256];
  const double need = nfcs_run_memory(p, detail, sizeof detail);
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const double have = pages > 0 && page > 0 ? (double)pages * (double)page : 0;
  if (have > 0 && need > have) {
    nfcs_diags_add(diags, NFCS_ERR_NOMEM, "nfcs: error: the run needs about %.3g GB of memory (%s), more than this machine's %.3g GB",
                   need / 1e9, detail, have / 1e9);
    return NFCS_ERR_NOMEM;
  }
  return NFCS_OK;
}
