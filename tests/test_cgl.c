/* The CGL solver against mathematics (VALIDATION.md, CGL items 1-8), in 1D, 2D and 3D. */
#include "test_util.h"

#include <complex.h>

#include "nfcs_metrics.h"

static const char *SCHEME_NAME[] = {"strang", "etdrk4", "upstream"};

/* Run from `init` to time T; returns the field at T (caller frees). */
static nfcs_real *run_to(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_real *init, double T,
                         double ure, double uim, const nfcs_real *ufield) {
  nfcs_cgl *c = NULL;
  int rc = nfcs_cgl_create(ctx, p, &c);
  if (rc) fail_msg("create: %s", nfcs_error_message(ctx));
  assert_int_equal(nfcs_cgl_set_field(c, init), 0);
  assert_int_equal(nfcs_cgl_set_control(c, ure, uim, ufield), 0);
  rc = nfcs_cgl_advance_to(c, T);
  if (rc) fail_msg("advance: %s", nfcs_error_message(ctx));
  assert_true(fabs(nfcs_cgl_time(c) - T) == 0.0);
  nfcs_real *out = tu_field(nfcs_cgl_grid(c));
  assert_int_equal(nfcs_cgl_get_field(c, out), 0);
  nfcs_cgl_destroy(&c);
  assert_null(c);
  return out;
}

/* ---------------------------------------------------------------- 1. linear modes */
static void linear_modes(int dim, int scheme) {
  nfcs_ctx *ctx = tu_ctx(2);
  nfcs_params p;
  const int64_t n = dim == 3 ? 16 : 32;
  const double L = 10.0, c1 = 0.7, T = 1.0, A = 1e-9;
  tu_params(&p, dim, n, L, c1, 1.3, scheme, 0.05);
  nfcs_grid g;
  nfcs_grid_init(&g, dim, p.cgl.grid_size.v, p.cgl.spatial_extent.v);
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
  /* the cubic term is ~|A|^2 = 1e-18 relative: the linear part is exact in every scheme */
  if (err > 1e-9 * TOL_SCALE) fail_msg("%dD %s: linear modes relative error %.3g > 1e-9", dim, SCHEME_NAME[scheme], err);
  free(init); free(exact); free(got);
  nfcs_ctx_destroy(&ctx);
}

static void test_linear_modes(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; dim++)
    for (int s = 0; s < 3; s++) linear_modes(dim, s);
}

/* ---------------------------------------------------------------- 2. uniform state */
static void uniform_state(int dim, int scheme, double tol) {
  nfcs_ctx *ctx = tu_ctx(2);
  nfcs_params p;
  const double c3 = 0.9, R0 = 0.3, th0 = 0.5, T = 2.0;
  tu_params(&p, dim, dim == 3 ? 8 : 16, 7.0, 0.4, c3, scheme, 0.01);
  nfcs_grid g;
  nfcs_grid_init(&g, dim, p.cgl.grid_size.v, p.cgl.spatial_extent.v);
  nfcs_real *init = tu_field(&g);
  for (size_t i = 0; i < g.npts; i++) {
    init[2 * i] = (nfcs_real)(R0 * cos(th0));
    init[2 * i + 1] = (nfcs_real)(R0 * sin(th0));
  }
  nfcs_real *got = run_to(ctx, &p, init, T, 0, 0, NULL);
  double R = 1.0 / sqrt(1.0 + (1.0 / (R0 * R0) - 1.0) * exp(-2 * T));
  double th = th0 - 0.5 * c3 * log(1.0 + R0 * R0 * (exp(2 * T) - 1.0));
  double err = 0;
  for (size_t i = 0; i < g.npts; i++)
    err = fmax(err, hypot(got[2 * i] - R * cos(th), got[2 * i + 1] - R * sin(th)));
  if (err > tol) fail_msg("%dD %s: uniform state error %.3g > %.3g", dim, SCHEME_NAME[scheme], err, tol);
  free(init); free(got);
  nfcs_ctx_destroy(&ctx);
}

static void test_uniform_state(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; dim++) {
    uniform_state(dim, NFCS_SCHEME_STRANG, 1e-12 * TOL_SCALE); /* exact sub-steps: round-off only */
    uniform_state(dim, NFCS_SCHEME_ETDRK4, 1e-8 + 1e-12 * TOL_SCALE);  /* 4th order at dt = 0.01 */
    uniform_state(dim, NFCS_SCHEME_UPSTREAM, 2e-2);                   /* 1st order */
  }
}

/* ---------------------------------------------------------------- 3. plane waves */
static void plane_wave(int dim, int scheme, double tol) {
  nfcs_ctx *ctx = tu_ctx(2);
  nfcs_params p;
  const double c1 = 0.5, c3 = 0.3, L = 20 * M_PI, T = 5.0;
  const int64_t n = dim == 3 ? 16 : 32;
  tu_params(&p, dim, n, L, c1, c3, scheme, 0.01);
  nfcs_grid g;
  nfcs_grid_init(&g, dim, p.cgl.grid_size.v, p.cgl.spatial_extent.v);
  /* k = 2 pi m / L with m = 2 on the first axis, 1 on the others: Eckhaus stable (k^2 < 0.345) */
  double kv[3] = {2 * 2 * M_PI / L, 2 * M_PI / L, 2 * M_PI / L}, k2 = 0;
  for (int a = 0; a < dim; a++) k2 += kv[a] * kv[a];
  assert_true(k2 < (1 + c1 * c3) / (3 + c1 * c3 + 2 * c3 * c3));
  const double amp = sqrt(1 - k2), om = c3 + (c1 - c3) * k2;
  nfcs_real *init = tu_field(&g), *exact = tu_field(&g);
  for (size_t i = 0; i < g.npts; i++) {
    double x[3], kx = 0;
    tu_xyz(&g, i, x);
    for (int a = 0; a < dim; a++) kx += kv[a] * x[a];
    init[2 * i] = (nfcs_real)(amp * cos(kx));
    init[2 * i + 1] = (nfcs_real)(amp * sin(kx));
    exact[2 * i] = (nfcs_real)(amp * cos(kx - om * T));
    exact[2 * i + 1] = (nfcs_real)(amp * sin(kx - om * T));
  }
  nfcs_real *got = run_to(ctx, &p, init, T, 0, 0, NULL);
  double err = tu_maxdiff(got, exact, g.npts);
  if (err > tol) fail_msg("%dD %s: plane wave error %.3g > %.3g", dim, SCHEME_NAME[scheme], err, tol);
  /* amplitude kept */
  double amp_err = 0;
  for (size_t i = 0; i < g.npts; i++) amp_err = fmax(amp_err, fabs(hypot(got[2 * i], got[2 * i + 1]) - amp));
  if (amp_err > tol) fail_msg("%dD %s: plane wave amplitude error %.3g", dim, SCHEME_NAME[scheme], amp_err);
  free(init); free(exact); free(got);
  nfcs_ctx_destroy(&ctx);
}

static void test_plane_waves(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; dim++) {
    plane_wave(dim, NFCS_SCHEME_STRANG, 2e-4); /* O(dt^2) at dt = 0.01 over t = 5 */
    plane_wave(dim, NFCS_SCHEME_ETDRK4, 1e-9 + 1e-11 * TOL_SCALE);
    plane_wave(dim, NFCS_SCHEME_UPSTREAM, 2e-2);
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
  nfcs_grid_init(&g, dim, p.cgl.grid_size.v, p.cgl.spatial_extent.v);
  nfcs_real *init = tu_field(&g), *u = tu_field(&g);
  smooth_init(&g, init);
  for (size_t i = 0; i < g.npts; i++) {
    double x[3];
    tu_xyz(&g, i, x);
    u[2 * i] = (nfcs_real)(0.2 * cos(2 * M_PI * x[0] / g.L[0]));
    u[2 * i + 1] = (nfcs_real)(0.1 * sin(2 * M_PI * x[0] / g.L[0]));
  }
  nfcs_real *a = run_to(ctx, &p, init, T, 0.05, -0.03, u);
  p.cgl.time_step = dt / 2;
  nfcs_real *b = run_to(ctx, &p, init, T, 0.05, -0.03, u);
  p.cgl.time_step = dt / 16; /* reference: dt/8 of the finer run */
  nfcs_real *r = run_to(ctx, &p, init, T, 0.05, -0.03, u);
  double ea = tu_maxdiff(a, r, g.npts), eb = tu_maxdiff(b, r, g.npts);
  double order = log2(ea / eb);
  print_message("  %dD %-8s dt = %-6g error %.3e, dt/2 error %.3e, measured order %.3f\n", dim, SCHEME_NAME[scheme], dt, ea,
                eb, order);
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
    double e = NFCS_SINGLE ? 4.0 : temporal_order(dim, NFCS_SCHEME_ETDRK4, 0.1);
    double u = temporal_order(dim, NFCS_SCHEME_UPSTREAM, 0.02);
    if (fabs(s - 2) > 0.2) fail_msg("%dD strang order %.3f, expected 2 +- 0.2", dim, s);
    if (fabs(e - 4) > 0.4) fail_msg("%dD etdrk4 order %.3f, expected 4 +- 0.4", dim, e);
    if (fabs(u - 1) > 0.15) fail_msg("%dD upstream order %.3f, expected 1 +- 0.15", dim, u);
  }
}

/* ---------------------------------------------------------------- 6. zero total winding */
static void test_winding(void **state) {
  (void)state;
  for (int dim = 2; dim <= 3; dim++) {
    nfcs_ctx *ctx = tu_ctx(2);
    nfcs_params p;
    tu_params(&p, dim, dim == 2 ? 64 : 24, dim == 2 ? 60.0 : 24.0, 1.5, -1.2, NFCS_SCHEME_STRANG, 0.05);
    p.cgl.ic.type = NFCS_IC_RANDOM_NOISE;
    p.cgl.ic.amplitude = 0.1;
    p.cgl.ic.seed = 7;
    nfcs_cgl *c = NULL;
    assert_int_equal(nfcs_cgl_create(ctx, &p, &c), 0);
    const nfcs_grid *g = nfcs_cgl_grid(c);
    nfcs_real *f = tu_field(g);
    nfcs_cgl_pattern(&p, g, f);
    assert_int_equal(nfcs_cgl_set_field(c, f), 0);
    int64_t seen = 0;
    for (int k = 1; k <= 6; k++) {
      assert_int_equal(nfcs_cgl_advance_to(c, 5.0 * k), 0);
      assert_int_equal(nfcs_cgl_get_field(c, f), 0);
      nfcs_defects d;
      nfcs_defects_count(f, g, &d);
      if (d.total_charge != 0)
        fail_msg("%dD t = %g: total winding %lld (+%lld -%lld), expected 0", dim, 5.0 * k, (long long)d.total_charge,
                 (long long)d.positive, (long long)d.negative);
      seen += d.positive;
    }
    assert_true(seen > 0); /* the run has vortices, so the check means something */
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
  free(f);
}

/* the backend's fast phase metrics agree with the reference implementation */
static void test_phase_metrics_backend(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  nfcs_params p;
  tu_params(&p, 2, 96, 60.0, 2.0, -0.7, NFCS_SCHEME_STRANG, 0.05);
  p.cgl.ic.amplitude = 0.1;
  nfcs_cgl *c = NULL;
  assert_int_equal(nfcs_cgl_create(ctx, &p, &c), 0);
  const nfcs_grid *g = nfcs_cgl_grid(c);
  nfcs_real *f = tu_field(g), *work = calloc(2 * g->npts, sizeof(nfcs_real));
  nfcs_cgl_pattern(&p, g, f);
  nfcs_cgl_set_field(c, f);
  for (int k = 0; k < 3; k++) {
    if (k < 2) {
      nfcs_cgl_advance_to(c, 10.0 * (k + 1));
      nfcs_cgl_get_field(c, f);
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
    ctx->ops->alloc(ctx->backend, g->npts, &df);
    ctx->ops->alloc(ctx->backend, g->npts, &dw);
    ctx->ops->upload(ctx->backend, df, f, g->npts);
    ctx->ops->cgl_phase_metrics(ctx->backend, df, g, dw, &rho, &pos, &neg);
    ctx->ops->free(ctx->backend, df);
    ctx->ops->free(ctx->backend, dw);
    print_message("  field %d: %lld+%lld vortices, rho sum %.6g (reference %lld+%lld, %.6g)\n", k, (long long)pos,
                  (long long)neg, rho, (long long)ref.positive, (long long)ref.negative, rho_ref);
    assert_int_equal(pos, ref.positive);
    assert_int_equal(neg, ref.negative);
    assert_true(fabs(rho - rho_ref) <= 1e-9 * TOL_SCALE * fabs(rho_ref));
    if (k == 0) assert_true(pos > 0);
    if (k == 2) assert_true(pos == 1 && neg == 0);
  }
  free(f);
  free(work);
  nfcs_cgl_destroy(&c);
  nfcs_ctx_destroy(&ctx);
}

/* ---------------------------------------------------------------- 7. real GL free energy */
static double free_energy(nfcs_ctx *ctx, const nfcs_grid *g, const nfcs_real *f) {
  /* F = int (|grad phi|^2 - |phi|^2 + |phi|^4 / 2) dx, gradient spectrally (Parseval) */
  nfcs_real *a = NULL, *s = NULL;
  nfcs_fft *plan = NULL;
  assert_int_equal(ctx->ops->alloc(ctx->backend, g->npts, &a), 0);
  assert_int_equal(ctx->ops->alloc(ctx->backend, g->npts, &s), 0);
  assert_int_equal(ctx->ops->fft_create(ctx->backend, g, a, s, &plan), 0);
  ctx->ops->upload(ctx->backend, a, f, g->npts);
  ctx->ops->fft_forward(ctx->backend, plan, a, s);
  nfcs_real *hs = tu_field(g);
  ctx->ops->download(ctx->backend, hs, s, g->npts);
  double grad = 0, pot = 0;
  for (size_t i = 0; i < g->npts; i++) {
    double k2 = nfcs_grid_k2(g, i);
    grad += k2 * ((double)hs[2 * i] * hs[2 * i] + (double)hs[2 * i + 1] * hs[2 * i + 1]);
    double m2 = (double)f[2 * i] * f[2 * i] + (double)f[2 * i + 1] * f[2 * i + 1];
    pot += -m2 + 0.5 * m2 * m2;
  }
  grad /= (double)g->npts;
  free(hs);
  ctx->ops->fft_destroy(ctx->backend, &plan);
  ctx->ops->free(ctx->backend, a);
  ctx->ops->free(ctx->backend, s);
  return (grad + pot) * g->cell_volume;
}

static void test_real_gl_energy(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; dim++)
    for (int scheme = 0; scheme < 2; scheme++) {
      nfcs_ctx *ctx = tu_ctx(2);
      nfcs_params p;
      tu_params(&p, dim, dim == 3 ? 16 : 32, 16.0, 0.0, 0.0, scheme, 0.02);
      p.cgl.ic.amplitude = 0.3;
      p.cgl.ic.seed = 3;
      nfcs_cgl *c = NULL;
      assert_int_equal(nfcs_cgl_create(ctx, &p, &c), 0);
      const nfcs_grid *g = nfcs_cgl_grid(c);
      nfcs_real *f = tu_field(g);
      nfcs_cgl_pattern(&p, g, f);
      assert_int_equal(nfcs_cgl_set_field(c, f), 0);
      double F0 = free_energy(ctx, g, f), Fprev = F0;
      for (int k = 1; k <= 300; k++) {
        assert_int_equal(nfcs_cgl_advance_to(c, 0.02 * k), 0);
        assert_int_equal(nfcs_cgl_get_field(c, f), 0);
        double F = free_energy(ctx, g, f);
        if (F > Fprev + 1e-12 * TOL_SCALE * fabs(Fprev))
          fail_msg("%dD %s: free energy rose from %.15g to %.15g at t = %g", dim, SCHEME_NAME[scheme], Fprev, F, 0.02 * k);
        Fprev = F;
      }
      assert_true(Fprev < F0); /* it did decrease */
      free(f);
      nfcs_cgl_destroy(&c);
      nfcs_ctx_destroy(&ctx);
    }
}

/* ---------------------------------------------------------------- 8. spectral accuracy */
static void test_spectral_accuracy(void **state) {
  (void)state;
  for (int dim = 1; dim <= 2; dim++) {
    nfcs_ctx *ctx = tu_ctx(2);
    nfcs_params p;
    const double T = 1.0, dt = 0.02;
    tu_params(&p, dim, 16, 12.0, 0.6, -0.4, NFCS_SCHEME_STRANG, dt);
    nfcs_grid g1, g2;
    nfcs_grid_init(&g1, dim, p.cgl.grid_size.v, p.cgl.spatial_extent.v);
    nfcs_real *i1 = tu_field(&g1);
    smooth_init(&g1, i1);
    nfcs_real *a = run_to(ctx, &p, i1, T, 0, 0, NULL);
    p.cgl.time_step = dt / 2;
    nfcs_real *a_half = run_to(ctx, &p, i1, T, 0, 0, NULL);
    double time_err = tu_maxdiff(a, a_half, g1.npts);
    /* the same on the doubled grid, compared at common points */
    p.cgl.time_step = dt;
    for (int ax = 0; ax < dim; ax++) p.cgl.grid_size.v[ax] = 32;
    nfcs_grid_init(&g2, dim, p.cgl.grid_size.v, p.cgl.spatial_extent.v);
    nfcs_real *i2 = tu_field(&g2);
    smooth_init(&g2, i2);
    nfcs_real *b = run_to(ctx, &p, i2, T, 0, 0, NULL);
    double space_err = 0;
    for (size_t i = 0; i < g1.npts; i++) {
      size_t ix = i % 16, iy = i / 16;
      size_t j = dim == 1 ? 2 * ix : (2 * iy) * 32 + 2 * ix;
      space_err = fmax(space_err, hypot(a[2 * i] - b[2 * j], a[2 * i + 1] - b[2 * j + 1]));
    }
    print_message("  %dD: time error %.3e, change from doubling the grid %.3e\n", dim, time_err, space_err);
    if (!(space_err < 1e-3 * time_err + 1e-12 * TOL_SCALE))
      fail_msg("%dD: doubling the grid changed the solution by %.3g, time error %.3g", dim, space_err, time_err);
    free(i1); free(i2); free(a); free(a_half); free(b);
    nfcs_ctx_destroy(&ctx);
  }
}

/* ---------------------------------------------------------------- landing on times, observation */
static void test_landing_and_observation(void **state) {
  (void)state;
  for (int scheme = 0; scheme < 3; scheme++) {
    nfcs_ctx *ctx = tu_ctx(2);
    nfcs_params p;
    tu_params(&p, 2, 16, 10.0, 0.8, 1.5, scheme, 0.01);
    p.cgl.ic.amplitude = 0.5;
    nfcs_cgl *c1 = NULL, *c2 = NULL;
    assert_int_equal(nfcs_cgl_create(ctx, &p, &c1), 0);
    assert_int_equal(nfcs_cgl_create(ctx, &p, &c2), 0);
    const nfcs_grid *g = nfcs_cgl_grid(c1);
    nfcs_real *f = tu_field(g), *h = tu_field(g);
    nfcs_cgl_pattern(&p, g, f);
    nfcs_cgl_set_field(c1, f);
    nfcs_cgl_set_field(c2, f);
    /* c1 stops at odd times and is observed there; c2 goes straight to the end */
    const double stops[] = {0.015, 0.03, 0.0375, 0.1, 0.33333, 0.5};
    for (size_t k = 0; k < sizeof stops / sizeof stops[0]; k++) {
      assert_int_equal(nfcs_cgl_advance_to(c1, stops[k]), 0);
      assert_true(nfcs_cgl_time(c1) == stops[k]);
      assert_int_equal(nfcs_cgl_get_field(c1, h), 0);
    }
    assert_int_equal(nfcs_cgl_advance_to(c2, 0.5), 0);
    assert_int_equal(nfcs_cgl_get_field(c1, f), 0);
    assert_int_equal(nfcs_cgl_get_field(c2, h), 0);
    /* splitting steps at the stops changes the result only at time-step accuracy; strang fuses
     * half steps, so a stop changes rounding only where it splits a step */
    double d = tu_maxdiff(f, h, g->npts);
    if (d > 1e-4) fail_msg("%s: stopping at odd times changed the field by %.3g", SCHEME_NAME[scheme], d);
    /* observing twice in a row gives the same bits and does not change the trajectory */
    nfcs_real *h2 = tu_field(g);
    assert_int_equal(nfcs_cgl_get_field(c2, h2), 0);
    assert_memory_equal(h, h2, 2 * g->npts * sizeof(nfcs_real));
    nfcs_cgl *c3 = NULL, *c4 = NULL;
    assert_int_equal(nfcs_cgl_create(ctx, &p, &c3), 0);
    assert_int_equal(nfcs_cgl_create(ctx, &p, &c4), 0);
    nfcs_cgl_pattern(&p, g, f);
    nfcs_cgl_set_field(c3, f);
    nfcs_cgl_set_field(c4, f);
    for (int k = 1; k <= 20; k++) {
      assert_int_equal(nfcs_cgl_advance_to(c4, 0.01 * k), 0);
      assert_int_equal(nfcs_cgl_get_field(c4, h), 0); /* observed every step */
    }
    assert_int_equal(nfcs_cgl_advance_to(c3, 0.2), 0);
    assert_int_equal(nfcs_cgl_get_field(c4, h), 0);
    assert_int_equal(nfcs_cgl_get_field(c3, h2), 0);
    assert_memory_equal(h, h2, 2 * g->npts * sizeof(nfcs_real));
    free(f); free(h); free(h2);
    nfcs_cgl_destroy(&c1);
    nfcs_cgl_destroy(&c2);
    nfcs_cgl_destroy(&c3);
    nfcs_cgl_destroy(&c4);
    nfcs_ctx_destroy(&ctx);
  }
}

/* ---------------------------------------------------------------- randomness and threads */
static void test_random_ic_threads(void **state) {
  (void)state;
  nfcs_params p;
  tu_params(&p, 2, 64, 10.0, 0.8, 1.5, NFCS_SCHEME_STRANG, 0.01);
  nfcs_grid g;
  nfcs_grid_init(&g, 2, p.cgl.grid_size.v, p.cgl.spatial_extent.v);
  nfcs_real *a = tu_field(&g), *b = tu_field(&g);
  nfcs_ctx *c1 = tu_ctx(1), *c2 = tu_ctx(2);
  nfcs_cgl_pattern(&p, &g, a);
  nfcs_cgl_pattern(&p, &g, b);
  assert_memory_equal(a, b, 2 * g.npts * sizeof(nfcs_real));
  /* statistics of the pattern: mean ~0, E|phi|^2 = 2 amp^2 */
  double m2 = 0;
  for (size_t i = 0; i < g.npts; i++) m2 += (double)a[2 * i] * a[2 * i] + (double)a[2 * i + 1] * a[2 * i + 1];
  m2 /= (double)g.npts;
  assert_true(fabs(m2 / (2 * 0.01) - 1) < 0.05);
  /* a run with noise: 1 and 2 threads draw the same numbers */
  p.cgl.noise = 0.01;
  p.cgl.ic.amplitude = 0.1;
  nfcs_cgl *r1 = NULL, *r2 = NULL;
  assert_int_equal(nfcs_cgl_create(c1, &p, &r1), 0);
  assert_int_equal(nfcs_cgl_create(c2, &p, &r2), 0);
  nfcs_cgl_set_field(r1, a);
  nfcs_cgl_set_field(r2, a);
  assert_int_equal(nfcs_cgl_step(r1, 0.01), 0);
  assert_int_equal(nfcs_cgl_step(r2, 0.01), 0);
  nfcs_cgl_get_field(r1, a);
  nfcs_cgl_get_field(r2, b);
  double d = tu_maxdiff(a, b, g.npts);
  assert_true(d < 1e-13 * TOL_SCALE); /* FFTW may round differently with threads; the noise is identical */
  nfcs_cgl_destroy(&r1);
  nfcs_cgl_destroy(&r2);
  nfcs_ctx_destroy(&c1);
  nfcs_ctx_destroy(&c2);
  free(a); free(b);
}

/* ---------------------------------------------------------------- noise normalisation */
static void test_noise_variance(void **state) {
  (void)state;
  for (int scheme = 0; scheme < 2; scheme++)
    for (int q = 0; q < 2; q++) {
      nfcs_ctx *ctx = tu_ctx(2);
      nfcs_params p;
      const double L = q ? 64.0 : 32.0; /* dx = 1 or 0.5: the variance scales as 1/dV */
      tu_params(&p, 2, 64, L, 0.0, 0.0, scheme, 1e-3);
      p.cgl.noise = 0.5;
      nfcs_cgl *c = NULL;
      assert_int_equal(nfcs_cgl_create(ctx, &p, &c), 0);
      const nfcs_grid *g = nfcs_cgl_grid(c);
      nfcs_real *f = tu_field(g);
      nfcs_cgl_set_field(c, f); /* zero */
      assert_int_equal(nfcs_cgl_step(c, 1e-3), 0);
      nfcs_cgl_get_field(c, f);
      double m2 = 0;
      for (size_t i = 0; i < g->npts; i++) m2 += (double)f[2 * i] * f[2 * i] + (double)f[2 * i + 1] * f[2 * i + 1];
      m2 /= (double)g->npts;
      double expect = 2 * p.cgl.noise * 1e-3 / g->cell_volume; /* <|dW|^2> = 2 D dt / dV */
      /* sampling error 1/sqrt(4096) ~ 1.6 %; diffusion over one step removes < 2 % at dx = 0.5 */
      if (fabs(m2 / expect - 1) > 0.07)
        fail_msg("%s dx = %g: noise variance %.4g, expected %.4g", SCHEME_NAME[scheme], g->dx[0], m2, expect);
      free(f);
      nfcs_cgl_destroy(&c);
      nfcs_ctx_destroy(&ctx);
    }
}

/* ---------------------------------------------------------------- the BF-unstable acceptance case */
static void test_bf_unstable_etdrk4(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  nfcs_params p;
  tu_params(&p, 2, 128, 100.0, 1.5, -1.2, NFCS_SCHEME_ETDRK4, 0.01);
  nfcs_grid g;
  nfcs_grid_init(&g, 2, p.cgl.grid_size.v, p.cgl.spatial_extent.v);
  assert_true(1 + p.cgl.c1 * p.cgl.c3 < 0); /* Benjamin-Feir unstable */
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
  p.cgl.time_step = 0.001;
  nfcs_real *b = run_to(ctx, &p, init, 10.0, 0, 0, NULL);
  double d = tu_maxdiff(a, b, g.npts);
  print_message("  BF-unstable c1 = 1.5, c3 = -1.2, 128^2, t = 10: etdrk4 dt 0.01 vs 0.001 max|dphi| = %.3e\n", d);
  if (!(d <= 1e-7 * TOL_SCALE)) fail_msg("max |dphi| = %.3g > 1e-7", d);
  free(init); free(a); free(b);
  nfcs_ctx_destroy(&ctx);
}

/* the backend under test against the CPU on the same run: 100 steps of a smooth case */
static void test_against_cpu(void **state) {
  (void)state;
  if (!strcmp(tu_backend(), "cpu")) {
    print_message("  backend under test is cpu: nothing to compare\n");
    return;
  }
  for (int scheme = 0; scheme < 3; scheme++) {
    nfcs_ctx *cpu = tu_ctx_on("cpu", 2), *dev = tu_ctx(2);
    nfcs_params p;
    tu_params(&p, 2, 64, 40.0, 0.6, -0.4, scheme, 0.02);
    if (scheme != NFCS_SCHEME_UPSTREAM) p.cgl.noise = 1e-4;
    nfcs_grid g;
    nfcs_grid_init(&g, 2, p.cgl.grid_size.v, p.cgl.spatial_extent.v);
    nfcs_real *init = tu_field(&g);
    smooth_init(&g, init);
    nfcs_real *a = run_to(cpu, &p, init, 2.0, 0.05, 0.0, NULL), *b = run_to(dev, &p, init, 2.0, 0.05, 0.0, NULL);
    double d = tu_maxdiff(a, b, g.npts) / tu_maxabs(a, g.npts);
    print_message("  %s: %s vs cpu after 100 steps: max |dphi| / max |phi| = %.3e\n", SCHEME_NAME[scheme], tu_backend(), d);
    if (!(d <= 1e-12 * TOL_SCALE)) fail_msg("%s: %s differs from cpu by %.3g", SCHEME_NAME[scheme], tu_backend(), d);
    free(init); free(a); free(b);
    nfcs_ctx_destroy(&cpu);
    nfcs_ctx_destroy(&dev);
  }
}

int main(void) {
  tu_require_backend();
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_against_cpu),
    cmocka_unit_test(test_linear_modes),
    cmocka_unit_test(test_uniform_state),
    cmocka_unit_test(test_plane_waves),
    cmocka_unit_test(test_temporal_order),
    cmocka_unit_test(test_winding),
    cmocka_unit_test(test_defect_count_known),
    cmocka_unit_test(test_phase_metrics_backend),
    cmocka_unit_test(test_real_gl_energy),
    cmocka_unit_test(test_spectral_accuracy),
    cmocka_unit_test(test_landing_and_observation),
    cmocka_unit_test(test_random_ic_threads),
    cmocka_unit_test(test_noise_variance),
    cmocka_unit_test(test_bf_unstable_etdrk4),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
