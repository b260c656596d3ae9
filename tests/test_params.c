/* The parameter table, the YAML loader and --set: values, every error class with its location. */
#include "test_util.h"

#include "nfcs_io.h"

static nfcs_params P;
static nfcs_diags D;

static int load(const char *text) {
  memset(&D, 0, sizeof D);
  nfcs_params_defaults(&P);
  int rc = nfcs_config_load_string("t.yaml", text, &P, &D);
  if (!rc) rc = nfcs_params_validate(&P, &D);
  return rc;
}

static void expect_error(const char *text, const char *needle) {
  int rc = load(text);
  assert_int_equal(rc, NFCS_ERR_CONFIG);
  assert_true(D.count >= 1);
  for (int i = 0; i < D.count; i++)
    if (strstr(D.msg[i], needle)) return;
  fail_msg("no error containing \"%s\"; got \"%s\"", needle, D.msg[0]);
}

static void test_defaults(void **state) {
  (void)state;
  nfcs_params_defaults(&P);
  assert_true(CGL(&P)->c1 == 0.8 && CGL(&P)->c3 == 1.5);
  assert_int_equal(CGL(&P)->grid_size.n, 2);
  assert_int_equal(CGL(&P)->grid_size.v[0], 128);
  assert_true(CGL(&P)->time_step == 0.01);
  assert_int_equal(CGL(&P)->scheme, NFCS_SCHEME_STRANG);
  assert_true(P.run.t_end == 10.0);
  assert_true(P.coordinator.rate_hz == 10.0);
  assert_string_equal(P.output.path, "nfcs_out.h5");
  assert_int_equal(P.backend.device, NFCS_DEVICE_CPU);
  size_t n;
  const nfcs_param_def *t = nfcs_param_table(&n);
  for (size_t i = 0; i < n; i++) {
    assert_non_null(t[i].help);
    assert_true(strlen(t[i].help) > 10);
    assert_ptr_equal(nfcs_param_find(t[i].key, NULL), &t[i]);
  }
}

static void test_upstream_file(void **state) {
  (void)state;
  memset(&D, 0, sizeof D);
  nfcs_params_defaults(&P);
  char path[1024];
  snprintf(path, sizeof path, "%s/configs/upstream.yaml", NFCS_SOURCE_DIR);
  assert_int_equal(nfcs_config_load(path, &P, &D), 0);
  assert_int_equal(nfcs_params_validate(&P, &D), 0);
  assert_true(nfcs_params_has(&P, "cgl") && nfcs_params_has(&P, "kuramoto"));
  assert_true(CGL(&P)->c1 == 0.8 && CGL(&P)->c3 == 1.5 && CGL(&P)->time_step == 0.01);
  assert_true(CGL(&P)->spatial_extent.v[0] == 10.0 && CGL(&P)->spatial_extent.v[1] == 10.0);
  assert_int_equal(KUR(&P)->natural_frequencies.n, 8);
  assert_string_equal(KUR(&P)->natural_frequencies.name[0], "constitution");
  assert_true(KUR(&P)->natural_frequencies.value[0] == 2.0);
  assert_string_equal(KUR(&P)->natural_frequencies.name[7], "symbolic_ai");
  assert_true(KUR(&P)->natural_frequencies.value[7] == 15.0);
  assert_true(P.cost.w_field_gradient == 0.5 && P.cost.w_violations == 3.0);
  assert_int_equal(P.system.max_simulation_steps, 10000);
  assert_true(P.system.coherence_target == 0.7);
  assert_int_equal(P.logging.level, NFCS_LOG_INFO);
  assert_int_equal(P.logging.save_state_interval, 1000);
}

static void test_yaml_roundtrip(void **state) {
  (void)state;
  assert_int_equal(load("cgl:\n  c1: 0.123456789012345\n  grid_size: [64, 32, 16]\n  spatial_extent: [1.5, 2, 3e2]\n"
                        "  scheme: etdrk4\n  initial_condition: {type: spiral, charge: -2}\n"
                        "kuramoto:\n  natural_frequencies: {a: 1.5, b: -2.25}\n"
                        "output: {path: 'x y.h5'}\n"), 0);
  char *y = nfcs_params_to_yaml(&P);
  assert_non_null(y);
  static nfcs_params Q;
  nfcs_params_defaults(&Q);
  memset(&D, 0, sizeof D);
  assert_int_equal(nfcs_config_load_string("roundtrip", y, &Q, &D), 0);
  size_t n;
  const nfcs_param_def *t = nfcs_param_table(&n);
  for (size_t i = 0; i < n; i++) {
    char a[512], b[512];
    nfcs_param_format(&P, &t[i], a, sizeof a);
    nfcs_param_format(&Q, &t[i], b, sizeof b);
    if (strcmp(a, b)) fail_msg("%s: %s became %s", t[i].key, a, b);
  }
  assert_true(CGL(&Q)->c1 == 0.123456789012345);
  free(y);
}

static void test_error_classes(void **state) {
  (void)state;
  expect_error("cgl:\n  c1: 0.8\n  bogus: 1\n", "t.yaml:3:3: error: cgl.bogus: unknown key");
  expect_error("cgl:\n  time_stp: 0.1\n", "did you mean cgl.time_step?");
  expect_error("cgl:\n  c1: abc\n", "t.yaml:2:7: error: cgl.c1: expected a number, got \"abc\"");
  expect_error("cgl:\n  c1: \"0.8\"\n", "cgl.c1: expected a number, got the string");
  expect_error("cgl:\n  grid_size: [-256, 128]\n", "cgl.grid_size: expected each entry to be an integer in [2,");
  expect_error("cgl:\n  grid_size: [128.5, 128]\n", "cgl.grid_size: expected an integer, got \"128.5\"");
  expect_error("cgl:\n  grid_size: 128\n", "cgl.grid_size: expected a list of 1 to 3 numbers");
  expect_error("cgl:\n  grid_size: [1, 2, 3, 4]\n", "expected a list of 1 to 3 numbers, got 4");
  expect_error("cgl:\n  time_step: -0.01\n", "cgl.time_step: expected a number in (0,");
  expect_error("cgl:\n  time_step: 0\n", "cgl.time_step: expected a number in (0,");
  expect_error("cgl:\n  scheme: rk4\n", "cgl.scheme: expected one of {strang,etdrk4,upstream}, got \"rk4\"");
  expect_error("cgl:\n  boundary_conditions: no-flux\n", "cgl.boundary_conditions: expected periodic");
  expect_error("cgl:\n  c1: 1\n  c1: 2\n", "t.yaml:3:3: error: cgl.c1: duplicate key (first given at line 2)");
  expect_error("cgl:\n  grid_size: [128, 128\n", "(YAML syntax)");
  expect_error("cgl:\n  grid_size: [64]\n", "t.yaml:2:3: error: cgl.grid_size: expected as many entries as cgl.spatial_extent (2, its default), got 1");
  expect_error("cgl:\n  grid_size: [64]\n  spatial_extent: [1, 2]\n", "t.yaml:3:3: error: cgl.spatial_extent: expected as many entries as cgl.grid_size (1), got 2");
  expect_error("run:\n  t_end: 5\n", "expected a cgl: or a kuramoto: section");
  expect_error("coordinator:\n  realtime: maybe\ncgl: {}\n", "coordinator.realtime: expected true or false");
  expect_error("cgl:\n  initial_condition:\n    type: file\n", "cgl.initial_condition.path: expected the HDF5 file");
  expect_error("cgl: [1, 2]\n", "cgl: expected a section");
  expect_error("kuramoto:\n  natural_frequencies: {a: x}\n", "kuramoto.natural_frequencies.a: expected a number");
  expect_error("- 1\n- 2\n", "expected a mapping of sections");
  expect_error("cgl:\n  c1: 1e999\n", "cgl.c1: expected a finite number");
  expect_error("cgl:\n  c1: .nan\n", "expected a finite number");
  /* every error is reported, not only the first */
  assert_int_equal(load("cgl:\n  c1: x\n  c3: y\n  nope: 1\n"), NFCS_ERR_CONFIG);
  assert_int_equal(D.count, 3);
}

static void test_empty_sections_and_bools(void **state) {
  (void)state;
  assert_int_equal(load("cgl:\n"), 0);
  assert_true(nfcs_params_has(&P, "cgl") && !nfcs_params_has(&P, "kuramoto"));
  assert_int_equal(load("kuramoto: {oscillators: 10}\ncoordinator: {realtime: yes}\nlogging: {level: debug}\n"), 0);
  assert_true(nfcs_params_has(&P, "kuramoto") && !nfcs_params_has(&P, "cgl"));
  assert_int_equal(P.coordinator.realtime, 1);
  assert_int_equal(P.logging.level, NFCS_LOG_DEBUG);
  assert_int_equal(load("cgl:\n  grid_size: [256.0, 1e2]\n"), 0); /* exact integers written as floats */
  assert_int_equal(CGL(&P)->grid_size.v[0], 256);
  assert_int_equal(CGL(&P)->grid_size.v[1], 100);
}

static void test_set(void **state) {
  (void)state;
  assert_int_equal(load("cgl: {}\n"), 0);
  memset(&D, 0, sizeof D);
  assert_int_equal(nfcs_params_apply_set(&P, "cgl.time_step=0.005", &D), 0);
  assert_true(CGL(&P)->time_step == 0.005);
  assert_int_equal(nfcs_params_apply_set(&P, "cgl.grid_size=[256, 64]", &D), 0);
  assert_int_equal(CGL(&P)->grid_size.v[0], 256);
  assert_int_equal(CGL(&P)->grid_size.v[1], 64);
  assert_int_equal(nfcs_params_apply_set(&P, "cgl.grid_size=32,32,32", &D), 0);
  assert_int_equal(CGL(&P)->grid_size.n, 3);
  assert_int_equal(nfcs_params_apply_set(&P, "kuramoto.natural_frequencies.alpha=3.5", &D), 0);
  assert_true(nfcs_params_has(&P, "kuramoto"));
  assert_int_equal(KUR(&P)->natural_frequencies.n, 1);
  assert_int_equal(nfcs_params_apply_set(&P, "output.path=a=b.h5", &D), 0);
  assert_string_equal(P.output.path, "a=b.h5");
  assert_int_equal(nfcs_params_apply_set(&P, "cgl.grid_size=-256", &D), NFCS_ERR_CONFIG);
  assert_non_null(strstr(D.msg[D.count - 1], "--set:1:15: error: cgl.grid_size:"));
  assert_int_equal(nfcs_params_apply_set(&P, "cgl.nothing=1", &D), NFCS_ERR_CONFIG);
  assert_non_null(strstr(D.msg[D.count - 1], "cgl.nothing: unknown key"));
  assert_int_equal(nfcs_params_apply_set(&P, "noequals", &D), NFCS_ERR_CONFIG);
}

/* Named points (name -> [x] | [x, y] | [x, y, z]) through the typed setters and the formatter, on
 * a row of their own (the row's offset is into the storage passed as the params). */
static void test_named_points(void **state) {
  (void)state;
  const nfcs_param_def row = {"t.points", NFCS_PT_NAMED_POINTS, 0, "{}", -100, 100, 1, 3, NULL, 0, "test"};
  nfcs_named_points pts = {0};
  nfcs_params *as = (nfcs_params *)(void *)&pts;
  char err[256], out[512];
  assert_int_equal(nfcs_param_set_named(as, &row, "a", "[1.5, -2]", 0, err, sizeof err), 0);
  assert_int_equal(nfcs_param_set_named(as, &row, "b", "3,4,5", 0, err, sizeof err), 0);
  assert_int_equal(nfcs_param_set_named(as, &row, "a", "[0.25]", 0, err, sizeof err), 0); /* replaces a, keeps its place */
  nfcs_param_format(as, &row, out, sizeof out);
  assert_string_equal(out, "{a: [0.25], b: [3.0, 4.0, 5.0]}");
  assert_int_equal(pts.n, 2);
  assert_int_equal(pts.count[1], 3);
  assert_true(pts.x[1][2] == 5.0);
  assert_int_equal(nfcs_param_set_named(as, &row, "c", "[1, 2, 3, 4]", 0, err, sizeof err), NFCS_ERR_CONFIG);
  assert_non_null(strstr(err, "expected 1 to 3 coordinates, got 4"));
  assert_int_equal(nfcs_param_set_named(as, &row, "c", "[1000]", 0, err, sizeof err), NFCS_ERR_CONFIG);
  assert_int_equal(nfcs_param_set_named(as, &row, "c", "[x]", 0, err, sizeof err), NFCS_ERR_CONFIG);
  assert_int_equal(pts.n, 2); /* failed entries add nothing */
  assert_int_equal(nfcs_param_set_text(as, &row, "{}", 0, err, sizeof err), 0);
  assert_int_equal(pts.n, 0);
  for (int i = 0; i < NFCS_MAX_POINTS; i++) {
    char name[16];
    snprintf(name, sizeof name, "p%d", i);
    assert_int_equal(nfcs_param_set_named(as, &row, name, "1", 0, err, sizeof err), 0);
  }
  assert_int_equal(nfcs_param_set_named(as, &row, "one_too_many", "1", 0, err, sizeof err), NFCS_ERR_CONFIG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_defaults),
    cmocka_unit_test(test_upstream_file),
    cmocka_unit_test(test_yaml_roundtrip),
    cmocka_unit_test(test_error_classes),
    cmocka_unit_test(test_empty_sections_and_bools),
    cmocka_unit_test(test_set),
    cmocka_unit_test(test_named_points),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
