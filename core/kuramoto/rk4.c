/* Classic fourth-order Runge-Kutta for the phases, as the Python NFCS integrates them: K, alpha and
 * the controls frozen over the step, the four stages through the backend's right-hand side, the
 * combination and the wrap to [-pi, pi) in one operation. */
#include "kuramoto_impl.h"

static int rk4_step(nfcs_kuramoto *k, double h) {
  const nfcs_backend_ops *o = k->ops;
  const nfcs_kur_rhs *r = &k->rhs;
  const double half = 0.5 * h;
  NFCS_CHECK(o->network->rhs(k->be, r, k->theta, 0.0, NULL, k->k1));
  NFCS_CHECK(o->network->rhs(k->be, r, k->theta, half, k->k1, k->k2));
  NFCS_CHECK(o->network->rhs(k->be, r, k->theta, half, k->k2, k->k3));
  NFCS_CHECK(o->network->rhs(k->be, r, k->theta, h, k->k3, k->k4));
  return o->network->rk4_final(k->be, k->theta, k->k1, k->k2, k->k3, k->k4, h, k->nl);
}

const nfcs_kuramoto_integrator_class nfcs_kur_rk4 = {
  {"rk4", 4, 0, "classic fourth-order Runge-Kutta (deterministic)"},
  rk4_step,
};

/* the Python NFCS's name for the same integrator (its configs load unchanged) */
const nfcs_kuramoto_integrator_class nfcs_kur_upstream = {
  {"upstream", 4, 0, "the Python NFCS's integrator: the same classic RK4"},
  rk4_step,
};
