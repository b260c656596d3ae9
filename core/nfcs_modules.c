/* The module registry (the list is core/nfcs_modules.def). */
#include <string.h>

#include "nfcs_module.h"

#define NFCS_MODULE(name) extern const nfcs_module_type nfcs_module_##name;
#include "nfcs_modules.def"
#undef NFCS_MODULE

static const nfcs_module_type *const REGISTRY[] = {
#define NFCS_MODULE(name) &nfcs_module_##name,
#include "nfcs_modules.def"
#undef NFCS_MODULE
};
_Static_assert(sizeof REGISTRY / sizeof REGISTRY[0] <= NFCS_MAX_MODULES, "more modules than NFCS_MAX_MODULES");

const nfcs_module_type *const *nfcs_modules(size_t *count) {
  *count = sizeof REGISTRY / sizeof REGISTRY[0];
  return REGISTRY;
}

const nfcs_module_type *nfcs_module_find(const char *name, int *index) {
  for (size_t i = 0; i < sizeof REGISTRY / sizeof REGISTRY[0]; i++)
    if (!strcmp(REGISTRY[i]->name, name)) {
      if (index) *index = (int)i;
      return REGISTRY[i];
    }
  if (index) *index = -1;
  return NULL;
}

int nfcs_module_env_find(const nfcs_module_env *env, const char *name, nfcs_module_ref *out) {
  for (int i = 0; env && i < env->nmodules; i++)
    if (!strcmp(env->modules[i].type->name, name)) {
      *out = env->modules[i];
      return 1;
    }
  return 0;
}
