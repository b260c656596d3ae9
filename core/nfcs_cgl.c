/* The CGL field: schemes strang, etdrk4 and upstream over the backend's primitive operations.
 *
 * strang   N(h/2) U(h/2) L(h) U(h/2) N(h/2), N the exact local flow of phi - (1+ic3)|phi|^2 phi,
 *          U the exact flow of the frozen forcing, L the exact linear flow in Fourier space.
 *          The last N(h/2) U(h/2) of a step is kept pending and fused with the first of the next
 *          (N(a)N(b) = N(a+b)), so a step is one forward FFT, one inverse FFT and two pointwise
 *          passes.  Output applies the pending half to a copy: observing never changes the run.
 * etdrk4   Cox-Matthews with Kassam-Trefethen coefficients (contour mean over the full circle,
 *          L = 1 - (1+ic1)k^2 is complex); state kept in Fourier space.  Eight FFTs a step.
 * upstream the Python NFCS's step: half linear step, explicit Euler of the cubic term and the
 *          forcing, half linear step.  First order; four FFTs a step. */
#include "nfcs_cgl.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_bundle.h"
#include "nfcs_clock.h"
#include "nfcs_metrics.h"
#include "nfcs_internal.h"
#include "nfcs_rng.h"
#include "nfcs_stencils.h"

static const nfcs_cgl_scheme_type SCHEMES[] = {
  {"strang", 2, 2, "second-order Strang split step with exact linear and local sub-steps"},
  {"etdrk4", 4, 8, "fourth-order exponential time differencing Runge-Kutta (Cox-Matthews, Kassam-Trefethen)"},
  {"upstream", 1, 4, "the Python NFCS's first-order step (half linear, Euler nonlinear, half linear)"},
};

const nfcs_cgl_scheme_type *nfcs_cgl_schemes(size_t *count) {
  *count = sizeof SCHEMES / sizeof SCHEMES[0];
  return SCHEMES;
}

#define NSLOTS 4
#define ETD_M 32 /* contour points */

typedef struct coef_slot {
  double h;
  int used;
  uint64_t last_use;
  nfcs_real *E, *E2, *Q, *f1, *f2, *f3; /* etdrk4 */
  nfcs_real *ax[3];                      /* strang/upstream: the separable multiplier, per axis */
} coef_slot;

struct nfcs_cgl {
  nfcs_ctx *ctx;
  const nfcs_backend_ops *ops;
  void *be;
  nfcs_grid g;
  int scheme, dealias;
  double c1, c3, dt, noise_D;
  uint64_t noise_seed;
  nfcs_fft *fft;
  nfcs_real *phi;  /* strang/upstream: the state (physical); etdrk4: physical scratch and view */
  nfcs_real *spec; /* strang/upstream: spectral scratch; etdrk4: the state v = FFT(phi)/npts */
  nfcs_real *view; /* strang: the observable field (pending half applied); others alias phi */
  nfcs_real *a, *Nv, *Na, *Nb, *Nc; /* etdrk4 stages */
  nfcs_real *ufield[2];             /* forcing fields (double-buffered: a pending half keeps the old one) */
  int ucur;
  int has_ufield;
  double ure, uim;
  double u_sum2;  /* sum over the grid of |u|^2 (control energy / dV) */
  coef_slot slot[NSLOTS];
  uint64_t use_clock;
  int64_t coef_builds; /* coefficient sets computed (a diagnostic: prepared sizes are never rebuilt) */
  /* strang: the pending second half of the last step */
  int pending;
  double pending_h;
  nfcs_forcing pending_u;
  nfcs_clock clock;
  int view_valid; /* c->view holds the observable field of the current state */
  nfcs_real *host_scratch; /* 2 npts complex on the host, for metrics the backend does not compute (else NULL) */
  size_t bytes;
};

/* ---------------------------------------------------------------- coefficients */

static double complex lin_symbol(const nfcs_cgl *c, size_t i, int with_growth) {
  double k2 = nfcs_grid_k2(&c->g, i);
  return (with_growth ? 1.0 : 0.0) - (1.0 + I * c->c1) * k2;
}

static int alloc_arr(nfcs_cgl *c, nfcs_real **p) {
  NFCS_CHECK(c->ops->memory->alloc(c->be, c->g.npts, p));
  c->bytes += c->g.npts * 2 * sizeof(nfcs_real);
  return NFCS_OK;
}

static void free_arr(nfcs_cgl *c, nfcs_real **p) {
  if (*p) {
    c->ops->memory->free(c->be, *p);
    c->bytes -= c->g.npts * 2 * sizeof(nfcs_real);
  }
  *p = NULL;
}

/* Per-axis factors of the separable multiplier exp(h (g - (1 + i c1) |k|^2)) / npts, g = 0
 * (strang) or 1 (upstream's half step), with the dealiasing mask folded in. */
static int compute_axes(nfcs_cgl *c, coef_slot *s, double h, double growth) {
  for (int a = 0; a < c->g.dim; a++) {
    const int64_t n = c->g.n[a];
    if (!s->ax[a]) {
      NFCS_CHECK(c->ops->memory->alloc(c->be, (size_t)n, &s->ax[a]));
      c->bytes += (size_t)n * 2 * sizeof(nfcs_real);
    }
    nfcs_real *host = malloc(sizeof(nfcs_real) * 2 * (size_t)n);
    if (!host) return NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory");
    /* the constant factor e^{h g} / npts goes into the x axis */
    const double scale = a == 0 ? exp(h * growth) / (double)c->g.npts : 1.0;
    for (int64_t j = 0; j < n; j++) {
      const double k = nfcs_grid_k(&c->g, a, j);
      const int keep = nfcs_dealias_keep(j, n, c->dealias);
      double complex v = keep ? scale * cexp(-h * (1.0 + I * c->c1) * k * k) : 0.0;
      host[2 * j] = (nfcs_real)creal(v);
      host[2 * j + 1] = (nfcs_real)cimag(v);
    }
    int rc = c->ops->memory->upload(c->be, s->ax[a], host, (size_t)n);
    free(host);
    NFCS_CHECK(rc);
  }
  return NFCS_OK;
}

/* Fill the slot's arrays for step h (host computation, one upload per array). */
static int compute_slot(nfcs_cgl *c, coef_slot *s, double h) {
  c->coef_builds++;
  if (c->scheme == NFCS_SCHEME_STRANG) NFCS_CHECK(compute_axes(c, s, h, 0.0));
  if (c->scheme == NFCS_SCHEME_UPSTREAM) NFCS_CHECK(compute_axes(c, s, 0.5 * h, 1.0));
  if (c->scheme != NFCS_SCHEME_ETDRK4) {
    s->h = h;
    s->used = 1;
    return NFCS_OK;
  }
  const size_t n = c->g.npts;
  const double inv_n = 1.0 / (double)n;
  nfcs_real *host = malloc(sizeof(nfcs_real) * 2 * n * 6);
  if (!host) return NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory computing step coefficients");
  nfcs_real **dev[6] = {&s->E, &s->E2, &s->Q, &s->f1, &s->f2, &s->f3};
  int rc = NFCS_OK;
  for (int a = 0; a < 6 && !rc; a++)
    if (!*dev[a]) rc = alloc_arr(c, dev[a]);
  if (rc) { free(host); return rc; }
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; i++) {
    const double keep = nfcs_grid_dealias_keep(&c->g, i, c->dealias) ? 1.0 : 0.0;
    const double complex z = h * lin_symbol(c, i, 1);
    double complex q = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int j = 1; j <= ETD_M; j++) {
      const double complex r = cexp(2.0 * I * M_PI * (j - 0.5) / ETD_M); /* full circle: L is complex */
      const double complex lr = z + r, e = cexp(lr), e2 = cexp(0.5 * lr), lr3 = lr * lr * lr;
      q += (e2 - 1.0) / lr;
      a1 += (-4.0 - lr + e * (4.0 - 3.0 * lr + lr * lr)) / lr3;
      a2 += (2.0 + lr + e * (-2.0 + lr)) / lr3;
      a3 += (-4.0 - 3.0 * lr - lr * lr + e * (4.0 - lr)) / lr3;
    }
    const double complex v[6] = {keep * cexp(z), keep * cexp(0.5 * z), keep * h * q / ETD_M * inv_n,
                                 keep * h * a1 / ETD_M * inv_n, keep * h * a2 / ETD_M * inv_n, keep * h * a3 / ETD_M * inv_n};
    for (int a = 0; a < 6; a++) {
      host[(size_t)a * 2 * n + 2 * i] = (nfcs_real)creal(v[a]);
      host[(size_t)a * 2 * n + 2 * i + 1] = (nfcs_real)cimag(v[a]);
    }
  }
  for (int a = 0; a < 6 && !rc; a++) rc = c->ops->memory->upload(c->be, *dev[a], host + (size_t)a * 2 * n, n);
  free(host);
  if (rc) return rc;
  s->h = h;
  s->used = 1;
  return NFCS_OK;
}

/* Step sizes are quantised to dt / 2^40: remainders that are equal in exact arithmetic but differ
 * in their last bits (0.7 - 0.69 against 0.1 - 0.09) become one value, so the coefficients — a
 * pure function of the quantised step — and the trajectory do not depend on which sizes were met
 * or prepared before (restart bit-identity). */
static double quantise(const nfcs_cgl *c, double h) {
  const double q = 1099511627776.0; /* 2^40 */
  return c->dt * (nearbyint(h / c->dt * q) / q);
}

static int find_slot(nfcs_cgl *c, double h, coef_slot **out) {
  coef_slot *victim = NULL;
  for (int i = 0; i < NSLOTS; i++) {
    coef_slot *s = &c->slot[i];
    if (s->used && s->h == h) {
      s->last_use = ++c->use_clock;
      *out = s;
      return NFCS_OK;
    }
  }
  /* not prepared: take a free slot, or the least recently used one other than the full step */
  for (int i = 1; i < NSLOTS; i++) {
    coef_slot *s = &c->slot[i];
    if (!s->used) { victim = s; break; }
    if (!victim || s->last_use < victim->last_use) victim = s;
  }
  nfcs_log(c->ctx, NFCS_LOG_DEBUG, "cgl: computing coefficients for a step of %.17g", h);
  NFCS_CHECK(compute_slot(c, victim, h));
  victim->last_use = ++c->use_clock;
  *out = victim;
  return NFCS_OK;
}

/* The coefficients of a step of size h: the one place where a step size is checked and quantised,
 * for preparing and for stepping alike (so a prepared size is the size a step looks up). */
static int coefficients(nfcs_cgl *c, double h, coef_slot **out) {
  const double hq = quantise(c, h);
  if (!(hq > 0) || hq > c->dt * (1 + 1e-9))
    return NFCS_ERROR(c->ctx, NFCS_ERR_SOFTWARE, "step %.17g outside (0, dt = %.17g]", h, c->dt);
  return find_slot(c, hq, out);
}

int nfcs_cgl_prepare(nfcs_cgl *c, double h) {
  coef_slot *s;
  return coefficients(c, h, &s);
}

/* ---------------------------------------------------------------- create / destroy */

int nfcs_cgl_create(nfcs_ctx *ctx, const nfcs_params *p, nfcs_cgl **out) {
  *out = NULL;
  if (!ctx->ops) return NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "no backend bound to the context");
  if (!ctx->ops->field || !ctx->ops->fft)
    return NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "backend '%s' does not run the CGL field (use backend.device: cpu)",
                      ctx->backend_type ? ctx->backend_type->name : "?");
  if (p->cgl.noise > 0 && p->cgl.scheme == NFCS_SCHEME_UPSTREAM)
    return NFCS_ERROR(ctx, NFCS_ERR_CONFIG, "cgl.noise: the upstream scheme has no noise term (use strang or etdrk4)");
  nfcs_cgl *c = calloc(1, sizeof *c);
  if (!c) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  c->ctx = ctx;
  c->ops = ctx->ops;
  c->be = ctx->backend;
  c->scheme = p->cgl.scheme;
  c->dealias = p->cgl.dealias;
  c->c1 = p->cgl.c1;
  c->c3 = p->cgl.c3;
  c->dt = p->cgl.time_step;
  c->clock.dt = c->dt;
  c->noise_D = p->cgl.noise;
  c->noise_seed = (uint64_t)p->cgl.noise_seed;
  int rc = nfcs_grid_init(&c->g, p->cgl.grid_size.n, p->cgl.grid_size.v, p->cgl.spatial_extent.v);
  if (rc) { free(c); return NFCS_ERROR(ctx, rc, "cgl.grid_size and cgl.spatial_extent disagree"); }

  NFCS_CHECK_GOTO(alloc_arr(c, &c->phi), fail);
  NFCS_CHECK_GOTO(alloc_arr(c, &c->spec), fail);
  if (c->scheme == NFCS_SCHEME_STRANG) {
    NFCS_CHECK_GOTO(alloc_arr(c, &c->view), fail);
  } else {
    c->view = c->phi;
  }
  if (c->scheme == NFCS_SCHEME_ETDRK4) {
    NFCS_CHECK_GOTO(alloc_arr(c, &c->a), fail);
    NFCS_CHECK_GOTO(alloc_arr(c, &c->Nv), fail);
    NFCS_CHECK_GOTO(alloc_arr(c, &c->Na), fail);
    NFCS_CHECK_GOTO(alloc_arr(c, &c->Nb), fail);
    NFCS_CHECK_GOTO(alloc_arr(c, &c->Nc), fail);
  }
  /* plan before any data is set: FFTW_MEASURE overwrites the arrays it plans on */
  NFCS_CHECK_GOTO(c->ops->fft->create(c->be, &c->g, c->phi, c->spec, &c->fft), fail);
  NFCS_CHECK_GOTO(compute_slot(c, &c->slot[0], c->dt), fail);
  if (nfcs_backend_needs_host_scratch(c->ops)) {
    c->host_scratch = malloc(sizeof(nfcs_real) * 4 * c->g.npts);
    if (!c->host_scratch) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); goto fail; }
  }
  c->slot[0].last_use = ~0ull; /* the full step is never evicted */
  {
    /* zero state after planning */
    nfcs_real *zero = calloc(c->g.npts * 2, sizeof(nfcs_real));
    if (!zero) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); goto fail; }
    rc = nfcs_cgl_set_field(c, zero);
    free(zero);
    if (rc) goto fail;
  }
  *out = c;
  return NFCS_OK;
fail:
  nfcs_cgl_destroy(&c);
  return rc;
}

void nfcs_cgl_destroy(nfcs_cgl **pc) {
  if (!pc || !*pc) return;
  nfcs_cgl *c = *pc;
  if (c->fft) c->ops->fft->destroy(c->be, &c->fft);
  for (int i = 0; i < NSLOTS; i++) {
    coef_slot *s = &c->slot[i];
    nfcs_real **arrs[6] = {&s->E, &s->E2, &s->Q, &s->f1, &s->f2, &s->f3};
    for (int a = 0; a < 6; a++) free_arr(c, arrs[a]);
    for (int a = 0; a < 3; a++)
      if (s->ax[a]) {
        c->ops->memory->free(c->be, s->ax[a]);
        c->bytes -= (size_t)c->g.n[a] * 2 * sizeof(nfcs_real);
        s->ax[a] = NULL;
      }
  }
  if (c->view != c->phi) free_arr(c, &c->view);
  nfcs_real **arrs[] = {&c->phi, &c->spec, &c->a, &c->Nv, &c->Na, &c->Nb, &c->Nc, &c->ufield[0], &c->ufield[1]};
  for (size_t a = 0; a < sizeof arrs / sizeof arrs[0]; a++) free_arr(c, arrs[a]);
  free(c->host_scratch);
  free(c);
  *pc = NULL;
}

/* ---------------------------------------------------------------- state in and out */

int nfcs_cgl_set_field(nfcs_cgl *c, const nfcs_real *host) {
  c->pending = 0;
  c->view_valid = 0;
  if (c->scheme != NFCS_SCHEME_ETDRK4) return c->ops->memory->upload(c->be, c->phi, host, c->g.npts);
  /* etdrk4 keeps v = FFT(phi)/npts */
  const size_t n = c->g.npts;
  nfcs_real *tmp = malloc(sizeof(nfcs_real) * 2 * n);
  if (!tmp) return NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory");
  const double s = 1.0 / (double)n;
  for (size_t i = 0; i < 2 * n; i++) tmp[i] = (nfcs_real)(host[i] * s);
  int rc = c->ops->memory->upload(c->be, c->phi, tmp, n);
  free(tmp);
  NFCS_CHECK(rc);
  NFCS_CHECK(c->ops->fft->forward(c->be, c->fft, c->phi, c->spec));
  return NFCS_OK;
}

static nfcs_forcing current_forcing(const nfcs_cgl *c) {
  nfcs_forcing u = {c->ure, c->uim, c->has_ufield ? c->ufield[c->ucur] : NULL};
  return u;
}

/* Bring the observable field into c->view (backend memory). */
static int sync_view(nfcs_cgl *c) {
  if (c->view_valid) return NFCS_OK;
  c->view_valid = 1;
  if (c->scheme == NFCS_SCHEME_ETDRK4) {
    NFCS_CHECK(c->ops->fft->inverse(c->be, c->fft, c->spec, c->phi));
    return NFCS_OK;
  }
  if (c->scheme == NFCS_SCHEME_STRANG) {
    if (!c->pending) return c->ops->memory->copy(c->be, c->view, c->phi, c->g.npts);
    nfcs_local_step s = {.h = 0.5 * c->pending_h, .c3 = c->c3, .a_pre = 0.5 * c->pending_h, .u_pre = c->pending_u};
    NFCS_CHECK(c->ops->field->local(c->be, c->view, c->phi, c->g.npts, &s));
  }
  return NFCS_OK;
}

int nfcs_cgl_get_field(nfcs_cgl *c, nfcs_real *host) {
  NFCS_CHECK(sync_view(c));
  return c->ops->memory->download(c->be, host, c->view, c->g.npts);
}

int nfcs_cgl_set_control(nfcs_cgl *c, double re, double im, const nfcs_real *field) {
  c->ure = re;
  c->uim = im;
  if (!field) {
    c->has_ufield = 0;
    c->u_sum2 = (re * re + im * im) * (double)c->g.npts;
    return NFCS_OK;
  }
  double s2 = 0;
  for (size_t i = 0; i < c->g.npts; i++) {
    double a = re + field[2 * i], b = im + field[2 * i + 1];
    s2 += a * a + b * b;
  }
  c->u_sum2 = s2;
  int next = c->has_ufield ? 1 - c->ucur : c->ucur;
  if (!c->ufield[next]) NFCS_CHECK(alloc_arr(c, &c->ufield[next]));
  NFCS_CHECK(c->ops->memory->upload(c->be, c->ufield[next], field, c->g.npts));
  c->ucur = next;
  c->has_ufield = 1;
  return NFCS_OK;
}

/* ---------------------------------------------------------------- steps */

static int step_strang(nfcs_cgl *c, double h, const coef_slot *s) {
  nfcs_local_step ls = {.c3 = c->c3, .a_post = 0.5 * h, .u_post = current_forcing(c)};
  if (c->pending) {
    ls.a_pre = 0.5 * c->pending_h;
    ls.u_pre = c->pending_u;
    ls.h = 0.5 * c->pending_h + 0.5 * h;
  } else {
    ls.h = 0.5 * h;
  }
  if (c->noise_D > 0) {
    ls.noise.sigma = sqrt(c->noise_D * h / c->g.cell_volume);
    ls.noise.seed = c->noise_seed;
    ls.noise.stream = NFCS_STREAM_CGL_NOISE;
    ls.noise.step = (uint64_t)c->clock.steps;
  }
  NFCS_CHECK(c->ops->field->local(c->be, c->phi, c->phi, c->g.npts, &ls));
  NFCS_CHECK(c->ops->fft->forward(c->be, c->fft, c->phi, c->spec));
  NFCS_CHECK(c->ops->field->cmul_separable(c->be, c->spec, &c->g, s->ax[0], s->ax[1], s->ax[2]));
  NFCS_CHECK(c->ops->fft->inverse(c->be, c->fft, c->spec, c->phi));
  c->pending = 1;
  c->pending_h = h;
  c->pending_u = ls.u_post;
  return NFCS_OK;
}

static int step_upstream(nfcs_cgl *c, double h, const coef_slot *s) {
  nfcs_forcing u = current_forcing(c);
  NFCS_CHECK(c->ops->fft->forward(c->be, c->fft, c->phi, c->spec));
  NFCS_CHECK(c->ops->field->cmul_separable(c->be, c->spec, &c->g, s->ax[0], s->ax[1], s->ax[2]));
  NFCS_CHECK(c->ops->fft->inverse(c->be, c->fft, c->spec, c->phi));
  NFCS_CHECK(c->ops->field->euler(c->be, c->phi, c->g.npts, h, c->c3, &u));
  NFCS_CHECK(c->ops->fft->forward(c->be, c->fft, c->phi, c->spec));
  NFCS_CHECK(c->ops->field->cmul_separable(c->be, c->spec, &c->g, s->ax[0], s->ax[1], s->ax[2]));
  NFCS_CHECK(c->ops->fft->inverse(c->be, c->fft, c->spec, c->phi));
  return NFCS_OK;
}

static int step_etdrk4(nfcs_cgl *c, double h, const coef_slot *s) {
  const nfcs_backend_ops *o = c->ops;
  void *be = c->be;
  const size_t n = c->g.npts;
  nfcs_forcing u = current_forcing(c);
  nfcs_real *v = c->spec, *p = c->phi;
  /* Nv */
  NFCS_CHECK(o->fft->inverse(be, c->fft, v, p));
  NFCS_CHECK(o->field->nonlinear(be, p, p, n, c->c3, &u));
  NFCS_CHECK(o->fft->forward(be, c->fft, p, c->Nv));
  /* a = E2 v + Q Nv, Na */
  NFCS_CHECK(o->field->axpby(be, c->a, s->E2, v, s->Q, c->Nv, n));
  NFCS_CHECK(o->fft->inverse(be, c->fft, c->a, p));
  NFCS_CHECK(o->field->nonlinear(be, p, p, n, c->c3, &u));
  NFCS_CHECK(o->fft->forward(be, c->fft, p, c->Na));
  /* b = E2 v + Q Na (held in Nc's array until Nc is computed), Nb */
  NFCS_CHECK(o->field->axpby(be, c->Nc, s->E2, v, s->Q, c->Na, n));
  NFCS_CHECK(o->fft->inverse(be, c->fft, c->Nc, p));
  NFCS_CHECK(o->field->nonlinear(be, p, p, n, c->c3, &u));
  NFCS_CHECK(o->fft->forward(be, c->fft, p, c->Nb));
  /* c = E2 a + Q (2 Nb - Nv), Nc */
  NFCS_CHECK(o->field->axpb2yz(be, c->Nc, s->E2, c->a, s->Q, c->Nb, c->Nv, n));
  NFCS_CHECK(o->fft->inverse(be, c->fft, c->Nc, p));
  NFCS_CHECK(o->field->nonlinear(be, p, p, n, c->c3, &u));
  NFCS_CHECK(o->fft->forward(be, c->fft, p, c->Nc));
  /* v = E v + f1 Nv + 2 f2 (Na + Nb) + f3 Nc (+ noise, per Fourier mode) */
  nfcs_noise noise = {0};
  if (c->noise_D > 0) {
    noise.sigma = sqrt(c->noise_D * h / (c->g.cell_volume * (double)n));
    noise.seed = c->noise_seed;
    noise.stream = NFCS_STREAM_CGL_NOISE;
    noise.step = (uint64_t)c->clock.steps;
  }
  NFCS_CHECK(o->field->etd_final(be, v, s->E, s->f1, s->f2, s->f3, c->Nv, c->Na, c->Nb, c->Nc, n, &noise, s->E));
  return NFCS_OK;
}

static int step_h(nfcs_cgl *c, double h) {
  c->view_valid = 0;
  coef_slot *s;
  NFCS_CHECK(coefficients(c, h, &s));
  switch (c->scheme) {
  case NFCS_SCHEME_STRANG: NFCS_CHECK(step_strang(c, s->h, s)); break;
  case NFCS_SCHEME_ETDRK4: NFCS_CHECK(step_etdrk4(c, s->h, s)); break;
  default: NFCS_CHECK(step_upstream(c, s->h, s)); break;
  }
  return NFCS_OK;
}

int nfcs_cgl_step(nfcs_cgl *c, double h) {
  NFCS_CHECK(step_h(c, h));
  nfcs_clock_free_step(&c->clock, h);
  return NFCS_OK;
}

static double ttol(const nfcs_cgl *c) { return nfcs_clock_tol(&c->clock); }

static int step_cb(void *self, double h) { return step_h(self, h); }

int nfcs_cgl_advance(nfcs_cgl *c, double t, const volatile int *stop) {
  return nfcs_clock_advance(&c->clock, t, stop, step_cb, c);
}

int nfcs_cgl_advance_to(nfcs_cgl *c, double t) { return nfcs_cgl_advance(c, t, NULL); }

size_t nfcs_cgl_state_bytes(const nfcs_cgl *c) { return 3 * c->g.npts * 2 * sizeof(nfcs_real) + 64 * 16; }

int nfcs_cgl_save(nfcs_cgl *c, nfcs_bundle *b) {
  const size_t n = c->g.npts;
  const nfcs_real *state = c->scheme == NFCS_SCHEME_ETDRK4 ? c->spec : c->phi;
  nfcs_real *dst = nfcs_bundle_reserve(b, "cgl/state", NFCS_BK_REAL, 2 * n);
  if (!dst) return NFCS_ERROR(c->ctx, NFCS_ERR_SOFTWARE, "checkpoint buffer too small");
  NFCS_CHECK(c->ops->memory->download(c->be, dst, state, n));
  const double clock[] = {c->clock.t, c->pending_h, c->pending_u.re, c->pending_u.im, c->ure, c->uim, c->u_sum2};
  const int64_t ints[] = {c->clock.grid_index, c->clock.steps, c->pending, c->pending_u.field != NULL, c->has_ufield};
  int rc = nfcs_bundle_put(b, "cgl/reals", NFCS_BK_F64, sizeof clock / sizeof clock[0], clock);
  if (!rc) rc = nfcs_bundle_put(b, "cgl/ints", NFCS_BK_I64, sizeof ints / sizeof ints[0], ints);
  if (!rc && c->pending_u.field) {
    nfcs_real *u = nfcs_bundle_reserve(b, "cgl/pending_u_field", NFCS_BK_REAL, 2 * n);
    rc = u ? c->ops->memory->download(c->be, u, c->pending_u.field, n) : NFCS_ERR_SOFTWARE;
  }
  if (!rc && c->has_ufield) {
    nfcs_real *u = nfcs_bundle_reserve(b, "cgl/u_field", NFCS_BK_REAL, 2 * n);
    rc = u ? c->ops->memory->download(c->be, u, c->ufield[c->ucur], n) : NFCS_ERR_SOFTWARE;
  }
  if (rc) return NFCS_ERROR(c->ctx, NFCS_ERR_SOFTWARE, "checkpoint buffer too small");
  return NFCS_OK;
}

int nfcs_cgl_restore(nfcs_cgl *c, const nfcs_bundle *b) {
  const size_t n = c->g.npts;
  const nfcs_real *state = nfcs_bundle_get(b, "cgl/state", NFCS_BK_REAL, 2 * n);
  const double *r = nfcs_bundle_get(b, "cgl/reals", NFCS_BK_F64, 7);
  const int64_t *in = nfcs_bundle_get(b, "cgl/ints", NFCS_BK_I64, 5);
  if (!state || !r || !in) return NFCS_ERROR(c->ctx, NFCS_ERR_DATA, "the checkpoint holds no field of this grid");
  NFCS_CHECK(c->ops->memory->upload(c->be, c->scheme == NFCS_SCHEME_ETDRK4 ? c->spec : c->phi, state, n));
  c->view_valid = 0;
  c->clock.t = r[0];
  c->clock.grid_index = in[0];
  c->clock.steps = in[1];
  c->pending = (int)in[2];
  c->pending_h = r[1];
  c->pending_u.re = r[2];
  c->pending_u.im = r[3];
  c->pending_u.field = NULL;
  c->has_ufield = 0;
  if (in[4]) {
    const nfcs_real *u = nfcs_bundle_get(b, "cgl/u_field", NFCS_BK_REAL, 2 * n);
    if (!u) return NFCS_ERROR(c->ctx, NFCS_ERR_DATA, "the checkpoint lacks the control field");
    NFCS_CHECK(nfcs_cgl_set_control(c, r[4], r[5], u));
  } else {
    NFCS_CHECK(nfcs_cgl_set_control(c, r[4], r[5], NULL));
  }
  if (in[3]) {
    const nfcs_real *u = nfcs_bundle_get(b, "cgl/pending_u_field", NFCS_BK_REAL, 2 * n);
    if (!u) return NFCS_ERROR(c->ctx, NFCS_ERR_DATA, "the checkpoint lacks the pending control field");
    int other = c->has_ufield ? 1 - c->ucur : 1;
    if (!c->ufield[other]) NFCS_CHECK(alloc_arr(c, &c->ufield[other]));
    NFCS_CHECK(c->ops->memory->upload(c->be, c->ufield[other], u, n));
    c->pending_u.field = c->ufield[other];
  }
  c->u_sum2 = r[6];
  return NFCS_OK;
}

int nfcs_cgl_prepare_time(nfcs_cgl *c, double t) {
  /* a time between grid times splits a step in two: prepare both pieces */
  double k = floor(t / c->dt);
  double before = t - k * c->dt, after = (k + 1) * c->dt - t;
  if (before > ttol(c) && after > ttol(c)) {
    NFCS_CHECK(nfcs_cgl_prepare(c, before));
    NFCS_CHECK(nfcs_cgl_prepare(c, after));
  }
  return NFCS_OK;
}

double nfcs_cgl_time(const nfcs_cgl *c) { return c->clock.t; }
int64_t nfcs_cgl_steps(const nfcs_cgl *c) { return c->clock.steps; }
const nfcs_grid *nfcs_cgl_grid(const nfcs_cgl *c) { return &c->g; }
double nfcs_cgl_dt(const nfcs_cgl *c) { return c->dt; }
size_t nfcs_cgl_memory(const nfcs_cgl *c) { return c->bytes; }
int64_t nfcs_cgl_coefficient_builds(const nfcs_cgl *c) { return c->coef_builds; }

int nfcs_cgl_metrics(nfcs_cgl *c, nfcs_metrics *m, int full) {
  const size_t n = c->g.npts;
  const double dV = c->g.cell_volume;
  NFCS_CHECK(sync_view(c));
  double s1, s2;
  NFCS_CHECK(nfcs_backend_moments(c->ops, c->be, c->view, n, c->host_scratch, &s1, &s2));
  m->has_field = 1;
  m->R_global = s1 / (double)n;
  m->field_energy = s2 * dV;
  m->control_energy = c->u_sum2 * dV;
  if (!full) return NFCS_OK;
  /* gradient energy by Parseval: sum_x |grad phi|^2 = (1/N) sum_k k^2 |phi_k|^2; etdrk4 holds
   * v = phi_k / N already, the others transform the view once (spec is scratch between steps) */
  double k2sum;
  if (c->scheme == NFCS_SCHEME_ETDRK4) {
    NFCS_CHECK(nfcs_backend_k2_sum(c->ops, c->be, c->spec, &c->g, c->host_scratch, &k2sum));
    m->gradient_energy = k2sum * (double)n * dV;
  } else {
    NFCS_CHECK(c->ops->fft->forward(c->be, c->fft, c->view, c->spec));
    NFCS_CHECK(nfcs_backend_k2_sum(c->ops, c->be, c->spec, &c->g, c->host_scratch, &k2sum));
    m->gradient_energy = k2sum / (double)n * dV;
  }
  double rho_sum;
  nfcs_real *work = c->scheme == NFCS_SCHEME_ETDRK4 ? c->a : c->spec;
  NFCS_CHECK(nfcs_backend_phase_metrics(c->ops, c->be, c->view, &c->g, work, c->host_scratch, &rho_sum, &m->defects.positive,
                                        &m->defects.negative));
  m->defects.total_charge = m->defects.positive - m->defects.negative;
  m->defect_density = rho_sum / (double)n;
  m->hallucination_number = rho_sum * dV;
  return NFCS_OK;
}

int nfcs_cgl_check_finite(nfcs_cgl *c, int *finite) {
  const nfcs_real *state = c->scheme == NFCS_SCHEME_ETDRK4 ? c->spec : c->phi;
  return c->ops->reduce->all_finite(c->be, state, c->g.npts, finite);
}

int nfcs_cgl_finite(nfcs_cgl *c) {
  int finite = 0;
  return nfcs_cgl_check_finite(c, &finite) == NFCS_OK && finite;
}

/* ---------------------------------------------------------------- initial patterns */

int nfcs_cgl_pattern(const nfcs_params *p, const nfcs_grid *g, nfcs_real *host) {
  const double amp = p->cgl.ic.amplitude;
  const int type = p->cgl.ic.type;
  double k[3] = {0, 0, 0};
  for (int a = 0; a < g->dim && a < p->cgl.ic.wavenumber.n; a++)
    k[a] = 2.0 * M_PI * (double)p->cgl.ic.wavenumber.v[a] / g->L[a];
  const double w = p->cgl.ic.width;
  const double charge = (double)p->cgl.ic.charge;
  const uint64_t seed = (uint64_t)p->cgl.ic.seed;
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < g->npts; i++) {
    const int64_t ix = (int64_t)(i % (size_t)g->n[0]);
    const int64_t iy = (int64_t)((i / (size_t)g->n[0]) % (size_t)g->n[1]);
    const int64_t iz = (int64_t)(i / ((size_t)g->n[0] * (size_t)g->n[1]));
    const double x = nfcs_grid_x(g, 0, ix), y = g->dim > 1 ? nfcs_grid_x(g, 1, iy) : 0.0,
                 z = g->dim > 2 ? nfcs_grid_x(g, 2, iz) : 0.0;
    double re = 0, im = 0;
    switch (type) {
    case NFCS_IC_RANDOM_NOISE: {
      double g0, g1;
      nfcs_rng_normal2(seed, NFCS_STREAM_CGL_IC, i, 0, &g0, &g1);
      re = amp * g0;
      im = amp * g1;
      break;
    }
    case NFCS_IC_PLANE_WAVE: {
      double ph = k[0] * x + k[1] * y + k[2] * z;
      re = amp * cos(ph);
      im = amp * sin(ph);
      break;
    }
    case NFCS_IC_SPIRAL: {
      double r = sqrt(x * x + y * y), th = atan2(y, x);
      double m = amp * tanh(r / w);
      re = m * cos(charge * th);
      im = m * sin(charge * th);
      break;
    }
    case NFCS_IC_GAUSSIAN: {
      double r2 = x * x + y * y + z * z;
      re = amp * exp(-r2 / (2 * w * w));
      im = 0;
      break;
    }
    default: break;
    }
    host[2 * i] = (nfcs_real)re;
    host[2 * i + 1] = (nfcs_real)im;
  }
  return NFCS_OK;
}
