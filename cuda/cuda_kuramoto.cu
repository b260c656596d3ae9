// Kuramoto networks on the GPU: mean field (block sums of the order parameter over the same fixed
// blocks as the CPU, then one ordered reduction), dense coupling by a warp per row that reads each
// row of K (or W = K e^{-i alpha}) once for both products, CSR, and the RK4 / Euler-Maruyama /
// Heun updates with the CPU's wrap and Philox noise.
#include <cmath>

#include <cublas_v2.h>

#include "cuda_internal.h"
#include "nfcs_rng.h"

namespace {

const int BS = 256;
inline unsigned nblocks(int64_t n) {
  int64_t b = (n + BS - 1) / BS;
  return (unsigned)(b > 65535 * 16 ? 65535 * 16 : (b < 1 ? 1 : b));
}
#define STRIDE(i, n) for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)blockDim.x * gridDim.x)

__device__ __forceinline__ double warp_sum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;
}

// fixed-order block sum (the same tree every run)
__device__ double block_sum(double v, double *sh) {
  v = warp_sum(v);
  if ((threadIdx.x & 31) == 0) sh[threadIdx.x >> 5] = v;
  __syncthreads();
  v = threadIdx.x < BS / 32 ? sh[threadIdx.x] : 0.0;
  if (threadIdx.x < 32) v = warp_sum(v);
  __syncthreads();
  return v;
}

// cos/sin of theta + a dir, and the order-parameter sums of each NFCS_KUR_BLOCK chunk
__global__ void k_phases(const double *theta, double a, const double *dir, double *c, double *s, double *part, int64_t n,
                         int64_t members, int with_sums) {
  __shared__ double sh[BS / 32];
  const int64_t nbm = (n + NFCS_KUR_BLOCK - 1) / NFCS_KUR_BLOCK, nb = nbm * members;
  for (int64_t b = blockIdx.x; b < nb; b += gridDim.x) {
    const int64_t base = (b / nbm) * n, lo = base + (b % nbm) * NFCS_KUR_BLOCK;
    const int64_t hi = lo + NFCS_KUR_BLOCK < base + n ? lo + NFCS_KUR_BLOCK : base + n;
    double zr = 0, zi = 0;
    for (int64_t j = lo + threadIdx.x; j < hi; j += BS) {
      double ph = dir ? theta[j] + a * dir[j] : theta[j], sj, cj;
      sincos(ph, &sj, &cj);
      if (c) {
        c[j] = cj;
        s[j] = sj;
      }
      zr += cj;
      zi += sj;
    }
    if (with_sums) {
      zr = block_sum(zr, sh);
      zi = block_sum(zi, sh);
      if (threadIdx.x == 0) {
        part[2 * b] = zr;
        part[2 * b + 1] = zi;
      }
    }
  }
}

// the block sums of each member in order -> Z_m (one block a member)
__global__ void k_reduce_parts(const double *part, int64_t nbm, double *z) {
  __shared__ double sh[BS / 32];
  const int64_t m = blockIdx.x;
  double zr = 0, zi = 0;
  for (int64_t b = threadIdx.x; b < nbm; b += BS) {
    zr += part[2 * (m * nbm + b)];
    zi += part[2 * (m * nbm + b) + 1];
  }
  zr = block_sum(zr, sh);
  zi = block_sum(zi, sh);
  if (threadIdx.x == 0) {
    z[2 * m] = zr;
    z[2 * m + 1] = zi;
  }
}

__global__ void k_mf_finish(const double *c, const double *s, const double *z, const double *om, const double *uf, double g,
                            const double *gscale, double ca, double sa, double u, double *out, int64_t n, int64_t members) {
  STRIDE(q, n * members) {
    const int64_t m = q / n;
    const double zr = z[2 * m], zi = z[2 * m + 1];
    double cp = c[q] * ca - s[q] * sa, sp = s[q] * ca + c[q] * sa;
    double f = om[q] + g * gscale[m] * (zi * cp - zr * sp) + u;
    if (uf) f += uf[q - m * n];
    out[q] = f;
  }
}

// f_i = omega_i + kappa (B cos(phi_i) - A sin(phi_i)) + u_i with (A, B) per row
__global__ void k_finish(const double *c, const double *s, const double *ab, int gemm, const double *om, const double *uf,
                         double kappa, const double *gscale, double ca, double sa, double u, double *out, int64_t n, int64_t members) {
  STRIDE(q, n * members) {
    const int64_t m = q / n, i = q - m * n;
    const double A = gemm ? ab[i * 2 * members + 2 * m] : ab[2 * q], B = gemm ? ab[i * 2 * members + 2 * m + 1] : ab[2 * q + 1];
    double cp = c[q] * ca - s[q] * sa, sp = s[q] * ca + c[q] * sa;
    double f = om[q] + kappa * gscale[m] * (B * cp - A * sp) + u;
    if (uf) f += uf[i];
    out[q] = f;
  }
}

__global__ void k_pack(const double *c, const double *s, double *x, int64_t n, int64_t members) {
  STRIDE(q, n * members) {
    const int64_t m = q / n, j = q - m * n;
    x[j * 2 * members + 2 * m] = c[q];
    x[j * 2 * members + 2 * m + 1] = s[q];
  }
}

// dense: a warp per row, K read once (coalesced) for both products
__global__ void k_dense(const double *K, const double *c, const double *s, double *ab, int64_t n) {
  const int64_t warp = (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31;
  const int64_t nwarps = ((int64_t)gridDim.x * blockDim.x) >> 5;
  for (int64_t i = warp; i < n; i += nwarps) {
    const double *row = K + i * n;
    double a = 0, b = 0;
    for (int64_t j = lane; j < n; j += 32) {
      double k = row[j];
      a += k * c[j];
      b += k * s[j];
    }
    a = warp_sum(a);
    b = warp_sum(b);
    if (lane == 0) {
      ab[2 * i] = a;
      ab[2 * i + 1] = b;
    }
  }
}

__global__ void k_dense_lag(const double2 *W, const double *c, const double *s, double *ab, int64_t n) {
  const int64_t warp = (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) >> 5, lane = threadIdx.x & 31;
  const int64_t nwarps = ((int64_t)gridDim.x * blockDim.x) >> 5;
  for (int64_t i = warp; i < n; i += nwarps) {
    const double2 *row = W + i * n;
    double pr = 0, pi = 0;
    for (int64_t j = lane; j < n; j += 32) {
      double2 w = row[j];
      pr += w.x * c[j] - w.y * s[j];
      pi += w.x * s[j] + w.y * c[j];
    }
    pr = warp_sum(pr);
    pi = warp_sum(pi);
    if (lane == 0) {
      ab[2 * i] = pr;
      ab[2 * i + 1] = pi;
    }
  }
}

// members on the grid's y axis, rows on x: no division by n per row
__global__ void k_csr(const int64_t *rp, const int32_t *col, const double *w, const double *c, const double *s, double *ab,
                      int64_t n, int64_t members) {
  for (int64_t m = blockIdx.y; m < members; m += gridDim.y) {
    const double *cm = c + m * n, *sm = s + m * n;
    double *abm = ab + 2 * m * n;
    STRIDE(i, n) {
      double a = 0, b = 0;
      for (int64_t e = rp[i]; e < rp[i + 1]; e++) {
        a += w[e] * cm[col[e]];
        b += w[e] * sm[col[e]];
      }
      abm[2 * i] = a;
      abm[2 * i + 1] = b;
    }
  }
}

__device__ __forceinline__ double wrap(double x) { return nfcs_wrap_phase(x); }

__global__ void k_rk4_final(double *th, const double *k1, const double *k2, const double *k3, const double *k4, double h6,
                            int64_t n) {
  STRIDE(i, n) th[i] = wrap(th[i] + h6 * (((k1[i] + 2.0 * k2[i]) + 2.0 * k3[i]) + k4[i]));
}

__global__ void k_noise(double *out, const double *th, const double *f1, const double *f2, double dt, nfcs_noise nz, int predict,
                        int64_t n) {
  STRIDE(i, n) {
    double g0 = 0, g1;
    if (nz.sigma > 0) nfcs_rng_normal2(nz.seed, nz.stream, (uint64_t)i, nz.step, &g0, &g1);
    if (predict) {
      out[i] = th[i] + dt * f1[i] + nz.sigma * g0;
    } else {
      double drift = f2 ? 0.5 * dt * (f1[i] + f2[i]) : dt * f1[i];
      out[i] = wrap(th[i] + drift + nz.sigma * g0);
    }
  }
}

__global__ void k_finite_real(const double *x, int64_t n, int *bad) {
  int b = 0;
  STRIDE(i, n) b |= !isfinite(x[i]);
  if (b) atomicOr(bad, 1);
}

nfcs_gpu *GP(void *self) { return (nfcs_gpu *)self; }

}  // namespace

int nfcs_gpu_kur_rhs(void *self, const nfcs_kur_rhs *r, const double *theta, double a, const double *dir, double *out) {
  nfcs_gpu *g = GP(self);
  cudaStream_t st = g->stream;
  const int64_t n = r->n, M = r->members, nbm = (n + NFCS_KUR_BLOCK - 1) / NFCS_KUR_BLOCK, nb = nbm * M;
  const int mean_field = r->coupling != NFCS_RHS_DENSE && r->coupling != NFCS_RHS_SPARSE;
  k_phases<<<(unsigned)(nb < 65535 * 8 ? nb : 65535 * 8), BS, 0, st>>>(theta, a, dir, r->c, r->s, r->partial, n, M, mean_field);
  if (mean_field) {
    double *z = r->work; /* [2M]: the work array is free in the mean-field path */
    k_reduce_parts<<<(unsigned)M, BS, 0, st>>>(r->partial, nbm, z);
    k_mf_finish<<<nblocks(n * M), BS, 0, st>>>(r->c, r->s, z, r->omega, r->u_field, r->kappa * r->K, r->gscale, r->cos_a, r->sin_a,
                                               r->u, out, n, M);
    return nfcs_gpu_launched(g, "kernels of the mean-field right-hand side");
  }
  int gemm = 0;
  const double *ab = r->work;
  if (r->coupling == NFCS_RHS_DENSE && M > 1) {
    /* the ensemble: Y [N][2M] = K [N][N] X [N][2M], one GEMM (row-major as column-major transposes) */
    k_pack<<<nblocks(n * M), BS, 0, st>>>(r->c, r->s, r->x, n, M);
    NFCS_CHECK(nfcs_gpu_launched(g, "kernels k_phases, k_pack"));
    const double one = 1.0, zero = 0.0;
    const cublasStatus_t bs = cublasDgemm(g->blas, CUBLAS_OP_N, CUBLAS_OP_N, (int)(2 * M), (int)n, (int)n, &one, r->x, (int)(2 * M),
                                          r->Kmat, (int)n, &zero, r->y, (int)(2 * M));
    if (bs != CUBLAS_STATUS_SUCCESS)
      return NFCS_ERROR(g->ctx, bs == CUBLAS_STATUS_ALLOC_FAILED ? NFCS_ERR_NOMEM : NFCS_ERR_SOFTWARE, "cuBLAS: cublasDgemm failed: %s",
                        cublasGetStatusString(bs));
    gemm = 1;
    ab = r->y;
  } else if (r->coupling == NFCS_RHS_DENSE) {
    const int64_t warps = n < 65535 * 8 ? n : 65535 * 8;
    const unsigned grid = (unsigned)((warps * 32 + BS - 1) / BS);
    if (r->W) k_dense_lag<<<grid, BS, 0, st>>>((const double2 *)r->W, r->c, r->s, r->work, n);
    else k_dense<<<grid, BS, 0, st>>>(r->Kmat, r->c, r->s, r->work, n);
  } else {
    const dim3 grid(nblocks(n), (unsigned)(M < 65535 ? M : 65535));
    k_csr<<<grid, BS, 0, st>>>(r->rowptr, r->col, r->w, r->c, r->s, r->work, n, M);
  }
  k_finish<<<nblocks(n * M), BS, 0, st>>>(r->c, r->s, ab, gemm, r->omega, r->u_field, r->kappa, r->gscale, r->cos_a, r->sin_a, r->u,
                                          out, n, M);
  return nfcs_gpu_launched(g, "kernels of the coupled right-hand side");
}

int nfcs_gpu_kur_rk4_final(void *self, double *theta, const double *k1, const double *k2, const double *k3, const double *k4,
                           double dt, int64_t n) {
  k_rk4_final<<<nblocks(n), BS, 0, GP(self)->stream>>>(theta, k1, k2, k3, k4, dt / 6.0, n);
  return nfcs_gpu_launched(GP(self), "kernel k_rk4_final");
}

int nfcs_gpu_kur_predict(void *self, double *out, const double *theta, const double *f1, double dt, double sigma,
                         const nfcs_noise *noise, int64_t n) {
  nfcs_noise nz = *noise;
  nz.sigma = sigma;
  k_noise<<<nblocks(n), BS, 0, GP(self)->stream>>>(out, theta, f1, nullptr, dt, nz, 1, n);
  return nfcs_gpu_launched(GP(self), "kernel k_noise (predictor)");
}

int nfcs_gpu_kur_noise_step(void *self, double *theta, const double *f1, const double *f2, double dt, const nfcs_noise *noise,
                            int64_t n) {
  k_noise<<<nblocks(n), BS, 0, GP(self)->stream>>>(theta, theta, f1, f2, dt, *noise, 0, n);
  return nfcs_gpu_launched(GP(self), "kernel k_noise");
}

int nfcs_gpu_kur_order(void *self, const double *theta, int64_t n, double *partial, double *re, double *im) {
  nfcs_gpu *g = GP(self);
  const int64_t nb = (n + NFCS_KUR_BLOCK - 1) / NFCS_KUR_BLOCK;
  k_phases<<<(unsigned)(nb < 65535 * 8 ? nb : 65535 * 8), BS, 0, g->stream>>>(theta, 0.0, nullptr, nullptr, nullptr, partial, n, 1, 1);
  k_reduce_parts<<<1, BS, 0, g->stream>>>(partial, nb, g->scratch + 10);
  NFCS_CHECK(nfcs_gpu_launched(g, "kernels k_phases, k_reduce_parts"));
  double h[2];
  NFCS_CHECK(nfcs_gpu_check(g, cudaMemcpyAsync(h, g->scratch + 10, 2 * sizeof(double), cudaMemcpyDeviceToHost, g->stream),
                            "cudaMemcpyAsync (order parameter)"));
  NFCS_CHECK(nfcs_gpu_check(g, cudaStreamSynchronize(g->stream), "cudaStreamSynchronize (order parameter)"));
  *re = h[0];
  *im = h[1];
  return NFCS_OK;
}

int nfcs_gpu_all_finite_real(void *self, const double *x, size_t n, int *finite) {
  nfcs_gpu *g = GP(self);
  int bad = 0;
  NFCS_CHECK(nfcs_gpu_check(g, cudaMemsetAsync(g->flag, 0, sizeof(int), g->stream), "cudaMemsetAsync"));
  k_finite_real<<<nblocks((int64_t)n), BS, 0, g->stream>>>(x, (int64_t)n, g->flag);
  NFCS_CHECK(nfcs_gpu_launched(g, "kernel k_finite_real"));
  NFCS_CHECK(nfcs_gpu_check(g, cudaMemcpyAsync(&bad, g->flag, sizeof(int), cudaMemcpyDeviceToHost, g->stream), "cudaMemcpyAsync"));
  NFCS_CHECK(nfcs_gpu_check(g, cudaStreamSynchronize(g->stream), "cudaStreamSynchronize (finiteness)"));
  *finite = !bad;
  return NFCS_OK;
}
