/* The CGL field as a coordinator module. */
#include <stdlib.h>

#include "nfcs_cgl.h"
#include "nfcs_module.h"

extern const nfcs_param_def nfcs_cgl_rows[]; /* params.c */
int nfcs_cgl_validate(const nfcs_params *p, nfcs_diags *diags);
int nfcs_cgl_in_model(const nfcs_params *p, const nfcs_param_def *d);

static int create(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_module_env *env, void **self) {
  nfcs_cgl *c = NULL;
  NFCS_CHECK(nfcs_cgl_create(ctx, p, &c));
  const nfcs_grid *g = nfcs_cgl_grid(c);
  const nfcs_cgl_params *cp = nfcs_cgl_section(p);
  int rc;
  if (cp->ic.type == NFCS_IC_FILE) {
    /* the file's dataset in C order: [nz, ny, nx] */
    int64_t shape[3];
    for (int a = 0; a < g->dim; a++) shape[a] = g->n[g->dim - 1 - a];
    nfcs_array field;
    rc = nfcs_input_read(env->input, ctx, p, "cgl.initial_condition.path", cp->ic.dataset, NFCS_ELEM_COMPLEX, g->dim, shape,
                         "cgl.grid_size", &field);
    if (!rc) rc = nfcs_cgl_set_field(c, field.data);
    nfcs_array_free(&field);
  } else {
    nfcs_real *host = malloc(sizeof(nfcs_real) * 2 * g->npts);
    rc = host ? nfcs_cgl_pattern(p, g, host) : NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
    if (!rc) rc = nfcs_cgl_set_field(c, host);
    free(host);
  }
  if (rc) {
    nfcs_cgl_destroy(&c);
    return rc;
  }
  *self = c;
  return NFCS_OK;
}

static void destroy(void **self) { nfcs_cgl_destroy((nfcs_cgl **)self); }
static double dt(void *self) { return nfcs_cgl_dt(self); }
static double time_(void *self) { return nfcs_cgl_time(self); }
static int64_t steps(void *self) { return nfcs_cgl_steps(self); }
static int prepare(void *self, double t) { return nfcs_cgl_prepare_time(self, t); }
static int advance(void *self, double t, const volatile int *stop) { return nfcs_cgl_advance(self, t, stop); }
static int is_finite(void *self, int *finite) { return nfcs_cgl_check_finite(self, finite); }
static int observe(void *self, nfcs_metrics *m, int full) { return nfcs_cgl_metrics(self, m, full); }
static int control(void *self, const nfcs_controls *u) { return nfcs_cgl_set_control(self, u->field, 0.0, NULL); }
static void describe(void *self, nfcs_run_info *info) { info->grid = nfcs_cgl_grid(self); }
static size_t snapshot_bytes(void *self) { return sizeof(nfcs_real) * 2 * nfcs_cgl_grid(self)->npts; }
static int snapshot(void *self, void *buf, nfcs_snapshot *s) {
  NFCS_CHECK(nfcs_cgl_get_field(self, buf));
  s->phi = buf;
  return NFCS_OK;
}
static size_t state_bytes(void *self) { return nfcs_cgl_state_bytes(self); }
static int save(void *self, nfcs_bundle *b) { return nfcs_cgl_save(self, b); }
static int restore(void *self, const nfcs_bundle *b) { return nfcs_cgl_restore(self, b); }

static const char *const CONTROLS[] = {NFCS_CONTROL_FIELD, NULL};

const nfcs_module_type nfcs_module_cgl = {
  .name = "cgl",
  .description = "the complex Ginzburg-Landau field, pseudo-spectral on a periodic box in 1, 2 or 3 dimensions",
  .params = nfcs_cgl_rows,
  .params_size = sizeof(nfcs_cgl_params),
  .validate = nfcs_cgl_validate,
  .in_model = nfcs_cgl_in_model,
  .controls = CONTROLS,
  .create = create,
  .destroy = destroy,
  .dt = dt,
  .time = time_,
  .steps = steps,
  .prepare = prepare,
  .advance = advance,
  .finite = is_finite,
  .observe = observe,
  .control = control,
  .phases = NULL,
  .describe = describe,
  .snapshot_bytes = snapshot_bytes,
  .snapshot = snapshot,
  .state_bytes = state_bytes,
  .save = save,
  .restore = restore,
};
