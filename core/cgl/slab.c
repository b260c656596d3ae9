/* The phase metrics of a 2D field shared in slabs of rows (y): the Python NFCS's defect density
 * (numpy.gradient twice, its stencils two rows deep) and the vortices by winding number (each
 * plaquette reaches the next row; the last one wraps to the first rows of the grid).  Each
 * process takes the two rows on each side of its slab from its neighbours, then evaluates the
 * same stencils as core/nfcs_stencils.h on its own rows, so the sums over all processes are the
 * serial ones (up to the order of the additions).  Built with vector math like the CPU backend's
 * metrics (CMakeLists.txt), whose phases it must match. */
#include <math.h>
#include <stdlib.h>

#include "cgl_impl.h"
#include "nfcs_procs_ops.h"
#include "nfcs_stencils.h"

typedef struct slab {
  int64_t nx, ny, first, rows; /* this process's rows first .. first + rows - 1 */
  const nfcs_real *phi;        /* rows + 4 rows of nx complex: two halo rows on each side */
  const nfcs_real *th;         /* their phases */
} slab;

/* the buffer row of global row y: own and neighbouring rows, and the wrap of the last slab onto
 * rows 0 and 1 */
static int64_t at(const slab *s, int64_t y) {
  int64_t e = y - (s->first - 2);
  if (e < 0) e += s->ny;
  if (e >= s->rows + 4) e -= s->ny;
  return e;
}
static const nfcs_real *phi_at(const slab *s, int64_t y, int64_t x) { return s->phi + 2 * (at(s, y) * s->nx + x); }
static double th_at(const slab *s, int64_t y, int64_t x) { return (double)s->th[at(s, y) * s->nx + x]; }

/* nfcs_grad_line down column x at row i (the phase unwrapped along it) */
static double grad_y(const slab *s, int64_t x, int64_t i, double h) {
  const int64_t n = s->ny;
  if (n < 2) return 0.0;
  if (i == 0) return nfcs_wrap_diff(th_at(s, 1, x) - th_at(s, 0, x)) / h;
  if (i == n - 1) return nfcs_wrap_diff(th_at(s, n - 1, x) - th_at(s, n - 2, x)) / h;
  const double a = th_at(s, i + 1, x) - th_at(s, i, x), b = th_at(s, i, x) - th_at(s, i - 1, x);
  return (nfcs_wrap_diff(a) + nfcs_wrap_diff(b)) / (2 * h);
}

/* nfcs_plaquette_counted with rows from the slab */
static int counted(const slab *s, int64_t x, int64_t y) {
  const int64_t nx = s->nx, ny = s->ny, x1 = (x + 1) % nx, y1 = (y + 1) % ny;
  const int ok_x = x1 != 0 || nx <= 2 ||
                   (nfcs_seam_ok(phi_at(s, y, nx - 1), phi_at(s, y, nx - 2), phi_at(s, y, 0), phi_at(s, y, 1)) &&
                    nfcs_seam_ok(phi_at(s, y1, nx - 1), phi_at(s, y1, nx - 2), phi_at(s, y1, 0), phi_at(s, y1, 1)));
  const int ok_y = y1 != 0 || ny <= 2 ||
                   (nfcs_seam_ok(phi_at(s, ny - 1, x), phi_at(s, ny - 2, x), phi_at(s, 0, x), phi_at(s, 1, x)) &&
                    nfcs_seam_ok(phi_at(s, ny - 1, x1), phi_at(s, ny - 2, x1), phi_at(s, 0, x1), phi_at(s, 1, x1)));
  return ok_x && ok_y;
}

static long winding(const slab *s, int64_t x, int64_t y) {
  const int64_t x1 = (x + 1) % s->nx, y1 = (y + 1) % s->ny;
  const double a = th_at(s, y, x), b = th_at(s, y, x1), c = th_at(s, y1, x1), d = th_at(s, y1, x);
  const double w = nfcs_wrap_diff(b - a) + nfcs_wrap_diff(c - b) + nfcs_wrap_diff(d - c) + nfcs_wrap_diff(a - d);
  return lround(w * 0.15915494309189535);
}

int nfcs_cgl_slab_phase_metrics(nfcs_cgl *c, double *rho_sum, int64_t *positive, int64_t *negative) {
  const nfcs_grid *g = &c->g;
  const nfcs_procs_ops *pr = nfcs_procs();
  const int64_t nx = g->n[0], ny = g->n[1], rows = g->local_n_slow;
  const size_t row_bytes = sizeof(nfcs_real) * 2 * (size_t)nx;
  if (!c->slab) {
    /* the rows with their halo, their phases and the x derivatives of the own rows: kept for the run */
    c->slab = calloc((size_t)(rows + 4) * (size_t)nx * 3 + (size_t)rows * (size_t)nx, sizeof(nfcs_real));
    if (!c->slab) return NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory for the phase metrics");
  }
  nfcs_real *phi = c->slab, *th = phi + 2 * (size_t)(rows + 4) * (size_t)nx, *gx = th + (size_t)(rows + 4) * (size_t)nx;
  NFCS_CHECK(c->ops->memory->download(c->be, phi + 2 * (size_t)(2 * nx), c->view, g->nloc));
  /* halos: my first two rows go to the previous process (the first slab's to the last, whose
   * plaquettes wrap onto them), my last two to the next one */
  const int P = pr->size, r = pr->rank;
  NFCS_CHECK(pr->sendrecv(phi + 2 * (size_t)(2 * nx), 2 * row_bytes, (r + P - 1) % P, phi + 2 * (size_t)((rows + 2) * nx), 2 * row_bytes,
                          (r + 1) % P));
  NFCS_CHECK(pr->sendrecv(phi + 2 * (size_t)(rows * nx), 2 * row_bytes, r + 1 < P ? r + 1 : -1, phi, 2 * row_bytes, r > 0 ? r - 1 : -1));
  const size_t next = (size_t)(rows + 4) * (size_t)nx;
  const int nt = nfcs_ctx_threads(c->ctx);
#pragma omp parallel for simd num_threads(nt) schedule(static)
  for (size_t i = 0; i < next; i++) th[i] = (nfcs_real)atan2((double)phi[2 * i + 1], (double)phi[2 * i]);
  const slab s = {.nx = nx, .ny = ny, .first = g->local_offset_slow, .rows = rows, .phi = phi, .th = th};
  const double dx = g->dx[0], dy = g->dx[1];
  double total = 0;
  int64_t pos = 0, neg = 0;
#pragma omp parallel for num_threads(nt) schedule(static) reduction(+ : total, pos, neg)
  for (int64_t j = 0; j < rows; j++) {
    const int64_t y = s.first + j;
    const nfcs_real *throw_ = th + at(&s, y) * nx;
    nfcs_real *gxr = gx + j * nx;
    for (int64_t x = 0; x < nx; x++) gxr[x] = (nfcs_real)nfcs_grad_line(throw_, x, nx, 1, dx, 1);
    for (int64_t x = 0; x < nx; x++) {
      /* nfcs_rho_term, the y derivatives from the slab */
      const double d2x = nfcs_grad_line(gxr, x, nx, 1, dx, 0);
      const int64_t lo = y > 0 ? y - 1 : 0, hi = y < ny - 1 ? y + 1 : ny - 1;
      const double ga = grad_y(&s, x, lo, dy), gb = grad_y(&s, x, hi, dy);
      const double d2y = (y == 0 || y == ny - 1) ? (gb - ga) / dy : (gb - ga) / (2 * dy);
      total += fabs(d2y - d2x) * 0.15915494309189535;
      if (!counted(&s, x, y)) continue;
      const long q = winding(&s, x, y);
      if (q > 0) pos += q;
      else if (q < 0) neg -= q;
    }
  }
  *rho_sum = total;
  *positive = pos;
  *negative = neg;
  return NFCS_OK;
}
