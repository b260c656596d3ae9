/* upstream: the Python NFCS's step — half a linear step (with the growth term) in Fourier space,
 * an explicit Euler step of the cubic term and the forcing, half a linear step.  First order, no
 * noise and no dealiasing (as the prototype).
 *
 * The last half linear step of a step is kept pending and fused with the first of the next:
 * L(h/2) E L(h/2) L(h/2) E L(h/2) = L(h/2) E L(h) E L(h/2), so a step is one FFT pair (the
 * prototype's four FFTs become two), with the Python NFCS's nonlinear step unchanged.  The
 * observable field applies the pending half to a copy: observing never changes the run.  Where
 * the step size changes (a step shortened to land on an output time, or the one after it) the two
 * halves are applied one after the other, so the sequence of operations depends on the step sizes
 * alone (a restart continues bit for bit). */
#include "cgl_impl.h"

static int init(nfcs_cgl *c) {
  NFCS_CHECK(nfcs_cgl_alloc_array(c, &c->view));
  c->work = c->spec;
  return NFCS_OK;
}

/* axis: L(h/2), the half step; fused: L(h), two halves of the same size in one */
static int coefficients(nfcs_cgl *c, nfcs_cgl_coefs *s, double h) {
  NFCS_CHECK(nfcs_cgl_separable_factors(c, s->axis, 0.5 * h, 1.0));
  return nfcs_cgl_separable_factors(c, s->fused, h, 1.0);
}

/* out = the linear flow of the separable multiplier m applied to in (one FFT pair) */
static int linear(nfcs_cgl *c, nfcs_real *const *m, const nfcs_real *in, nfcs_real *out) {
  NFCS_CHECK(c->ops->fft->forward(c->be, c->fft, in, c->spec));
  NFCS_CHECK(c->ops->field->cmul_separable(c->be, c->spec, &c->g, m[0], m[1], m[2]));
  return c->ops->fft->inverse(c->be, c->fft, c->spec, out);
}

/* the pending half step's coefficients (prepared: its size is one of the run's step sizes) */
static int pending_coefs(nfcs_cgl *c, nfcs_cgl_coefs **out) { return nfcs_cgl_coefficients(c, c->pending_h, out); }

/* the view: the pending half applied to a copy; its spectrum (phi_k / npts: the factors hold
 * 1/npts) passes through spec, where the metrics' k^2 sum is taken when they ask for it */
static int sync_view(nfcs_cgl *c) {
  if (!c->pending) return c->ops->memory->copy(c->be, c->view, c->phi, c->g.nloc);
  nfcs_cgl_coefs *p;
  NFCS_CHECK(pending_coefs(c, &p));
  NFCS_CHECK(c->ops->fft->forward(c->be, c->fft, c->phi, c->spec));
  NFCS_CHECK(c->ops->field->cmul_separable(c->be, c->spec, &c->g, p->axis[0], p->axis[1], p->axis[2]));
  if (c->k2_wanted) {
    NFCS_CHECK(nfcs_backend_k2_sum(c->ops, c->be, c->spec, &c->g, c->host_scratch, &c->k2_view));
    c->k2_valid = 1;
  }
  return c->ops->fft->inverse(c->be, c->fft, c->spec, c->view);
}

static int step(nfcs_cgl *c, const nfcs_cgl_coefs *s) {
  const nfcs_forcing u = nfcs_cgl_forcing(c);
  if (!c->pending) {
    NFCS_CHECK(linear(c, s->axis, c->phi, c->phi));
  } else if (c->pending_h == s->h) {
    NFCS_CHECK(linear(c, s->fused, c->phi, c->phi));
  } else {
    nfcs_cgl_coefs *p;
    NFCS_CHECK(pending_coefs(c, &p));
    NFCS_CHECK(linear(c, p->axis, c->phi, c->phi));
    NFCS_CHECK(linear(c, s->axis, c->phi, c->phi));
  }
  NFCS_CHECK(c->ops->field->euler(c->be, c->phi, c->g.nloc, s->h, c->c3, &u));
  c->pending = 1;
  c->pending_h = s->h;
  return NFCS_OK;
}

const nfcs_cgl_scheme_class nfcs_cgl_upstream = {
  .info = {"upstream", 1, 2, "the Python NFCS's first-order step (half linear, Euler nonlinear, half linear), consecutive halves fused"},
  .spectral_state = 0,
  .has_noise = 0,
  .has_dealias = 0,
  .init = init,
  .coefficients = coefficients,
  .set_field = NULL,
  .sync_view = sync_view,
  .step = step,
};
