/* Fused pointwise CGL kernels of the CPU backend.  Built with -ffast-math and without the sin/cos
 * builtins so that gcc vectorises the loops through glibc's libmvec (`#pragma omp simd`).
 * Complex numbers are interleaved (re, im); the arithmetic is written out (no __muldc3). */
#include <complex.h>
#include <math.h>

#include "cpu_backend.h"

#if NFCS_SINGLE
#define RLOG logf
#define RSQRT sqrtf
#define RSIN sinf
#define RCOS cosf
#else
#define RLOG log
#define RSQRT sqrt
#define RSIN sin
#define RCOS cos
#endif

/* Threads for a loop of n points.  Small loops run on one thread through the same outlined,
 * vectorised function: an OpenMP `if` clause would make gcc fall back to a scalar serial copy. */
#define NT(self) nfcs_cpu_threads_for((self), (double)n)

/* The exact local flow over h of phi' = phi - (1 + i c3)|phi|^2 phi multiplies phi by
 * e^h D^beta, D = 1 + x, x = |phi|^2 (e^{2h} - 1), beta = -1/2 - i c3/2.  Where x is small, as
 * it is at the step sizes of an accurate run, that factor is a polynomial in x: the binomial
 * series of (1 + y)^beta about the middle of [0, LOCAL_X_MAX] (1 + x = (1 + x0)(1 + y),
 * |y| <= 1/9), its coefficients formed once a call, carried to LOCAL_TERMS terms, exact to the
 * last bit of a double there (the call checks the dropped tail is below 1e-17; a large |c3|
 * needs more terms and takes libm).  No log, sin, cos, square root or division at a point.
 * Each block of LOCAL_BLOCK points (fixed blocks of the array: the same choice on any number of
 * threads) takes the polynomial when all its points are in range, else libm's functions. */
#define LOCAL_BLOCK 512
#define LOCAL_X_MAX 0.25
#define LOCAL_TERMS 20

typedef struct local_poly {
  int ok;                      /* the series converged within LOCAL_TERMS terms */
  nfcs_real s1, s0;            /* y = s1 x + s0 */
  nfcs_real re[LOCAL_TERMS], im[LOCAL_TERMS]; /* e^h (1 + x0)^beta binom(beta, k) */
} local_poly;

static void local_poly_init(local_poly *P, double h, double c3) {
  const double x0 = 0.5 * LOCAL_X_MAX, ymax = x0 / (1 + x0);
  const double complex beta = -0.5 - 0.5 * I * c3, A = exp(h) * cexp(beta * log1p(x0));
  double complex C = 1;
  double tail = 1;
  for (int k = 0; k < LOCAL_TERMS; k++) {
    const double complex v = A * C;
    P->re[k] = (nfcs_real)creal(v);
    P->im[k] = (nfcs_real)cimag(v);
    C *= (beta - (double)k) / (double)(k + 1);
    tail *= ymax;
  }
  P->ok = cabs(C) * tail <= 1e-17; /* the first dropped term, relative to |A| */
  P->s1 = (nfcs_real)(1 / (1 + x0));
  P->s0 = (nfcs_real)(-x0 / (1 + x0));
}

/* points i0 .. i1 - 1 (at most LOCAL_BLOCK); fpre, fpost NULL or a forcing field (the loops
 * test them once: gcc unswitches them).  Four short loops over the block, each vectorised over points with
 * the real and imaginary parts in separate vectors (one loop with both lets gcc pair them in one
 * vector, which chains every multiply-add of the series after the last). */
static inline void local_block(nfcs_real *restrict phi, const nfcs_real *src, size_t i0, size_t i1, const local_poly *P,
                               nfcs_real em1, nfcs_real eh, nfcs_real hc3, nfcs_real apr, nfcs_real api, nfcs_real apor,
                               nfcs_real apoi, const nfcs_real *fpre, nfcs_real ap, const nfcs_real *fpost, nfcs_real ao) {
  nfcs_real xs[LOCAL_BLOCK], fr[LOCAL_BLOCK], fi[LOCAL_BLOCK];
  const size_t m = i1 - i0;
  const nfcs_real *restrict in = src + 2 * i0;
  const nfcs_real *restrict gpre = fpre ? fpre + 2 * i0 : NULL, *restrict gpost = fpost ? fpost + 2 * i0 : NULL;
  nfcs_real xmax = 0;
  for (size_t j = 0; j < m; j++) { /* (an omp simd max reduction here stays scalar in one of gcc's clones) */
    nfcs_real re = in[2 * j] + apr, im = in[2 * j + 1] + api;
    if (gpre) { re += ap * gpre[2 * j]; im += ap * gpre[2 * j + 1]; }
    const nfcs_real x = (re * re + im * im) * em1;
    xs[j] = x;
    xmax = x > xmax ? x : xmax;
  }
  if (P->ok && xmax <= (nfcs_real)LOCAL_X_MAX) {
#pragma omp simd
    for (size_t j = 0; j < m; j++) {
      const nfcs_real y = xs[j] * P->s1 + P->s0;
      nfcs_real p = P->re[LOCAL_TERMS - 1];
#pragma GCC unroll 32
      for (int k = LOCAL_TERMS - 2; k >= 0; k--) p = p * y + P->re[k];
      fr[j] = p;
    }
#pragma omp simd
    for (size_t j = 0; j < m; j++) {
      const nfcs_real y = xs[j] * P->s1 + P->s0;
      nfcs_real p = P->im[LOCAL_TERMS - 1];
#pragma GCC unroll 32
      for (int k = LOCAL_TERMS - 2; k >= 0; k--) p = p * y + P->im[k];
      fi[j] = p;
    }
  } else {
#pragma omp simd
    for (size_t j = 0; j < m; j++) {
      const nfcs_real D = (nfcs_real)1 + xs[j], lnD = RLOG(D);
      const nfcs_real mag = eh / RSQRT(D), ang = hc3 * lnD;
      fr[j] = mag * RCOS(ang);
      fi[j] = mag * RSIN(ang);
    }
  }
  nfcs_real *restrict out = phi + 2 * i0;
#pragma omp simd
  for (size_t j = 0; j < m; j++) {
    nfcs_real re = in[2 * j] + apr, im = in[2 * j + 1] + api;
    if (gpre) { re += ap * gpre[2 * j]; im += ap * gpre[2 * j + 1]; }
    nfcs_real r2 = re * fr[j] - im * fi[j] + apor, i2 = re * fi[j] + im * fr[j] + apoi;
    if (gpost) { r2 += ao * gpost[2 * j]; i2 += ao * gpost[2 * j + 1]; }
    out[2 * j] = r2;
    out[2 * j + 1] = i2;
  }
}

int nfcs_cpu_cgl_local(void *self, nfcs_real *restrict phi, const nfcs_real *src, size_t n, const nfcs_local_step *s) {
  const int nt = NT(self);
  const nfcs_real eh = (nfcs_real)exp(s->h), em1 = (nfcs_real)expm1(2.0 * s->h);
  const nfcs_real hc3 = (nfcs_real)(-0.5 * s->c3);
  const nfcs_real apr = (nfcs_real)(s->a_pre * s->u_pre.re), api = (nfcs_real)(s->a_pre * s->u_pre.im);
  const nfcs_real apor = (nfcs_real)(s->a_post * s->u_post.re), apoi = (nfcs_real)(s->a_post * s->u_post.im);
  const nfcs_real *fpre = s->a_pre != 0 ? s->u_pre.field : NULL, *fpost = s->a_post != 0 ? s->u_post.field : NULL;
  const nfcs_real ap = (nfcs_real)s->a_pre, ao = (nfcs_real)s->a_post;
  const size_t nb = (n + LOCAL_BLOCK - 1) / LOCAL_BLOCK;
  local_poly P;
  local_poly_init(&P, s->h, s->c3);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (size_t b = 0; b < nb; b++) {
    const size_t i0 = b * LOCAL_BLOCK, i1 = i0 + LOCAL_BLOCK < n ? i0 + LOCAL_BLOCK : n;
    local_block(phi, src, i0, i1, &P, em1, eh, hc3, apr, api, apor, apoi, fpre, ap, fpost, ao);
  }
  if (s->noise.sigma > 0) nfcs_cpu_add_noise(nt, phi, n, &s->noise, NULL);
  return NFCS_OK;
}

/* ---------------------------------------------------------------- separable multipliers
 *
 * The grid's spectral layout, row by row: axes spec_axis[0] (slow, from spec_offset), spec_axis[1]
 * and spec_axis[2] (fast); on one process z, y, x.  The multiplier of per-axis factors F is, at
 * mode k of a row, (ar + i ai) ff[k]: ar + i ai the product of the slow axes' factors, ff the fast
 * axis's.  Every operation with such a multiplier (the linear step, ETDRK4's stages, its noise
 * mask) is a row function called here. */
void nfcs_cpu_sep_rows(int nt, const nfcs_grid *g, const nfcs_real *fx, const nfcs_real *fy, const nfcs_real *fz,
                       nfcs_cpu_sep_row_fn row, const void *arg) {
  const nfcs_real *F[3] = {fx, fy, fz};
  const int s0 = g->spec_axis[0], s1 = g->spec_axis[1], dim = g->dim;
  const int64_t n0 = g->spec_n[0], n1 = g->spec_n[1], n2 = g->spec_n[2], off = g->spec_offset;
  const nfcs_real *ff = F[g->spec_axis[2]];
#pragma omp parallel for collapse(2) num_threads(nt) schedule(static)
  for (int64_t i0 = 0; i0 < n0; i0++)
    for (int64_t i1 = 0; i1 < n1; i1++) {
      nfcs_real ar = 1, ai = 0;
      if (s1 < dim) { ar = F[s1][2 * i1]; ai = F[s1][2 * i1 + 1]; }
      if (s0 < dim) {
        const int64_t j = i0 + off;
        const nfcs_real br = F[s0][2 * j], bi = F[s0][2 * j + 1], t = ar * br - ai * bi;
        ai = ar * bi + ai * br;
        ar = t;
      }
      row(arg, (size_t)((i0 * n1 + i1) * n2), n2, ar, ai, ff);
    }
}

/* the multiplier at mode k of a row */
static inline void sep_at(nfcs_real ar, nfcs_real ai, const nfcs_real *ff, int64_t k, nfcs_real *er, nfcs_real *ei) {
  *er = ar * ff[2 * k] - ai * ff[2 * k + 1];
  *ei = ar * ff[2 * k + 1] + ai * ff[2 * k];
}

static void cmul_row(const void *arg, size_t first, int64_t n2, nfcs_real ar, nfcs_real ai, const nfcs_real *restrict ff) {
  nfcs_real *restrict row = *(nfcs_real *const *)arg + 2 * first;
#pragma omp simd
  for (int64_t k = 0; k < n2; k++) {
    nfcs_real cr, ci;
    sep_at(ar, ai, ff, k, &cr, &ci);
    const nfcs_real a = row[2 * k], b = row[2 * k + 1];
    row[2 * k] = a * cr - b * ci;
    row[2 * k + 1] = a * ci + b * cr;
  }
}

int nfcs_cpu_cmul_separable(void *self, nfcs_real *restrict x, const nfcs_grid *g, const nfcs_real *restrict fx,
                             const nfcs_real *restrict fy, const nfcs_real *restrict fz) {
  const size_t n = g->nspec;
  nfcs_real *const arg = x;
  nfcs_cpu_sep_rows(NT(self), g, fx, fy, fz, cmul_row, &arg);
  return NFCS_OK;
}

int nfcs_cpu_cgl_euler(void *self, nfcs_real *restrict phi, size_t n, double dt_, double c3_, const nfcs_forcing *u) {
  const int nt = NT(self);
  const nfcs_real dt = (nfcs_real)dt_, c3 = (nfcs_real)c3_, ur = (nfcs_real)u->re, ui = (nfcs_real)u->im;
  const nfcs_real *f = u->field;
#pragma omp parallel for simd num_threads(nt) schedule(static)
  for (size_t i = 0; i < n; i++) {
    nfcs_real re = phi[2 * i], im = phi[2 * i + 1];
    nfcs_real s = re * re + im * im;
    nfcs_real nr = -s * (re - c3 * im) + ur, ni = -s * (im + c3 * re) + ui;
    if (f) { nr += f[2 * i]; ni += f[2 * i + 1]; }
    phi[2 * i] = re + dt * nr;
    phi[2 * i + 1] = im + dt * ni;
  }
  return NFCS_OK;
}

int nfcs_cpu_cgl_nonlinear(void *self, nfcs_real *out, const nfcs_real *phi, size_t n, double c3_, const nfcs_forcing *u) {
  const int nt = NT(self);
  const nfcs_real c3 = (nfcs_real)c3_, ur = (nfcs_real)u->re, ui = (nfcs_real)u->im;
  const nfcs_real *f = u->field;
#pragma omp parallel for simd num_threads(nt) schedule(static)
  for (size_t i = 0; i < n; i++) {
    nfcs_real re = phi[2 * i], im = phi[2 * i + 1];
    nfcs_real s = re * re + im * im;
    nfcs_real nr = -s * (re - c3 * im) + ur, ni = -s * (im + c3 * re) + ui;
    if (f) { nr += f[2 * i]; ni += f[2 * i + 1]; }
    out[2 * i] = nr;
    out[2 * i + 1] = ni;
  }
  return NFCS_OK;
}

int nfcs_cpu_axpby(void *self, nfcs_real *restrict out, const nfcs_real *restrict A, const nfcs_real *restrict x,
                    const nfcs_real *restrict B, const nfcs_real *restrict y, size_t n) {
  const int nt = NT(self);
#pragma omp parallel for simd num_threads(nt) schedule(static)
  for (size_t i = 0; i < n; i++) {
    nfcs_real ar = A[2 * i], ai = A[2 * i + 1], xr = x[2 * i], xi = x[2 * i + 1];
    nfcs_real br = B[2 * i], bi = B[2 * i + 1], yr = y[2 * i], yi = y[2 * i + 1];
    out[2 * i] = ar * xr - ai * xi + br * yr - bi * yi;
    out[2 * i + 1] = ar * xi + ai * xr + br * yi + bi * yr;
  }
  return NFCS_OK;
}

int nfcs_cpu_axpb2yz(void *self, nfcs_real *restrict out, const nfcs_real *restrict A, const nfcs_real *restrict x,
                      const nfcs_real *restrict B, const nfcs_real *restrict y, const nfcs_real *restrict z, size_t n) {
  const int nt = NT(self);
#pragma omp parallel for simd num_threads(nt) schedule(static)
  for (size_t i = 0; i < n; i++) {
    nfcs_real ar = A[2 * i], ai = A[2 * i + 1], xr = x[2 * i], xi = x[2 * i + 1];
    nfcs_real br = B[2 * i], bi = B[2 * i + 1];
    nfcs_real wr = 2 * y[2 * i] - z[2 * i], wi = 2 * y[2 * i + 1] - z[2 * i + 1];
    out[2 * i] = ar * xr - ai * xi + br * wr - bi * wi;
    out[2 * i + 1] = ar * xi + ai * xr + br * wi + bi * wr;
  }
  return NFCS_OK;
}

/* ETDRK4's final combination at complex value r of the arrays, with E(k) = er + i ei:
 * E v + f1 Nv + 2 f2 (Na + Nb) + f3 Nc */
static inline void etd_combine(nfcs_real er, nfcs_real ei, const nfcs_real *restrict v, const nfcs_real *restrict f1,
                               const nfcs_real *restrict f2, const nfcs_real *restrict f3, const nfcs_real *restrict Nv,
                               const nfcs_real *restrict Na, const nfcs_real *restrict Nb, const nfcs_real *restrict Nc, size_t r,
                               nfcs_real *vr, nfcs_real *vi) {
  const size_t m = r + 1;
  const nfcs_real sr = Na[r] + Nb[r], si = Na[m] + Nb[m];
  *vr = er * v[r] - ei * v[m] + f1[r] * Nv[r] - f1[m] * Nv[m] + 2 * (f2[r] * sr - f2[m] * si) + f3[r] * Nc[r] - f3[m] * Nc[m];
  *vi = er * v[m] + ei * v[r] + f1[r] * Nv[m] + f1[m] * Nv[r] + 2 * (f2[r] * si + f2[m] * sr) + f3[r] * Nc[m] + f3[m] * Nc[r];
}

int nfcs_cpu_etd_final(void *self, nfcs_real *restrict v, const nfcs_real *restrict E, const nfcs_real *restrict f1,
                        const nfcs_real *restrict f2, const nfcs_real *restrict f3, const nfcs_real *restrict Nv,
                        const nfcs_real *restrict Na, const nfcs_real *restrict Nb, const nfcs_real *restrict Nc, size_t n,
                        const nfcs_noise *noise, const nfcs_real *mask) {
  const int nt = NT(self);
#pragma omp parallel for simd num_threads(nt) schedule(static)
  for (size_t i = 0; i < n; i++) {
    nfcs_real vr, vi;
    etd_combine(E[2 * i], E[2 * i + 1], v, f1, f2, f3, Nv, Na, Nb, Nc, 2 * i, &vr, &vi);
    v[2 * i] = vr;
    v[2 * i + 1] = vi;
  }
  if (noise && noise->sigma > 0) nfcs_cpu_add_noise(nt, v, n, noise, mask);
  return NFCS_OK;
}

/* ETDRK4 with E and E2 from per-axis factors: a stage, out = E x + Q w with w = y or 2 y - z */
typedef struct etd_stage_args {
  nfcs_real *out;
  const nfcs_real *x, *Q, *y, *z;
} etd_stage_args;

/* out = E x + Q w at complex value k of a row */
static inline void etd_stage_at(nfcs_real er, nfcs_real ei, const nfcs_real *restrict x, const nfcs_real *restrict q, nfcs_real wr,
                                nfcs_real wi, int64_t k, nfcs_real *restrict out) {
  const nfcs_real a = x[2 * k], b = x[2 * k + 1], qa = q[2 * k], qb = q[2 * k + 1];
  out[2 * k] = er * a - ei * b + qa * wr - qb * wi;
  out[2 * k + 1] = er * b + ei * a + qa * wi + qb * wr;
}

/* two loops, w = y and w = 2 y - z: a test of z inside the loop keeps gcc from vectorising it */
static void etd_stage_row(const void *arg, size_t first, int64_t n2, nfcs_real ar, nfcs_real ai, const nfcs_real *restrict ff) {
  const etd_stage_args *A = arg;
  const size_t o = 2 * first;
  const nfcs_real *restrict xr = A->x + o, *restrict qr = A->Q + o, *restrict yr = A->y + o;
  nfcs_real *restrict orow = A->out + o;
  if (!A->z) {
#pragma omp simd
    for (int64_t k = 0; k < n2; k++) {
      nfcs_real er, ei;
      sep_at(ar, ai, ff, k, &er, &ei);
      etd_stage_at(er, ei, xr, qr, yr[2 * k], yr[2 * k + 1], k, orow);
    }
    return;
  }
  const nfcs_real *restrict zr = A->z + o;
#pragma omp simd
  for (int64_t k = 0; k < n2; k++) {
    nfcs_real er, ei;
    sep_at(ar, ai, ff, k, &er, &ei);
    etd_stage_at(er, ei, xr, qr, 2 * yr[2 * k] - zr[2 * k], 2 * yr[2 * k + 1] - zr[2 * k + 1], k, orow);
  }
}

int nfcs_cpu_etd_stage_sep(void *self, nfcs_real *out, const nfcs_grid *g, const nfcs_real *ex, const nfcs_real *ey,
                           const nfcs_real *ez, const nfcs_real *x, const nfcs_real *Q, const nfcs_real *y, const nfcs_real *z) {
  const size_t n = g->nspec;
  const etd_stage_args A = {out, x, Q, y, z};
  nfcs_cpu_sep_rows(NT(self), g, ex, ey, ez, etd_stage_row, &A);
  return NFCS_OK;
}

/* ... and the final combination */
typedef struct etd_final_args {
  nfcs_real *v;
  const nfcs_real *f1, *f2, *f3, *Nv, *Na, *Nb, *Nc;
} etd_final_args;

static void etd_final_row(const void *arg, size_t first, int64_t n2, nfcs_real ar, nfcs_real ai, const nfcs_real *restrict ff) {
  const etd_final_args *A = arg;
  nfcs_real *restrict v = A->v;
#pragma omp simd
  for (int64_t k = 0; k < n2; k++) {
    const size_t r = 2 * (first + (size_t)k);
    nfcs_real er, ei, vr, vi;
    sep_at(ar, ai, ff, k, &er, &ei);
    etd_combine(er, ei, v, A->f1, A->f2, A->f3, A->Nv, A->Na, A->Nb, A->Nc, r, &vr, &vi);
    v[r] = vr;
    v[r + 1] = vi;
  }
}

int nfcs_cpu_etd_final_sep(void *self, nfcs_real *v, const nfcs_grid *g, const nfcs_real *ex, const nfcs_real *ey, const nfcs_real *ez,
                           const nfcs_real *f1, const nfcs_real *f2, const nfcs_real *f3, const nfcs_real *Nv, const nfcs_real *Na,
                           const nfcs_real *Nb, const nfcs_real *Nc, const nfcs_noise *noise) {
  const size_t n = g->nspec;
  const int nt = NT(self);
  const etd_final_args A = {v, f1, f2, f3, Nv, Na, Nb, Nc};
  nfcs_cpu_sep_rows(nt, g, ex, ey, ez, etd_final_row, &A);
  if (noise && noise->sigma > 0) nfcs_cpu_add_noise_sep(nt, v, g, noise, ex, ey, ez);
  return NFCS_OK;
}
