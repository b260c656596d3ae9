/* The CGL field's insides, shared by the generic field code (cgl.c) and the scheme and initial
 * condition type objects (one file each).  Private to core/cgl/. */
#ifndef NFCS_CGL_IMPL_H
#define NFCS_CGL_IMPL_H

#include "nfcs_cgl.h"
#include "nfcs_clock.h"
#include "nfcs_internal.h"

#define NFCS_CGL_SLOTS 4 /* step sizes with coefficients at once: the full step and three shortened ones */

/* The coefficients of one step size.  Each scheme fills the arrays it needs; the field frees
 * whichever are set. */
typedef struct nfcs_cgl_coefs {
  double h;
  int used;
  uint64_t last_use;
  nfcs_real *arr[6];   /* full-grid arrays (npts complex), e.g. the exponential integrators' */
  nfcs_real *axis[3];  /* per-axis factors (n[a] complex) of a separable multiplier */
  nfcs_real *fused[3]; /* a second one (upstream: two half linear steps in one, L(h)), or NULL */
} nfcs_cgl_coefs;

struct nfcs_cgl {
  nfcs_ctx *ctx;
  const nfcs_backend_ops *ops;
  void *be;
  const struct nfcs_cgl_scheme_class *scheme;
  nfcs_grid g;
  int dealias;
  double c1, c3, dt, noise_D;
  uint64_t noise_seed;
  nfcs_fft *fft;
  nfcs_real *phi;   /* physical array: the state of physical-space schemes, scratch of the others */
  nfcs_real *spec;  /* spectral array: the state of spectral schemes, scratch of the others */
  nfcs_real *view;  /* the observable field (the scheme's own array, or phi) */
  nfcs_real *work;  /* an array free between steps (metrics use it as scratch) */
  nfcs_real *stage[5]; /* the scheme's further arrays (npts complex each) */
  nfcs_real *ufield[2]; /* forcing fields (double-buffered: a pending half keeps the old one) */
  int ucur;
  int has_ufield;
  double ure, uim;
  double u_sum2; /* sum over the grid of |u|^2 (control energy / dV) */
  nfcs_cgl_coefs slot[NFCS_CGL_SLOTS];
  uint64_t use_clock;
  int64_t coef_builds;
  /* split schemes: the second half of the last step, not yet applied (fused with the next) */
  int pending;
  double pending_h;
  nfcs_forcing pending_u;
  nfcs_clock clock;
  int view_valid; /* view holds the observable field of the current state */
  /* A scheme whose view is made in Fourier space (upstream) sums k^2 |phi_k / npts|^2 of the view
   * there, on its way, when the metrics ask for it (k2_wanted): the gradient energy then costs no
   * transform of its own.  k2_valid while view_valid. */
  int k2_wanted, k2_valid;
  double k2_view;
  nfcs_real *host_scratch; /* 2 npts complex on the host, for metrics the backend does not compute */
  nfcs_real *slab;         /* a distributed 2D field's rows with their halos, for the phase metrics (slab.c) */
  size_t bytes;
};

/* A scheme: its description (what `nfcs info` lists) and what it does at each hook.  Hooks marked
 * optional may be NULL. */
typedef struct nfcs_cgl_scheme_class {
  nfcs_cgl_scheme_type info;
  int spectral_state;   /* the state is v = FFT(phi) / npts in `spec` (else phi in `phi`) */
  int has_noise;        /* supports cgl.noise */
  int has_dealias;      /* supports cgl.dealias */
  /* optional: allocate the scheme's arrays (view, stages, work) after phi and spec */
  int (*init)(nfcs_cgl *c);
  /* the coefficients of a step of size h into s (its arrays allocated on first use) */
  int (*coefficients)(nfcs_cgl *c, nfcs_cgl_coefs *s, double h);
  /* optional: set the state from a host field (default: upload into phi) */
  int (*set_field)(nfcs_cgl *c, const nfcs_real *host);
  /* optional: bring the observable field into c->view (default: view is phi, nothing to do) */
  int (*sync_view)(nfcs_cgl *c);
  /* one step of size s->h */
  int (*step)(nfcs_cgl *c, const nfcs_cgl_coefs *s);
} nfcs_cgl_scheme_class;

extern const nfcs_cgl_scheme_class nfcs_cgl_strang;   /* strang.c */
extern const nfcs_cgl_scheme_class nfcs_cgl_etdrk4;   /* etdrk4.c */
extern const nfcs_cgl_scheme_class nfcs_cgl_upstream; /* upstream.c */

/* The scheme of a cgl.scheme value (registry.c). */
const nfcs_cgl_scheme_class *nfcs_cgl_scheme_class_of(int scheme);

/* An initial condition: its value at point i (coordinates x, y, z) from the prepared arguments. */
typedef struct nfcs_cgl_ic_args {
  double amplitude, width, charge;
  double k[3];  /* wavenumbers 2 pi m / L */
  uint64_t seed;
} nfcs_cgl_ic_args;

typedef struct nfcs_cgl_ic_class {
  nfcs_cgl_ic_type info;
  /* the value at grid point i, at (x, y, z); NULL for types read from a file (by io/) */
  void (*value)(const nfcs_cgl_ic_args *a, size_t i, double x, double y, double z, double *re, double *im);
} nfcs_cgl_ic_class;

extern const nfcs_cgl_ic_class nfcs_cgl_ic_random_noise, nfcs_cgl_ic_plane_wave, nfcs_cgl_ic_spiral, nfcs_cgl_ic_gaussian,
  nfcs_cgl_ic_file;
const nfcs_cgl_ic_class *nfcs_cgl_ic_class_of(int type);

/* Services of the field for the schemes. */
int nfcs_cgl_alloc_array(nfcs_cgl *c, nfcs_real **p);
/* The coefficients of a step of size h (quantised; computed once, then looked up). */
int nfcs_cgl_coefficients(nfcs_cgl *c, double h, nfcs_cgl_coefs **out);
/* The per-axis factors of the separable multiplier exp(h (growth - (1 + i c1) |k|^2)) / npts,
 * dealiasing folded in, into axis (allocated on first use). */
int nfcs_cgl_separable_factors(nfcs_cgl *c, nfcs_real **axis, double h, double growth);
/* the same with a constant factor of one's own, norm in place of 1/npts (which undoes the
 * unnormalised inverse FFT) */
int nfcs_cgl_separable_exp(nfcs_cgl *c, nfcs_real **axis, double h, double growth, double norm);
/* The forcing of the current tick. */
nfcs_forcing nfcs_cgl_forcing(const nfcs_cgl *c);
/* The phase metrics of a 2D field in slabs (core/cgl/slab.c): this process's rows, with the two
 * rows of each neighbour the stencils reach (collective; the sums are this process's). */
int nfcs_cgl_slab_phase_metrics(nfcs_cgl *c, double *rho_sum, int64_t *positive, int64_t *negative);
/* The noise of the current step (sigma for a step h; `per_mode`: in Fourier space, divided by npts). */
nfcs_noise nfcs_cgl_step_noise(const nfcs_cgl *c, double h, int per_mode);

#endif
