/* The CPU backend's private state, shared by its files. */
#ifndef NFCS_CPU_BACKEND_H
#define NFCS_CPU_BACKEND_H

#include "nfcs_internal.h"

typedef struct nfcs_cpu {
  nfcs_ctx *ctx;
  int threads;
} nfcs_cpu;

/* below this many points a loop runs on one thread (fork/join costs more than it saves) */
#define NFCS_CPU_PAR_MIN 8192

/* pointwise kernels (kernels/cpu_pointwise.c, built with vector math) */
void nfcs_cpu_cgl_local(void *self, nfcs_real *phi, const nfcs_real *src, size_t n, const nfcs_local_step *s);
void nfcs_cpu_cmul(void *self, nfcs_real *x, const nfcs_real *coef, size_t n);
void nfcs_cpu_cmul_to(void *self, nfcs_real *out, const nfcs_real *x, const nfcs_real *coef, size_t n);
void nfcs_cpu_cmul_separable(void *self, nfcs_real *x, const nfcs_grid *g, const nfcs_real *fx, const nfcs_real *fy,
                             const nfcs_real *fz);
void nfcs_cpu_cgl_euler(void *self, nfcs_real *phi, size_t n, double dt, double c3, const nfcs_forcing *u);
void nfcs_cpu_cgl_nonlinear(void *self, nfcs_real *out, const nfcs_real *phi, size_t n, double c3, const nfcs_forcing *u);
void nfcs_cpu_axpby(void *self, nfcs_real *out, const nfcs_real *A, const nfcs_real *x, const nfcs_real *B,
                    const nfcs_real *y, size_t n);
void nfcs_cpu_axpb2yz(void *self, nfcs_real *out, const nfcs_real *A, const nfcs_real *x, const nfcs_real *B,
                      const nfcs_real *y, const nfcs_real *z, size_t n);
void nfcs_cpu_etd_final(void *self, nfcs_real *v, const nfcs_real *E, const nfcs_real *f1, const nfcs_real *f2,
                        const nfcs_real *f3, const nfcs_real *Nv, const nfcs_real *Na, const nfcs_real *Nb,
                        const nfcs_real *Nc, size_t n, const nfcs_noise *noise, const nfcs_real *mask);
/* additive noise (kernels/cpu_noise.c, exact libm so that every backend draws the same numbers) */
void nfcs_cpu_add_noise(int threads, nfcs_real *x, size_t n, const nfcs_noise *noise, const nfcs_real *mask);

#endif
