// The CUDA backend as a module (libnfcs_cuda.so), loaded by core/nfcs_backend.c when `cuda` is
// asked for: its entry point, and the one engine service it calls (errors), handed over by the
// host at load time.
#include <cstdarg>

#include "cuda_internal.h"

extern "C" const nfcs_backend_type nfcs_backend_cuda;  // cuda_backend.cu

namespace {
const nfcs_backend_host *g_host = nullptr;
}

extern "C" int nfcs_error_raise(nfcs_ctx *ctx, int code, const char *file, int line, const char *func, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int rc = g_host ? g_host->error_vraise(ctx, code, file, line, func, fmt, ap) : code;
  va_end(ap);
  return rc;
}

extern "C" __attribute__((visibility("default"))) const nfcs_backend_type *nfcs_backend_module(const nfcs_backend_host *host,
                                                                                               long abi) {
  if (abi != NFCS_BACKEND_ABI || !host) return nullptr;
  g_host = host;
  return &nfcs_backend_cuda;
}
