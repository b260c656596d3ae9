/* Reductions behind the metrics, CPU backend. */
#include <math.h>

#include "cpu_backend.h"
#include "nfcs_metrics.h"
#include "nfcs_stencils.h"

int nfcs_cpu_cgl_moments(void *self, const nfcs_real *phi, size_t n, double *sum_abs, double *sum_abs2) {
  const int nt = nfcs_cpu_threads_for(self, (double)n);
  double a = 0, b = 0;
#pragma omp parallel for simd num_threads(nt) schedule(static) reduction(+ : a, b)
  for (size_t i = 0; i < n; i++) {
    double m2 = (double)phi[2 * i] * phi[2 * i] + (double)phi[2 * i + 1] * phi[2 * i + 1];
    a += sqrt(m2);
    b += m2;
  }
  *sum_abs = a;
  *sum_abs2 = b;
  return NFCS_OK;
}

/* In the grid's spectral layout (as nfcs_cpu_cmul_separable); this process's modes. */
int nfcs_cpu_cgl_k2_sum(void *self, const nfcs_real *spec, const nfcs_grid *g, double *sum) {
  const int nt = nfcs_cpu_threads_for(self, (double)g->nspec);
  const int s0 = g->spec_axis[0], s1 = g->spec_axis[1], s2 = g->spec_axis[2], dim = g->dim;
  const int64_t n0 = g->spec_n[0], n1 = g->spec_n[1], n2 = g->spec_n[2], off = g->spec_offset;
  double total = 0;
#pragma omp parallel for collapse(2) num_threads(nt) schedule(static) reduction(+ : total)
  for (int64_t a = 0; a < n0; a++)
    for (int64_t b = 0; b < n1; b++) {
      double kyz = 0;
      if (s1 < dim) { double k = nfcs_fft_k(b, g->n[s1], g->L[s1]); kyz += k * k; }
      if (s0 < dim) { double k = nfcs_fft_k(a + off, g->n[s0], g->L[s0]); kyz += k * k; }
      const nfcs_real *row = spec + 2 * (size_t)((a * n1 + b) * n2);
      /* the modes 0 .. (n2 - 1)/2, then the negative ones: two loops without a branch */
      const int64_t half = n2 > 1 ? (g->n[s2] - 1) / 2 + 1 : n2, m = half < n2 ? half : n2;
      const double q = s2 < dim ? 2.0 * M_PI / g->L[s2] : 0.0, wrap = (double)g->n[s2];
      double acc = 0;
#pragma omp simd reduction(+ : acc)
      for (int64_t x = 0; x < m; x++) {
        const double k = q * (double)x;
        acc += (k * k + kyz) * ((double)row[2 * x] * row[2 * x] + (double)row[2 * x + 1] * row[2 * x + 1]);
      }
#pragma omp simd reduction(+ : acc)
      for (int64_t x = m; x < n2; x++) {
        const double k = q * ((double)x - wrap);
        acc += (k * k + kyz) * ((double)row[2 * x] * row[2 * x] + (double)row[2 * x + 1] * row[2 * x + 1]);
      }
      total += acc;
    }
  *sum = total;
  return NFCS_OK;
}

/* The wrapped difference of two stored phases, in double */
static inline double wdiff(nfcs_real b, nfcs_real a) { return nfcs_wrap_diff((double)b - (double)a); }

/* The y derivative of the phase on row r of ny (numpy.gradient of the phase unwrapped down the
 * columns, nfcs_grad_line's arithmetic) without a branch: up is row r + 1 and dn row r - 1,
 * either one row r itself on the first or last row, whose difference is then an exact zero, and
 * the divisor h there, 2 h inside. */
typedef struct column_rows {
  const nfcs_real *up, *mid, *dn;
  double div;
} column_rows;

static column_rows column_at(const nfcs_real *plane, int64_t nx, int64_t ny, int64_t r, double h) {
  column_rows c = {plane + (r < ny - 1 ? r + 1 : r) * nx, plane + r * nx, plane + (r > 0 ? r - 1 : r) * nx, 2 * h};
  if (r == 0 || r == ny - 1) c.div = h;
  return c;
}

static inline double grad_y_at(const column_rows *c, int64_t x) { return (wdiff(c->up[x], c->mid[x]) + wdiff(c->mid[x], c->dn[x])) / c->div; }

/* the winding (times 2 pi) of the plaquette with corners x, x1 on rows t0 and t1, in
 * nfcs_plaquette_winding's order */
static inline double winding_at(const nfcs_real *t0, const nfcs_real *t1, int64_t x, int64_t x1) {
  return wdiff(t0[x1], t0[x]) + wdiff(t1[x1], t0[x1]) + wdiff(t1[x], t1[x1]) + wdiff(t0[x], t1[x]);
}

/* One row y of an xy plane: the defect density terms and the plaquettes (x, y)-(x + 1, y + 1).
 * The same terms as nfcs_rho_term, nfcs_plaquette_counted and nfcs_plaquette_winding (whose
 * reference use is core/nfcs_metrics.c), laid out so that the loop over the row's inner points
 * has no branch and vectorises: the rows of the y derivatives are chosen before it, the
 * seams (the last column, the last row) are taken apart, and the winding of a plaquette is
 * rounded with rint (the sum of four wrapped differences is a multiple of 2 pi up to rounding,
 * never near a half). */
static void phase_row(const nfcs_real *phi, const nfcs_real *th, const nfcs_real *gxr, int64_t nx, int64_t ny, int64_t y, double dx,
                      double dy, int twod, double *rho, int64_t *pos, int64_t *neg) {
  const double inv2pi = 0.15915494309189535;
  const nfcs_real *t0 = th + y * nx;
  double total = 0;
  /* d2/dx2 alone (a line, or a plane of one row) */
  if (!twod) {
    for (int64_t x = 0; x < nx; x++) total += fabs(nfcs_grad_line(gxr, x, nx, 1, dx, 0)) * inv2pi;
    *rho += total;
    return;
  }
  const int64_t lo = y > 0 ? y - 1 : 0, hi = y < ny - 1 ? y + 1 : ny - 1, y1 = (y + 1) % ny;
  const double sy = (y == 0 || y == ny - 1) ? dy : 2 * dy;
  const column_rows clo = column_at(th, nx, ny, lo, dy), chi = column_at(th, nx, ny, hi, dy);
  const nfcs_real *t1 = th + y1 * nx;
  /* the row's ends (nfcs_grad_line's one-sided differences), then its inside */
  const int64_t ends[2] = {0, nx - 1};
  for (int e = 0; e < (nx > 1 ? 2 : 1); e++) {
    const double d2y = (grad_y_at(&chi, ends[e]) - grad_y_at(&clo, ends[e])) / sy;
    total += fabs(d2y - nfcs_grad_line(gxr, ends[e], nx, 1, dx, 0)) * inv2pi;
  }
#pragma omp simd reduction(+ : total)
  for (int64_t x = 1; x < nx - 1; x++) {
    const double d2x = (((double)gxr[x + 1] - gxr[x]) + ((double)gxr[x] - gxr[x - 1])) / (2 * dx);
    const double d2y = (grad_y_at(&chi, x) - grad_y_at(&clo, x)) / sy;
    total += fabs(d2y - d2x) * inv2pi;
  }
  *rho += total;
  /* the plaquettes: every one inside the plane counts; the last row's cross the y seam, the last
   * column's the x seam, and count where the field is continuous across it */
#define P(j, i) (phi + 2 * ((j) * nx + (i)))
  const int yseam = y1 == 0 && ny > 2;
  int p = 0, n = 0;
  if (!yseam) {
#pragma omp simd reduction(+ : p, n)
    for (int64_t x = 0; x < nx - 1; x++) {
      const int q = (int)rint(winding_at(t0, t1, x, x + 1) * inv2pi);
      p += q > 0 ? q : 0;
      n += q < 0 ? -q : 0;
    }
  } else {
    int prev = nfcs_seam_ok(P(ny - 1, 0), P(ny - 2, 0), P(0, 0), P(1, 0));
    for (int64_t x = 0; x < nx - 1; x++) {
      const int next = nfcs_seam_ok(P(ny - 1, x + 1), P(ny - 2, x + 1), P(0, x + 1), P(1, x + 1));
      if (prev && next) {
        const long q = lround(winding_at(t0, t1, x, x + 1) * inv2pi);
        p += q > 0 ? (int)q : 0;
        n += q < 0 ? (int)-q : 0;
      }
      prev = next;
    }
  }
  /* the plaquette of the last column (x + 1 wraps to 0) */
  if (nfcs_plaquette_counted(phi, nx, ny, nx - 1, y)) {
    const long q = lround(winding_at(t0, t1, nx - 1, 0) * inv2pi);
    p += q > 0 ? (int)q : 0;
    n += q < 0 ? (int)-q : 0;
  }
#undef P
  *pos += p;
  *neg += n;
}

/* The phase metrics in three passes over the grid: the phase (one atan2 a point, vectorised), its
 * x derivative, then row by row the defect density and the plaquette winding from wrapped phase
 * differences (no further atan2), in loops that vectorise.  Same results as the reference in
 * core/nfcs_metrics.c up to the order of the sums (checked by a test), several times faster. */
int nfcs_cpu_cgl_phase_metrics(void *self, const nfcs_real *phi, const nfcs_grid *g, nfcs_real *work, double *rho_sum,
                                int64_t *positive, int64_t *negative) {
  /* this process's points: whole xy planes (a 3D grid's slab of z; a 2D grid in slabs takes the
   * neighbours' rows, core/cgl/slab.c) */
  const size_t np = g->nloc;
  const int nt = nfcs_cpu_threads_for(self, (double)np);
  const int64_t nx = g->n[0], ny = g->n[1], nz = g->dim == 3 ? g->local_n_slow : g->n[2];
  const double dx = g->dx[0], dy = g->dx[1];
  nfcs_real *restrict th = work, *restrict gx = work + np;
#pragma omp parallel for simd num_threads(nt) schedule(static)
  for (size_t i = 0; i < np; i++) th[i] = (nfcs_real)atan2((double)phi[2 * i + 1], (double)phi[2 * i]);
  const int twod = g->dim > 1 && ny > 1;
  double total = 0;
  int64_t pos = 0, neg = 0;
#pragma omp parallel for collapse(2) num_threads(nt) schedule(static) reduction(+ : total, pos, neg)
  for (int64_t z = 0; z < nz; z++)
    for (int64_t y = 0; y < ny; y++) {
      const size_t plane = (size_t)z * (size_t)(ny * nx), off = plane + (size_t)y * (size_t)nx;
      const nfcs_real *t = th + off;
      nfcs_real *gxr = gx + off;
      /* nfcs_grad_line of the phase along the row */
      if (nx < 2) {
        gxr[0] = 0;
      } else {
        gxr[0] = (nfcs_real)(wdiff(t[1], t[0]) / dx);
        gxr[nx - 1] = (nfcs_real)(wdiff(t[nx - 1], t[nx - 2]) / dx);
#pragma omp simd
        for (int64_t x = 1; x < nx - 1; x++) gxr[x] = (nfcs_real)((wdiff(t[x + 1], t[x]) + wdiff(t[x], t[x - 1])) / (2 * dx));
      }
      phase_row(phi + 2 * plane, th + plane, gxr, nx, ny, y, dx, dy, twod, &total, &pos, &neg);
    }
  *rho_sum = total;
  *positive = pos;
  *negative = neg;
  return NFCS_OK;
}
