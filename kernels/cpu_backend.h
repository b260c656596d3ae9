/* The CPU backend's private state, shared by its files. */
#ifndef NFCS_CPU_BACKEND_H
#define NFCS_CPU_BACKEND_H

#include "nfcs_internal.h"

/* The cpu backend calls no function of core (the library nfcs_cpu sits below nfcs_core): errors
 * are recorded through the host's services, handed over at its entry point. */
extern const nfcs_backend_host *nfcs_cpu_host;
int nfcs_cpu_error(nfcs_ctx *ctx, int code, const char *file, int line, const char *func, const char *fmt, ...)
    NFCS_PRINTF(6, 7);
#undef NFCS_ERROR
#define NFCS_ERROR(ctx, code, ...) nfcs_cpu_error((ctx), (code), __FILE__, __LINE__, __func__, __VA_ARGS__)

typedef struct nfcs_cpu {
  nfcs_ctx *ctx;
  int threads;
} nfcs_cpu;

/* below this many points (or operations: a network's oscillators, its multiply-adds) a loop runs
 * on one thread: fork and join cost more than they save (measured in docs/performance.md) */
#define NFCS_CPU_PAR_MIN 8192
static inline int nfcs_cpu_threads_for(const void *self, double work) {
  return work > NFCS_CPU_PAR_MIN ? ((const nfcs_cpu *)self)->threads : 1;
}

/* pointwise kernels (kernels/cpu_pointwise.c, built with vector math) */
int nfcs_cpu_cgl_local(void *self, nfcs_real *phi, const nfcs_real *src, size_t n, const nfcs_local_step *s);
int nfcs_cpu_cmul_separable(void *self, nfcs_real *x, const nfcs_grid *g, const nfcs_real *fx, const nfcs_real *fy,
                             const nfcs_real *fz);
int nfcs_cpu_cgl_euler(void *self, nfcs_real *phi, size_t n, double dt, double c3, const nfcs_forcing *u);
int nfcs_cpu_cgl_nonlinear(void *self, nfcs_real *out, const nfcs_real *phi, size_t n, double c3, const nfcs_forcing *u);
int nfcs_cpu_axpby(void *self, nfcs_real *out, const nfcs_real *A, const nfcs_real *x, const nfcs_real *B,
                    const nfcs_real *y, size_t n);
int nfcs_cpu_axpb2yz(void *self, nfcs_real *out, const nfcs_real *A, const nfcs_real *x, const nfcs_real *B,
                      const nfcs_real *y, const nfcs_real *z, size_t n);
int nfcs_cpu_etd_final(void *self, nfcs_real *v, const nfcs_real *E, const nfcs_real *f1, const nfcs_real *f2,
                        const nfcs_real *f3, const nfcs_real *Nv, const nfcs_real *Na, const nfcs_real *Nb,
                        const nfcs_real *Nc, size_t n, const nfcs_noise *noise, const nfcs_real *mask);
/* metrics (kernels/cpu_metrics.c) */
int nfcs_cpu_cgl_moments(void *self, const nfcs_real *phi, size_t n, double *sum_abs, double *sum_abs2);
int nfcs_cpu_cgl_k2_sum(void *self, const nfcs_real *spec, const nfcs_grid *g, double *sum);
int nfcs_cpu_cgl_phase_metrics(void *self, const nfcs_real *phi, const nfcs_grid *g, nfcs_real *work, double *rho_sum,
                                int64_t *positive, int64_t *negative);
/* Kuramoto (kernels/cpu_kuramoto.c, kernels/cpu_kuramoto_exact.c) */
int nfcs_cpu_kur_rhs(void *self, const nfcs_kur_rhs *r, const double *theta, double a, const double *dir, double *out);
int nfcs_cpu_kur_rk4_final(void *self, double *theta, const double *k1, const double *k2, const double *k3,
                            const double *k4, double dt, int64_t n);
int nfcs_cpu_kur_predict(void *self, double *out, const double *theta, const double *f1, double dt, double sigma,
                          const nfcs_noise *noise, int64_t n);
int nfcs_cpu_kur_noise_step(void *self, double *theta, const double *f1, const double *f2, double dt,
                             const nfcs_noise *noise, int64_t n);
int nfcs_cpu_kur_order(void *self, const double *theta, int64_t n, double *part, double *re, double *im);
/* additive noise (kernels/cpu_noise.c, exact libm so that every backend draws the same numbers) */
void nfcs_cpu_add_noise(int threads, nfcs_real *x, size_t n, const nfcs_noise *noise, const nfcs_real *mask);
/* every row of this process's modes in the grid's spectral layout with a separable multiplier
 * (cpu_pointwise.c): row(arg, index of the row's first mode, modes in the row, the product of the
 * slow axes' factors ar + i ai, the fast axis's factors ff) */
typedef void (*nfcs_cpu_sep_row_fn)(const void *arg, size_t first, int64_t n2, nfcs_real ar, nfcs_real ai, const nfcs_real *ff);
void nfcs_cpu_sep_rows(int threads, const nfcs_grid *g, const nfcs_real *fx, const nfcs_real *fy, const nfcs_real *fz,
                       nfcs_cpu_sep_row_fn row, const void *arg);
void nfcs_cpu_add_noise_sep(int threads, nfcs_real *x, const nfcs_grid *g, const nfcs_noise *noise, const nfcs_real *ex,
                            const nfcs_real *ey, const nfcs_real *ez);
int nfcs_cpu_etd_stage_sep(void *self, nfcs_real *out, const nfcs_grid *g, const nfcs_real *ex, const nfcs_real *ey,
                           const nfcs_real *ez, const nfcs_real *x, const nfcs_real *Q, const nfcs_real *y, const nfcs_real *z);
int nfcs_cpu_etd_final_sep(void *self, nfcs_real *v, const nfcs_grid *g, const nfcs_real *ex, const nfcs_real *ey, const nfcs_real *ez,
                           const nfcs_real *f1, const nfcs_real *f2, const nfcs_real *f3, const nfcs_real *Nv, const nfcs_real *Na,
                           const nfcs_real *Nb, const nfcs_real *Nc, const nfcs_noise *noise);

#endif
