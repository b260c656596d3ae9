// Shared between the CUDA backend's files.
#ifndef NFCS_CUDA_INTERNAL_H
#define NFCS_CUDA_INTERNAL_H

#include <cublas_v2.h>
#include <cuda_runtime.h>

extern "C" {
#include "nfcs_internal.h"
}

struct nfcs_gpu {
  nfcs_ctx *ctx;
  cudaStream_t stream;
  double *scratch;  // device: reduction results (16 doubles)
  double *partial;  // device: the blocks' partial sums of a reduction (3 per block, at most 65535 x 8 blocks)
  int *flag;        // device: finiteness flag
  cublasHandle_t blas;
};

// Kuramoto operations (cuda/cuda_kuramoto.cu); each returns a status naming a failed call
int nfcs_gpu_kur_rhs(void *self, const nfcs_kur_rhs *r, const double *theta, double a, const double *dir, double *out);
int nfcs_gpu_kur_rk4_final(void *self, double *theta, const double *k1, const double *k2, const double *k3, const double *k4,
                           double dt, int64_t n);
int nfcs_gpu_kur_predict(void *self, double *out, const double *theta, const double *f1, double dt, double sigma,
                         const nfcs_noise *noise, int64_t n);
int nfcs_gpu_kur_noise_step(void *self, double *theta, const double *f1, const double *f2, double dt, const nfcs_noise *noise,
                            int64_t n);
int nfcs_gpu_kur_order(void *self, const double *theta, int64_t n, double *partial, double *re, double *im);
int nfcs_gpu_all_finite_real(void *self, const double *x, size_t n, int *finite);

// A CUDA call's status (0, or an error naming the call in the context: exit 70, 71 for memory).
int nfcs_gpu_check(nfcs_gpu *g, cudaError_t e, const char *what);
// After kernel launches: a launch that failed (or an earlier asynchronous failure reported now).
int nfcs_gpu_launched(nfcs_gpu *g, const char *what);

#endif
