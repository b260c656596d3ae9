/* The registry of the networks' integrators, in the order of the choices of kuramoto.integrator
 * (the NFCS_KINT_* values); tests/test_kuramoto.c checks that the table row names them so. */
#include "kuramoto_impl.h"

static const nfcs_kuramoto_integrator_class *const INTEGRATORS[] = {
  [NFCS_KINT_RK4] = &nfcs_kur_rk4,
  [NFCS_KINT_EULER_MARUYAMA] = &nfcs_kur_euler_maruyama,
  [NFCS_KINT_HEUN] = &nfcs_kur_heun,
  [NFCS_KINT_UPSTREAM] = &nfcs_kur_upstream,
};
#define COUNT (sizeof INTEGRATORS / sizeof INTEGRATORS[0])

size_t nfcs_kuramoto_integrator_count(void) { return COUNT; }
const nfcs_kuramoto_integrator_type *nfcs_kuramoto_integrator_at(size_t i) { return i < COUNT ? &INTEGRATORS[i]->info : NULL; }
const nfcs_kuramoto_integrator_class *nfcs_kuramoto_integrator_class_of(int integrator) {
  return integrator >= 0 && (size_t)integrator < COUNT ? INTEGRATORS[integrator] : NULL;
}
