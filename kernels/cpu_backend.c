/* The CPU backend: memory, FFTW plans (threads through FFTW's OpenMP library, so FFTs and the
 * engine's loops share one OpenMP pool), wisdom kept between runs, finiteness checks. */
#include "cpu_backend.h"
#include "cpu_fft.h"

#include <errno.h>
#include <stdarg.h>
#include <cblas.h>
#include <fftw3.h>
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if NFCS_SINGLE
#define FFTW(name) fftwf_##name
typedef fftwf_complex fft_cplx;
#define WISDOM_NAME "fftw-wisdom-single"
#else
#define FFTW(name) fftw_##name
typedef fftw_complex fft_cplx;
#define WISDOM_NAME "fftw-wisdom-double"
#endif

struct nfcs_fft {
  FFTW(plan) fwd, inv;
  int mpi; /* FFTW-MPI plans (executed through fftw_mpi_execute_dft) */
};

static pthread_once_t fftw_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;
static void fftw_global_init(void) {
  FFTW(init_threads)();
  FFTW(make_planner_thread_safe)();
}
void nfcs_cpu_fftw_init(void) { pthread_once(&fftw_once, fftw_global_init); }

static void wisdom_path(const nfcs_ctx *ctx, char *out, size_t len) {
  out[0] = '\0';
  if (!ctx->fft_wisdom[0]) return;
  if (strcmp(ctx->fft_wisdom, "auto") != 0) {
    snprintf(out, len, "%s", ctx->fft_wisdom);
    return;
  }
  /* the context's cache folder (cache.dir, else $XDG_CACHE_HOME/nfcs or ~/.cache/nfcs), made with
   * its missing parents quietly (XDG_CACHE_HOME need not exist yet); no wisdom is fine too */
  const char *dir = ctx->cache_dir;
  if (!dir[0] || nfcs_make_dirs(dir)) return;
  if (strlen(dir) + sizeof WISDOM_NAME + 2 > len) return;
  snprintf(out, len, "%s/%s", dir, WISDOM_NAME);
}

static int cpu_available(char *why, size_t len) { (void)why; (void)len; return 1; }

static int cpu_create(nfcs_ctx *ctx, void **self) {
  pthread_once(&fftw_once, fftw_global_init);
  nfcs_cpu *c = calloc(1, sizeof *c);
  if (!c) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory creating the CPU backend");
  c->ctx = ctx;
  c->threads = nfcs_cpu_host->ctx_threads(ctx);
  /* OpenBLAS is only called outside the engine's OpenMP regions; give it the same thread count
   * (Debian's default build uses its own pthreads) */
  openblas_set_num_threads(c->threads);
  char path[NFCS_PATH_MAX];
  wisdom_path(ctx, path, sizeof path);
  if (path[0]) {
    pthread_mutex_lock(&planner_lock);
    FFTW(import_wisdom_from_filename)(path); /* absent or stale wisdom is not an error */
    pthread_mutex_unlock(&planner_lock);
  }
  *self = c;
  return NFCS_OK;
}

static void cpu_destroy(void **self) {
  if (!self || !*self) return;
  free(*self);
  *self = NULL;
}

static int cpu_alloc(void *self, size_t n, nfcs_real **out) {
  nfcs_cpu *c = self;
  nfcs_real *p = (nfcs_real *)FFTW(malloc)(sizeof(nfcs_real) * 2 * (n ? n : 1));
  if (!p) return NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory: %zu complex values", n);
  /* first touch by the threads that will use the pages */
  const int nt = nfcs_cpu_threads_for(c, (double)n);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (size_t i = 0; i < 2 * n; i++) p[i] = 0;
  *out = p;
  return NFCS_OK;
}

static void cpu_free(void *self, nfcs_real *p) { (void)self; if (p) FFTW(free)(p); }

static int cpu_copy(void *self, nfcs_real *dst, const nfcs_real *src, size_t n) {
  nfcs_cpu *c = self;
  if (dst == src) return NFCS_OK;
  const int nt = nfcs_cpu_threads_for(c, (double)n);
#pragma omp parallel for simd num_threads(nt) schedule(static)
  for (size_t i = 0; i < 2 * n; i++) dst[i] = src[i];
  return NFCS_OK;
}

static int cpu_fft_create(void *self, const nfcs_grid *g, nfcs_real *phys, nfcs_real *spec, nfcs_fft **out) {
  nfcs_cpu *c = self;
  nfcs_fft *f = calloc(1, sizeof *f);
  if (!f) return NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory");
  int dims[3];
  for (int a = 0; a < g->dim; a++) dims[a] = (int)g->n[g->dim - 1 - a]; /* C order: slowest first */
  static const unsigned flags_of[] = {FFTW_ESTIMATE, FFTW_MEASURE, FFTW_PATIENT, FFTW_EXHAUSTIVE};
  unsigned flags = flags_of[c->ctx->fft_planner & 3];
  /* several processes: every plan by estimate.  Timed plans of the distributed transform were
   * seen to differ from run to run in the last bits (and a run on P processes must repeat bit for
   * bit), and a grid each process holds whole (a line) must be transformed alike everywhere. */
  if (nfcs_cpu_mpi_size() > 1) flags = FFTW_ESTIMATE;
  pthread_mutex_lock(&planner_lock);
#ifdef _OPENMP
  FFTW(plan_with_nthreads)(c->threads);
#else
  FFTW(plan_with_nthreads)(1); /* built without OpenMP: FFTW's OpenMP threads would be the only ones */
#endif
  int keeper = 1; /* this process keeps the wisdom */
#if NFCS_HAVE_MPI
  if (g->distributed) {
    keeper = nfcs_cpu_fft_mpi_plan(c, g, phys, spec, flags, &f->fwd, &f->inv) == 0;
    f->mpi = 1;
  } else
#endif
  {
    f->fwd = FFTW(plan_dft)(g->dim, dims, (fft_cplx *)phys, (fft_cplx *)spec, FFTW_FORWARD, flags);
    f->inv = FFTW(plan_dft)(g->dim, dims, (fft_cplx *)spec, (fft_cplx *)phys, FFTW_BACKWARD, flags);
  }
  char path[NFCS_PATH_MAX];
  wisdom_path(c->ctx, path, sizeof path);
  if (path[0] && keeper && f->fwd && f->inv) {
    char tmp[NFCS_PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if (FFTW(export_wisdom_to_filename)(tmp)) rename(tmp, path);
    else unlink(tmp);
  }
  pthread_mutex_unlock(&planner_lock);
  if (!f->fwd || !f->inv) {
    free(f);
    return NFCS_ERROR(c->ctx, NFCS_ERR_SOFTWARE, "FFTW could not plan a %dD transform", g->dim);
  }
  *out = f;
  return NFCS_OK;
}

static void cpu_fft_destroy(void *self, nfcs_fft **f) {
  (void)self;
  if (!f || !*f) return;
  pthread_mutex_lock(&planner_lock);
  FFTW(destroy_plan)((*f)->fwd);
  FFTW(destroy_plan)((*f)->inv);
  pthread_mutex_unlock(&planner_lock);
  free(*f);
  *f = NULL;
}

static int cpu_fft_forward(void *self, nfcs_fft *f, const nfcs_real *in, nfcs_real *out) {
  (void)self;
#if NFCS_HAVE_MPI
  if (f->mpi) {
    nfcs_cpu_fft_mpi_execute(f->fwd, in, out);
    return NFCS_OK;
  }
#endif
  FFTW(execute_dft)(f->fwd, (fft_cplx *)(void *)(uintptr_t)in, (fft_cplx *)out);
  return NFCS_OK;
}

static int cpu_fft_inverse(void *self, nfcs_fft *f, const nfcs_real *in, nfcs_real *out) {
  (void)self;
#if NFCS_HAVE_MPI
  if (f->mpi) {
    nfcs_cpu_fft_mpi_execute(f->inv, in, out);
    return NFCS_OK;
  }
#endif
  FFTW(execute_dft)(f->inv, (fft_cplx *)(void *)(uintptr_t)in, (fft_cplx *)out);
  return NFCS_OK;
}

static int cpu_upload(void *self, nfcs_real *dst, const nfcs_real *src, size_t n) { return cpu_copy(self, dst, src, n); }
static int cpu_download(void *self, nfcs_real *dst, const nfcs_real *src, size_t n) { return cpu_copy(self, dst, src, n); }

static int cpu_alloc_bytes(void *self, size_t bytes, void **out) {
  nfcs_cpu *c = self;
  void *p = FFTW(malloc)(bytes ? bytes : 1);
  if (!p) return NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory: %zu bytes", bytes);
  *out = p;
  return NFCS_OK;
}
static void cpu_free_bytes(void *self, void *p) { (void)self; if (p) FFTW(free)(p); }
static int cpu_copy_bytes(void *self, void *dst, const void *src, size_t bytes) {
  (void)self;
  if (dst != src) memcpy(dst, src, bytes);
  return NFCS_OK;
}

static int cpu_all_finite_real(void *self, const double *x, size_t n, int *finite) {
  nfcs_cpu *c = self;
  const int nt = nfcs_cpu_threads_for(c, (double)n);
  int bad = 0;
#pragma omp parallel for num_threads(nt) schedule(static) reduction(| : bad)
  for (size_t i = 0; i < n; i++) bad |= !isfinite(x[i]);
  *finite = !bad;
  return NFCS_OK;
}

static int cpu_all_finite(void *self, const nfcs_real *x, size_t n, int *finite) {
  nfcs_cpu *c = self;
  const int nt = nfcs_cpu_threads_for(c, (double)n);
  int bad = 0;
#pragma omp parallel for num_threads(nt) schedule(static) reduction(| : bad)
  for (size_t i = 0; i < 2 * n; i++) bad |= !isfinite(x[i]);
  *finite = !bad;
  return NFCS_OK;
}

static const nfcs_memory_ops CPU_MEMORY = {
  .host = 1,
  .alloc = cpu_alloc,
  .free = cpu_free,
  .upload = cpu_upload,
  .download = cpu_download,
  .copy = cpu_copy,
  .alloc_bytes = cpu_alloc_bytes,
  .free_bytes = cpu_free_bytes,
  .upload_bytes = cpu_copy_bytes,
  .download_bytes = cpu_copy_bytes,
};
static const nfcs_fft_ops CPU_FFT = {
  .create = cpu_fft_create,
  .destroy = cpu_fft_destroy,
  .forward = cpu_fft_forward,
  .inverse = cpu_fft_inverse,
  .distribute = nfcs_cpu_fft_distribute,
};
static const nfcs_field_ops CPU_FIELD = {
  .local = nfcs_cpu_cgl_local,
  .cmul_separable = nfcs_cpu_cmul_separable,
  .euler = nfcs_cpu_cgl_euler,
  .nonlinear = nfcs_cpu_cgl_nonlinear,
  .axpby = nfcs_cpu_axpby,
  .axpb2yz = nfcs_cpu_axpb2yz,
  .etd_final = nfcs_cpu_etd_final,
  .etd_stage_sep = nfcs_cpu_etd_stage_sep,
  .etd_final_sep = nfcs_cpu_etd_final_sep,
};
static const nfcs_network_ops CPU_NETWORK = {
  .rhs = nfcs_cpu_kur_rhs,
  .rk4_final = nfcs_cpu_kur_rk4_final,
  .predict = nfcs_cpu_kur_predict,
  .noise_step = nfcs_cpu_kur_noise_step,
  .order = nfcs_cpu_kur_order,
};
static const nfcs_reduce_ops CPU_REDUCE = {
  .all_finite = cpu_all_finite,
  .all_finite_real = cpu_all_finite_real,
  .moments = nfcs_cpu_cgl_moments,
  .k2_sum = nfcs_cpu_cgl_k2_sum,
  .phase_metrics = nfcs_cpu_cgl_phase_metrics,
};
static const nfcs_backend_ops CPU_OPS = {
  .memory = &CPU_MEMORY,
  .fft = &CPU_FFT,
  .field = &CPU_FIELD,
  .network = &CPU_NETWORK,
  .reduce = &CPU_REDUCE,
  .destroy = cpu_destroy,
};


static void cpu_libraries(char *out, size_t len) {
#if NFCS_SINGLE
  const char *fftw = fftwf_version;
#else
  const char *fftw = fftw_version;
#endif
#ifdef _OPENMP
  snprintf(out, len, "%s; %s; OpenMP %d", fftw, openblas_get_config(), _OPENMP);
#else
  snprintf(out, len, "%s; %s; no OpenMP (one thread)", fftw, openblas_get_config());
#endif
}

static const nfcs_backend_type CPU_TYPE = {
  .name = "cpu",
  .description = "OpenMP loops + FFTW3 (OpenMP threads) + OpenBLAS",
  .available = cpu_available,
  .create = cpu_create,
  .ops = &CPU_OPS,
  .libraries = cpu_libraries,
};

const nfcs_backend_host *nfcs_cpu_host;

int nfcs_cpu_error(nfcs_ctx *ctx, int code, const char *file, int line, const char *func, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int rc = nfcs_cpu_host ? nfcs_cpu_host->error_vraise(ctx, code, file, line, func, fmt, ap) : code;
  va_end(ap);
  return rc;
}

/* the entry point (nfcs_backend.h): the registry of core calls it once */
const nfcs_backend_type *nfcs_backend_cpu_entry(const nfcs_backend_host *host, long abi);
const nfcs_backend_type *nfcs_backend_cpu_entry(const nfcs_backend_host *host, long abi) {
  if (abi != NFCS_BACKEND_ABI || !host) return NULL;
  nfcs_cpu_host = host;
  return &CPU_TYPE;
}
