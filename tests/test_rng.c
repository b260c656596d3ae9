/* The counter-based generator: Philox4x32-10 against Random123's reference implementation. */
#include "test_util.h"

#include <Random123/philox.h>

#include "nfcs_rng.h"

static void test_philox_matches_random123(void **state) {
  (void)state;
  uint64_t x = 88172645463325252ull;
  for (int k = 0; k < 1000; k++) {
    uint32_t w[6];
    for (int j = 0; j < 6; j++) {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      w[j] = (uint32_t)x;
    }
    philox4x32_ctr_t c = {{w[0], w[1], w[2], w[3]}};
    philox4x32_key_t kk = {{w[4], w[5]}};
    philox4x32_ctr_t ref = philox4x32_R(10, c, kk);
    nfcs_philox_out o = nfcs_philox4x32_10(w[0], w[1], w[2], w[3], w[4], w[5]);
    for (int j = 0; j < 4; j++) assert_int_equal(o.v[j], ref.v[j]);
  }
}

static void test_normals(void **state) {
  (void)state;
  const int n = 200000;
  double s1 = 0, s2 = 0, s4 = 0, c01 = 0;
  for (int i = 0; i < n; i++) {
    double a, b;
    nfcs_rng_normal2(42, NFCS_STREAM_CGL_NOISE, (uint64_t)i, 7, &a, &b);
    s1 += a + b;
    s2 += a * a + b * b;
    s4 += a * a * a * a + b * b * b * b;
    c01 += a * b;
  }
  double m = s1 / (2 * n), v = s2 / (2 * n), k4 = s4 / (2 * n), c = c01 / n;
  /* standard errors: mean 1/sqrt(2n) = 0.0016, variance sqrt(2/(2n)) = 0.0022, 4th moment ~0.011 */
  assert_true(fabs(m) < 0.008);
  assert_true(fabs(v - 1) < 0.011);
  assert_true(fabs(k4 - 3) < 0.06);
  assert_true(fabs(c) < 0.011);
  /* streams and steps differ */
  double a1, b1, a2, b2;
  nfcs_rng_normal2(42, 1, 5, 0, &a1, &b1);
  nfcs_rng_normal2(42, 2, 5, 0, &a2, &b2);
  assert_true(a1 != a2);
  nfcs_rng_normal2(42, 1, 5, 1, &a2, &b2);
  assert_true(a1 != a2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_philox_matches_random123),
    cmocka_unit_test(test_normals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
