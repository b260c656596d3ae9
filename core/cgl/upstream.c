/* upstream: the Python NFCS's step — half a linear step (with the growth term) in Fourier space,
 * an explicit Euler step of the cubic term and the forcing, half a linear step.  First order, four
 * FFTs a step, no noise and no dealiasing (as the prototype). */
#include "cgl_impl.h"

static int init(nfcs_cgl *c) {
  c->work = c->spec;
  return NFCS_OK;
}

static int coefficients(nfcs_cgl *c, nfcs_cgl_coefs *s, double h) { return nfcs_cgl_separable_factors(c, s, 0.5 * h, 1.0); }

static int half_linear(nfcs_cgl *c, const nfcs_cgl_coefs *s) {
  NFCS_CHECK(c->ops->fft->forward(c->be, c->fft, c->phi, c->spec));
  NFCS_CHECK(c->ops->field->cmul_separable(c->be, c->spec, &c->g, s->axis[0], s->axis[1], s->axis[2]));
  return c->ops->fft->inverse(c->be, c->fft, c->spec, c->phi);
}

static int step(nfcs_cgl *c, const nfcs_cgl_coefs *s) {
  const nfcs_forcing u = nfcs_cgl_forcing(c);
  NFCS_CHECK(half_linear(c, s));
  NFCS_CHECK(c->ops->field->euler(c->be, c->phi, c->g.nloc, s->h, c->c3, &u));
  return half_linear(c, s);
}

const nfcs_cgl_scheme_class nfcs_cgl_upstream = {
  .info = {"upstream", 1, 4, "the Python NFCS's first-order step (half linear, Euler nonlinear, half linear)"},
  .spectral_state = 0,
  .has_noise = 0,
  .has_dealias = 0,
  .init = init,
  .coefficients = coefficients,
  .set_field = NULL,
  .sync_view = NULL,
  .step = step,
};
