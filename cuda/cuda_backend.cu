// The CUDA backend: core's backend operations with cuFFT and the project's own kernels.
// Device memory from cudaMalloc only; one stream per backend; every array stays on the device
// and crosses to the host only through upload/download (a sink asking for a snapshot, a
// checkpoint, a metric's scalar).
#include <cuda_runtime.h>
#include <cufft.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cuda_internal.h"
#include "nfcs_rng.h"

namespace {

#if NFCS_SINGLE
typedef cufftComplex fft_c;
const cufftType FFT_TYPE = CUFFT_C2C;
#define FFT_EXEC cufftExecC2C
#else
typedef cufftDoubleComplex fft_c;
const cufftType FFT_TYPE = CUFFT_Z2Z;
#define FFT_EXEC cufftExecZ2Z
#endif

typedef nfcs_gpu gpu;

const int BS = 256;

// complex values as one 16-byte (double) or 8-byte (single) access
#if NFCS_SINGLE
typedef float2 cplx;
#else
typedef double2 cplx;
#endif

inline unsigned blocks(size_t n) {
  size_t b = (n + BS - 1) / BS;
  return (unsigned)(b > 65535u * 8u ? 65535u * 8u : b);
}

#define GRID_STRIDE(i, n) for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); i += (size_t)blockDim.x * gridDim.x)

int cuda_fail(gpu *g, cudaError_t e, const char *what) {
  return NFCS_ERROR(g->ctx, e == cudaErrorMemoryAllocation ? NFCS_ERR_NOMEM : NFCS_ERR_SOFTWARE, "CUDA: %s failed: %s", what,
                    cudaGetErrorString(e));
}

// A CUDA call's status: 0, or an error naming the call (exit 70; 71 for memory).
int cuda_check(gpu *g, cudaError_t e, const char *what) { return e == cudaSuccess ? NFCS_OK : cuda_fail(g, e, what); }

// After kernel launches: a launch that failed (or an earlier asynchronous failure reported now).
int launched(gpu *g, const char *what) { return cuda_check(g, cudaGetLastError(), what); }

const char *cufft_name(cufftResult r) {
  switch (r) {
  case CUFFT_INVALID_PLAN: return "CUFFT_INVALID_PLAN";
  case CUFFT_ALLOC_FAILED: return "CUFFT_ALLOC_FAILED";
  case CUFFT_INVALID_TYPE: return "CUFFT_INVALID_TYPE";
  case CUFFT_INVALID_VALUE: return "CUFFT_INVALID_VALUE";
  case CUFFT_INTERNAL_ERROR: return "CUFFT_INTERNAL_ERROR";
  case CUFFT_EXEC_FAILED: return "CUFFT_EXEC_FAILED";
  case CUFFT_SETUP_FAILED: return "CUFFT_SETUP_FAILED";
  case CUFFT_INVALID_SIZE: return "CUFFT_INVALID_SIZE";
  case CUFFT_UNALIGNED_DATA: return "CUFFT_UNALIGNED_DATA";
  case CUFFT_INVALID_DEVICE: return "CUFFT_INVALID_DEVICE";
  case CUFFT_NOT_SUPPORTED: return "CUFFT_NOT_SUPPORTED";
  default: return "cuFFT error";
  }
}

int cufft_check(gpu *g, cufftResult r, const char *what) {
  if (r == CUFFT_SUCCESS) return NFCS_OK;
  return NFCS_ERROR(g->ctx, r == CUFFT_ALLOC_FAILED ? NFCS_ERR_NOMEM : NFCS_ERR_SOFTWARE, "cuFFT: %s failed: %s (%d)", what,
                    cufft_name(r), (int)r);
}

// ---------------------------------------------------------------- kernels

__device__ __forceinline__ void add_noise(nfcs_real *x, size_t i, const nfcs_noise &nz) {
  double g0, g1;
  nfcs_rng_normal2(nz.seed, nz.stream, i, nz.step, &g0, &g1);
  x[2 * i] += (nfcs_real)(nz.sigma * g0);
  x[2 * i + 1] += (nfcs_real)(nz.sigma * g1);
}

__global__ void k_local(nfcs_real *phi, const nfcs_real *src, size_t n, double h, double c3, double apr, double api,
                        double apor, double apoi, const nfcs_real *fpre, double ap, const nfcs_real *fpost, double ao,
                        nfcs_noise nz) {
  const double eh = exp(h), em1 = expm1(2.0 * h), hc3 = -0.5 * c3;
  const cplx *s2 = reinterpret_cast<const cplx *>(src);
  cplx *p2 = reinterpret_cast<cplx *>(phi);
  GRID_STRIDE(i, n) {
    const cplx v = s2[i];
    double re = (double)v.x + apr, im = (double)v.y + api;
    if (fpre) { re += ap * fpre[2 * i]; im += ap * fpre[2 * i + 1]; }
    double D = 1.0 + (re * re + im * im) * em1, lnD = log(D);
    double mag = eh / sqrt(D), ang = hc3 * lnD, sn, cs;
    sincos(ang, &sn, &cs);
    double r2 = mag * (re * cs - im * sn) + apor, i2 = mag * (re * sn + im * cs) + apoi;
    if (fpost) { r2 += ao * fpost[2 * i]; i2 += ao * fpost[2 * i + 1]; }
    cplx o;
    o.x = (nfcs_real)r2;
    o.y = (nfcs_real)i2;
    p2[i] = o;
    if (nz.sigma > 0) add_noise(phi, i, nz);
  }
}

__global__ void k_cmul_sep(nfcs_real *x, int64_t nx, int64_t ny, int64_t rows, int dim, const nfcs_real *fx,
                           const nfcs_real *fy, const nfcs_real *fz) {
  const cplx *fx2 = reinterpret_cast<const cplx *>(fx);
  for (int64_t row = blockIdx.y; row < rows; row += gridDim.y) {
    cplx f = {1, 0};
    if (dim > 1) f = reinterpret_cast<const cplx *>(fy)[row % ny];
    if (dim > 2) {
      cplx b = reinterpret_cast<const cplx *>(fz)[row / ny];
      cplx t = {f.x * b.x - f.y * b.y, f.x * b.y + f.y * b.x};
      f = t;
    }
    cplx *r = reinterpret_cast<cplx *>(x) + row * nx;
    for (int64_t ix = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; ix < nx; ix += (int64_t)blockDim.x * gridDim.x) {
      const cplx a = fx2[ix];
      const nfcs_real cr = f.x * a.x - f.y * a.y, ci = f.x * a.y + f.y * a.x;
      const cplx v = r[ix];
      cplx o = {v.x * cr - v.y * ci, v.x * ci + v.y * cr};
      r[ix] = o;
    }
  }
}

__global__ void k_nonlinear(nfcs_real *out, const nfcs_real *phi, size_t n, double c3, double ur, double ui,
                            const nfcs_real *f, double dt, int euler) {
  GRID_STRIDE(i, n) {
    nfcs_real re = phi[2 * i], im = phi[2 * i + 1];
    nfcs_real s = re * re + im * im;
    nfcs_real nr = -s * (re - (nfcs_real)c3 * im) + (nfcs_real)ur, ni = -s * (im + (nfcs_real)c3 * re) + (nfcs_real)ui;
    if (f) { nr += f[2 * i]; ni += f[2 * i + 1]; }
    if (euler) {
      out[2 * i] = re + (nfcs_real)dt * nr;
      out[2 * i + 1] = im + (nfcs_real)dt * ni;
    } else {
      out[2 * i] = nr;
      out[2 * i + 1] = ni;
    }
  }
}

__global__ void k_axpby(nfcs_real *out, const nfcs_real *A, const nfcs_real *x, const nfcs_real *B, const nfcs_real *y,
                        const nfcs_real *z, size_t n) {
  GRID_STRIDE(i, n) {
    nfcs_real ar = A[2 * i], ai = A[2 * i + 1], xr = x[2 * i], xi = x[2 * i + 1], br = B[2 * i], bi = B[2 * i + 1];
    nfcs_real wr = y[2 * i], wi = y[2 * i + 1];
    if (z) { wr = 2 * wr - z[2 * i]; wi = 2 * wi - z[2 * i + 1]; }
    out[2 * i] = ar * xr - ai * xi + br * wr - bi * wi;
    out[2 * i + 1] = ar * xi + ai * xr + br * wi + bi * wr;
  }
}

__global__ void k_etd_final(nfcs_real *v, const nfcs_real *E, const nfcs_real *f1, const nfcs_real *f2, const nfcs_real *f3,
                            const nfcs_real *Nv, const nfcs_real *Na, const nfcs_real *Nb, const nfcs_real *Nc, size_t n,
                            nfcs_noise nz) {
  GRID_STRIDE(i, n) {
    const size_t r = 2 * i, m = 2 * i + 1;
    nfcs_real sr = Na[r] + Nb[r], si = Na[m] + Nb[m];
    nfcs_real vr = E[r] * v[r] - E[m] * v[m] + f1[r] * Nv[r] - f1[m] * Nv[m] + 2 * (f2[r] * sr - f2[m] * si) + f3[r] * Nc[r] -
                   f3[m] * Nc[m];
    nfcs_real vi = E[r] * v[m] + E[m] * v[r] + f1[r] * Nv[m] + f1[m] * Nv[r] + 2 * (f2[r] * si + f2[m] * sr) + f3[r] * Nc[m] +
                   f3[m] * Nc[r];
    v[r] = vr;
    v[m] = vi;
    if (nz.sigma > 0 && !(E[r] == 0 && E[m] == 0)) add_noise(v, i, nz);
  }
}

__global__ void k_finite(const nfcs_real *x, size_t n, int *bad) {
  int b = 0;
  GRID_STRIDE(i, n) b |= !isfinite(x[i]);
  if (b) atomicOr(bad, 1);
}

__device__ __forceinline__ double block_sum(double v) {
  __shared__ double sh[BS / 32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  if ((threadIdx.x & 31) == 0) sh[threadIdx.x >> 5] = v;
  __syncthreads();
  v = threadIdx.x < BS / 32 ? sh[threadIdx.x] : 0.0;
  if (threadIdx.x < 32)
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  __syncthreads();
  return v;
}

// Reductions in a fixed order, so that repeated runs give the same bits: each block's sums go to
// partial[block * w + j], then k_sum_partials adds them in block order (each thread a fixed set of
// blocks, then the block's tree).  No atomics, whose order varies from run to run.
const unsigned MAX_BLOCKS = 65535u * 8u; // the most blocks() gives

__global__ void k_sum_partials(const double *partial, unsigned nb, int w, double *out) {
  for (int j = 0; j < w; j++) {
    double v = 0;
    for (unsigned b = threadIdx.x; b < nb; b += BS) v += partial[(size_t)b * w + j];
    v = block_sum(v);
    if (threadIdx.x == 0) out[j] = v;
  }
}

__global__ void k_moments(const nfcs_real *phi, size_t n, double *partial) {
  double a = 0, b = 0;
  GRID_STRIDE(i, n) {
    double m2 = (double)phi[2 * i] * phi[2 * i] + (double)phi[2 * i + 1] * phi[2 * i + 1];
    a += sqrt(m2);
    b += m2;
  }
  a = block_sum(a);
  b = block_sum(b);
  if (threadIdx.x == 0) {
    partial[2 * (size_t)blockIdx.x] = a;
    partial[2 * (size_t)blockIdx.x + 1] = b;
  }
}

__global__ void k_k2sum(const nfcs_real *s, int64_t nx, int64_t ny, int dim, size_t n, double Lx, double Ly, double Lz,
                        int64_t nz, double *partial) {
  double acc = 0;
  GRID_STRIDE(i, n) {
    int64_t ix = (int64_t)(i % (size_t)nx), iy = (int64_t)((i / (size_t)nx) % (size_t)ny), iz = (int64_t)(i / ((size_t)nx * ny));
    double k = nfcs_fft_k(ix, nx, Lx), k2 = k * k;
    if (dim > 1) { k = nfcs_fft_k(iy, ny, Ly); k2 += k * k; }
    if (dim > 2) { k = nfcs_fft_k(iz, nz, Lz); k2 += k * k; }
    acc += k2 * ((double)s[2 * i] * s[2 * i] + (double)s[2 * i + 1] * s[2 * i + 1]);
  }
  acc = block_sum(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// phase metrics: the same stencils as kernels/cpu_metrics.c
__global__ void k_phase(const nfcs_real *phi, nfcs_real *th, size_t n) {
  GRID_STRIDE(i, n) th[i] = (nfcs_real)atan2((double)phi[2 * i + 1], (double)phi[2 * i]);
}

__global__ void k_gradx(const nfcs_real *th, nfcs_real *gx, int64_t nx, size_t n, double dx) {
  GRID_STRIDE(i, n) {
    int64_t x = (int64_t)(i % (size_t)nx);
    gx[i] = (nfcs_real)nfcs_grad_line(th + (i - x), x, nx, 1, dx, 1);
  }
}

__global__ void k_phase_metrics(const nfcs_real *phi, const nfcs_real *th, const nfcs_real *gxa, int64_t nx, int64_t ny,
                                int dim, size_t n, double dx, double dy, double *partial) {
  double total = 0, pos = 0, neg = 0;
  const int twod = dim > 1 && ny > 1;
  GRID_STRIDE(i, n) {
    int64_t x = (int64_t)(i % (size_t)nx), y = (int64_t)((i / (size_t)nx) % (size_t)ny), z = (int64_t)(i / ((size_t)nx * ny));
    const nfcs_real *plane = th + (size_t)z * (size_t)(nx * ny);
    total += nfcs_rho_term(plane, gxa + (i - x), nx, ny, x, y, dx, dy, twod);
    if (!twod || !nfcs_plaquette_counted(phi + 2 * (size_t)z * (size_t)(nx * ny), nx, ny, x, y)) continue;
    const long q = nfcs_plaquette_winding(plane, nx, ny, x, y);
    if (q > 0) pos += (double)q;
    else if (q < 0) neg -= (double)q;
  }
  total = block_sum(total);
  pos = block_sum(pos);
  neg = block_sum(neg);
  if (threadIdx.x == 0) {
    partial[3 * (size_t)blockIdx.x] = total;
    partial[3 * (size_t)blockIdx.x + 1] = pos;
    partial[3 * (size_t)blockIdx.x + 2] = neg;
  }
}

// ---------------------------------------------------------------- ops

gpu *G(void *self) { return (gpu *)self; }

int g_alloc(void *self, size_t n, nfcs_real **out) {
  void *p = nullptr;
  cudaError_t e = cudaMalloc(&p, sizeof(nfcs_real) * 2 * (n ? n : 1));
  if (e != cudaSuccess) return cuda_fail(G(self), e, "cudaMalloc");
  cudaMemsetAsync(p, 0, sizeof(nfcs_real) * 2 * (n ? n : 1), G(self)->stream);
  *out = (nfcs_real *)p;
  return NFCS_OK;
}
void g_free(void *self, nfcs_real *p) { (void)self; if (p) cudaFree(p); }

int g_copy_dir(void *self, void *dst, const void *src, size_t bytes, cudaMemcpyKind k) {
  gpu *g = G(self);
  cudaError_t e = cudaMemcpyAsync(dst, src, bytes, k, g->stream);
  if (e == cudaSuccess) e = cudaStreamSynchronize(g->stream);
  return e == cudaSuccess ? NFCS_OK : cuda_fail(g, e, "copy");
}
int g_upload(void *self, nfcs_real *d, const nfcs_real *s, size_t n) { return g_copy_dir(self, d, s, sizeof(nfcs_real) * 2 * n, cudaMemcpyHostToDevice); }
int g_download(void *self, nfcs_real *d, const nfcs_real *s, size_t n) { return g_copy_dir(self, d, s, sizeof(nfcs_real) * 2 * n, cudaMemcpyDeviceToHost); }
int g_copy(void *self, nfcs_real *d, const nfcs_real *s, size_t n) {
  if (d == s) return NFCS_OK;
  cudaError_t e = cudaMemcpyAsync(d, s, sizeof(nfcs_real) * 2 * n, cudaMemcpyDeviceToDevice, G(self)->stream);
  return e == cudaSuccess ? NFCS_OK : cuda_fail(G(self), e, "copy");
}

int g_alloc_bytes(void *self, size_t bytes, void **out) {
  cudaError_t e = cudaMalloc(out, bytes ? bytes : 8);
  return e == cudaSuccess ? NFCS_OK : cuda_fail(G(self), e, "cudaMalloc");
}
void g_free_bytes(void *self, void *p) { (void)self; if (p) cudaFree(p); }
int g_up_bytes(void *self, void *d, const void *s, size_t b) { return g_copy_dir(self, d, s, b, cudaMemcpyHostToDevice); }
int g_down_bytes(void *self, void *d, const void *s, size_t b) { return g_copy_dir(self, d, s, b, cudaMemcpyDeviceToHost); }

}  // namespace

struct nfcs_fft {
  cufftHandle plan;
};

namespace {

int g_fft_create(void *self, const nfcs_grid *gr, nfcs_real *phys, nfcs_real *spec, nfcs_fft **out) {
  (void)phys; (void)spec;
  gpu *g = G(self);
  nfcs_fft *f = (nfcs_fft *)calloc(1, sizeof *f);
  if (!f) return NFCS_ERROR(g->ctx, NFCS_ERR_NOMEM, "out of memory");
  int dims[3];
  for (int a = 0; a < gr->dim; a++) dims[a] = (int)gr->n[gr->dim - 1 - a];
  int rc = cufft_check(g, cufftPlanMany(&f->plan, gr->dim, dims, nullptr, 1, 0, nullptr, 1, 0, FFT_TYPE, 1), "cufftPlanMany");
  if (!rc && (rc = cufft_check(g, cufftSetStream(f->plan, g->stream), "cufftSetStream"))) cufftDestroy(f->plan);
  if (rc) {
    free(f);
    return rc;
  }
  *out = f;
  return NFCS_OK;
}
void g_fft_destroy(void *self, nfcs_fft **f) {
  (void)self;
  if (!f || !*f) return;
  cufftDestroy((*f)->plan);
  free(*f);
  *f = nullptr;
}
int g_fft_forward(void *self, nfcs_fft *f, const nfcs_real *in, nfcs_real *out) {
  return cufft_check(G(self), FFT_EXEC(f->plan, (fft_c *)(void *)(uintptr_t)in, (fft_c *)out, CUFFT_FORWARD), "forward transform");
}
int g_fft_inverse(void *self, nfcs_fft *f, const nfcs_real *in, nfcs_real *out) {
  return cufft_check(G(self), FFT_EXEC(f->plan, (fft_c *)(void *)(uintptr_t)in, (fft_c *)out, CUFFT_INVERSE), "inverse transform");
}

int g_cgl_local(void *self, nfcs_real *phi, const nfcs_real *src, size_t n, const nfcs_local_step *s) {
  const nfcs_real *fpre = s->a_pre != 0 ? s->u_pre.field : nullptr, *fpost = s->a_post != 0 ? s->u_post.field : nullptr;
  k_local<<<blocks(n), BS, 0, G(self)->stream>>>(phi, src, n, s->h, s->c3, s->a_pre * s->u_pre.re, s->a_pre * s->u_pre.im,
                                                  s->a_post * s->u_post.re, s->a_post * s->u_post.im, fpre, s->a_pre, fpost,
                                                  s->a_post, s->noise);
  return launched(G(self), "kernel k_local");
}
int g_cmul_sep(void *self, nfcs_real *x, const nfcs_grid *gr, const nfcs_real *fx, const nfcs_real *fy, const nfcs_real *fz) {
  const int64_t rows = gr->n[1] * gr->n[2];
  dim3 grid((unsigned)((gr->n[0] + BS - 1) / BS), (unsigned)(rows < 65535 ? rows : 65535));
  k_cmul_sep<<<grid, BS, 0, G(self)->stream>>>(x, gr->n[0], gr->n[1], rows, gr->dim, fx, fy, fz);
  return launched(G(self), "kernel k_cmul_sep");
}
int g_euler(void *self, nfcs_real *phi, size_t n, double dt, double c3, const nfcs_forcing *u) {
  k_nonlinear<<<blocks(n), BS, 0, G(self)->stream>>>(phi, phi, n, c3, u->re, u->im, u->field, dt, 1);
  return launched(G(self), "kernel k_nonlinear (Euler)");
}
int g_nonlinear(void *self, nfcs_real *out, const nfcs_real *phi, size_t n, double c3, const nfcs_forcing *u) {
  k_nonlinear<<<blocks(n), BS, 0, G(self)->stream>>>(out, phi, n, c3, u->re, u->im, u->field, 0.0, 0);
  return launched(G(self), "kernel k_nonlinear");
}
int g_axpby(void *self, nfcs_real *o, const nfcs_real *A, const nfcs_real *x, const nfcs_real *B, const nfcs_real *y, size_t n) {
  k_axpby<<<blocks(n), BS, 0, G(self)->stream>>>(o, A, x, B, y, nullptr, n);
  return launched(G(self), "kernel k_axpby");
}
int g_axpb2yz(void *self, nfcs_real *o, const nfcs_real *A, const nfcs_real *x, const nfcs_real *B, const nfcs_real *y,
              const nfcs_real *z, size_t n) {
  k_axpby<<<blocks(n), BS, 0, G(self)->stream>>>(o, A, x, B, y, z, n);
  return launched(G(self), "kernel k_axpby (2y - z)");
}
int g_etd_final(void *self, nfcs_real *v, const nfcs_real *E, const nfcs_real *f1, const nfcs_real *f2, const nfcs_real *f3,
                const nfcs_real *Nv, const nfcs_real *Na, const nfcs_real *Nb, const nfcs_real *Nc, size_t n,
                const nfcs_noise *noise, const nfcs_real *mask) {
  (void)mask;
  nfcs_noise nz = noise ? *noise : nfcs_noise{};
  k_etd_final<<<blocks(n), BS, 0, G(self)->stream>>>(v, E, f1, f2, f3, Nv, Na, Nb, Nc, n, nz);
  return launched(G(self), "kernel k_etd_final");
}

// a reduction's result back to the host: the launch, the copy and the synchronisation checked
int reduced(gpu *g, void *host, const void *dev, size_t bytes, const char *what) {
  NFCS_CHECK(launched(g, what));
  NFCS_CHECK(cuda_check(g, cudaMemcpyAsync(host, dev, bytes, cudaMemcpyDeviceToHost, g->stream), "cudaMemcpyAsync (a reduction)"));
  return cuda_check(g, cudaStreamSynchronize(g->stream), what);
}

int g_all_finite(void *self, const nfcs_real *x, size_t n, int *finite) {
  gpu *g = G(self);
  int bad = 0;
  NFCS_CHECK(cuda_check(g, cudaMemsetAsync(g->flag, 0, sizeof(int), g->stream), "cudaMemsetAsync"));
  k_finite<<<blocks(2 * n), BS, 0, g->stream>>>(x, 2 * n, g->flag);
  NFCS_CHECK(reduced(g, &bad, g->flag, sizeof(int), "kernel k_finite"));
  *finite = !bad;
  return NFCS_OK;
}

// the w sums of nb blocks' partial sums into host, in block order
int sum_partials(gpu *g, unsigned nb, int w, double *host, const char *what) {
  NFCS_CHECK(launched(g, what));
  k_sum_partials<<<1, BS, 0, g->stream>>>(g->partial, nb, w, g->scratch);
  return reduced(g, host, g->scratch, (size_t)w * sizeof(double), "kernel k_sum_partials");
}

int g_moments(void *self, const nfcs_real *phi, size_t n, double *sa, double *s2) {
  gpu *g = G(self);
  double h[2];
  k_moments<<<blocks(n), BS, 0, g->stream>>>(phi, n, g->partial);
  NFCS_CHECK(sum_partials(g, blocks(n), 2, h, "kernel k_moments"));
  *sa = h[0];
  *s2 = h[1];
  return NFCS_OK;
}

int g_k2sum(void *self, const nfcs_real *s, const nfcs_grid *gr, double *sum) {
  gpu *g = G(self);
  k_k2sum<<<blocks(gr->npts), BS, 0, g->stream>>>(s, gr->n[0], gr->n[1], gr->dim, gr->npts, gr->L[0], gr->L[1], gr->L[2], gr->n[2],
                                                    g->partial);
  return sum_partials(g, blocks(gr->npts), 1, sum, "kernel k_k2sum");
}

int g_phase_metrics(void *self, const nfcs_real *phi, const nfcs_grid *gr, nfcs_real *work, double *rho, int64_t *pos,
                    int64_t *neg) {
  gpu *g = G(self);
  const size_t n = gr->npts;
  nfcs_real *th = work, *gx = work + n;
  k_phase<<<blocks(n), BS, 0, g->stream>>>(phi, th, n);
  k_gradx<<<blocks(n), BS, 0, g->stream>>>(th, gx, gr->n[0], n, gr->dx[0]);
  NFCS_CHECK(launched(g, "kernels k_phase, k_gradx"));
  k_phase_metrics<<<blocks(n), BS, 0, g->stream>>>(phi, th, gx, gr->n[0], gr->n[1], gr->dim, n, gr->dx[0], gr->dx[1], g->partial);
  double h[3];
  NFCS_CHECK(sum_partials(g, blocks(n), 3, h, "kernel k_phase_metrics"));
  *rho = h[0];
  *pos = (int64_t)llround(h[1]);
  *neg = (int64_t)llround(h[2]);
  return NFCS_OK;
}

int g_available(char *why, size_t len) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0) {
    snprintf(why, len, "%s", e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device is present");
    return 0;
  }
  cudaDeviceProp p;
  if (cudaGetDeviceProperties(&p, 0) == cudaSuccess) snprintf(why, len, "%s, compute capability %d.%d", p.name, p.major, p.minor);
  return 1;
}

int g_create(nfcs_ctx *ctx, void **self) {
  gpu *g = (gpu *)calloc(1, sizeof *g);
  if (!g) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  g->ctx = ctx;
  cudaError_t e = cudaStreamCreateWithFlags(&g->stream, cudaStreamNonBlocking);
  if (e == cudaSuccess) e = cudaMalloc(&g->scratch, 16 * sizeof(double));
  if (e == cudaSuccess) e = cudaMalloc(&g->partial, (size_t)MAX_BLOCKS * 3 * sizeof(double));
  if (e == cudaSuccess) e = cudaMalloc(&g->flag, sizeof(int));
  if (e == cudaSuccess && (cublasCreate(&g->blas) != CUBLAS_STATUS_SUCCESS || cublasSetStream(g->blas, g->stream) != CUBLAS_STATUS_SUCCESS))
    e = cudaErrorUnknown;
  if (e != cudaSuccess) {
    int rc = NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "CUDA: %s", cudaGetErrorString(e));
    free(g);
    return rc;
  }
  *self = g;
  return NFCS_OK;
}

void g_destroy(void **self) {
  if (!self || !*self) return;
  gpu *g = G(*self);
  cudaStreamSynchronize(g->stream);
  if (g->blas) cublasDestroy(g->blas);
  cudaFree(g->scratch);
  cudaFree(g->partial);
  cudaFree(g->flag);
  cudaStreamDestroy(g->stream);
  free(g);
  *self = nullptr;
}

const nfcs_memory_ops CUDA_MEMORY = {
  0, g_alloc, g_free, g_upload, g_download, g_copy, g_alloc_bytes, g_free_bytes, g_up_bytes, g_down_bytes,
};
const nfcs_fft_ops CUDA_FFT = {g_fft_create, g_fft_destroy, g_fft_forward, g_fft_inverse};
const nfcs_field_ops CUDA_FIELD = {g_cgl_local, g_cmul_sep, g_euler, g_nonlinear, g_axpby, g_axpb2yz, g_etd_final};
const nfcs_network_ops CUDA_NETWORK = {nfcs_gpu_kur_rhs, nfcs_gpu_kur_rk4_final, nfcs_gpu_kur_predict, nfcs_gpu_kur_noise_step,
                                       nfcs_gpu_kur_order};
const nfcs_reduce_ops CUDA_REDUCE = {g_all_finite, nfcs_gpu_all_finite_real, g_moments, g_k2sum, g_phase_metrics};
const nfcs_backend_ops CUDA_OPS = {&CUDA_MEMORY, &CUDA_FFT, &CUDA_FIELD, &CUDA_NETWORK, &CUDA_REDUCE, g_destroy};

// versions of the runtime this module carries (static) and of the driver and libraries it loads
void g_libraries(char *out, size_t len) {
  int rt = 0, drv = 0, fft = 0, blas = 0;
  cudaRuntimeGetVersion(&rt);
  cudaDriverGetVersion(&drv);
  cufftGetVersion(&fft);
  cublasGetProperty(MAJOR_VERSION, &blas);
  int blas_minor = 0;
  cublasGetProperty(MINOR_VERSION, &blas_minor);
  char driver[32] = "no driver";
  if (drv > 0) std::snprintf(driver, sizeof driver, "driver %d.%d", drv / 1000, drv % 1000 / 10);
  std::snprintf(out, len, "CUDA runtime %d.%d, %s; cuFFT %d.%d.%d; cuBLAS %d.%d", rt / 1000, rt % 1000 / 10, driver, fft / 1000,
                fft % 1000 / 100, fft % 100, blas, blas_minor);
}

}  // namespace

extern "C" const nfcs_backend_type nfcs_backend_cuda = {
  "cuda", "CUDA: cuFFT + the project's kernels for the field, fused kernels for the networks", g_available, g_create, &CUDA_OPS,
  g_libraries,
};

int nfcs_gpu_check(nfcs_gpu *g, cudaError_t e, const char *what) { return cuda_check(g, e, what); }
int nfcs_gpu_launched(nfcs_gpu *g, const char *what) { return launched(g, what); }
