/* The CGL solver against mathematics (VALIDATION.md, CGL items 1-8), in 1D, 2D and 3D.
 *
 * Single-mode states (the uniform oscillation, plane waves) stay single modes under every scheme,
 * so each scheme reduces to a scalar recurrence for the mode's amplitude.  The tests compute that
 * recurrence independently (scalar complex arithmetic, phi-functions by series) and require the
 * engine to equal it to round-off: that checks the implementation exactly.  The scheme's own error
 * against the exact solution (its method error at this dt) is checked separately, per scheme. */
#include "test_util.h"

#include <complex.h>

#include "nfcs_metrics.h"

static const char *SCHEME_NAME[] = {"strang", "etdrk4", "upstream"};

/* Run from `init` to time T; returns the field at T (caller frees).  The state must stay finite. */
static nfcs_real *run_to(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_real *init, double T,
                         double ure, double uim, const nfcs_real *ufield) {
  nfcs_cgl *c = NULL;
  TU_OK(ctx, nfcs_cgl_create(ctx, p, &c));
  TU_OK(ctx, nfcs_cgl_set_field(c, init));
  TU_OK(ctx, nfcs_cgl_set_control(c, ure, uim, ufield));
  TU_OK(ctx, nfcs_cgl_advance_to(c, T));
  assert_true(nfcs_cgl_time(c) == T);
  if (!nfcs_cgl_finite(c)) fail_msg("%s: the state is not finite at t = %g", SCHEME_NAME[nfcs_cgl_section(p)->scheme], T);
  nfcs_real *out = tu_field(nfcs_cgl_grid(c));
  TU_OK(ctx, nfcs_cgl_get_field(c, out));
  if (!tu_all_finite(out, 2 * nfcs_cgl_grid(c)->npts)) fail_msg("%s: the field at t = %g is not finite", SCHEME_NAME[nfcs_cgl_section(p)->scheme], T);
  nfcs_cgl_destroy(&c);
  assert_null(c);
  return out;
}

/* ---------------------------------------------------------------- scalar schemes of one mode */

static double complex nonlin(double complex a, double c3) {
  double r2 = creal(a) * creal(a) + cimag(a) * cimag(a);
  return -(1.0 + I * c3) * r2 * a;
}

/* the exact flow of da/dt = a - (1 + i c3)|a|^2 a over h (VALIDATION.md CGL 2) */
static double complex local_flow(double complex a, double c3, double h) {
  double r2 = creal(a) * creal(a) + cimag(a) * cimag(a), D = 1.0 + r2 * expm1(2 * h);
  return a * exp(h) / sqrt(D) * cexp(-I * 0.5 * c3 * log(D));
}

/* phi_j(z) = sum_n z^n / (n + j)!  (phi_1 = (e^z - 1)/z, ...): series for |z| < 1, else closed form */
static double complex phifn(int j, double complex z) {
  if (cabs(z) < 1) {
    double complex s = 0, t = 1;
    double f = 1;
    for (int q = 1; q <= j; q++) f *= q;
    t = 1.0 / f;
    for (int n = 0; n < 40; n++) {
      s += t;
      t *= z / (n + j + 1);
    }
    return s;
  }
  double complex e = cexp(z);
  if (j == 1) return (e - 1) / z;
  if (j == 2) return (e - 1 - z) / (z * z);
  return (e - 1 - z - 0.5 * z * z) / (z * z * z);
}

/* One step of a scheme for the amplitude a of a single Fourier mode with |k|^2 = k2 (k2 = 0: the
 * uniform state).  strang: N(h/2) L(h) N(h/2) with N the exact local flow (growth included) and L
 * the exact dispersive flow; upstream: half linear step (with growth), Euler of the cubic term,
 * half linear step; etdrk4: Cox-Matthews with L = 1 - (1 + i c1) k^2. */
static double complex mode_step(int scheme, double complex a, double k2, double c1, double c3, double h) {
  if (scheme == NFCS_SCHEME_STRANG) {
    a = local_flow(a, c3, 0.5 * h);
    a *= cexp(-h * (1.0 + I * c1) * k2);
    return local_flow(a, c3, 0.5 * h);
  }
  if (scheme == NFCS_SCHEME_UPSTREAM) {
    double complex E = cexp(0.5 * h * (1.0 - (1.0 + I * c1) * k2));
    a *= E;
    a += h * nonlin(a, c3);
    return a * E;
  }
  const double complex z = h * (1.0 - (1.0 + I * c1) * k2);
  const double complex E = cexp(z), E2 = cexp(0.5 * z), Q = 0.5 * h * phifn(1, 0.5 * z);
  const double complex p1 = phifn(1, z), p2 = phifn(2, z), p3 = phifn(3, z);
  const double complex f1 = h * (p1 - 3 * p2 + 4 * p3), f2 = h * (p2 - 2 * p3), f3 = h * (-p2 + 4 * p3);
  double complex Na = nonlin(a, c3);
  double complex al = E2 * a + Q * Na, Nal = nonlin(al, c3);
  double complex be = E2 * a + Q * Nal, Nbe = nonlin(be, c3);
  double complex ga = E2 * al + Q * (2 * Nbe - Na), Nga = nonlin(ga, c3);
  return E * a + f1 * Na + 2 * f2 * (Nal + Nbe) + f3 * Nga;
}

static double complex mode_run(int scheme, double complex a, double k2, double c1, double c3, double dt, double T) {
  const long n = lround(T / dt);
  for (long s = 0; s < n; s++) a = mode_step(scheme, a, k2, c1, c3, dt);
  return a;
}

/* max over the grid of |phi - a e^{i k.x}| */
static double mode_diff(const nfcs_grid *g, const nfcs_real *f, double complex a, const double k[3]) {
  double m = 0;
  for (size_t i = 0; i < g->npts; i++) {
    double x[3], kx = 0;
    tu_xyz(g, i, x);
    for (int d = 0; d < g->dim; d++) kx += k[d] * x[d];
    double complex v = a * cexp(I * kx);
    if (!isfinite((double)f[2 * i]) || !isfinite((double)f[2 * i + 1])) return INFINITY;
    m = tu_max(m, hypot(f[2 * i] - creal(v), f[2 * i + 1] - cimag(v)));
  }
  return m;
}

/* ---------------------------------------------------------------- 1. linear modes */
static void linear_modes(int dim, int scheme) {
  nfcs_ctx *ctx = tu_ctx(2);
  nfcs_params p;
  const int64_t n = dim == 3 ? 16 : 32;
  const double L = 10.0, c1 = 0.7, T = 1.0, A = 1e-9, dt = 0.05;
  tu_params(&p, dim, n, L, c1, 1.3, scheme, dt);
  nfcs_grid g;
  nfcs_grid_init(&g, dim, CGL(&p)->grid_size.v, CGL(&p)->spatial_extent.v);
  nfcs_real *init = tu_field(&g), *exact = tu_field(&g);
  /* two modes m = (1, 2, 1) and (-3, 0, 2): each evolves as exp[(1 - (1 + i c1)|k|^2) t] */
  const int m[2][3] = {{1, 2, 1}, {-3, 0, 2}};
  for (size_t i = 0; i < g.npts; i++) {
    double x[3];
    tu_xyz(&g, i, x);
    double complex v0 = 0, vT = 0;
    for (int q = 0; q < 2; q++) {
      double kx = 0, k2 = 0;
      for (int a = 0; a < dim; a++) {
        double k = 2 * M_PI * m[q][a] / L;
        kx += k * x[a];
        k2 += k * k;
      }
      double complex mode = A * cexp(I * kx);
      v0 += mode;
      vT += mode * cexp((1.0 - (1.0 + I * c1) * k2) * T);
    }
    init[2 * i] = (nfcs_real)creal(v0);
    init[2 * i + 1] = (nfcs_real)cimag(v0);
    exact[2 * i] = (nfcs_real)creal(vT);
    exact[2 * i + 1] = (nfcs_real)cimag(vT);
  }
  nfcs_real *got = run_to(ctx, &p, init, T, 0, 0, NULL);
  double err = tu_maxdiff(got, exact, g.npts) / tu_maxabs(exact, g.npts);
  /* the cubic term is ~|A|^2 = 1e-18 relative: every scheme is exact for linear modes, so what is
   * left is round-off (measured: up to 45 units in double, 30 in single over the 20 steps) */
  tu_check(err, tu_roundoff(10.0 * (T / dt)), "%dD %s: linear modes, relative error (round-off)", dim, SCHEME_NAME[scheme]);
  free(init); free(exact); free(got);
  nfcs_ctx_destroy(&ctx);
}

static void test_linear_modes(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; dim++)
    for (int s = 0; s < 3; s++) linear_modes(dim, s);
}

/* ---------------------------------------------------------------- 2, 3. single modes */
/* Run a single mode a0 e^{i k.x} (k = 2 pi m / L) with every scheme; check the engine against the
 * scheme's scalar recurrence (round-off) and against the exact solution (the method's error). */
typedef struct mode_case {
  int dim;
  int64_t n;
  double L, c1, c3, dt, T;
  int m[3];
  double complex a0;
} mode_case;

static void single_mode(const mode_case *mc, int scheme, double complex exact_T, double method_bound, const char *what) {
  nfcs_ctx *ctx = tu_ctx(2);
  nfcs_params p;
  tu_params(&p, mc->dim, mc->n, mc->L, mc->c1, mc->c3, scheme, mc->dt);
  nfcs_grid g;
  nfcs_grid_init(&g, mc->dim, CGL(&p)->grid_size.v, CGL(&p)->spatial_extent.v);
  double k[3] = {0, 0, 0}, k2 = 0;
  for (int a = 0; a < mc->dim; a++) {
    k[a] = 2 * M_PI * mc->m[a] / mc->L;
    k2 += k[a] * k[a];
  }
  nfcs_real *init = tu_field(&g);
  for (size_t i = 0; i < g.npts; i++) {
    double x[3], kx = 0;
    tu_xyz(&g, i, x);
    for (int a = 0; a < mc->dim; a++) kx += k[a] * x[a];
    double complex v = mc->a0 * cexp(I * kx);
    init[2 * i] = (nfcs_real)creal(v);
    init[2 * i + 1] = (nfcs_real)cimag(v);
  }
  nfcs_real *got = run_to(ctx, &p, init, mc->T, 0, 0, NULL);
  const double complex rec = mode_run(scheme, mc->a0, k2, mc->c1, mc->c3, mc->dt, mc->T);
  const double steps = mc->T / mc->dt, scale = cabs(rec);
  /* round-off: about one unit a step (measured: up to 330 units in double, 480 in single over 500
   * steps); bound 5 a step */
  tu_check(mode_diff(&g, got, rec, k) / scale, tu_roundoff(5.0 * steps), "%dD %s: %s, engine vs its scalar recurrence", mc->dim,
           SCHEME_NAME[scheme], what);
  tu_check(mode_diff(&g, got, exact_T, k), method_bound + tu_roundoff(5.0 * steps), "%dD %s: %s, error vs exact (method)",
           mc->dim, SCHEME_NAME[scheme], what);
  free(init); free(got);
  nfcs_ctx_destroy(&ctx);
}

static void test_uniform_state(void **state) {
  (void)state;
  const double c3 = 0.9, R0 = 0.3, th0 = 0.5, T = 2.0;
  const double R = 1.0 / sqrt(1.0 + (1.0 / (R0 * R0) - 1.0) * exp(-2 * T));
  const double th = th0 - 0.5 * c3 * log(1.0 + R0 * R0 * (exp(2 * T) - 1.0));
  for (int dim = 1; dim <= 3; dim++) {
    mode_case mc = {dim, dim == 3 ? 8 : 16, 7.0, 0.4, c3, 0.01, T, {0, 0, 0}, R0 * cexp(I * th0)};
    /* method errors at dt = 0.01 over t = 2: strang's sub-steps are exact for the uniform state
     * (its error is round-off); etdrk4 O(dt^4) (measured 7.3e-10); upstream O(dt) (6.9e-3) */
    single_mode(&mc, NFCS_SCHEME_STRANG, R * cexp(I * th), 0.0, "uniform state");
    single_mode(&mc, NFCS_SCHEME_ETDRK4, R * cexp(I * th), 1.5e-9, "uniform state");
    single_mode(&mc, NFCS_SCHEME_UPSTREAM, R * cexp(I * th), 1e-2, "uniform state");
  }
}

static void test_plane_waves(void **state) {
  (void)state;
  const double c1 = 0.5, c3 = 0.3, L = 20 * M_PI, T = 5.0;
  for (int dim = 1; dim <= 3; dim++) {
    /* k = 2 pi m / L with m = 2 on the first axis, 1 on the others: Eckhaus stable (k^2 < 0.345) */
    mode_case mc = {dim, dim == 3 ? 16 : 32, L, c1, c3, 0.01, T, {2, 1, 1}, 0};
    double k2 = 0;
    for (int a = 0; a < dim; a++) k2 += pow(2 * M_PI * mc.m[a] / L, 2);
    assert_true(k2 < (1 + c1 * c3) / (3 + c1 * c3 + 2 * c3 * c3));
    const double amp = sqrt(1 - k2), om = c3 + (c1 - c3) * k2;
    mc.a0 = amp;
    const double complex exact = amp * cexp(-I * om * T);
    /* method errors at dt = 0.01 over t = 5 (measured): strang O(dt^2) 3-4.5e-7, etdrk4 O(dt^4)
     * 1.4e-10, upstream O(dt) 1.2e-2 */
    single_mode(&mc, NFCS_SCHEME_STRANG, exact, 1e-6, "plane wave");
    single_mode(&mc, NFCS_SCHEME_ETDRK4, exact, 3e-10, "plane wave");
    single_mode(&mc, NFCS_SCHEME_UPSTREAM, exact, 1.5e-2, "plane wave");
  }
}

/* ---------------------------------------------------------------- 5. temporal order, with u != 0 */
static void smooth_init(const nfcs_grid *g, nfcs_real *f) {
  for (size_t i = 0; i < g->npts; i++) {
    double x[3];
    tu_xyz(g, i, x);
    double complex v = 0.6 + 0.2 * cexp(I * 2 * M_PI * x[0] / g->L[0]);
    if (g->dim > 1) v += 0.15 * I * cos(2 * M_PI * x[1] / g->L[1]) * cexp(-I * 2 * M_PI * x[0] / g->L[0]);
    if (g->dim > 2) v += 0.1 * sin(2 * M_PI * x[2] / g->L[2]);
    f[2 * i] = (nfcs_real)creal(v);
    f[2 * i + 1] = (nfcs_real)cimag(v);
  }
}

static double temporal_order(int dim, int scheme, double dt) {
  nfcs_ctx *ctx = tu_ctx(2);
  nfcs_params p;
  const double T = 1.0;
  tu_params(&p, dim, dim == 3 ? 8 : 16, 12.0, 0.6, -0.4, scheme, dt);
  nfcs_grid g;
  nfcs_grid_init(&g, dim, CGL(&p)->grid_size.v, CGL(&p)->spatial_extent.v);
  nfcs_real *init = tu_field(&g), *u = tu_field(&g);
  smooth_init(&g, init);
  for (size_t i = 0; i < g.npts; i++) {
    double x[3];
    tu_xyz(&g, i, x);
    u[2 * i] = (nfcs_real)(0.2 * cos(2 * M_PI * x[0] / g.L[0]));
    u[2 * i + 1] = (nfcs_real)(0.1 * sin(2 * M_PI * x[0] / g.L[0]));
  }
  nfcs_real *a = run_to(ctx, &p, init, T, 0.05, -0.03, u);
  CGL(&p)->time_step = dt / 2;
  nfcs_real *b = run_to(ctx, &p, init, T, 0.05, -0.03, u);
  CGL(&p)->time_step = dt / 16; /* reference: dt/8 of the finer run */
  nfcs_real *r = run_to(ctx, &p, init, T, 0.05, -0.03, u);
  double ea = tu_maxdiff(a, r, g.npts), eb = tu_maxdiff(b, r, g.npts);
  double order = log2(ea / eb);
  print_message("  %dD %-8s dt = %-6g error %.3e, dt/2 error %.3e, measured order %.3f\n", dim, SCHEME_NAME[scheme], dt, ea,
                eb, order);
  /* an order means something only when both errors are finite and far above round-off (these runs
   * make tens of units): a scheme that ignored dt would give 0 and 0 (order NaN) */
  const double floor_ = tu_roundoff(1e3);
  if (!(ea > floor_ && eb > floor_ && isfinite(ea) && isfinite(eb)))
    fail_msg("%dD %s: errors %.3g and %.3g must be finite and above round-off (%.3g) to measure an order", dim,
             SCHEME_NAME[scheme], ea, eb, floor_);
  free(init); free(u); free(a); free(b); free(r);
  nfcs_ctx_destroy(&ctx);
  return order;
}

static void test_temporal_order(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; dim++) {
    /* in single precision the errors must stay far above round-off (1e-7): larger steps, and
     * ETDRK4's fourth order cannot be resolved at all */
    double s = temporal_order(dim, NFCS_SCHEME_STRANG, NFCS_SINGLE ? 0.2 : 0.05);
    tu_check_range(s, 1.8, 2.2, "%dD strang: measured order (2)", dim);
    if (!NFCS_SINGLE) tu_check_range(temporal_order(dim, NFCS_SCHEME_ETDRK4, 0.1), 3.6, 4.4, "%dD etdrk4: measured order (4)", dim);
    tu_check_range(temporal_order(dim, NFCS_SCHEME_UPSTREAM, 0.02), 0.85, 1.15, "%dD upstream: measured order (1)", dim);
  }
}

/* ---------------------------------------------------------------- dealiasing */
/* One step from two linear modes on each side of the mask's edge: the mode |m| = n/3 (two_thirds)
 * or n/4 (half) and beyond is removed; the mode just inside evolves exactly. */
static void test_dealias(void **state) {
  (void)state;
  const int64_t n = 24;
  const double L = 6.0, c1 = 0.3, dt = 0.01, A = 1e-8;
  for (int rule = NFCS_DEALIAS_TWO_THIRDS; rule <= NFCS_DEALIAS_HALF; rule++)
    for (int scheme = 0; scheme < 3; scheme++)
      for (int dim = 1; dim <= 2; dim++) {
        const int edge = rule == NFCS_DEALIAS_TWO_THIRDS ? 8 : 6; /* the first mode removed: n/3, n/4 */
        nfcs_ctx *ctx = tu_ctx(2);
        nfcs_params p;
        tu_params(&p, dim, n, L, c1, 0.2, scheme, dt);
        CGL(&p)->dealias = rule;
        nfcs_grid g;
        nfcs_grid_init(&g, dim, CGL(&p)->grid_size.v, CGL(&p)->spatial_extent.v);
        nfcs_real *f = tu_field(&g);
        /* modes: (edge - 1, 0) kept, (edge, 0) and (-edge, 1) removed; in 2D also (1, edge) removed */
        const int modes[4][2] = {{edge - 1, 0}, {edge, 0}, {-edge, 1}, {1, edge}};
        const int nm = dim == 1 ? 3 : 4;
        for (size_t i = 0; i < g.npts; i++) {
          double x[3];
          tu_xyz(&g, i, x);
          double complex v = 0;
          for (int q = 0; q < nm; q++) v += A * cexp(I * 2 * M_PI * (modes[q][0] * x[0] + (dim > 1 ? modes[q][1] * x[1] : 0)) / L);
          f[2 * i] = (nfcs_real)creal(v);
          f[2 * i + 1] = (nfcs_real)cimag(v);
        }
        nfcs_real *got = run_to(ctx, &p, f, dt, 0, 0, NULL);
        /* project on each mode (DFT of one coefficient) */
        double complex c[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < g.npts; i++) {
          double x[3];
          tu_xyz(&g, i, x);
          for (int q = 0; q < nm; q++)
            c[q] += (got[2 * i] + I * got[2 * i + 1]) *
                    cexp(-I * 2 * M_PI * (modes[q][0] * x[0] + (dim > 1 ? modes[q][1] * x[1] : 0)) / L);
        }
        for (int q = 0; q < nm; q++) c[q] /= (double)g.npts;
        double k2 = pow(2 * M_PI * (edge - 1) / L, 2);
        double complex expect = A * cexp(dt * (1.0 - (1.0 + I * c1) * k2));
        const char *rn = rule == NFCS_DEALIAS_TWO_THIRDS ? "two_thirds" : "half";
        tu_check(cabs(c[0] - expect) / A, tu_roundoff(100), "%dD %s %s: mode %d (inside) evolves exactly", dim, SCHEME_NAME[scheme], rn,
                 edge - 1);
        for (int q = 1; q < nm; q++)
          tu_check(cabs(c[q]) / A, tu_roundoff(100), "%dD %s %s: mode (%d, %d) removed", dim, SCHEME_NAME[scheme], rn, modes[q][0],
                   modes[q][1]);
        free(f); free(got);
        nfcs_ctx_destroy(&ctx);
      }
}

/* ---------------------------------------------------------------- 6. vortex counts */
/* A count of vortices by plaquette winding written here, independent of the engine's (no seam
 * rule: for a periodic field every plaquette counts, the wrapped ones included). */
static void count_all_plaquettes(const nfcs_real *f, const nfcs_grid *g, int64_t *pos, int64_t *neg) {
  const int64_t nx = g->n[0], ny = g->n[1], nz = g->n[2];
  *pos = *neg = 0;
  for (int64_t z = 0; z < nz; z++)
    for (int64_t y = 0; y < ny; y++)
      for (int64_t x = 0; x < nx; x++) {
        const int64_t xs[4] = {x, (x + 1) % nx, (x + 1) % nx, x}, ys[4] = {y, y, (y + 1) % ny, (y + 1) % ny};
        double w = 0;
        for (int q = 0; q < 4; q++) {
          const nfcs_real *a = f + 2 * ((z * ny + ys[q]) * nx + xs[q]), *b = f + 2 * ((z * ny + ys[(q + 1) % 4]) * nx + xs[(q + 1) % 4]);
          w += carg((b[0] + I * b[1]) / (a[0] + I * a[1]));
        }
        long q = lround(w / (2 * M_PI));
        if (q > 0) *pos += q;
        if (q < 0) *neg -= q;
      }
}

/* The engine's two counts (the reference in core and the backend's fused one) of a field. */
static void engine_counts(nfcs_ctx *ctx, const nfcs_grid *g, const nfcs_real *f, nfcs_defects *ref, int64_t *pos, int64_t *neg) {
  nfcs_real *df = NULL, *dw = NULL;
  double rho;
  nfcs_defects_count(f, g, ref);
  TU_OK(ctx, ctx->ops->memory->alloc(ctx->backend, g->npts, &df));
  TU_OK(ctx, ctx->ops->memory->alloc(ctx->backend, g->npts, &dw));
  TU_OK(ctx, ctx->ops->memory->upload(ctx->backend, df, f, g->npts));
  TU_OK(ctx, ctx->ops->reduce->phase_metrics(ctx->backend, df, g, dw, &rho, pos, neg));
  ctx->ops->memory->free(ctx->backend, df);
  ctx->ops->memory->free(ctx->backend, dw);
}

/* A periodic field with four vortices placed inside the plaquettes that wrap across the seams:
 * phi = sin(2 pi (x - x0)/L) + i sin(2 pi (y - y0)/L) vanishes at x - x0, y - y0 in {0, L/2},
 * with charges +1, -1, -1, +1.  x0, y0 put two zeros between the last and the first column
 * (and row): every one of them must be counted. */
static void test_vortices_on_the_seam(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  for (int dim = 2; dim <= 3; dim++) {
    nfcs_grid g;
    const int64_t n[3] = {32, 24, 3};
    const double L[3] = {16.0, 12.0, 3.0};
    nfcs_grid_init(&g, dim, n, L);
    nfcs_real *f = tu_field(&g);
    const double x0 = L[0] / 2 - 0.37 * g.dx[0], y0 = L[1] / 2 - 0.61 * g.dx[1]; /* between the last point and the first */
    for (size_t i = 0; i < g.npts; i++) {
      double x[3];
      tu_xyz(&g, i, x);
      f[2 * i] = (nfcs_real)sin(2 * M_PI * (x[0] - x0) / L[0]);
      f[2 * i + 1] = (nfcs_real)sin(2 * M_PI * (x[1] - y0) / L[1]);
    }
    int64_t p0, n0, pos, neg;
    count_all_plaquettes(f, &g, &p0, &n0);
    const int64_t planes = dim == 3 ? n[2] : 1;
    assert_int_equal(p0, 2 * planes); /* the construction: two of each sign per plane */
    assert_int_equal(n0, 2 * planes);
    nfcs_defects ref;
    engine_counts(ctx, &g, f, &ref, &pos, &neg);
    print_message("  %dD vortex lattice on the seams: %lld+ %lld- (reference %lld+ %lld-, backend %lld+ %lld-)\n", dim, (long long)p0,
                  (long long)n0, (long long)ref.positive, (long long)ref.negative, (long long)pos, (long long)neg);
    assert_int_equal(ref.positive, p0);
    assert_int_equal(ref.negative, n0);
    assert_int_equal(pos, p0);
    assert_int_equal(neg, n0);
    free(f);
  }
  nfcs_ctx_destroy(&ctx);
}

/* A periodic field evolved through spiral-defect chaos: the engine's counts equal the independent
 * count at every sampled time (so the seam rule never drops a plaquette of a periodic field), and
 * the total charge is 0 (VALIDATION.md CGL 6). */
static void test_vortex_count_of_evolving_field(void **state) {
  (void)state;
  for (int dim = 2; dim <= 3; dim++) {
    nfcs_ctx *ctx = tu_ctx(2);
    nfcs_params p;
    tu_params(&p, dim, dim == 2 ? 64 : 24, dim == 2 ? 60.0 : 24.0, 1.5, -1.2, NFCS_SCHEME_STRANG, 0.05);
    CGL(&p)->ic.type = NFCS_IC_RANDOM_NOISE;
    CGL(&p)->ic.amplitude = 0.1;
    CGL(&p)->ic.seed = 7;
    nfcs_cgl *c = NULL;
    TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c));
    const nfcs_grid *g = nfcs_cgl_grid(c);
    nfcs_real *f = tu_field(g);
    TU_OK(ctx, nfcs_cgl_pattern(&p, g, f));
    TU_OK(ctx, nfcs_cgl_set_field(c, f));
    int64_t seen = 0;
    for (int k = 1; k <= 6; k++) {
      TU_OK(ctx, nfcs_cgl_advance_to(c, 5.0 * k));
      TU_OK(ctx, nfcs_cgl_get_field(c, f));
      assert_true(tu_all_finite(f, 2 * g->npts));
      int64_t p0, n0, pos, neg;
      count_all_plaquettes(f, g, &p0, &n0);
      nfcs_defects ref;
      engine_counts(ctx, g, f, &ref, &pos, &neg);
      if (ref.positive != p0 || ref.negative != n0 || pos != p0 || neg != n0)
        fail_msg("%dD t = %g: independent count %lld+ %lld-, engine reference %lld+ %lld-, backend %lld+ %lld-", dim, 5.0 * k,
                 (long long)p0, (long long)n0, (long long)ref.positive, (long long)ref.negative, (long long)pos, (long long)neg);
      if (ref.total_charge != 0) fail_msg("%dD t = %g: total winding %lld, expected 0", dim, 5.0 * k, (long long)ref.total_charge);
      seen += p0;
    }
    print_message("  %dD: %lld positive vortices seen over 6 times, every count equal to the independent one\n", dim, (long long)seen);
    assert_true(seen >= 6); /* the run has vortices, so the comparison means something */
    free(f);
    nfcs_cgl_destroy(&c);
    nfcs_ctx_destroy(&ctx);
  }
}

/* ---------------------------------------------------------------- defect count of known fields */
static void test_defect_count_known(void **state) {
  (void)state;
  nfcs_grid g;
  int64_t n[2] = {64, 64};
  double L[2] = {20, 20};
  nfcs_grid_init(&g, 2, n, L);
  nfcs_real *f = tu_field(&g);
  /* a vortex-antivortex pair at x = -5 and x = +5 (total 0 on the torus), phase field of each */
  for (size_t i = 0; i < g.npts; i++) {
    double x[3];
    tu_xyz(&g, i, x);
    double th = atan2(x[1] - 0.3, x[0] + 5.1) - atan2(x[1] - 0.3, x[0] - 4.9);
    f[2 * i] = (nfcs_real)cos(th);
    f[2 * i + 1] = (nfcs_real)sin(th);
  }
  nfcs_defects d;
  nfcs_defects_count(f, &g, &d);
  assert_int_equal(d.positive, 1);
  assert_int_equal(d.negative, 1);
  assert_int_equal(d.total_charge, 0);
  /* a smooth curved phase without vortices */
  for (size_t i = 0; i < g.npts; i++) {
    double x[3];
    tu_xyz(&g, i, x);
    double th = 2 * M_PI * x[0] / 20 + 0.8 * sin(2 * M_PI * x[1] / 20);
    f[2 * i] = (nfcs_real)cos(th);
    f[2 * i + 1] = (nfcs_real)sin(th);
  }
  nfcs_defects_count(f, &g, &d);
  assert_int_equal(d.positive + d.negative, 0);
  /* a single vortex in a field that is not periodic: its jump at the box edges is no vortex */
  for (size_t i = 0; i < g.npts; i++) {
    double x[3];
    tu_xyz(&g, i, x);
    double th = atan2(x[1] - 2.2, x[0] + 3.3);
    f[2 * i] = (nfcs_real)cos(th);
    f[2 * i + 1] = (nfcs_real)sin(th);
  }
  nfcs_defects_count(f, &g, &d);
  assert_int_equal(d.positive, 1);
  assert_int_equal(d.negative, 0);
  free(f);
}

/* The backend's local sub-step against the exact flow point by point (VALIDATION.md CGL 2), over
 * amplitudes that take both of the CPU backend's ways to it: the series where |phi|^2 (e^{2h} - 1)
 * is small in a whole block of points, libm's functions in a block with one large point; with a
 * dispersion c3 of either sign and one so large the series is not used.  A forcing before and
 * after rides along. */
static void test_local_flow_kernel(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  const size_t n = 8192;
  nfcs_real *f = malloc(sizeof(nfcs_real) * 2 * n), *out = malloc(sizeof(nfcs_real) * 2 * n);
  nfcs_real *df = NULL;
  TU_OK(ctx, ctx->ops->memory->alloc(ctx->backend, n, &df));
  const double cases[][2] = {{0.7, 0.02}, {-1.3, 0.05}, {0.4, 0.005}, {12.0, 0.02}}; /* c3, h */
  for (int c = 0; c < 4; c++) {
    const double c3 = cases[c][0], h = cases[c][1];
    for (size_t i = 0; i < n; i++) {
      /* amplitudes 0 .. 1.6 (x up to 0.26 at h = 0.05: some blocks take libm), and one of 4.0 in
       * the block of point n - 1000 (that block takes libm at every h) */
      double r = 1.6 * (double)((i * 2654435761u) % 1000) / 999.0, th = 0.37 * (double)i;
      if (i == n - 1000) r = 4.0;
      f[2 * i] = (nfcs_real)(r * cos(th));
      f[2 * i + 1] = (nfcs_real)(r * sin(th));
    }
    TU_OK(ctx, ctx->ops->memory->upload(ctx->backend, df, f, n));
    nfcs_local_step ls = {.h = h, .c3 = c3, .a_pre = 0.5 * h, .a_post = 0.25 * h};
    ls.u_pre.re = 0.1; ls.u_pre.im = -0.2;
    ls.u_post.re = -0.05; ls.u_post.im = 0.3;
    TU_OK(ctx, ctx->ops->field->local(ctx->backend, df, df, n, &ls));
    TU_OK(ctx, ctx->ops->memory->download(ctx->backend, out, df, n));
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
      const double complex a = ((double)f[2 * i] + 0.5 * h * 0.1) + I * ((double)f[2 * i + 1] - 0.5 * h * 0.2);
      const double complex want = local_flow(a, c3, h) + 0.25 * h * (-0.05 + 0.3 * I);
      const double complex got = (double)out[2 * i] + I * (double)out[2 * i + 1];
      const double e = cabs(got - want) / fmax(cabs(want), 1e-3);
      if (!(e <= worst)) worst = e;
    }
    tu_check(worst, tu_roundoff(16), "c3 = %g, h = %g: local sub-step vs the exact flow, max relative", c3, h);
  }
  ctx->ops->memory->free(ctx->backend, df);
  free(f);
  free(out);
  nfcs_ctx_destroy(&ctx);
}

/* the backend's fast phase metrics agree with the reference implementation */
static void test_phase_metrics_backend(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  nfcs_params p;
  tu_params(&p, 2, 96, 60.0, 2.0, -0.7, NFCS_SCHEME_STRANG, 0.05);
  CGL(&p)->ic.amplitude = 0.1;
  nfcs_cgl *c = NULL;
  TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c));
  const nfcs_grid *g = nfcs_cgl_grid(c);
  nfcs_real *f = tu_field(g), *work = calloc(2 * g->npts, sizeof(nfcs_real));
  TU_OK(ctx, nfcs_cgl_pattern(&p, g, f));
  TU_OK(ctx, nfcs_cgl_set_field(c, f));
  for (int k = 0; k < 3; k++) {
    if (k < 2) {
      TU_OK(ctx, nfcs_cgl_advance_to(c, 10.0 * (k + 1)));
      TU_OK(ctx, nfcs_cgl_get_field(c, f));
    } else { /* a non-periodic field: one vortex */
      for (size_t i = 0; i < g->npts; i++) {
        double x[3];
        tu_xyz(g, i, x);
        double th = atan2(x[1] - 3.3, x[0] + 7.1);
        f[2 * i] = (nfcs_real)(tanh(hypot(x[0] + 7.1, x[1] - 3.3)) * cos(th));
        f[2 * i + 1] = (nfcs_real)(tanh(hypot(x[0] + 7.1, x[1] - 3.3)) * sin(th));
      }
    }
    double rho_ref, rho;
    nfcs_defects ref;
    int64_t pos, neg;
    nfcs_phase_metrics(f, g, work, &rho_ref, &ref);
    nfcs_real *df = NULL, *dw = NULL;
    TU_OK(ctx, ctx->ops->memory->alloc(ctx->backend, g->npts, &df));
    TU_OK(ctx, ctx->ops->memory->alloc(ctx->backend, g->npts, &dw));
    TU_OK(ctx, ctx->ops->memory->upload(ctx->backend, df, f, g->npts));
    TU_OK(ctx, ctx->ops->reduce->phase_metrics(ctx->backend, df, g, dw, &rho, &pos, &neg));
    ctx->ops->memory->free(ctx->backend, df);
    ctx->ops->memory->free(ctx->backend, dw);
    print_message("  field %d: %lld+%lld vortices, rho sum %.6g (reference %lld+%lld, %.6g)\n", k, (long long)pos,
                  (long long)neg, rho, (long long)ref.positive, (long long)ref.negative, rho_ref);
    assert_int_equal(pos, ref.positive);
    assert_int_equal(neg, ref.negative);
    /* the same sums in another order and the phase rounded to the engine's precision */
    tu_check(fabs(rho - rho_ref) / fabs(rho_ref), tu_roundoff(1e3), "field %d: backend rho vs reference (relative)", k);
    if (k == 0) assert_true(pos > 0);
    if (k == 2) assert_true(pos == 1 && neg == 0);
  }
  free(f);
  free(work);
  nfcs_cgl_destroy(&c);
  nfcs_ctx_destroy(&ctx);
}

/* ---------------------------------------------------------------- metrics of each scheme's state */
/* A plane wave a e^{ik.x} (plus a second mode) set on each scheme: the field's metrics equal the
 * closed forms whatever the scheme keeps as its state (etdrk4 holds FFT(phi)/N). */
static void test_metrics_each_scheme(void **state) {
  (void)state;
  for (int scheme = 0; scheme < 3; scheme++) {
    nfcs_ctx *ctx = tu_ctx(2);
    nfcs_params p;
    tu_params(&p, 2, 32, 10.0, 0.5, 0.3, scheme, 0.01);
    CGL(&p)->spatial_extent.v[1] = 8.0;
    nfcs_cgl *c = NULL;
    TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c));
    const nfcs_grid *g = nfcs_cgl_grid(c);
    nfcs_real *f = tu_field(g);
    const double a = 0.7, b = 0.2, ka[2] = {2 * M_PI * 2 / 10.0, 2 * M_PI * 1 / 8.0}, kb[2] = {-2 * M_PI * 3 / 10.0, 0};
    for (size_t i = 0; i < g->npts; i++) {
      double x[3];
      tu_xyz(g, i, x);
      double complex v = a * cexp(I * (ka[0] * x[0] + ka[1] * x[1])) + b * cexp(I * (kb[0] * x[0] + kb[1] * x[1]));
      f[2 * i] = (nfcs_real)creal(v);
      f[2 * i + 1] = (nfcs_real)cimag(v);
    }
    TU_OK(ctx, nfcs_cgl_set_field(c, f));
    nfcs_field_metrics m;
    memset(&m, 0, sizeof m);
    TU_OK(ctx, nfcs_cgl_metrics(c, &m, 1));
    const double V = 10.0 * 8.0;
    const double E = (a * a + b * b) * V, G = (a * a * (ka[0] * ka[0] + ka[1] * ka[1]) + b * b * kb[0] * kb[0]) * V;
    tu_check(fabs(m.field_energy - E) / E, tu_roundoff(100), "%s: field energy vs (a^2 + b^2) V (relative)", SCHEME_NAME[scheme]);
    tu_check(fabs(m.gradient_energy - G) / G, tu_roundoff(100), "%s: gradient energy vs sum |k|^2 |a_k|^2 V (relative)",
             SCHEME_NAME[scheme]);
    /* after some steps the gradient energy comes from the step's own data where a scheme has it:
     * etdrk4's spectral state, upstream's view made in Fourier space with its sub-step pending.
     * It must be that of the field observed and set again, which the metrics transform afresh
     * (strang takes that path both times: nothing to compare) */
    if (scheme != NFCS_SCHEME_STRANG) {
      TU_OK(ctx, nfcs_cgl_advance_to(c, 0.05));
      nfcs_field_metrics m1, m2;
      memset(&m1, 0, sizeof m1);
      memset(&m2, 0, sizeof m2);
      TU_OK(ctx, nfcs_cgl_metrics(c, &m1, 1));
      TU_OK(ctx, nfcs_cgl_get_field(c, f));
      TU_OK(ctx, nfcs_cgl_set_field(c, f));
      TU_OK(ctx, nfcs_cgl_metrics(c, &m2, 1));
      tu_check(fabs(m1.gradient_energy - m2.gradient_energy) / m2.gradient_energy, tu_roundoff(100),
               "%s at t = 0.05: gradient energy vs that of the observed field (relative)", SCHEME_NAME[scheme]);
    }
    free(f);
    nfcs_cgl_destroy(&c);
    nfcs_ctx_destroy(&ctx);
  }
}

/* ---------------------------------------------------------------- 7. real GL free energy */
static double free_energy(nfcs_ctx *ctx, const nfcs_grid *g, const nfcs_real *f) {
  /* F = int (|grad phi|^2 - |phi|^2 + |phi|^4 / 2) dx, gradient spectrally (Parseval) */
  nfcs_real *a = NULL, *s = NULL;
  nfcs_fft *plan = NULL;
  TU_OK(ctx, ctx->ops->memory->alloc(ctx->backend, g->npts, &a));
  TU_OK(ctx, ctx->ops->memory->alloc(ctx->backend, g->npts, &s));
  TU_OK(ctx, ctx->ops->fft->create(ctx->backend, g, a, s, &plan));
  TU_OK(ctx, ctx->ops->memory->upload(ctx->backend, a, f, g->npts));
  TU_OK(ctx, ctx->ops->fft->forward(ctx->backend, plan, a, s));
  nfcs_real *hs = tu_field(g);
  TU_OK(ctx, ctx->ops->memory->download(ctx->backend, hs, s, g->npts));
  double grad = 0, pot = 0;
  for (size_t i = 0; i < g->npts; i++) {
    double k2 = nfcs_grid_k2(g, i);
    grad += k2 * ((double)hs[2 * i] * hs[2 * i] + (double)hs[2 * i + 1] * hs[2 * i + 1]);
    double m2 = (double)f[2 * i] * f[2 * i] + (double)f[2 * i + 1] * f[2 * i + 1];
    pot += -m2 + 0.5 * m2 * m2;
  }
  grad /= (double)g->npts;
  free(hs);
  ctx->ops->fft->destroy(ctx->backend, &plan);
  ctx->ops->memory->free(ctx->backend, a);
  ctx->ops->memory->free(ctx->backend, s);
  return (grad + pot) * g->cell_volume;
}

static void test_real_gl_energy(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; dim++)
    for (int scheme = 0; scheme < 2; scheme++) {
      nfcs_ctx *ctx = tu_ctx(2);
      nfcs_params p;
      tu_params(&p, dim, dim == 3 ? 16 : 32, 16.0, 0.0, 0.0, scheme, 0.02);
      CGL(&p)->ic.amplitude = 0.3;
      CGL(&p)->ic.seed = 3;
      nfcs_cgl *c = NULL;
      TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c));
      const nfcs_grid *g = nfcs_cgl_grid(c);
      nfcs_real *f = tu_field(g);
      TU_OK(ctx, nfcs_cgl_pattern(&p, g, f));
      TU_OK(ctx, nfcs_cgl_set_field(c, f));
      const double F0 = free_energy(ctx, g, f);
      double Fprev = F0, worst_rise = 0;
      for (int k = 1; k <= 300; k++) {
        TU_OK(ctx, nfcs_cgl_advance_to(c, 0.02 * k));
        TU_OK(ctx, nfcs_cgl_get_field(c, f));
        double F = free_energy(ctx, g, f);
        /* a rise is only allowed at round-off level; NaN counts as an infinite rise */
        worst_rise = tu_max(worst_rise, (F - Fprev) / fabs(Fprev));
        Fprev = F;
      }
      tu_check(worst_rise, tu_roundoff(1e3), "%dD %s: largest relative rise of F over 300 steps", dim, SCHEME_NAME[scheme]);
      tu_check((Fprev - F0) / fabs(F0), -0.01, "%dD %s: (F(6) - F(0)) / |F(0)| (it decreased)", dim, SCHEME_NAME[scheme]);
      free(f);
      nfcs_cgl_destroy(&c);
      nfcs_ctx_destroy(&ctx);
    }
}

/* ---------------------------------------------------------------- 8. spectral accuracy */
static void test_spectral_accuracy(void **state) {
  (void)state;
  for (int scheme = 0; scheme < 2; scheme++)
    for (int dim = 1; dim <= 3; dim++) {
      nfcs_ctx *ctx = tu_ctx(2);
      nfcs_params p;
      const double T = 1.0, dt = scheme == NFCS_SCHEME_ETDRK4 ? 0.1 : 0.02;
      const int64_t n1 = dim == 3 ? 24 : 32, n2 = 2 * n1;
      tu_params(&p, dim, n1, 12.0, 0.6, -0.4, scheme, dt);
      nfcs_grid g1, g2;
      nfcs_grid_init(&g1, dim, CGL(&p)->grid_size.v, CGL(&p)->spatial_extent.v);
      nfcs_real *i1 = tu_field(&g1);
      smooth_init(&g1, i1);
      nfcs_real *a = run_to(ctx, &p, i1, T, 0, 0, NULL);
      CGL(&p)->time_step = dt / 2;
      nfcs_real *a_half = run_to(ctx, &p, i1, T, 0, 0, NULL);
      const double time_err = tu_maxdiff(a, a_half, g1.npts);
      /* the same on the doubled grid, compared at common points */
      CGL(&p)->time_step = dt;
      for (int ax = 0; ax < dim; ax++) CGL(&p)->grid_size.v[ax] = n2;
      nfcs_grid_init(&g2, dim, CGL(&p)->grid_size.v, CGL(&p)->spatial_extent.v);
      nfcs_real *i2 = tu_field(&g2);
      smooth_init(&g2, i2);
      nfcs_real *b = run_to(ctx, &p, i2, T, 0, 0, NULL);
      double space_err = 0;
      for (size_t i = 0; i < g1.npts; i++) {
        const size_t ix = i % (size_t)n1, iy = (i / (size_t)n1) % (size_t)n1, iz = i / ((size_t)n1 * (size_t)n1);
        const size_t j = dim == 1 ? 2 * ix : dim == 2 ? (2 * iy) * (size_t)n2 + 2 * ix : ((2 * iz) * (size_t)n2 + 2 * iy) * (size_t)n2 + 2 * ix;
        space_err = tu_max(space_err, hypot(a[2 * i] - b[2 * j], a[2 * i + 1] - b[2 * j + 1]));
      }
      /* the state holds a few low modes: the coarse grid resolves it, so doubling the grid changes
       * the solution by round-off, far below the time error */
      print_message("  %dD %s: time error (dt vs dt/2) %.3e\n", dim, SCHEME_NAME[scheme], time_err);
      tu_check(time_err, 1.0, "%dD %s: time error is finite", dim, SCHEME_NAME[scheme]);
      tu_check(space_err, 1e-3 * time_err + tu_roundoff(1e3), "%dD %s: change from doubling the grid", dim, SCHEME_NAME[scheme]);
      free(i1); free(i2); free(a); free(a_half); free(b);
      nfcs_ctx_destroy(&ctx);
    }
}

/* ---------------------------------------------------------------- landing on times, observation */
static void test_landing_and_observation(void **state) {
  (void)state;
  /* stopping at odd times splits three steps (at 0.015, 0.0375, 0.33333) of a smooth field; the
   * result changes by what splitting a step changes, the scheme's local error: O(dt^3) strang
   * (measured 1.6e-8), O(dt^5) etdrk4 (2.8e-12), O(dt^2) upstream (1.1e-5) at dt = 0.01 */
  const double bound[3] = {5e-8, 1e-11, 3e-5};
  for (int scheme = 0; scheme < 3; scheme++) {
    nfcs_ctx *ctx = tu_ctx(2);
    nfcs_params p;
    tu_params(&p, 2, 16, 10.0, 0.8, 1.5, scheme, 0.01);
    nfcs_cgl *c1 = NULL, *c2 = NULL;
    TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c1));
    TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c2));
    const nfcs_grid *g = nfcs_cgl_grid(c1);
    nfcs_real *f = tu_field(g), *h = tu_field(g);
    smooth_init(g, f);
    for (size_t i = 0; i < 2 * g->npts; i++) f[i] *= (nfcs_real)0.5; /* |phi| ~ 0.3-0.45 */
    TU_OK(ctx, nfcs_cgl_set_field(c1, f));
    TU_OK(ctx, nfcs_cgl_set_field(c2, f));
    /* c1 stops at odd times and is observed there; c2 goes straight to the end */
    const double stops[] = {0.015, 0.03, 0.0375, 0.1, 0.33333, 0.5};
    for (size_t k = 0; k < sizeof stops / sizeof stops[0]; k++) {
      TU_OK(ctx, nfcs_cgl_advance_to(c1, stops[k]));
      assert_true(nfcs_cgl_time(c1) == stops[k]);
      TU_OK(ctx, nfcs_cgl_get_field(c1, h));
    }
    TU_OK(ctx, nfcs_cgl_advance_to(c2, 0.5));
    TU_OK(ctx, nfcs_cgl_get_field(c1, f));
    TU_OK(ctx, nfcs_cgl_get_field(c2, h));
    tu_check(tu_maxdiff(f, h, g->npts), bound[scheme] + tu_roundoff(1e3), "%s: stopping at odd times changed the field by",
             SCHEME_NAME[scheme]);
    /* observing twice in a row gives the same bits and does not change the trajectory */
    nfcs_real *h2 = tu_field(g);
    TU_OK(ctx, nfcs_cgl_get_field(c2, h2));
    assert_memory_equal(h, h2, 2 * g->npts * sizeof(nfcs_real));
    nfcs_cgl *c3 = NULL, *c4 = NULL;
    TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c3));
    TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c4));
    CGL(&p)->ic.amplitude = 0.5; /* a rough field here: bits are compared */
    TU_OK(ctx, nfcs_cgl_pattern(&p, g, f));
    TU_OK(ctx, nfcs_cgl_set_field(c3, f));
    TU_OK(ctx, nfcs_cgl_set_field(c4, f));
    for (int k = 1; k <= 20; k++) {
      TU_OK(ctx, nfcs_cgl_advance_to(c4, 0.01 * k));
      TU_OK(ctx, nfcs_cgl_get_field(c4, h)); /* observed every step */
    }
    TU_OK(ctx, nfcs_cgl_advance_to(c3, 0.2));
    TU_OK(ctx, nfcs_cgl_get_field(c4, h));
    TU_OK(ctx, nfcs_cgl_get_field(c3, h2));
    assert_true(tu_all_finite(h, 2 * g->npts));
    assert_memory_equal(h, h2, 2 * g->npts * sizeof(nfcs_real));
    free(f); free(h); free(h2);
    nfcs_cgl_destroy(&c1);
    nfcs_cgl_destroy(&c2);
    nfcs_cgl_destroy(&c3);
    nfcs_cgl_destroy(&c4);
    nfcs_ctx_destroy(&ctx);
  }
}

/* ---------------------------------------------------------------- prepared step sizes */
/* Landing on a time between grid times splits a step; nfcs_cgl_prepare_time computes the two
 * pieces' coefficients before the loop, so that advancing there computes none (no work of that
 * kind inside a time step), for every scheme and whatever the rounding of the remainders. */
static void test_prepared_steps(void **state) {
  (void)state;
  for (int scheme = 0; scheme < 3; scheme++) {
    nfcs_ctx *ctx = tu_ctx(1);
    nfcs_params p;
    tu_params(&p, 2, 8, 4.0, 0.5, 0.3, scheme, 0.03);
    nfcs_cgl *c = NULL;
    TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c));
    assert_int_equal(nfcs_cgl_coefficient_builds(c), 1); /* the full step */
    const double targets[] = {0.25, 0.1, 0.7};
    for (int k = 0; k < 3; k++) TU_OK(ctx, nfcs_cgl_prepare_time(c, targets[k]));
    const int64_t prepared = nfcs_cgl_coefficient_builds(c);
    /* each target splits a step into 0.01 + 0.02 (0.24 + 0.01, 0.09 + 0.01, 0.69 + 0.01), equal in
     * exact arithmetic though not in their last bits: one set for each piece */
    assert_int_equal(prepared, 3);
    TU_OK(ctx, nfcs_cgl_advance_to(c, 0.1));
    TU_OK(ctx, nfcs_cgl_advance_to(c, 0.25));
    TU_OK(ctx, nfcs_cgl_advance_to(c, 0.7));
    print_message("  %s: %lld coefficient sets prepared, %lld computed while advancing\n", SCHEME_NAME[scheme], (long long)prepared,
                  (long long)(nfcs_cgl_coefficient_builds(c) - prepared));
    assert_int_equal(nfcs_cgl_coefficient_builds(c), prepared);
    nfcs_cgl_destroy(&c);
    nfcs_ctx_destroy(&ctx);
  }
}

/* The registries of schemes and initial conditions are in the order of the table's choices (the
 * value of cgl.scheme indexes the registry). */
static const char *scheme_name(size_t i) { return nfcs_cgl_scheme_at(i)->name; }
static const char *ic_name(size_t i) { return nfcs_cgl_ic_at(i)->name; }

static void test_registries_match_choices(void **state) {
  (void)state;
  const struct { const char *key; size_t count; const char *(*name)(size_t); } regs[] = {
    {"cgl.scheme", nfcs_cgl_scheme_count(), scheme_name},
    {"cgl.initial_condition.type", nfcs_cgl_ic_count(), ic_name},
  };
  for (size_t r = 0; r < 2; r++) {
    const nfcs_param_def *d = nfcs_param_find(regs[r].key, NULL);
    assert_non_null(d);
    char names[512] = "";
    for (size_t i = 0; i < regs[r].count; i++)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? "|" : "", regs[r].name(i));
    if (strcmp(names, d->choices)) fail_msg("%s: registry %s, table choices %s", regs[r].key, names, d->choices);
  }
  assert_null(nfcs_cgl_scheme_at(nfcs_cgl_scheme_count()));
  assert_null(nfcs_cgl_ic_at(nfcs_cgl_ic_count()));
}

/* ---------------------------------------------------------------- randomness and threads */
static void test_random_ic_threads(void **state) {
  (void)state;
  nfcs_params p;
  tu_params(&p, 2, 64, 10.0, 0.8, 1.5, NFCS_SCHEME_STRANG, 0.01);
  nfcs_grid g;
  nfcs_grid_init(&g, 2, CGL(&p)->grid_size.v, CGL(&p)->spatial_extent.v);
  nfcs_real *a = tu_field(&g), *b = tu_field(&g);
  nfcs_ctx *c1 = tu_ctx(1), *c2 = tu_ctx(2);
  TU_OK(c1, nfcs_cgl_pattern(&p, &g, a));
  TU_OK(c1, nfcs_cgl_pattern(&p, &g, b));
  assert_memory_equal(a, b, 2 * g.npts * sizeof(nfcs_real));
  /* statistics of the pattern: E|phi|^2 = 2 amp^2; |phi|^2 of a complex Gaussian is exponential,
   * so the sample mean over 4096 points has a relative standard error of 1/64: 3 of them */
  double m2 = 0;
  for (size_t i = 0; i < g.npts; i++) m2 += (double)a[2 * i] * a[2 * i] + (double)a[2 * i + 1] * a[2 * i + 1];
  m2 /= (double)g.npts;
  tu_check(fabs(m2 / (2 * 0.01) - 1), 3.0 / 64, "random pattern: E|phi|^2 / (2 amp^2) - 1");
  /* a run with noise: 1 and 2 threads draw the same numbers */
  CGL(&p)->noise = 0.01;
  CGL(&p)->ic.amplitude = 0.1;
  nfcs_cgl *r1 = NULL, *r2 = NULL;
  TU_OK(c1, nfcs_cgl_create(c1, &p, &r1));
  TU_OK(c2, nfcs_cgl_create(c2, &p, &r2));
  TU_OK(c1, nfcs_cgl_set_field(r1, a));
  TU_OK(c2, nfcs_cgl_set_field(r2, a));
  TU_OK(c1, nfcs_cgl_step(r1, 0.01));
  TU_OK(c2, nfcs_cgl_step(r2, 0.01));
  TU_OK(c1, nfcs_cgl_get_field(r1, a));
  TU_OK(c2, nfcs_cgl_get_field(r2, b));
  /* FFTW may round differently with threads; the noise is identical */
  tu_check(tu_maxdiff(a, b, g.npts), tu_roundoff(100), "one noisy step on 1 and 2 threads");
  nfcs_cgl_destroy(&r1);
  nfcs_cgl_destroy(&r2);
  nfcs_ctx_destroy(&c1);
  nfcs_ctx_destroy(&c2);
  free(a); free(b);
}

/* ---------------------------------------------------------------- noise normalisation */
/* One step from zero: the field is the step's noise.  Its variance is 2 D dt / dV per point
 * (white noise of strength D on cells of volume dV); strang adds it before the linear sub-step,
 * which damps mode k by e^{-2 dt k^2} in variance and the pending half nonlinear step grows it by
 * e^{dt}: the expectation is computed exactly below.  The sample mean of an exponential variable
 * over npts points has a relative standard error of 1/sqrt(npts): bound 5 of them.  A second step
 * adds fresh noise: the variance doubles (identical draws would quadruple it). */
/* etdrk4 takes E and E2 as per-axis factors where the backend has the separable stage operations
 * (the CPU backend), as full arrays where it has not (CUDA, and a backend of one's own): the two
 * give the same run to round-off, noise on the kept modes and dealiasing included.  The backend
 * under test is run both ways by taking the separable operations out of a copy of its table. */
static void test_etdrk4_both_representations(void **state) {
  (void)state;
  nfcs_real *out[2] = {NULL, NULL};
  nfcs_grid g;
  for (int full = 0; full < 2; full++) {
    nfcs_ctx *ctx = tu_ctx(2);
    const nfcs_backend_ops *real = ctx->ops;
    static nfcs_backend_ops ops;
    static nfcs_field_ops field;
    ops = *real;
    field = *real->field;
    if (full) field.etd_stage_sep = NULL, field.etd_final_sep = NULL;
    ops.field = &field;
    ctx->ops = &ops;
    nfcs_params p;
    tu_params(&p, 2, 48, 30.0, 1.5, -1.2, NFCS_SCHEME_ETDRK4, 0.02);
    CGL(&p)->noise = 1e-3;
    CGL(&p)->dealias = NFCS_DEALIAS_TWO_THIRDS;
    nfcs_grid_init(&g, 2, CGL(&p)->grid_size.v, CGL(&p)->spatial_extent.v);
    nfcs_real *init = tu_field(&g);
    smooth_init(&g, init);
    out[full] = run_to(ctx, &p, init, 1.0, 0.05, 0.0, NULL);
    free(init);
    ctx->ops = real;
    nfcs_ctx_destroy(&ctx);
  }
  const double d = tu_maxdiff(out[0], out[1], g.npts) / tu_maxabs(out[1], g.npts);
  tu_check(d, tu_roundoff(1e3), "etdrk4, E and E2 per axis vs full arrays, 50 steps with noise: max |dphi| / max |phi|");
  assert_true(tu_maxabs(out[1], g.npts) > 0.1);
  free(out[0]);
  free(out[1]);
}

/* etdrk4's noise enters per Fourier mode, and none in a mode the dealiasing removes: after a step
 * of pure noise, every removed mode (on either axis) is zero, a kept one is not */
static void test_noise_dealiased(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  nfcs_params p;
  const int64_t n = 24;
  const double L = 12.0;
  tu_params(&p, 2, n, L, 0.3, 0.2, NFCS_SCHEME_ETDRK4, 0.01);
  CGL(&p)->noise = 0.5;
  CGL(&p)->dealias = NFCS_DEALIAS_TWO_THIRDS;
  nfcs_cgl *c = NULL;
  TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c));
  const nfcs_grid *g = nfcs_cgl_grid(c);
  nfcs_real *f = tu_field(g);
  TU_OK(ctx, nfcs_cgl_set_field(c, f)); /* zero */
  TU_OK(ctx, nfcs_cgl_step(c, 0.01));
  TU_OK(ctx, nfcs_cgl_get_field(c, f));
  double kept = 0, removed = 0;
  for (int mx = -n / 2; mx < n / 2; mx++)
    for (int my = -n / 2; my < n / 2; my++) {
      double complex a = 0;
      for (size_t i = 0; i < g->npts; i++) {
        double x[3];
        tu_xyz(g, i, x);
        a += (f[2 * i] + I * f[2 * i + 1]) * cexp(-I * 2 * M_PI * (mx * x[0] + my * x[1]) / L);
      }
      a /= (double)g->npts;
      const int out = 3 * abs(mx) >= n || 3 * abs(my) >= n;
      if (out) removed = fmax(removed, cabs(a));
      else kept = fmax(kept, cabs(a));
    }
  print_message("  largest kept mode %.3e\n", kept);
  assert_true(kept > 1e-3);
  tu_check(removed / kept, tu_roundoff(100), "etdrk4 two_thirds: largest removed mode / largest kept, after a step of noise");
  free(f);
  nfcs_cgl_destroy(&c);
  nfcs_ctx_destroy(&ctx);
}

static void test_noise_variance(void **state) {
  (void)state;
  for (int scheme = 0; scheme < 2; scheme++)
    for (int q = 0; q < 2; q++) {
      nfcs_ctx *ctx = tu_ctx(2);
      nfcs_params p;
      const double L = q ? 128.0 : 64.0, h = 1e-3; /* dx = 1 or 0.5: the variance scales as 1/dV */
      tu_params(&p, 2, 128, L, 0.0, 0.0, scheme, h);
      CGL(&p)->noise = 0.5;
      nfcs_cgl *c = NULL;
      TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c));
      const nfcs_grid *g = nfcs_cgl_grid(c);
      nfcs_real *f = tu_field(g);
      TU_OK(ctx, nfcs_cgl_set_field(c, f)); /* zero */
      double m2[2];
      for (int s = 0; s < 2; s++) {
        TU_OK(ctx, nfcs_cgl_step(c, h));
        TU_OK(ctx, nfcs_cgl_get_field(c, f));
        double acc = 0;
        for (size_t i = 0; i < g->npts; i++) acc += (double)f[2 * i] * f[2 * i] + (double)f[2 * i + 1] * f[2 * i + 1];
        m2[s] = acc / (double)g->npts;
      }
      double damp = 1.0;
      if (scheme == NFCS_SCHEME_STRANG) {
        double s = 0;
        for (size_t i = 0; i < g->npts; i++) s += exp(-2 * h * nfcs_grid_k2(g, i));
        damp = s / (double)g->npts * exp(h);
      }
      const double expect = 2 * CGL(&p)->noise * h / g->cell_volume * damp, se = 1.0 / sqrt((double)g->npts);
      tu_check(fabs(m2[0] / expect - 1), 5 * se, "%s dx = %g: noise variance / (2 D dt / dV) - 1", SCHEME_NAME[scheme], g->dx[0]);
      /* two steps: 2 draws (damped by one more step, within 1 % here) */
      tu_check(fabs(m2[1] / m2[0] - 2), 0.02 + 10 * se, "%s dx = %g: variance after 2 steps / after 1 - 2 (fresh noise)",
               SCHEME_NAME[scheme], g->dx[0]);
      free(f);
      nfcs_cgl_destroy(&c);
      nfcs_ctx_destroy(&ctx);
    }
}

/* ---------------------------------------------------------------- 4. Benjamin-Feir and Eckhaus */
/* A plane wave a e^{ikx} (a^2 = 1 - k^2) with sidebands k +- q of amplitude 1e-7 grows or decays at
 * the largest real part of the eigenvalues of the linearisation (VALIDATION.md CGL 4):
 *   d/dt (alpha, beta) = [[(1 + i c1)(-q^2 - 2kq) - (1 + i c3)a^2,  -(1 + i c3)a^2],
 *                         [-(1 - i c3)a^2,  (1 - i c1)(-q^2 + 2kq) - (1 - i c3)a^2]] (alpha, beta)
 * for w = alpha e^{iqx} + conj(beta) e^{-iqx}.  For k = 0 it is unstable iff 1 + c1 c3 < 0 (BFN), for
 * 1 + c1 c3 > 0 iff k^2 > (1 + c1 c3) / (3 + c1 c3 + 2 c3^2) (Eckhaus) and q small enough. */
static double sideband_rate(double c1, double c3, double k, double q) {
  const double a2 = 1 - k * k;
  const double complex m11 = (1.0 + I * c1) * (-q * q - 2 * k * q) - (1.0 + I * c3) * a2, m12 = -(1.0 + I * c3) * a2;
  const double complex m21 = -(1.0 - I * c3) * a2, m22 = (1.0 - I * c1) * (-q * q + 2 * k * q) - (1.0 - I * c3) * a2;
  const double complex tr = m11 + m22, det = m11 * m22 - m12 * m21, s = csqrt(0.25 * tr * tr - det);
  return fmax(creal(0.5 * tr + s), creal(0.5 * tr - s));
}

static double sideband_power(const nfcs_grid *g, const nfcs_real *f, int m) {
  double complex c = 0;
  for (size_t i = 0; i < g->npts; i++) c += (f[2 * i] + I * f[2 * i + 1]) * cexp(-I * 2 * M_PI * m * (double)i / (double)g->n[0]);
  c /= (double)g->npts;
  return creal(c) * creal(c) + cimag(c) * cimag(c);
}

static void test_bf_eckhaus_stability(void **state) {
  (void)state;
  const double L = 40 * M_PI; /* k = m / 20 */
  const struct { double c1, c3; int mk, mq; const char *what; } cases[] = {
    {1.5, -1.2, 0, 9, "uniform, 1 + c1 c3 = -0.8 < 0: BF unstable"},
    {1.5, -0.5, 0, 6, "uniform, 1 + c1 c3 = 0.25 > 0: stable"},
    {0.5, 0.3, 10, 6, "k = 0.50 inside the Eckhaus band (k_E = 0.588)"},
    {0.5, 0.3, 13, 9, "k = 0.65 outside the Eckhaus band"},
  };
  for (int scheme = 0; scheme < 2; scheme++)
    for (size_t cc = 0; cc < sizeof cases / sizeof cases[0]; cc++) {
      const double c1 = cases[cc].c1, c3 = cases[cc].c3, k = cases[cc].mk / 20.0, q = cases[cc].mq / 20.0;
      nfcs_ctx *ctx = tu_ctx(2);
      nfcs_params p;
      tu_params(&p, 1, 256, L, c1, c3, scheme, scheme == NFCS_SCHEME_ETDRK4 ? 0.05 : 0.02);
      nfcs_cgl *c = NULL;
      TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c));
      const nfcs_grid *g = nfcs_cgl_grid(c);
      nfcs_real *f = tu_field(g);
      const double expect = sideband_rate(c1, c3, k, q), a = sqrt(1 - k * k);
      /* sidebands far above round-off and far below the nonlinear regime, from t = 0 to 60; in
       * single precision a decaying one must start higher to stay above round-off */
      const double eps = NFCS_SINGLE ? (expect > 0 ? 1e-4 : 1e-3) : 1e-7;
      for (size_t i = 0; i < g->npts; i++) {
        double x = nfcs_grid_x(g, 0, (int64_t)i);
        double complex v = a * cexp(I * k * x) * (1.0 + eps * cexp(I * q * x) + eps * cexp(-I * q * x));
        f[2 * i] = (nfcs_real)creal(v);
        f[2 * i + 1] = (nfcs_real)cimag(v);
      }
      TU_OK(ctx, nfcs_cgl_set_field(c, f));
      const double t1 = 20, t2 = 60;
      double P[2];
      for (int s = 0; s < 2; s++) {
        TU_OK(ctx, nfcs_cgl_advance_to(c, s ? t2 : t1));
        TU_OK(ctx, nfcs_cgl_get_field(c, f));
        P[s] = sideband_power(g, f, cases[cc].mk + cases[cc].mq) + sideband_power(g, f, cases[cc].mk - cases[cc].mq);
      }
      const double rate = log(P[1] / P[0]) / (2 * (t2 - t1));
      /* the rate of the linearisation, to the scheme's time error (measured: 1.2e-5 strang at
       * dt = 0.02, 4e-7 etdrk4 at dt = 0.05), what is left of the second eigenmode at t1, and the
       * round-off that keeps forcing the sidebands (3e4 units: it matters in single precision) */
      print_message("  %s %s: sideband q = %.2f grows at %.5f, linear theory %.5f\n", SCHEME_NAME[scheme], cases[cc].what, q, rate,
                    expect);
      tu_check(fabs(rate - expect), 2e-3 * fabs(expect) + 2e-5 + tu_roundoff(3e4), "%s %s: |rate - theory|", SCHEME_NAME[scheme], cases[cc].what);
      assert_true((expect > 0) == (cc == 0 || cc == 3)); /* the cases are on the sides they say */
      free(f);
      nfcs_cgl_destroy(&c);
      nfcs_ctx_destroy(&ctx);
    }
}

/* ---------------------------------------------------------------- the BF-unstable acceptance case */
/* ETDRK4 at dt = 0.01 against dt/4 on 128^2, t = 10: the fourth-order error of dt/4 is 1/256 of
 * that of dt, so the difference is the error of dt to 0.4 % */
static void test_bf_unstable_etdrk4(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  nfcs_params p;
  tu_params(&p, 2, 128, 100.0, 1.5, -1.2, NFCS_SCHEME_ETDRK4, 0.01);
  nfcs_grid g;
  nfcs_grid_init(&g, 2, CGL(&p)->grid_size.v, CGL(&p)->spatial_extent.v);
  assert_true(1 + CGL(&p)->c1 * CGL(&p)->c3 < 0); /* Benjamin-Feir unstable */
  nfcs_real *init = tu_field(&g);
  for (size_t i = 0; i < g.npts; i++) { /* smooth: the uniform oscillation plus low modes */
    double x[3];
    tu_xyz(&g, i, x);
    double complex v = 0.8 + 0.05 * cexp(I * 2 * M_PI * x[0] / 100.0) + 0.05 * cos(2 * M_PI * 2 * x[1] / 100.0) +
                       0.03 * I * sin(2 * M_PI * (x[0] + 3 * x[1]) / 100.0);
    init[2 * i] = (nfcs_real)creal(v);
    init[2 * i + 1] = (nfcs_real)cimag(v);
  }
  nfcs_real *a = run_to(ctx, &p, init, 10.0, 0, 0, NULL);
  CGL(&p)->time_step = 0.0025;
  nfcs_real *b = run_to(ctx, &p, init, 10.0, 0, 0, NULL);
  /* 1e-7: the acceptance bound (method error); round-off of 4000 steps, grown by the instability */
  tu_check(tu_maxdiff(a, b, g.npts), 1e-7 + tu_roundoff(4e4), "BF-unstable 128^2, t = 10: etdrk4 dt 0.01 vs 0.0025, max |dphi|");
  free(init); free(a); free(b);
  nfcs_ctx_destroy(&ctx);
}

/* the backend under test against the CPU on the same run: 100 steps of a smooth case */
/* The metrics of one field, taken again and again and from a second run, are the same bits:
 * every reduction of the backend under test sums in a fixed order (on a GPU: block sums added in
 * block order, no atomics) */
static void test_metrics_repeatable(void **state) {
  (void)state;
  nfcs_field_metrics m[3];
  memset(m, 0, sizeof m);
  for (int run = 0; run < 2; run++) {
    nfcs_ctx *ctx = tu_ctx(2);
    nfcs_params p;
    tu_params(&p, 2, 256, 80.0, 1.5, -1.2, NFCS_SCHEME_ETDRK4, 0.05);
    nfcs_cgl *c = NULL;
    TU_OK(ctx, nfcs_cgl_create(ctx, &p, &c));
    nfcs_real *f = tu_field(nfcs_cgl_grid(c));
    TU_OK(ctx, nfcs_cgl_pattern(&p, nfcs_cgl_grid(c), f));
    TU_OK(ctx, nfcs_cgl_set_field(c, f));
    TU_OK(ctx, nfcs_cgl_advance_to(c, 5.0));
    for (int k = run; k < (run ? 3 : 2); k++) TU_OK(ctx, nfcs_cgl_metrics(c, &m[k], 1));
    free(f);
    nfcs_cgl_destroy(&c);
    nfcs_ctx_destroy(&ctx);
  }
  print_message("  %s: R %.17g, gradient energy %.17g, rho sum %.17g, %lld+%lld vortices\n", tu_backend(), m[0].R_global,
                m[0].gradient_energy, m[0].hallucination_number, (long long)m[0].defects.positive, (long long)m[0].defects.negative);
  assert_true(m[0].defects.positive > 0);
  assert_memory_equal(&m[0], &m[1], sizeof m[0]); /* again */
  assert_memory_equal(&m[0], &m[2], sizeof m[0]); /* another run */
}

static void test_against_cpu(void **state) {
  (void)state;
  if (!strcmp(tu_backend(), "cpu")) {
    print_message("  backend under test is cpu: nothing to compare\n");
    skip();
  }
  for (int scheme = 0; scheme < 3; scheme++) {
    nfcs_ctx *cpu = tu_ctx_on("cpu", 2), *dev = tu_ctx(2);
    nfcs_params p;
    tu_params(&p, 2, 64, 40.0, 0.6, -0.4, scheme, 0.02);
    if (scheme != NFCS_SCHEME_UPSTREAM) CGL(&p)->noise = 1e-4;
    nfcs_grid g;
    nfcs_grid_init(&g, 2, CGL(&p)->grid_size.v, CGL(&p)->spatial_extent.v);
    nfcs_real *init = tu_field(&g);
    smooth_init(&g, init);
    nfcs_real *a = run_to(cpu, &p, init, 2.0, 0.05, 0.0, NULL), *b = run_to(dev, &p, init, 2.0, 0.05, 0.0, NULL);
    double d = tu_maxdiff(a, b, g.npts) / tu_maxabs(a, g.npts);
    tu_check(d, tu_roundoff(1e4), "%s: %s vs cpu after 100 steps, max |dphi| / max |phi|", SCHEME_NAME[scheme], tu_backend());
    free(init); free(a); free(b);
    nfcs_ctx_destroy(&cpu);
    nfcs_ctx_destroy(&dev);
  }
}

int main(int argc, char **argv) {
  tu_require_backend();
  const struct CMUnitTest fast[] = {
    cmocka_unit_test(test_metrics_repeatable),
    cmocka_unit_test(test_against_cpu),
    cmocka_unit_test(test_linear_modes),
    cmocka_unit_test(test_uniform_state),
    cmocka_unit_test(test_plane_waves),
    cmocka_unit_test(test_temporal_order),
    cmocka_unit_test(test_dealias),
    cmocka_unit_test(test_vortices_on_the_seam),
    cmocka_unit_test(test_vortex_count_of_evolving_field),
    cmocka_unit_test(test_defect_count_known),
    cmocka_unit_test(test_local_flow_kernel),
    cmocka_unit_test(test_phase_metrics_backend),
    cmocka_unit_test(test_metrics_each_scheme),
    cmocka_unit_test(test_real_gl_energy),
    cmocka_unit_test(test_spectral_accuracy),
    cmocka_unit_test(test_landing_and_observation),
    cmocka_unit_test(test_prepared_steps),
    cmocka_unit_test(test_registries_match_choices),
    cmocka_unit_test(test_random_ic_threads),
    cmocka_unit_test(test_noise_variance),
    cmocka_unit_test(test_noise_dealiased),
    cmocka_unit_test(test_etdrk4_both_representations),
  };
  const struct CMUnitTest slow[] = {
    cmocka_unit_test(test_bf_eckhaus_stability),
    cmocka_unit_test(test_bf_unstable_etdrk4),
  };
  TU_RUN_GROUPS(argc, argv, fast, slow);
}
