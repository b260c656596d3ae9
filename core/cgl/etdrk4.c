/* etdrk4: Cox-Matthews exponential time differencing Runge-Kutta, fourth order, with the
 * Kassam-Trefethen contour means for its coefficients (over the full circle: L = 1 - (1 + i c1) k^2
 * is complex).  The state is v = FFT(phi) / npts in `spec`; eight FFTs a step; the noise is added
 * per Fourier mode in the final stage.  E = e^{hL} and E2 = e^{hL/2} are separable (products of
 * per-axis factors, as Strang's multiplier); where the backend has the stage operations that take
 * them so (etd_stage_sep, etd_final_sep), a step streams four full-size coefficient arrays (Q,
 * f1, f2, f3) instead of six, and a step size keeps two arrays fewer. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgl_impl.h"

#define ETD_M 32 /* contour points */

enum { E, E2, Q, F1, F2, F3 };                /* coefficient arrays */
enum { STAGE_A, STAGE_NV, STAGE_NA, STAGE_NB, STAGE_NC }; /* stage arrays */

static int init(nfcs_cgl *c) {
  for (int i = 0; i < 5; i++) NFCS_CHECK(nfcs_cgl_alloc_array(c, &c->stage[i]));
  c->work = c->stage[STAGE_A];
  return NFCS_OK;
}

static void compute(nfcs_cgl *c, double h, size_t n, double inv_n, int first, nfcs_real *host);

/* E and E2 from per-axis factors (the backend takes them so) */
static int separable(const nfcs_cgl *c) { return c->ops->field->etd_stage_sep && c->ops->field->etd_final_sep; }

/* The coefficients of step h: from the cache when an earlier run computed the same ones
 * (1.4-1.8 s of set-up at 1024^2 otherwise), else computed and kept there.  Separable: E and E2
 * as per-axis factors in s->axis and s->fused, and the full arrays from Q on. */
static int coefficients(nfcs_cgl *c, nfcs_cgl_coefs *s, double h) {
  const size_t n = c->g.nspec; /* this process's modes */
  const double inv_n = 1.0 / (double)c->g.npts;
  const int first = separable(c) ? Q : E, count = 6 - first;
  if (first == Q) {
    NFCS_CHECK(nfcs_cgl_separable_exp(c, s->axis, h, 1.0, 1.0));
    NFCS_CHECK(nfcs_cgl_separable_exp(c, s->fused, 0.5 * h, 1.0, 1.0));
  }
  for (int a = first; a < 6; a++)
    if (!s->arr[a]) NFCS_CHECK(nfcs_cgl_alloc_array(c, &s->arr[a]));
  const size_t bytes = sizeof(nfcs_real) * 2 * n * (size_t)count;
  nfcs_real *host = malloc(bytes);
  if (!host) return NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory computing step coefficients");
  /* what they depend on, exactly (%a: every bit of a double): the cache's key */
  const nfcs_grid *g = &c->g;
  char key[768];
  snprintf(key, sizeof key,
           "nfcs %s etdrk4 coefficients %d..5: real %zu bytes, %d contour points, h %a, c1 %a, dealias %d; grid %dD n %lld %lld %lld, L %a %a "
           "%a; modes %zu of %zu, layout axes %d %d %d, n %lld %lld %lld, offset %lld",
           NFCS_VERSION, first, sizeof(nfcs_real), ETD_M, h, c->c1, c->dealias, g->dim, (long long)g->n[0], (long long)g->n[1], (long long)g->n[2], g->L[0],
           g->L[1], g->L[2], n, g->npts, g->spec_axis[0], g->spec_axis[1], g->spec_axis[2], (long long)g->spec_n[0],
           (long long)g->spec_n[1], (long long)g->spec_n[2], (long long)g->spec_offset);
  const int cached = nfcs_cache_load(c->ctx, "coefficients", key, host, bytes);
  if (!cached) compute(c, h, n, inv_n, first, host);
  int rc = NFCS_OK;
  for (int a = first; a < 6 && !rc; a++) rc = c->ops->memory->upload(c->be, s->arr[a], host + (size_t)(a - first) * 2 * n, n);
  if (!rc && !cached) nfcs_cache_store(c->ctx, "coefficients", key, host, bytes);
  free(host);
  return rc;
}

/* the arrays first..5 of step h into host (of E, E/2, Q, f1, f2, f3; each n complex values) */
static void compute(nfcs_cgl *c, double h, size_t n, double inv_n, int first, nfcs_real *host) {
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; i++) {
    const double keep = nfcs_grid_dealias_keep(&c->g, i, c->dealias) ? 1.0 : 0.0;
    const double complex z = h * (1.0 - (1.0 + I * c->c1) * nfcs_grid_k2(&c->g, i));
    double complex q = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int j = 1; j <= ETD_M; j++) {
      const double complex r = cexp(2.0 * I * M_PI * (j - 0.5) / ETD_M);
      const double complex lr = z + r, e = cexp(lr), e2 = cexp(0.5 * lr), lr3 = lr * lr * lr;
      q += (e2 - 1.0) / lr;
      a1 += (-4.0 - lr + e * (4.0 - 3.0 * lr + lr * lr)) / lr3;
      a2 += (2.0 + lr + e * (-2.0 + lr)) / lr3;
      a3 += (-4.0 - 3.0 * lr - lr * lr + e * (4.0 - lr)) / lr3;
    }
    const double complex v[6] = {keep * cexp(z), keep * cexp(0.5 * z), keep * h * q / ETD_M * inv_n,
                                 keep * h * a1 / ETD_M * inv_n, keep * h * a2 / ETD_M * inv_n, keep * h * a3 / ETD_M * inv_n};
    for (int a = first; a < 6; a++) {
      host[(size_t)(a - first) * 2 * n + 2 * i] = (nfcs_real)creal(v[a]);
      host[(size_t)(a - first) * 2 * n + 2 * i + 1] = (nfcs_real)cimag(v[a]);
    }
  }
}

/* v = FFT(phi) / npts */
static int set_field(nfcs_cgl *c, const nfcs_real *host) {
  const size_t n = c->g.nloc;
  nfcs_real *tmp = malloc(sizeof(nfcs_real) * 2 * (n ? n : 1));
  if (!tmp) return NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory");
  const double s = 1.0 / (double)c->g.npts;
  for (size_t i = 0; i < 2 * n; i++) tmp[i] = (nfcs_real)(host[i] * s);
  int rc = c->ops->memory->upload(c->be, c->phi, tmp, n);
  free(tmp);
  NFCS_CHECK(rc);
  return c->ops->fft->forward(c->be, c->fft, c->phi, c->spec);
}

static int sync_view(nfcs_cgl *c) { return c->ops->fft->inverse(c->be, c->fft, c->spec, c->phi); }

/* N(x) into out: the nonlinear term of the field whose transform is x (phi is scratch) */
static int nonlinear(nfcs_cgl *c, const nfcs_real *x, nfcs_real *out, const nfcs_forcing *u) {
  NFCS_CHECK(c->ops->fft->inverse(c->be, c->fft, x, c->phi));
  NFCS_CHECK(c->ops->field->nonlinear(c->be, c->phi, c->phi, c->g.nloc, c->c3, u));
  return c->ops->fft->forward(c->be, c->fft, c->phi, out);
}

/* a stage: out = E2 x + Q y, or E2 x + Q (2 y - z); E2 as per-axis factors or a full array */
static int stage(nfcs_cgl *c, const nfcs_cgl_coefs *s, nfcs_real *out, const nfcs_real *x, const nfcs_real *y, const nfcs_real *z) {
  const nfcs_field_ops *f = c->ops->field;
  if (separable(c))
    return f->etd_stage_sep(c->be, out, &c->g, s->fused[0], s->fused[1], s->fused[2], x, s->arr[Q], y, z);
  return z ? f->axpb2yz(c->be, out, s->arr[E2], x, s->arr[Q], y, z, c->g.nspec) : f->axpby(c->be, out, s->arr[E2], x, s->arr[Q], y, c->g.nspec);
}

static int step(nfcs_cgl *c, const nfcs_cgl_coefs *s) {
  const nfcs_field_ops *f = c->ops->field;
  const nfcs_forcing u = nfcs_cgl_forcing(c);
  nfcs_real *v = c->spec, *a = c->stage[STAGE_A], *Nv = c->stage[STAGE_NV], *Na = c->stage[STAGE_NA],
            *Nb = c->stage[STAGE_NB], *Nc = c->stage[STAGE_NC];
  NFCS_CHECK(nonlinear(c, v, Nv, &u));
  NFCS_CHECK(stage(c, s, a, v, Nv, NULL)); /* a = E2 v + Q Nv */
  NFCS_CHECK(nonlinear(c, a, Na, &u));
  NFCS_CHECK(stage(c, s, Nc, v, Na, NULL)); /* b = E2 v + Q Na (held in Nc's array until Nc is computed) */
  NFCS_CHECK(nonlinear(c, Nc, Nb, &u));
  NFCS_CHECK(stage(c, s, Nc, a, Nb, Nv)); /* c = E2 a + Q (2 Nb - Nv) */
  NFCS_CHECK(nonlinear(c, Nc, Nc, &u));
  /* v = E v + f1 Nv + 2 f2 (Na + Nb) + f3 Nc (+ noise, per Fourier mode, none where E is zero) */
  const nfcs_noise noise = nfcs_cgl_step_noise(c, s->h, 1);
  if (separable(c))
    return f->etd_final_sep(c->be, v, &c->g, s->axis[0], s->axis[1], s->axis[2], s->arr[F1], s->arr[F2], s->arr[F3], Nv, Na, Nb, Nc,
                            &noise);
  return f->etd_final(c->be, v, s->arr[E], s->arr[F1], s->arr[F2], s->arr[F3], Nv, Na, Nb, Nc, c->g.nspec, &noise, s->arr[E]);
}

const nfcs_cgl_scheme_class nfcs_cgl_etdrk4 = {
  .info = {"etdrk4", 4, 8, "fourth-order exponential time differencing Runge-Kutta (Cox-Matthews, Kassam-Trefethen)"},
  .spectral_state = 1,
  .has_noise = 1,
  .has_dealias = 1,
  .init = init,
  .coefficients = coefficients,
  .set_field = set_field,
  .sync_view = sync_view,
  .step = step,
};
