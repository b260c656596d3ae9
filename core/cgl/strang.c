/* strang: N(h/2) U(h/2) L(h) U(h/2) N(h/2).  N is the exact local flow of phi - (1 + i c3)|phi|^2 phi,
 * U the exact flow of the frozen forcing, L the exact linear flow in Fourier space (a separable
 * multiplier).  The last N(h/2) U(h/2) of a step is kept pending and fused with the first of the
 * next (N(a) N(b) = N(a + b)), so a step is one forward FFT, one inverse FFT and two pointwise
 * passes.  The observable field applies the pending half to a copy: observing never changes the
 * run.  Second order; the noise enters after the local flow, at every point. */
#include <math.h>

#include "cgl_impl.h"

static int init(nfcs_cgl *c) {
  NFCS_CHECK(nfcs_cgl_alloc_array(c, &c->view));
  c->work = c->spec;
  return NFCS_OK;
}

static int coefficients(nfcs_cgl *c, nfcs_cgl_coefs *s, double h) { return nfcs_cgl_separable_factors(c, s->axis, h, 0.0); }

static int sync_view(nfcs_cgl *c) {
  if (!c->pending) return c->ops->memory->copy(c->be, c->view, c->phi, c->g.nloc);
  nfcs_local_step s = {.h = 0.5 * c->pending_h, .c3 = c->c3, .a_pre = 0.5 * c->pending_h, .u_pre = c->pending_u};
  return c->ops->field->local(c->be, c->view, c->phi, c->g.nloc, &s);
}

static int step(nfcs_cgl *c, const nfcs_cgl_coefs *s) {
  const double h = s->h;
  nfcs_local_step ls = {.c3 = c->c3, .a_post = 0.5 * h, .u_post = nfcs_cgl_forcing(c)};
  if (c->pending) {
    ls.a_pre = 0.5 * c->pending_h;
    ls.u_pre = c->pending_u;
    ls.h = 0.5 * c->pending_h + 0.5 * h;
  } else {
    ls.h = 0.5 * h;
  }
  ls.noise = nfcs_cgl_step_noise(c, h, 0);
  NFCS_CHECK(c->ops->field->local(c->be, c->phi, c->phi, c->g.nloc, &ls));
  NFCS_CHECK(c->ops->fft->forward(c->be, c->fft, c->phi, c->spec));
  NFCS_CHECK(c->ops->field->cmul_separable(c->be, c->spec, &c->g, s->axis[0], s->axis[1], s->axis[2]));
  NFCS_CHECK(c->ops->fft->inverse(c->be, c->fft, c->spec, c->phi));
  c->pending = 1;
  c->pending_h = h;
  c->pending_u = ls.u_post;
  return NFCS_OK;
}

const nfcs_cgl_scheme_class nfcs_cgl_strang = {
  .info = {"strang", 2, 2, "second-order Strang split step with exact linear and local sub-steps"},
  .spectral_state = 0,
  .has_noise = 1,
  .has_dealias = 1,
  .init = init,
  .coefficients = coefficients,
  .set_field = NULL,
  .sync_view = sync_view,
  .step = step,
};
