/* The module registry: the coordinator advances, measures and writes the modules in this order. */
#include "nfcs_module.h"

extern const nfcs_module_ops nfcs_module_cgl;      /* core/nfcs_module_cgl.c */
extern const nfcs_module_ops nfcs_module_kuramoto; /* core/nfcs_module_kuramoto.c */

static const nfcs_module_ops *const REGISTRY[] = {
  &nfcs_module_cgl,
  &nfcs_module_kuramoto,
};

const nfcs_module_ops *const *nfcs_modules(size_t *count) {
  *count = sizeof REGISTRY / sizeof REGISTRY[0];
  return REGISTRY;
}
