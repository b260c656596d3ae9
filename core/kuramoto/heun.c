/* Stochastic Heun: a predictor with the step's noise, then the corrector with the same noise
 * (order 2 without noise; the Stratonovich-consistent scheme for additive noise). */
#include "kuramoto_impl.h"

static int heun_step(nfcs_kuramoto *k, double h) {
  const nfcs_backend_ops *o = k->ops;
  const nfcs_noise noise = nfcs_kuramoto_step_noise(k, h);
  const int64_t n = k->nl; /* this process's values */
  NFCS_CHECK(o->network->rhs(k->be, &k->rhs, k->theta, 0.0, NULL, k->k1));
  NFCS_CHECK(o->network->predict(k->be, k->k3, k->theta, k->k1, h, noise.sigma, &noise, n));
  NFCS_CHECK(o->network->rhs(k->be, &k->rhs, k->k3, 0.0, NULL, k->k2));
  return o->network->noise_step(k->be, k->theta, k->k1, k->k2, h, &noise, n);
}

const nfcs_kuramoto_integrator_class nfcs_kur_heun = {
  {"heun", 2, 1, "stochastic Heun: predictor-corrector with the same noise, second order without noise"},
  heun_step,
};
