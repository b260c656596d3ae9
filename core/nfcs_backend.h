/* NFCS core — the backend interface: a data pointer plus a table of operations (SUNDIALS
 * N_Vector, PETSc _VecOps).  core/ calls only these; kernels/ (CPU: FFTW + OpenMP) and cuda/
 * implement them.  Arrays are complex, interleaved (re, im), resident where the backend keeps
 * its memory (host for cpu, device for cuda); upload/download cross over. */
#ifndef NFCS_BACKEND_H
#define NFCS_BACKEND_H

#include "nfcs_base.h"
#include "nfcs_grid.h"

NFCS_EXTERN_C_BEGIN

/* An additive forcing u(x) = uniform + field(x) (field may be NULL) held fixed over a sub-step. */
typedef struct nfcs_forcing {
  double re, im;
  const nfcs_real *field;
} nfcs_forcing;

/* Additive complex white noise of one step: each point gets sigma (g1 + i g2), g standard
 * normals from Philox(seed, stream, point index, step).  sigma = 0: none. */
typedef struct nfcs_noise {
  double sigma;
  uint64_t seed;
  uint32_t stream;
  uint64_t step;
  /* the point's index in the draw is global, so that the noise does not depend on the number of
   * processes: base + i, or, for a distributed spectral array (spec non-NULL), the mode's index in
   * the whole grid (nfcs_grid_spec_global) */
  uint64_t base;
  const nfcs_grid *spec;
} nfcs_noise;

/* The local (pointwise) part of a Strang step, applied in this order at every point:
 *   phi += a_pre * u_pre;  phi <- N_h(phi);  phi += a_post * u_post;  phi += noise
 * where N_h is the exact flow of dphi/dt = phi - (1 + i c3)|phi|^2 phi over time h
 * (VALIDATION.md CGL 2): phi e^h D^{-(1 + i c3)/2}, D = 1 + |phi|^2 (e^{2h} - 1). */
typedef struct nfcs_local_step {
  double h, c3;
  double a_pre, a_post;
  nfcs_forcing u_pre, u_post;
  nfcs_noise noise;
} nfcs_local_step;

typedef struct nfcs_fft nfcs_fft; /* backend-owned FFT plan pair */

/* Everything a Kuramoto right-hand side needs (arrays in backend memory; phases are double in
 * every build):  f_i = omega_i + kappa sum_j K_ij sin(theta_j - theta_i - alpha_ij) + u_i. */
enum { NFCS_RHS_MEAN_FIELD = 1, NFCS_RHS_DENSE = 2, NFCS_RHS_SPARSE = 3 };
typedef struct nfcs_kur_rhs {
  int coupling;           /* NFCS_RHS_MEAN_FIELD, _DENSE (K, or W with lags) or _SPARSE (CSR) */
  int blas;               /* dense: OpenBLAS GEMM/GEMV instead of the fused row kernel */
  int64_t n;              /* oscillators of one member */
  int64_t members;        /* ensemble members M: arrays of phases are [M][N] */
  const double *gscale;   /* [M] coupling scale of each member (device) */
  double *x, *y;          /* work [N][2M] for the dense GEMM of an ensemble */
  double kappa;           /* 1 or 1/N */
  double K;               /* mean field: the scalar coupling */
  double cos_a, sin_a;    /* uniform phase lag alpha (mean field, sparse) */
  const double *Kmat;     /* dense [n, n] row-major (row i receives), or NULL */
  const double *W;        /* dense complex [n, n] interleaved, W = K e^{-i alpha}, or NULL */
  const int64_t *rowptr;  /* CSR [n + 1] */
  const int32_t *col;     /* CSR [nnz] */
  const double *w;        /* CSR [nnz] */
  const double *omega;    /* [n] */
  double u;               /* uniform control */
  const double *u_field;  /* per-oscillator control [n], or NULL */
  double *c, *s;          /* work [M][N]: cos and sin of the phases */
  double *work;           /* work [M][4N] (BLAS paths) */
  double *partial;        /* work [M][2 ceil(N / NFCS_KUR_BLOCK)] (mean field reduction) */
  /* One network shared by rows among the processes of a distributed run (members = 1): this
   * process's rows row0 .. row0 + rows - 1 of the n.  theta, omega, out, u_field and the rows of K
   * or of the CSR arrays are this process's; c and s hold all n — the kernel writes its rows at
   * row0, then exchange fills in the other processes' (one allgather of cos, sin).  The mean field
   * needs no exchange: reduce sums the order parameter (z[0], z[1]) over the processes.  One
   * process: rows = n, row0 = 0, exchange and reduce NULL. */
  int64_t rows, row0;
  int (*exchange)(void *user, double *c, double *s);
  int (*reduce)(void *user, double *z);
  void *user;
} nfcs_kur_rhs;

/* Reductions over oscillators use fixed blocks summed in order, so that the result does not
 * depend on the number of threads. */
#define NFCS_KUR_BLOCK 2048

/* The operations of a backend, in five small tables.  Every operation that computes returns a
 * status (0, or an error recorded in the context: a failed library or device call is
 * NFCS_ERR_SOFTWARE, exit 70, naming the call).  A table or an operation marked optional may be
 * NULL: core then uses a generic implementation (nfcs_backend_generic.c) or says the backend does
 * not run that module. */

/* Memory: n complex numbers (aligned for the backend's vector width), or raw bytes. */
typedef struct nfcs_memory_ops {
  int host;  /* backend memory is host memory: host arrays may be adopted instead of copied */
  int (*alloc)(void *self, size_t n, nfcs_real **out);
  void (*free)(void *self, nfcs_real *p);
  int (*upload)(void *self, nfcs_real *dst, const nfcs_real *host_src, size_t n);
  int (*download)(void *self, nfcs_real *host_dst, const nfcs_real *src, size_t n);
  int (*copy)(void *self, nfcs_real *dst, const nfcs_real *src, size_t n);
  int (*alloc_bytes)(void *self, size_t bytes, void **out);
  void (*free_bytes)(void *self, void *p);
  int (*upload_bytes)(void *self, void *dst, const void *host_src, size_t bytes);
  int (*download_bytes)(void *self, void *host_dst, const void *src, size_t bytes);
} nfcs_memory_ops;

/* FFTs of the grid, planned once on the given arrays (any arrays of the same size and alignment
 * may be passed at execution).  Unnormalised: inverse(forward(x)) = npts x. */
typedef struct nfcs_fft_ops {
  int (*create)(void *self, const nfcs_grid *g, nfcs_real *phys, nfcs_real *spec, nfcs_fft **plan);
  void (*destroy)(void *self, nfcs_fft **plan);
  int (*forward)(void *self, nfcs_fft *plan, const nfcs_real *in, nfcs_real *out);
  int (*inverse)(void *self, nfcs_fft *plan, const nfcs_real *in, nfcs_real *out);
  /* optional: share a 2D or 3D grid among the processes of a distributed run (collective: fills
   * the grid's local fields; a grid the processes cannot share is NFCS_ERR_CONFIG on every one);
   * plans and kernels then work on this process's part in the layout the grid describes.  NULL:
   * the backend runs fields on one process only. */
  int (*distribute)(void *self, nfcs_grid *g);
} nfcs_fft_ops;

/* The CGL field's pointwise stages. */
typedef struct nfcs_field_ops {
  int (*local)(void *self, nfcs_real *phi, const nfcs_real *src, size_t n, const nfcs_local_step *s);
  /* x *= fx[ix] fy[iy] fz[iz]: a separable Fourier multiplier from per-axis factors (n[a] complex
   * each; fy, fz unused beyond the grid's dimension).  Reads no full-size coefficient array. */
  int (*cmul_separable)(void *self, nfcs_real *x, const nfcs_grid *g, const nfcs_real *fx, const nfcs_real *fy,
                        const nfcs_real *fz);
  /* upstream explicit Euler of the local part: phi += dt (-(1 + i c3)|phi|^2 phi + u) */
  int (*euler)(void *self, nfcs_real *phi, size_t n, double dt, double c3, const nfcs_forcing *u);
  /* out = -(1 + i c3)|phi|^2 phi + u (in place allowed) */
  int (*nonlinear)(void *self, nfcs_real *out, const nfcs_real *phi, size_t n, double c3, const nfcs_forcing *u);
  /* out = A x + B y */
  int (*axpby)(void *self, nfcs_real *out, const nfcs_real *A, const nfcs_real *x, const nfcs_real *B, const nfcs_real *y,
               size_t n);
  /* out = A x + B (2 y - z) */
  int (*axpb2yz)(void *self, nfcs_real *out, const nfcs_real *A, const nfcs_real *x, const nfcs_real *B, const nfcs_real *y,
                 const nfcs_real *z, size_t n);
  /* ETDRK4 final stage: v = E v + f1 Nv + 2 f2 (Na + Nb) + f3 Nc + noise */
  int (*etd_final)(void *self, nfcs_real *v, const nfcs_real *E, const nfcs_real *f1, const nfcs_real *f2, const nfcs_real *f3,
                   const nfcs_real *Nv, const nfcs_real *Na, const nfcs_real *Nb, const nfcs_real *Nc, size_t n,
                   const nfcs_noise *noise, const nfcs_real *mask);
  /* optional, ETDRK4 with separable exponentials (ex, ey, ez per-axis factors in the layout of
   * cmul_separable; E(k) = ex[ix] ey[iy] ez[iz]), which then streams four full-size coefficient
   * arrays a step instead of six: the stages out = E x + Q w, w = y (z NULL) or 2 y - z ... */
  int (*etd_stage_sep)(void *self, nfcs_real *out, const nfcs_grid *g, const nfcs_real *ex, const nfcs_real *ey,
                       const nfcs_real *ez, const nfcs_real *x, const nfcs_real *Q, const nfcs_real *y, const nfcs_real *z);
  /* ... and the final one, v = E v + f1 Nv + 2 f2 (Na + Nb) + f3 Nc + noise (none where E(k) = 0) */
  int (*etd_final_sep)(void *self, nfcs_real *v, const nfcs_grid *g, const nfcs_real *ex, const nfcs_real *ey, const nfcs_real *ez,
                       const nfcs_real *f1, const nfcs_real *f2, const nfcs_real *f3, const nfcs_real *Nv, const nfcs_real *Na,
                       const nfcs_real *Nb, const nfcs_real *Nc, const nfcs_noise *noise);
} nfcs_field_ops;

/* Kuramoto networks (arrays of phases hold M members; the elementwise operations take n = M N). */
typedef struct nfcs_network_ops {
  /* out = f(theta + a dir) (dir may be NULL: f(theta)) */
  int (*rhs)(void *self, const nfcs_kur_rhs *r, const double *theta, double a, const double *dir, double *out);
  /* theta += dt/6 (((k1 + 2 k2) + 2 k3) + k4), wrapped to [-pi, pi) (the Python NFCS's order of operations) */
  int (*rk4_final)(void *self, double *theta, const double *k1, const double *k2, const double *k3, const double *k4,
                   double dt, int64_t n);
  /* out = theta + dt f1 + sigma xi  (xi: Philox normals of (seed, stream, i, step)); not wrapped */
  int (*predict)(void *self, double *out, const double *theta, const double *f1, double dt, double sigma,
                 const nfcs_noise *noise, int64_t n);
  /* theta += dt f1 + sigma xi (f2 NULL: Euler-Maruyama) or dt/2 (f1 + f2) + sigma xi (Heun), same xi; wrapped */
  int (*noise_step)(void *self, double *theta, const double *f1, const double *f2, double dt, const nfcs_noise *noise,
                    int64_t n);
  /* sum_j e^{i theta_j} (deterministic blocked reduction; partial: work as in nfcs_kur_rhs) */
  int (*order)(void *self, const double *theta, int64_t n, double *partial, double *re, double *im);
} nfcs_network_ops;

/* Reductions: the finiteness checks (required), the field's metrics (optional: generic ones
 * download the field and compute on the host). */
typedef struct nfcs_reduce_ops {
  int (*all_finite)(void *self, const nfcs_real *x, size_t n, int *finite);
  int (*all_finite_real)(void *self, const double *x, size_t n, int *finite);
  /* sum |phi| and sum |phi|^2 (one pass) */
  int (*moments)(void *self, const nfcs_real *phi, size_t n, double *sum_abs, double *sum_abs2);
  /* sum over Fourier modes of |k|^2 |s_k|^2 */
  int (*k2_sum)(void *self, const nfcs_real *spec, const nfcs_grid *g, double *sum);
  /* phase metrics (nfcs_phase_metrics): upstream defect density summed over the grid, vortices by
   * winding number; work: 2 npts reals of scratch */
  int (*phase_metrics)(void *self, const nfcs_real *phi, const nfcs_grid *g, nfcs_real *work, double *rho_sum,
                       int64_t *positive, int64_t *negative);
} nfcs_reduce_ops;

typedef struct nfcs_backend_ops {
  const nfcs_memory_ops *memory;   /* required */
  const nfcs_fft_ops *fft;         /* required by the field */
  const nfcs_field_ops *field;     /* optional: NULL, the backend runs no field */
  const nfcs_network_ops *network; /* optional: NULL, the backend runs no networks */
  const nfcs_reduce_ops *reduce;   /* required (its metrics optional) */
  void (*destroy)(void **self);
} nfcs_backend_ops;

/* The field's metrics through a backend's operations, or the generic host implementation where
 * the backend has none (core/nfcs_backend_generic.c).  host_scratch: 2 npts complex of host memory
 * for the generic path (unused, and may be NULL, when the backend has the operation). */
NFCS_API int nfcs_backend_moments(const nfcs_backend_ops *ops, void *be, const nfcs_real *phi, size_t n, nfcs_real *host_scratch,
                                  double *sum_abs, double *sum_abs2);
NFCS_API int nfcs_backend_k2_sum(const nfcs_backend_ops *ops, void *be, const nfcs_real *spec, const nfcs_grid *g,
                                 nfcs_real *host_scratch, double *sum);
NFCS_API int nfcs_backend_phase_metrics(const nfcs_backend_ops *ops, void *be, const nfcs_real *phi, const nfcs_grid *g,
                                        nfcs_real *work, nfcs_real *host_scratch, double *rho_sum, int64_t *positive,
                                        int64_t *negative);
/* Do these operations need host scratch for the generic metrics? */
NFCS_API int nfcs_backend_needs_host_scratch(const nfcs_backend_ops *ops);

/* A backend type in the registry: name, whether this build/machine has it, constructor, and the
 * libraries it computes with (versions, for `nfcs info` and the files' provenance). */
typedef struct nfcs_backend_type {
  const char *name;
  const char *description;
  int (*available)(char *why, size_t len);
  int (*create)(nfcs_ctx *ctx, void **self);
  const nfcs_backend_ops *ops;
  void (*libraries)(char *out, size_t len); /* optional */
} nfcs_backend_type;

/* The registry (core/nfcs_backend.c), in a fixed order: cpu, then cuda.  The cpu backend
 * (kernels/, library nfcs_cpu) is linked in; others are modules (shared objects, e.g. libnfcs_cuda.so) loaded the first time they are
 * asked for, so that a run that does not use them maps none of their libraries.  A module that is
 * not built, not found or cannot load is listed with a type whose available() says why. */
NFCS_API const nfcs_backend_type *const *nfcs_backend_types(size_t *count);
NFCS_API const nfcs_backend_type *nfcs_backend_find(const char *name);

/* The contract of a backend: an entry point
 *   const nfcs_backend_type *entry(const nfcs_backend_host *host, long abi);
 * which returns its type, or NULL when abi is not its own (built for another engine: the ABI
 * number folds in the precision and the sizes of the structures and operation tables they share,
 * so a module built before an optional operation was added is refused, not read past).  The host
 * hands it the engine's services it may call; everything else a backend needs it carries itself
 * (it may read the context's fields, struct nfcs_ctx of nfcs_internal.h).  A module exports the
 * entry as `nfcs_backend_module`; the cpu backend, linked in, as nfcs_backend_cpu_entry: it calls
 * no function of core either, so the libraries form a chain (core -> cpu), not a cycle. */
typedef struct nfcs_backend_host {
  int (*error_vraise)(nfcs_ctx *ctx, int code, const char *file, int line, const char *func, const char *fmt, va_list ap);
  int (*ctx_threads)(const nfcs_ctx *ctx); /* nfcs_ctx_threads: threads to use (0 resolved to the cores) */
} nfcs_backend_host;
#define NFCS_BACKEND_ABI                                                                                                     \
  (1000000000L * (1 + NFCS_SINGLE) + 1000000L * (long)sizeof(nfcs_backend_ops) + 1000L * (long)sizeof(nfcs_kur_rhs) +        \
   (long)sizeof(nfcs_local_step) + 10000000000L * (long)(sizeof(nfcs_backend_host) + sizeof(nfcs_backend_type)) +              \
   100000000000000L * (long)(sizeof(nfcs_memory_ops) + sizeof(nfcs_fft_ops) + sizeof(nfcs_field_ops) + sizeof(nfcs_network_ops) + \
                             sizeof(nfcs_reduce_ops)))
typedef const nfcs_backend_type *(*nfcs_backend_module_fn)(const nfcs_backend_host *host, long abi);


NFCS_EXTERN_C_END
#endif
