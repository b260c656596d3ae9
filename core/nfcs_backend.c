/* The backend registry (DESIGN.md style 5): implementations picked by name.  The cpu backend is
 * linked in (library nfcs_cpu); the others are modules loaded with dlopen the first time a run, a
 * test or `nfcs info` asks for them, so that a CPU run maps no GPU library.  Both kinds are handed
 * the same host services through the same entry-point contract (nfcs_backend.h). */
#include "nfcs_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* kernels/cpu_backend.c */
extern const nfcs_backend_type *nfcs_backend_cpu_entry(const nfcs_backend_host *host, long abi);

/* a backend built as a module, and what became of loading it */
typedef struct loadable {
  const char *name, *file;
  int built;                     /* the build made the module */
  const nfcs_backend_type *type; /* the module's type once loaded */
  char why[1024];                /* why it is not there */
  int tried;
} loadable;

static loadable MODULES[] = {
  {"cuda", "libnfcs_cuda.so", NFCS_HAVE_CUDA_BACKEND, NULL, "", 0},
};
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static const nfcs_backend_host HOST = {.error_vraise = nfcs_error_vraise, .ctx_threads = nfcs_ctx_threads};

/* the linked-in cpu backend, through its entry point (built with this engine: it accepts the ABI) */
static const nfcs_backend_type *cpu_backend;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static void cpu_init(void) { cpu_backend = nfcs_backend_cpu_entry(&HOST, NFCS_BACKEND_ABI); }
static const nfcs_backend_type *cpu_type(void) {
  pthread_once(&cpu_once, cpu_init);
  return cpu_backend;
}

/* Try dir/file: 1 when it loaded (m->type set), 0 when there is no such file, -1 when it failed
 * (the reason in m->why). */
static int try_load(loadable *m, const char *dir) {
  char path[NFCS_PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/%s", dir, m->file);
  if (access(path, R_OK) != 0) return 0;
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    snprintf(m->why, sizeof m->why, "cannot load %s: %s", path, dlerror());
    return -1;
  }
  nfcs_backend_module_fn entry;
  *(void **)&entry = dlsym(h, "nfcs_backend_module");
  const nfcs_backend_type *t = entry ? entry(&HOST, NFCS_BACKEND_ABI) : NULL;
  if (!t) {
    snprintf(m->why, sizeof m->why, "%s was built for another nfcs (%s)", path, entry ? "its interface differs" : "no entry point");
    dlclose(h);
    return -1;
  }
  m->type = t; /* kept loaded for the life of the process */
  return 1;
}

/* the folders a module is looked for in: $NFCS_MODULE_PATH, the executable's folder, its parent
 * (a build tree's tests/), its ../lib/nfcs (an install tree), and the configured install folder */
static void load(loadable *m) {
  pthread_mutex_lock(&load_lock);
  if (m->tried) {
    pthread_mutex_unlock(&load_lock);
    return;
  }
  m->tried = 1;
  if (!m->built) {
    snprintf(m->why, sizeof m->why, "not built into this nfcs (the %s toolkit was not found at configure time)", m->name);
    pthread_mutex_unlock(&load_lock);
    return;
  }
  char dirs[8][NFCS_PATH_MAX];
  int nd = 0;
  const char *env = getenv("NFCS_MODULE_PATH");
  if (env && *env) {
    char *copy = strdup(env), *save = NULL;
    for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d && nd < 4; d = strtok_r(NULL, ":", &save))
      snprintf(dirs[nd++], NFCS_PATH_MAX, "%s", d);
    free(copy);
  }
  char exe[NFCS_PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(dirs[nd++], NFCS_PATH_MAX, "%s", exe);
    snprintf(dirs[nd++], NFCS_PATH_MAX, "%s/..", exe);
    snprintf(dirs[nd++], NFCS_PATH_MAX, "%s/../lib/nfcs", exe);
  }
  snprintf(dirs[nd++], NFCS_PATH_MAX, "%s", NFCS_MODULE_INSTALL_DIR);
  int failed = 0;
  for (int i = 0; i < nd && !m->type; i++) {
    const int r = try_load(m, dirs[i]);
    failed |= r < 0;
  }
  if (!m->type && !failed) {
    size_t len = (size_t)snprintf(m->why, sizeof m->why, "the module %s is not in", m->file);
    for (int i = 0; i < nd && len < sizeof m->why; i++)
      len += (size_t)snprintf(m->why + len, sizeof m->why - len, "%s %s", i ? "," : "", dirs[i]);
  }
  pthread_mutex_unlock(&load_lock);
}

/* the stand-in of a module that is not there: it says why */
static int cuda_missing(char *why, size_t len) {
  snprintf(why, len, "%s", MODULES[0].why);
  return 0;
}
static int missing_create(nfcs_ctx *ctx, void **self) {
  (void)self;
  return NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "backend module not loaded");
}
static const nfcs_backend_type CUDA_MISSING = {"cuda", "CUDA: cuFFT + the project's kernels (module libnfcs_cuda.so)",
                                               cuda_missing, missing_create, NULL, NULL};

static const nfcs_backend_type *module_type(loadable *m) {
  load(m);
  return m->type ? m->type : &CUDA_MISSING;
}

const nfcs_backend_type *const *nfcs_backend_types(size_t *count) {
  static const nfcs_backend_type *list[1 + sizeof MODULES / sizeof MODULES[0]];
  list[0] = cpu_type();
  for (size_t i = 0; i < sizeof MODULES / sizeof MODULES[0]; i++) list[1 + i] = module_type(&MODULES[i]);
  *count = 1 + sizeof MODULES / sizeof MODULES[0];
  return list;
}

const nfcs_backend_type *nfcs_backend_find(const char *name) {
  if (!strcmp(name, cpu_type()->name)) return cpu_type();
  for (size_t i = 0; i < sizeof MODULES / sizeof MODULES[0]; i++)
    if (!strcmp(MODULES[i].name, name)) return module_type(&MODULES[i]);
  return NULL;
}

int nfcs_ctx_use_backend(nfcs_ctx *ctx, const char *name) {
  const nfcs_backend_type *t = nfcs_backend_find(name);
  if (!t)
    return NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "backend '%s' is not built into this nfcs (nfcs info lists the backends)", name);
  char why[1024] = "";
  if (!t->available(why, sizeof why))
    return NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "backend '%s' is not available on this machine: %s", name, why);
  if (ctx->backend && ctx->ops->destroy) ctx->ops->destroy(&ctx->backend);
  ctx->backend_type = t;
  ctx->ops = t->ops;
  return t->create(ctx, &ctx->backend);
}

size_t nfcs_backend_count(void) { return 1 + sizeof MODULES / sizeof MODULES[0]; }

void nfcs_backend_describe(size_t i, nfcs_backend_info *out) {
  memset(out, 0, sizeof *out);
  size_t n;
  const nfcs_backend_type *const *types = nfcs_backend_types(&n);
  if (i >= n) return;
  const nfcs_backend_type *t = types[i];
  out->name = t->name;
  out->description = t->description;
  out->available = t->available(out->why, sizeof out->why);
  if (t->libraries) t->libraries(out->libraries, sizeof out->libraries);
}
