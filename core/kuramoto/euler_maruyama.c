/* Euler-Maruyama: theta += dt f(theta) + sqrt(2 D dt) xi, xi standard normals drawn per
 * oscillator and step (order 1 without noise, strong order 1/2 with it). */
#include "kuramoto_impl.h"

static int em_step(nfcs_kuramoto *k, double h) {
  const nfcs_noise noise = nfcs_kuramoto_step_noise(k, h);
  NFCS_CHECK(k->ops->network->rhs(k->be, &k->rhs, k->theta, 0.0, NULL, k->k1));
  return k->ops->network->noise_step(k->be, k->theta, k->k1, NULL, h, &noise, k->nl);
}

const nfcs_kuramoto_integrator_class nfcs_kur_euler_maruyama = {
  {"euler_maruyama", 1, 1, "Euler-Maruyama: first order, additive phase noise (kuramoto.noise)"},
  em_step,
};
