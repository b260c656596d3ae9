/* Kuramoto networks against mathematics (VALIDATION.md, Kuramoto items 1-8). */
#include "test_util.h"

#include "nfcs_kuramoto.h"

static void kparams(nfcs_params *p, int64_t n, double K, double width, int dist, double dt) {
  nfcs_params_defaults(p);
  p->has_kuramoto = 1;
  p->kuramoto.oscillators = n;
  p->kuramoto.base_coupling_strength = K;
  p->kuramoto.normalization = NFCS_NORM_MEAN;
  p->kuramoto.freq.type = dist;
  p->kuramoto.freq.center = 0.0;
  p->kuramoto.freq.width = width;
  p->kuramoto.freq.sampling = NFCS_SAMPLING_QUANTILE;
  p->kuramoto.phases.type = NFCS_PHASES_WRAPPED_CAUCHY;
  p->kuramoto.phases.R0 = 0.2;
  p->kuramoto.time_step = dt;
}

static nfcs_kuramoto *make(nfcs_ctx *ctx, const nfcs_params *p, nfcs_kuramoto_inputs *in) {
  nfcs_kuramoto *k = NULL;
  int rc = nfcs_kuramoto_create(ctx, p, in, &k);
  if (rc) fail_msg("create: %s", nfcs_error_message(ctx));
  return k;
}

static double R_of(nfcs_kuramoto *k) {
  double R, psi;
  nfcs_kuramoto_order(k, &R, &psi);
  return R;
}

/* time average of R over [t0, t1], sampled every dt_s */
static double mean_R(nfcs_kuramoto *k, double t0, double t1, double dt_s) {
  assert_int_equal(nfcs_kuramoto_advance_to(k, t0), 0);
  double s = 0;
  int m = 0;
  for (double t = t0 + dt_s; t <= t1 + 1e-9; t += dt_s, m++) {
    assert_int_equal(nfcs_kuramoto_advance_to(k, t), 0);
    s += R_of(k);
  }
  return s / m;
}

/* 1. Lorentzian: Kc = 2 Delta, R_inf = sqrt(1 - 2 Delta / K); Ott-Antonsen transient */
static void test_lorentzian(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  const int64_t n = 20000;
  const double D = 0.5, tol = 3 / sqrt((double)n);
  nfcs_params p;
  /* above Kc: the OA transient and the stationary value */
  const double K = 2.0, R0 = 0.2, a = K - 2 * D, Kr = K / a;
  kparams(&p, n, K, D, NFCS_FREQ_LORENTZIAN, 0.05);
  nfcs_kuramoto *k = make(ctx, &p, NULL);
  assert_true(fabs(R_of(k) - R0) < tol);
  double worst = 0;
  for (double t = 0.5; t <= 12.0 + 1e-9; t += 0.5) {
    assert_int_equal(nfcs_kuramoto_advance_to(k, t), 0);
    double oa = 1.0 / sqrt(Kr + (1.0 / (R0 * R0) - Kr) * exp(-a * t));
    worst = fmax(worst, fabs(R_of(k) - oa));
  }
  print_message("  Lorentzian K = %g: worst |R - R_OA| over t in [0, 12] = %.4f (tolerance 3/sqrt(N) = %.4f)\n", K, worst, tol);
  assert_true(worst < tol);
  double Rinf = mean_R(k, 30, 40, 0.5), expect = sqrt(1 - 2 * D / K);
  print_message("  Lorentzian K = %g: R_inf %.4f, expected %.4f\n", K, Rinf, expect);
  assert_true(fabs(Rinf - expect) < tol);
  nfcs_kuramoto_destroy(&k);
  /* below Kc = 1: incoherent, R decays to O(1/sqrt(N)) */
  kparams(&p, n, 0.6, D, NFCS_FREQ_LORENTZIAN, 0.05);
  k = make(ctx, &p, NULL);
  double Rlow = mean_R(k, 40, 50, 0.5);
  print_message("  Lorentzian K = 0.6 < Kc = 1: R = %.4f\n", Rlow);
  assert_true(Rlow < tol);
  nfcs_kuramoto_destroy(&k);
  nfcs_ctx_destroy(&ctx);
}

/* 2. Gaussian: Kc = sigma sqrt(8/pi), R ~ sqrt(pi (K - Kc)/Kc) near onset */
static void test_gaussian(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  const int64_t n = 20000;
  const double sigma = 1.0, Kc = sigma * sqrt(8 / M_PI);
  nfcs_params p;
  kparams(&p, n, 1.04 * Kc, sigma, NFCS_FREQ_GAUSSIAN, 0.1);
  p.kuramoto.phases.R0 = 0.5;
  nfcs_kuramoto *k = make(ctx, &p, NULL);
  double R = mean_R(k, 250, 300, 1.0), expect = sqrt(M_PI * 0.04);
  print_message("  Gaussian K = 1.04 Kc: R = %.4f, near-onset prediction %.4f\n", R, expect);
  /* the prediction is the leading term of an expansion in (K - Kc)/Kc = 0.04: 15 % */
  assert_true(fabs(R - expect) < 0.15 * expect);
  nfcs_kuramoto_destroy(&k);
  kparams(&p, n, 0.85 * Kc, sigma, NFCS_FREQ_GAUSSIAN, 0.1);
  k = make(ctx, &p, NULL);
  double Rlow = mean_R(k, 150, 200, 1.0);
  print_message("  Gaussian K = 0.85 Kc: R = %.4f\n", Rlow);
  assert_true(Rlow < 3 / sqrt((double)n));
  nfcs_kuramoto_destroy(&k);
  nfcs_ctx_destroy(&ctx);
}

/* 3. Kuramoto-Sakaguchi: Kc = 2 Delta / cos(alpha), R_inf^2 = 1 - 2 Delta / (K cos alpha) */
static void test_sakaguchi(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  const int64_t n = 20000;
  const double D = 0.5, alpha = 0.6, K = 2.0, tol = 3 / sqrt((double)n);
  nfcs_params p;
  kparams(&p, n, K, D, NFCS_FREQ_LORENTZIAN, 0.05);
  p.kuramoto.phase_lag = alpha;
  nfcs_kuramoto *k = make(ctx, &p, NULL);
  double R = mean_R(k, 40, 50, 0.5), expect = sqrt(1 - 2 * D / (K * cos(alpha)));
  print_message("  Sakaguchi alpha = %g: R_inf %.4f, expected %.4f\n", alpha, R, expect);
  assert_true(fabs(R - expect) < tol);
  nfcs_kuramoto_destroy(&k);
  /* just below Kc = 2 Delta / cos(alpha) = 1.2116 */
  kparams(&p, n, 0.8 * 2 * D / cos(alpha), D, NFCS_FREQ_LORENTZIAN, 0.05);
  p.kuramoto.phase_lag = alpha;
  k = make(ctx, &p, NULL);
  double Rlow = mean_R(k, 60, 70, 0.5);
  print_message("  Sakaguchi K = 0.8 Kc: R = %.4f\n", Rlow);
  assert_true(Rlow < tol);
  nfcs_kuramoto_destroy(&k);
  nfcs_ctx_destroy(&ctx);
}

/* modified Bessel I1(x)/I0(x) by series */
static double bessel_ratio(double x) {
  double i0 = 0, i1 = 0, term0 = 1, term1 = x / 2;
  for (int m = 0; m < 200; m++) {
    i0 += term0;
    i1 += term1;
    term0 *= (x * x / 4) / ((m + 1.0) * (m + 1.0));
    term1 *= (x * x / 4) / ((m + 1.0) * (m + 2.0));
  }
  return i1 / i0;
}

/* 4. noise: identical oscillators, Kc = 2D; above it R solves R = I1(K R / D) / I0(K R / D) */
static void test_noise(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  const int64_t n = 10000;
  const double Dn = 0.25, tol = 3 / sqrt((double)n);
  for (int integ = NFCS_KINT_EULER_MARUYAMA; integ <= NFCS_KINT_HEUN; integ++) {
    nfcs_params p;
    kparams(&p, n, 1.0, 0.0, NFCS_FREQ_LORENTZIAN, 0.01);
    p.kuramoto.noise = Dn;
    p.kuramoto.integrator = integ;
    p.kuramoto.phases.R0 = 0.5;
    nfcs_kuramoto *k = make(ctx, &p, NULL);
    double R = mean_R(k, 20, 30, 0.5);
    double r = 0.9;
    for (int it = 0; it < 200; it++) r = bessel_ratio(1.0 * r / Dn);
    print_message("  %s, noise D = %g, K = 2 Kc: R = %.4f, self-consistent %.4f\n",
                  integ == NFCS_KINT_HEUN ? "heun" : "euler_maruyama", Dn, R, r);
    assert_true(fabs(R - r) < tol + 0.01); /* + time-step bias O(dt) */
    nfcs_kuramoto_destroy(&k);
    kparams(&p, n, 0.2, 0.0, NFCS_FREQ_LORENTZIAN, 0.01); /* 0.4 Kc: R decays at rate D - K/2 */
    p.kuramoto.noise = Dn;
    p.kuramoto.integrator = integ;
    k = make(ctx, &p, NULL);
    double Rlow = mean_R(k, 20, 30, 0.5);
    print_message("  noise D = %g, K = 0.4 Kc: R = %.4f\n", Dn, Rlow);
    assert_true(Rlow < tol);
    nfcs_kuramoto_destroy(&k);
  }
  nfcs_ctx_destroy(&ctx);
}

/* 5. identical oscillators without noise on the OA manifold: R(t) = [1 + (1/R0^2 - 1) e^{-Kt}]^{-1/2} */
static void test_identical(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  const int64_t n = 10000;
  const double K = 1.0;
  nfcs_params p;
  kparams(&p, n, K, 0.0, NFCS_FREQ_LORENTZIAN, 0.02);
  nfcs_kuramoto *k = make(ctx, &p, NULL);
  double R00 = R_of(k), worst = 0;
  for (double t = 0.5; t <= 10; t += 0.5) {
    nfcs_kuramoto_advance_to(k, t);
    double e = 1 / sqrt(1 + (1 / (R00 * R00) - 1) * exp(-K * t));
    worst = fmax(worst, fabs(R_of(k) - e));
  }
  print_message("  identical oscillators: worst |R - R_exact| = %.2e (R0 of the sample %.4f)\n", worst, R00);
  assert_true(worst < 3 / sqrt((double)n));
  nfcs_kuramoto_destroy(&k);
  nfcs_ctx_destroy(&ctx);
}

/* 6. two oscillators: locked iff |dw| <= K, else beat period 2 pi / sqrt(dw^2 - K^2) */
static void two(nfcs_ctx *ctx, double dw, double K, double *phi_end, double *period) {
  nfcs_params p;
  nfcs_params_defaults(&p);
  p.has_kuramoto = 1;
  p.kuramoto.natural_frequencies.n = 2;
  snprintf(p.kuramoto.natural_frequencies.name[0], NFCS_NAME_MAX, "a");
  snprintf(p.kuramoto.natural_frequencies.name[1], NFCS_NAME_MAX, "b");
  p.kuramoto.natural_frequencies.value[0] = dw / 2;
  p.kuramoto.natural_frequencies.value[1] = -dw / 2;
  p.kuramoto.base_coupling_strength = K; /* mean normalization: each feels K/2 */
  p.kuramoto.normalization = NFCS_NORM_MEAN;
  p.kuramoto.phases.type = NFCS_PHASES_EQUAL;
  p.kuramoto.time_step = 0.001;
  nfcs_kuramoto *k = make(ctx, &p, NULL);
  double th[2], prev = 0, first = -1, last = -1;
  int crossings = 0;
  for (int s = 1; s <= 60000; s++) {
    nfcs_kuramoto_advance_to(k, s * 0.001);
    nfcs_kuramoto_get_phases(k, th);
    double phi = remainder(th[0] - th[1], 2 * M_PI);
    if (s > 1 && prev > 2.5 && phi < -2.5) { /* phi passed pi: one beat */
      double tc = s * 0.001;
      if (first < 0) first = tc;
      last = tc;
      crossings++;
    }
    prev = phi;
    *phi_end = phi;
  }
  *period = crossings > 1 ? (last - first) / (crossings - 1) : INFINITY;
  nfcs_kuramoto_destroy(&k);
}

static void test_two_oscillators(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(1);
  double phi, period;
  two(ctx, 0.5, 1.0, &phi, &period);
  print_message("  dw = 0.5, K = 1: locked at phi = %.6f (asin(0.5) = %.6f)\n", phi, asin(0.5));
  assert_true(isinf(period));
  assert_true(fabs(phi - asin(0.5)) < 1e-6);
  two(ctx, 1.5, 1.0, &phi, &period);
  double expect = 2 * M_PI / sqrt(1.5 * 1.5 - 1.0);
  print_message("  dw = 1.5, K = 1: beat period %.5f, expected %.5f\n", period, expect);
  assert_true(fabs(period - expect) < 2e-3);
  nfcs_ctx_destroy(&ctx);
}

/* 7. incoherence: iid uniform phases give E[R^2] = 1/N */
static void test_incoherence(void **state) {
  (void)state;
  const int64_t n = 100;
  const int M = 4000;
  nfcs_params p;
  nfcs_params_defaults(&p);
  p.has_kuramoto = 1;
  p.kuramoto.oscillators = n;
  double th[100], s = 0;
  for (int m = 0; m < M; m++) {
    p.kuramoto.phases.seed = m + 1;
    nfcs_kuramoto_initial_phases(&p, n, th);
    double re = 0, im = 0;
    for (int i = 0; i < n; i++) {
      assert_true(th[i] >= -M_PI && th[i] < M_PI);
      re += cos(th[i]);
      im += sin(th[i]);
    }
    s += (re * re + im * im) / (double)(n * n);
  }
  double ER2 = s / M;
  print_message("  E[R^2] over %d draws of N = %lld: %.5f (1/N = %.5f)\n", M, (long long)n, ER2, 1.0 / n);
  /* R^2 ~ Exp(1/N): standard error 1/(N sqrt(M)) = 1.6 % */
  assert_true(fabs(ER2 * n - 1) < 0.08);
}

/* 8. equivalence of the mean-field, dense (all ones, with and without lag matrix, fused and BLAS)
 *    and sparse (complete graph) paths to round-off; 1 and 2 threads bit for bit */
static nfcs_kuramoto *equiv_case(nfcs_ctx *ctx, int coupling, int blas, int lagmat, int64_t n, double alpha) {
  nfcs_params p;
  kparams(&p, n, 1.3, 0.4, NFCS_FREQ_LORENTZIAN, 0.01);
  p.kuramoto.freq.sampling = NFCS_SAMPLING_RANDOM;
  p.kuramoto.phases.type = NFCS_PHASES_RANDOM;
  p.kuramoto.coupling = coupling;
  p.kuramoto.matrix.source = NFCS_MATRIX_FILE;
  p.kuramoto.matrix.kernel = blas ? NFCS_DENSE_BLAS : NFCS_DENSE_FUSED;
  p.kuramoto.phase_lag = alpha;
  nfcs_kuramoto_inputs in = {0};
  if (coupling == NFCS_COUPLING_MATRIX) {
    in.K = malloc(sizeof(double) * (size_t)(n * n));
    for (int64_t i = 0; i < n * n; i++) in.K[i] = 1.3;
    if (lagmat) {
      in.lag = malloc(sizeof(double) * (size_t)(n * n));
      for (int64_t i = 0; i < n * n; i++) in.lag[i] = alpha;
    }
  } else if (coupling == NFCS_COUPLING_SPARSE) {
    in.nedges = n * n;
    in.src = malloc(sizeof(int64_t) * (size_t)(n * n));
    in.dst = malloc(sizeof(int64_t) * (size_t)(n * n));
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < n; j++) {
        in.dst[i * n + j] = i;
        in.src[i * n + j] = j;
      }
  }
  nfcs_kuramoto *k = make(ctx, &p, &in);
  assert_int_equal(nfcs_kuramoto_advance_to(k, 2.0), 0);
  return k;
}

static void test_equivalence(void **state) {
  (void)state;
  const int64_t n = 300;
  for (int lag = 0; lag < 2; lag++) {
    const double alpha = lag ? 0.4 : 0.0;
    nfcs_ctx *ctx = tu_ctx(2);
    double ref[300], th[300];
    nfcs_kuramoto *k = equiv_case(ctx, NFCS_COUPLING_MEAN_FIELD, 0, 0, n, alpha);
    nfcs_kuramoto_get_phases(k, ref);
    nfcs_kuramoto_destroy(&k);
    const struct { int coupling, blas; const char *name; } cases[] = {
      {NFCS_COUPLING_MATRIX, 0, "dense fused"}, {NFCS_COUPLING_MATRIX, 1, "dense BLAS"}, {NFCS_COUPLING_SPARSE, 0, "sparse"}};
    for (size_t c = 0; c < 3; c++) {
      k = equiv_case(ctx, cases[c].coupling, cases[c].blas, lag && cases[c].coupling == NFCS_COUPLING_MATRIX, n, alpha);
      nfcs_kuramoto_get_phases(k, th);
      double d = 0;
      for (int64_t i = 0; i < n; i++) d = fmax(d, fabs(remainder(th[i] - ref[i], 2 * M_PI)));
      print_message("  alpha = %g: %-11s vs mean field after 200 RK4 steps: max |d theta| = %.2e\n", alpha, cases[c].name, d);
      assert_true(d < 1e-11);
      nfcs_kuramoto_destroy(&k);
    }
    nfcs_ctx_destroy(&ctx);
  }
  /* 1 and 2 threads: every reduction is over a fixed partition, so the bits agree */
  for (int coupling = NFCS_COUPLING_MEAN_FIELD; coupling <= NFCS_COUPLING_SPARSE; coupling++) {
    const int64_t nn = coupling == NFCS_COUPLING_MEAN_FIELD ? 50000 : 600;
    double *a = malloc(sizeof(double) * (size_t)nn), *b = malloc(sizeof(double) * (size_t)nn);
    nfcs_ctx *c1 = tu_ctx(1), *c2 = tu_ctx(2);
    nfcs_kuramoto *k1 = equiv_case(c1, coupling, 0, 0, nn, 0.2), *k2 = equiv_case(c2, coupling, 0, 0, nn, 0.2);
    nfcs_kuramoto_get_phases(k1, a);
    nfcs_kuramoto_get_phases(k2, b);
    assert_memory_equal(a, b, sizeof(double) * (size_t)nn);
    nfcs_kuramoto_destroy(&k1);
    nfcs_kuramoto_destroy(&k2);
    nfcs_ctx_destroy(&c1);
    nfcs_ctx_destroy(&c2);
    free(a);
    free(b);
  }
}

/* bad input: out-of-range edges, non-finite weights are data errors (65) */
static void test_bad_input(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(1);
  nfcs_params p;
  kparams(&p, 5, 1.0, 0.1, NFCS_FREQ_LORENTZIAN, 0.01);
  p.kuramoto.coupling = NFCS_COUPLING_SPARSE;
  nfcs_kuramoto_inputs in = {0};
  in.nedges = 2;
  in.src = malloc(2 * sizeof(int64_t));
  in.dst = malloc(2 * sizeof(int64_t));
  in.src[0] = 0; in.dst[0] = 1; in.src[1] = 7; in.dst[1] = 2;
  nfcs_kuramoto *k = NULL;
  assert_int_equal(nfcs_kuramoto_create(ctx, &p, &in, &k), NFCS_ERR_DATA);
  assert_non_null(strstr(nfcs_error_message(ctx), "edge 1 (7 -> 2) is out of range [0, 5)"));
  assert_null(k);
  p.kuramoto.oscillators = 0;
  p.kuramoto.natural_frequencies.n = 0;
  assert_int_equal(nfcs_kuramoto_create(ctx, &p, NULL, &k), NFCS_ERR_CONFIG);
  nfcs_ctx_destroy(&ctx);
}

/* quantile sampling: the VALIDATION.md formula, and the normal quantile */
static void test_frequencies(void **state) {
  (void)state;
  nfcs_params p;
  kparams(&p, 9, 1.0, 0.7, NFCS_FREQ_LORENTZIAN, 0.01);
  p.kuramoto.freq.center = 0.3;
  double w[9];
  nfcs_kuramoto_frequencies(&p, 9, w);
  for (int j = 1; j <= 9; j++) assert_true(fabs(w[j - 1] - (0.3 + 0.7 * tan(M_PI * (2 * j - 9 - 1) / (2.0 * 10)))) < 1e-14);
  assert_true(fabs(nfcs_normal_quantile(0.975) - 1.959963984540054) < 1e-14);
  assert_true(fabs(nfcs_normal_quantile(0.001) + 3.090232306167813) < 1e-13);
  assert_true(fabs(nfcs_normal_quantile(0.5)) < 1e-15);
}

/* an ensemble sweep of K across Kc reproduces R_inf = sqrt(1 - 2 Delta / K) within 3/sqrt(N) */
static void test_ensemble_sweep(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  const int64_t n = 10000, M = 8;
  const double D = 0.5, tol = 3 / sqrt((double)n);
  nfcs_params p;
  kparams(&p, n, 1.0, D, NFCS_FREQ_LORENTZIAN, 0.05);
  p.kuramoto.ensemble = M;
  p.kuramoto.ensemble_vary = NFCS_VARY_COUPLING;
  p.kuramoto.ensemble_coupling.n = 2;
  p.kuramoto.ensemble_coupling.v[0] = 0.3;
  p.kuramoto.ensemble_coupling.v[1] = 3.8;
  p.kuramoto.phases.R0 = 0.3;
  nfcs_kuramoto *k = make(ctx, &p, NULL);
  assert_int_equal(nfcs_kuramoto_members(k), M);
  double R[8], psi[8], acc[8] = {0};
  assert_int_equal(nfcs_kuramoto_advance_to(k, 40.0), 0);
  int samples = 0;
  for (double t = 40.5; t <= 50.0 + 1e-9; t += 0.5, samples++) {
    nfcs_kuramoto_advance_to(k, t);
    nfcs_kuramoto_order_members(k, R, psi);
    for (int m = 0; m < M; m++) acc[m] += R[m];
  }
  const double *K = nfcs_kuramoto_member_coupling(k);
  int checked = 0; /* members close to Kc (slow, finite-size) are printed, not asserted */
  for (int m = 0; m < M; m++) {
    double r = acc[m] / samples, expect = K[m] > 2 * D ? sqrt(1 - 2 * D / K[m]) : 0.0;
    print_message("  member %d: K = %.3f, R = %.4f, R_inf = %.4f\n", m, K[m], r, expect);
    if (fabs(K[m] - 2 * D) > 0.3) {
      assert_true(fabs(r - expect) < tol);
      checked++;
    }
  }
  assert_true(checked >= M - 2); /* both sides of Kc, not a vacuous sweep */
  nfcs_kuramoto_destroy(&k);
  nfcs_ctx_destroy(&ctx);
}

/* the members of a dense ensemble (one GEMM) are the separate runs, to round-off */
static void test_ensemble_dense_equals_runs(void **state) {
  (void)state;
  nfcs_ctx *ctx = tu_ctx(2);
  const int64_t n = 300, M = 3;
  nfcs_params p;
  kparams(&p, n, 1.0, 0.4, NFCS_FREQ_LORENTZIAN, 0.01);
  p.kuramoto.freq.sampling = NFCS_SAMPLING_RANDOM;
  p.kuramoto.phases.type = NFCS_PHASES_RANDOM;
  p.kuramoto.coupling = NFCS_COUPLING_MATRIX;
  p.kuramoto.matrix.source = NFCS_MATRIX_UPSTREAM;
  p.kuramoto.ensemble = M;
  p.kuramoto.ensemble_coupling.v[0] = 0.5;
  p.kuramoto.ensemble_coupling.v[1] = 2.5;
  nfcs_kuramoto *e = make(ctx, &p, NULL);
  assert_int_equal(nfcs_kuramoto_advance_to(e, 2.0), 0);
  double *all = malloc(sizeof(double) * (size_t)(n * M)), one[300];
  nfcs_kuramoto_get_phases(e, all);
  for (int64_t m = 0; m < M; m++) {
    nfcs_params q = p;
    q.kuramoto.ensemble = 1;
    q.kuramoto.base_coupling_strength = 0.5 + m * 1.0; /* K_m: the upstream matrix scales with K_base */
    nfcs_kuramoto *k = make(ctx, &q, NULL);
    assert_int_equal(nfcs_kuramoto_advance_to(k, 2.0), 0);
    nfcs_kuramoto_get_phases(k, one);
    double d = 0;
    for (int64_t i = 0; i < n; i++) d = fmax(d, fabs(remainder(all[m * n + i] - one[i], 2 * M_PI)));
    print_message("  member %lld (K = %.1f) vs its own run: max |d theta| = %.2e\n", (long long)m, 0.5 + m * 1.0, d);
    assert_true(d < 1e-11);
    nfcs_kuramoto_destroy(&k);
  }
  free(all);
  nfcs_kuramoto_destroy(&e);
  nfcs_ctx_destroy(&ctx);
}

/* the backend under test against the CPU: every coupling, 200 steps */
static void test_against_cpu(void **state) {
  (void)state;
  if (!strcmp(tu_backend(), "cpu")) {
    print_message("  backend under test is cpu: nothing to compare\n");
    return;
  }
  const struct { int coupling, lagmat; const char *name; } cases[] = {
    {NFCS_COUPLING_MEAN_FIELD, 0, "mean field"}, {NFCS_COUPLING_MATRIX, 0, "dense"}, {NFCS_COUPLING_MATRIX, 1, "dense with lags"},
    {NFCS_COUPLING_SPARSE, 0, "sparse"}};
  for (size_t q = 0; q < 4; q++) {
    const int64_t n = cases[q].coupling == NFCS_COUPLING_MEAN_FIELD ? 5000 : 400;
    double *a = malloc(sizeof(double) * (size_t)n), *b = malloc(sizeof(double) * (size_t)n);
    nfcs_ctx *cpu = tu_ctx_on("cpu", 2), *dev = tu_ctx(2);
    nfcs_kuramoto *k1 = equiv_case(cpu, cases[q].coupling, 0, cases[q].lagmat, n, 0.3);
    nfcs_kuramoto *k2 = equiv_case(dev, cases[q].coupling, 0, cases[q].lagmat, n, 0.3);
    nfcs_kuramoto_get_phases(k1, a);
    nfcs_kuramoto_get_phases(k2, b);
    double d = 0;
    for (int64_t i = 0; i < n; i++) d = fmax(d, fabs(remainder(a[i] - b[i], 2 * M_PI)));
    double R1, R2, p1, p2;
    nfcs_kuramoto_order(k1, &R1, &p1);
    nfcs_kuramoto_order(k2, &R2, &p2);
    print_message("  %-15s %s vs cpu after 200 RK4 steps: max |d theta| = %.2e, |d R| = %.2e\n", cases[q].name, tu_backend(), d,
                  fabs(R1 - R2));
    assert_true(d <= 1e-12 && fabs(R1 - R2) <= 1e-12);
    nfcs_kuramoto_destroy(&k1);
    nfcs_kuramoto_destroy(&k2);
    nfcs_ctx_destroy(&cpu);
    nfcs_ctx_destroy(&dev);
    free(a);
    free(b);
  }
}

int main(void) {
  tu_require_backend();
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_against_cpu),
    cmocka_unit_test(test_ensemble_dense_equals_runs),
    cmocka_unit_test(test_ensemble_sweep),
    cmocka_unit_test(test_frequencies),
    cmocka_unit_test(test_incoherence),
    cmocka_unit_test(test_two_oscillators),
    cmocka_unit_test(test_identical),
    cmocka_unit_test(test_equivalence),
    cmocka_unit_test(test_bad_input),
    cmocka_unit_test(test_lorentzian),
    cmocka_unit_test(test_sakaguchi),
    cmocka_unit_test(test_gaussian),
    cmocka_unit_test(test_noise),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
