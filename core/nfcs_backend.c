/* The backend registry (DESIGN.md style 5): implementations picked by name. */
#include "nfcs_internal.h"

#include <string.h>

extern const nfcs_backend_type nfcs_backend_cpu;   /* kernels/cpu_backend.c */
#if NFCS_HAVE_CUDA_BACKEND
extern const nfcs_backend_type nfcs_backend_cuda;  /* cuda/cuda_backend.cu */
#endif

static const nfcs_backend_type *const REGISTRY[] = {
  &nfcs_backend_cpu,
#if NFCS_HAVE_CUDA_BACKEND
  &nfcs_backend_cuda,
#endif
};

const nfcs_backend_type *const *nfcs_backend_types(size_t *count) {
  *count = sizeof REGISTRY / sizeof REGISTRY[0];
  return REGISTRY;
}

const nfcs_backend_type *nfcs_backend_find(const char *name) {
  for (size_t i = 0; i < sizeof REGISTRY / sizeof REGISTRY[0]; i++)
    if (!strcmp(REGISTRY[i]->name, name)) return REGISTRY[i];
  return NULL;
}

int nfcs_ctx_use_backend(nfcs_ctx *ctx, const char *name) {
  const nfcs_backend_type *t = nfcs_backend_find(name);
  if (!t)
    return NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "backend '%s' is not built into this nfcs (nfcs info lists the backends)", name);
  char why[256] = "";
  if (!t->available(why, sizeof why))
    return NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "backend '%s' is not available on this machine: %s", name, why);
  if (ctx->backend && ctx->ops->destroy) ctx->ops->destroy(&ctx->backend);
  ctx->backend_type = t;
  ctx->ops = t->ops;
  return t->create(ctx, &ctx->backend);
}
