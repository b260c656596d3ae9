/* Kuramoto right-hand sides of the CPU backend: mean field (O(N) through the order parameter),
 * dense (a fused kernel that reads each row of K once for both products, or OpenBLAS), sparse
 * (CSR).  Built with vector math like cpu_pointwise.c.  Every sum is over a fixed partition
 * (a block, a row), so results do not depend on the number of threads. */
#include <cblas.h>
#include <math.h>

#include "cpu_backend.h"

/* c, s of theta + a dir */
static void phases(int nt, const double *restrict theta, double a, const double *restrict dir, double *restrict c,
                   double *restrict s, int64_t n) {
  if (dir) {
#pragma omp parallel for simd num_threads(nt) schedule(static)
    for (int64_t i = 0; i < n; i++) {
      double p = theta[i] + a * dir[i];
      c[i] = cos(p);
      s[i] = sin(p);
    }
  } else {
#pragma omp parallel for simd num_threads(nt) schedule(static)
    for (int64_t i = 0; i < n; i++) {
      c[i] = cos(theta[i]);
      s[i] = sin(theta[i]);
    }
  }
}

/* f_i = omega_i + kappa g_m (B_i cos(phi_i) - A_i sin(phi_i)) + u_i, phi_i = theta_i + alpha, where
 * A + iB = sum_j K_ij e^{i theta_j} of member m.  ab holds (A, B) interleaved per oscillator
 * (gemm = 0) or as the [N][2M] result of the ensemble's GEMM (gemm = 1). */
static void finish(int nt, const nfcs_kur_rhs *r, const double *restrict ab, int gemm, double *restrict out) {
  const int64_t n = r->rows, M = r->members; /* this process's rows (all of them on one process) */
  const double ca = r->cos_a, sa = r->sin_a, u = r->u;
  const double *restrict c = r->c + r->row0, *restrict s = r->s + r->row0, *restrict om = r->omega, *restrict uf = r->u_field;
  for (int64_t mm = 0; mm < M; mm++) {
    const double kappa = r->kappa * r->gscale[mm];
    const int64_t off = mm * n;
#pragma omp parallel for simd num_threads(nt) schedule(static)
    for (int64_t i = 0; i < n; i++) {
      const int64_t q = off + i;
      const double A = gemm ? ab[i * 2 * M + 2 * mm] : ab[2 * q], B = gemm ? ab[i * 2 * M + 2 * mm + 1] : ab[2 * q + 1];
      double cp = c[q] * ca - s[q] * sa, sp = s[q] * ca + c[q] * sa;
      double f = om[q] + kappa * (B * cp - A * sp) + u;
      if (uf) f += uf[i];
      out[q] = f;
    }
  }
}

/* mean field: the phases' cos/sin and the block sums of the order parameter in one pass (blocks
 * never straddle members), then the update in a second */
static int rhs_mean_field(const void *self, const nfcs_kur_rhs *r, const double *restrict theta, double a,
                          const double *restrict dir, double *out) {
  /* this process's rows (all of them on one process); the order parameter summed over the processes */
  const int64_t n = r->rows, M = r->members, nbm = (n + NFCS_KUR_BLOCK - 1) / NFCS_KUR_BLOCK, nb = nbm * M;
  const int nt = nfcs_cpu_threads_for(self, (double)(n * M));
  double *restrict c = r->c, *restrict s = r->s;
  double *restrict part = r->partial;
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t b = 0; b < nb; b++) {
    const int64_t mm = b / nbm, base = mm * n, lo = base + (b % nbm) * NFCS_KUR_BLOCK;
    const int64_t hi = lo + NFCS_KUR_BLOCK < base + n ? lo + NFCS_KUR_BLOCK : base + n;
    double zr = 0, zi = 0;
    if (dir) {
#pragma omp simd reduction(+ : zr, zi)
      for (int64_t j = lo; j < hi; j++) {
        double ph = theta[j] + a * dir[j], cj = cos(ph), sj = sin(ph);
        c[j] = cj;
        s[j] = sj;
        zr += cj;
        zi += sj;
      }
    } else {
#pragma omp simd reduction(+ : zr, zi)
      for (int64_t j = lo; j < hi; j++) {
        double cj = cos(theta[j]), sj = sin(theta[j]);
        c[j] = cj;
        s[j] = sj;
        zr += cj;
        zi += sj;
      }
    }
    part[2 * b] = zr;
    part[2 * b + 1] = zi;
  }
  const double ca = r->cos_a, sa = r->sin_a, u = r->u;
  const double *restrict om = r->omega, *restrict uf = r->u_field;
  for (int64_t mm = 0; mm < M; mm++) {
    double zr = 0, zi = 0;
    for (int64_t b = mm * nbm; b < (mm + 1) * nbm; b++) {
      zr += part[2 * b];
      zi += part[2 * b + 1];
    }
    if (r->reduce) {
      double z[2] = {zr, zi};
      NFCS_CHECK(r->reduce(r->user, z));
      zr = z[0], zi = z[1];
    }
    const double g = r->kappa * r->K * r->gscale[mm];
    const int64_t off = mm * n;
    const int ntm = nfcs_cpu_threads_for(self, (double)n);
#pragma omp parallel for simd num_threads(ntm) schedule(static)
    for (int64_t i = 0; i < n; i++) {
      const int64_t q = off + i;
      double cp = c[q] * ca - s[q] * sa, sp = s[q] * ca + c[q] * sa;
      double f = om[q] + g * (zi * cp - zr * sp) + u;
      if (uf) f += uf[i];
      out[q] = f;
    }
  }
  return NFCS_OK;
}

/* this process's rows of K (rows x n) against all n cos, sin */
static void rhs_dense_fused(const void *self, const nfcs_kur_rhs *r, double *out) {
  const int64_t n = r->n, rows = r->rows;
  const int nt = nfcs_cpu_threads_for(self, (double)n * (double)n);
  const double *restrict c = r->c, *restrict s = r->s;
  double *restrict ab = r->work;
  if (r->W) {
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t i = 0; i < rows; i++) {
      const double *restrict w = r->W + 2 * (size_t)i * (size_t)n;
      double pr = 0, pi = 0;
#pragma omp simd reduction(+ : pr, pi)
      for (int64_t j = 0; j < n; j++) {
        pr += w[2 * j] * c[j] - w[2 * j + 1] * s[j];
        pi += w[2 * j] * s[j] + w[2 * j + 1] * c[j];
      }
      ab[2 * i] = pr;
      ab[2 * i + 1] = pi;
    }
  } else {
    /* four rows at a time: each c_j, s_j loaded once serves four rows, so the loop streams K
     * with one load per element (the products are bound by reading K from memory) */
    const int64_t n4 = rows / 4;
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t q = 0; q < n4; q++) {
      const int64_t i = 4 * q;
      const double *restrict k0 = r->Kmat + (size_t)i * (size_t)n, *restrict k1 = k0 + n, *restrict k2 = k1 + n,
                   *restrict k3 = k2 + n;
      double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
#pragma omp simd reduction(+ : a0, a1, a2, a3, b0, b1, b2, b3)
      for (int64_t j = 0; j < n; j++) {
        const double cj = c[j], sj = s[j];
        a0 += k0[j] * cj; b0 += k0[j] * sj;
        a1 += k1[j] * cj; b1 += k1[j] * sj;
        a2 += k2[j] * cj; b2 += k2[j] * sj;
        a3 += k3[j] * cj; b3 += k3[j] * sj;
      }
      ab[2 * i] = a0; ab[2 * i + 1] = b0;
      ab[2 * i + 2] = a1; ab[2 * i + 3] = b1;
      ab[2 * i + 4] = a2; ab[2 * i + 5] = b2;
      ab[2 * i + 6] = a3; ab[2 * i + 7] = b3;
    }
    for (int64_t i = 4 * n4; i < rows; i++) {
      const double *restrict k = r->Kmat + (size_t)i * (size_t)n;
      double a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
      for (int64_t j = 0; j < n; j++) {
        a += k[j] * c[j];
        b += k[j] * s[j];
      }
      ab[2 * i] = a;
      ab[2 * i + 1] = b;
    }
  }
  finish(nfcs_cpu_threads_for(self, (double)rows), r, ab, 0, out);
}

/* an ensemble: [A B] for every member in one GEMM of K against the [N][2M] matrix of cos, sin */
static void rhs_dense_ensemble(const void *self, const nfcs_kur_rhs *r, double *out) {
  const int64_t n = r->n, M = r->members;
  double *restrict x = r->x;
  const int nt = nfcs_cpu_threads_for(self, (double)(n * M));
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t j = 0; j < n; j++)
    for (int64_t mm = 0; mm < M; mm++) {
      x[j * 2 * M + 2 * mm] = r->c[mm * n + j];
      x[j * 2 * M + 2 * mm + 1] = r->s[mm * n + j];
    }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, (blasint)(2 * M), (blasint)n, 1.0, r->Kmat, (blasint)n, x,
              (blasint)(2 * M), 0.0, r->y, (blasint)(2 * M));
  finish(nfcs_cpu_threads_for(self, (double)n), r, r->y, 1, out);
}

static void rhs_dense_blas(const void *self, const nfcs_kur_rhs *r, double *out) {
  const int64_t n = r->n, rows = r->rows;
  double *restrict x = r->work, *restrict ab = r->work + 2 * n;
  for (int64_t j = 0; j < n; j++) {
    x[2 * j] = r->c[j];
    x[2 * j + 1] = r->s[j];
  }
  if (r->W) {
    const double one[2] = {1, 0}, zero[2] = {0, 0};
    cblas_zgemv(CblasRowMajor, CblasNoTrans, (blasint)rows, (blasint)n, one, r->W, (blasint)n, x, 1, zero, ab, 1);
  } else {
    /* [A B] = K [c s]: one GEMM with two columns */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)rows, 2, (blasint)n, 1.0, r->Kmat, (blasint)n, x, 2, 0.0,
                ab, 2);
  }
  finish(nfcs_cpu_threads_for(self, (double)rows), r, ab, 0, out);
}

/* this process's rows of the CSR arrays against all n cos, sin */
static void rhs_sparse(const void *self, const nfcs_kur_rhs *r, double *out) {
  const int64_t n = r->rows, nc = r->n, M = r->members;
  const int nt = nfcs_cpu_threads_for(self, (double)r->rowptr[n] * (double)M);
  const double *restrict w = r->w;
  const int32_t *restrict col = r->col;
  const int64_t *restrict rp = r->rowptr;
  double *restrict ab = r->work;
  for (int64_t mm = 0; mm < M; mm++) {
    const double *restrict c = r->c + mm * nc, *restrict s = r->s + mm * nc;
    double *restrict abm = ab + 2 * mm * n;
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t i = 0; i < n; i++) {
      double a = 0, b = 0;
      for (int64_t e = rp[i]; e < rp[i + 1]; e++) {
        a += w[e] * c[col[e]];
        b += w[e] * s[col[e]];
      }
      abm[2 * i] = a;
      abm[2 * i + 1] = b;
    }
  }
  finish(nfcs_cpu_threads_for(self, (double)n), r, ab, 0, out);
}

int nfcs_cpu_kur_rhs(void *self, const nfcs_kur_rhs *r, const double *theta, double a, const double *dir, double *out) {
  if (r->coupling != NFCS_RHS_DENSE && r->coupling != NFCS_RHS_SPARSE) return rhs_mean_field(self, r, theta, a, dir, out);
  /* this process's cos, sin at row0, then everybody's */
  phases(nfcs_cpu_threads_for(self, (double)(r->rows * r->members)), theta, a, dir, r->c + r->row0, r->s + r->row0, r->rows * r->members);
  if (r->exchange) NFCS_CHECK(r->exchange(r->user, r->c, r->s));
  switch (r->coupling) {
  case NFCS_RHS_DENSE:
    if (r->members > 1) rhs_dense_ensemble(self, r, out);
    else if (r->blas) rhs_dense_blas(self, r, out);
    else rhs_dense_fused(self, r, out);
    break;
  default: rhs_sparse(self, r, out); break;
  }
  return NFCS_OK;
}
