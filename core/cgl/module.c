/* The CGL field as a coordinator module: the field, its grid's coordinates and its snapshots
 * (/grid/x.., /fields/phi), its metric series, the control it takes (a uniform forcing), and the
 * field it shares ("phi"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_cgl.h"
#include "nfcs_module.h"
#include "nfcs_procs_ops.h"

extern const nfcs_param_def nfcs_cgl_rows[]; /* params.c */
int nfcs_cgl_validate(const nfcs_params *p, nfcs_diags *diags);
int nfcs_cgl_in_model(const nfcs_params *p, const nfcs_param_def *d);

typedef struct cmod {
  nfcs_cgl *c;
  double *axis[3];       /* coordinates of each grid axis (the static datasets /grid/x, ...) */
  double c1, c3, dt;
  char scheme[32];
  const char *axes;
} cmod;

#define C(self) (((cmod *)(self))->c)

static void destroy(void **self) {
  if (!self || !*self) return;
  cmod *m = *self;
  nfcs_cgl_destroy(&m->c);
  for (int a = 0; a < 3; a++) free(m->axis[a]);
  free(m);
  *self = NULL;
}

static int create(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_module_env *env, void **self) {
  cmod *m = calloc(1, sizeof *m);
  if (!m) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  *self = m;
  int rc = nfcs_cgl_create(ctx, p, &m->c);
  if (rc) goto fail;
  const nfcs_grid *g = nfcs_cgl_grid(m->c);
  const nfcs_cgl_params *cp = nfcs_cgl_section(p);
  if (cp->ic.type == NFCS_IC_FILE) {
    /* the file's dataset in C order: [nz, ny, nx] */
    int64_t shape[3];
    for (int a = 0; a < g->dim; a++) shape[a] = g->n[g->dim - 1 - a];
    nfcs_array field;
    /* this process's slab of the slowest axis only (the whole grid on one process) */
    rc = nfcs_input_read_rows(env->input, ctx, p, "cgl.initial_condition.path", cp->ic.dataset, NFCS_ELEM_COMPLEX, g->dim, shape,
                              "cgl.grid_size", g->local_offset_slow, g->local_n_slow, &field);
    /* setting the field transforms it (collective for a spectral state): all processes read it, or none goes on */
    rc = nfcs_procs_check(ctx, rc);
    if (!rc) rc = nfcs_cgl_set_field(m->c, field.data);
    nfcs_array_free(&field);
  } else {
    nfcs_real *host = malloc(sizeof(nfcs_real) * 2 * (g->nloc ? g->nloc : 1));
    rc = host ? nfcs_cgl_pattern(p, g, host) : NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
    if (!rc) rc = nfcs_cgl_set_field(m->c, host);
    free(host);
  }
  if (rc) goto fail;
  for (int a = 0; a < g->dim; a++) {
    if (!(m->axis[a] = malloc(sizeof(double) * (size_t)g->n[a]))) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); goto fail; }
    for (int64_t j = 0; j < g->n[a]; j++) m->axis[a][j] = nfcs_grid_x(g, a, j);
  }
  m->c1 = cp->c1;
  m->c3 = cp->c3;
  m->dt = cp->time_step;
  snprintf(m->scheme, sizeof m->scheme, "%s", nfcs_cgl_scheme_at((size_t)cp->scheme)->name);
  m->axes = g->dim == 1 ? "t,x" : g->dim == 2 ? "t,y,x" : "t,z,y,x";
  return NFCS_OK;
fail:
  destroy(self);
  return rc;
}

static double dt(void *self) { return nfcs_cgl_dt(C(self)); }
static double time_(void *self) { return nfcs_cgl_time(C(self)); }
static int64_t steps(void *self) { return nfcs_cgl_steps(C(self)); }
static int prepare(void *self, double t) { return nfcs_cgl_prepare_time(C(self), t); }
static int advance(void *self, double t, const volatile int *stop) { return nfcs_cgl_advance(C(self), t, stop); }
static int is_finite(void *self, int *finite) { return nfcs_cgl_check_finite(C(self), finite); }

static int observe(void *self, nfcs_metric_set *s, int full) {
  nfcs_field_metrics m = {0};
  NFCS_CHECK(nfcs_cgl_metrics(C(self), &m, full));
  nfcs_metric_put(s, "R_global", m.R_global);
  nfcs_metric_put(s, "field_energy", m.field_energy);
  nfcs_metric_put(s, "control_energy", m.control_energy);
  if (!full) return NFCS_OK;
  nfcs_metric_put(s, "gradient_energy", m.gradient_energy);
  nfcs_metric_put(s, "defect_count", (double)(m.defects.positive + m.defects.negative));
  nfcs_metric_put(s, "defect_positive", (double)m.defects.positive);
  nfcs_metric_put(s, "defect_negative", (double)m.defects.negative);
  nfcs_metric_put(s, "defect_charge", (double)m.defects.total_charge);
  nfcs_metric_put(s, "defect_density", m.defect_density);
  nfcs_metric_put(s, "hallucination_number", m.hallucination_number);
  return NFCS_OK;
}

static int control(void *self, const nfcs_controls *u) {
  const nfcs_control *f = nfcs_control_find(u, NFCS_CONTROL_FIELD);
  return nfcs_cgl_set_control(C(self), f ? f->value : 0.0, 0.0, NULL);
}

static int share(void *self, const char *name, nfcs_shared *out) {
  nfcs_cgl *c = C(self);
  if (strcmp(name, "phi")) return NFCS_ERR_SOFTWARE;
  const nfcs_real *view;
  NFCS_CHECK(nfcs_cgl_view(c, &view));
  *out = (nfcs_shared){.elem = NFCS_ELEM_COMPLEX, .count = (int64_t)nfcs_cgl_grid(c)->nloc, .grid = nfcs_cgl_grid(c), .data = view};
  return NFCS_OK;
}

static const char *const GRID_PATH[3] = {"/grid/x", "/grid/y", "/grid/z"};
static const char *const GRID_NAME[3] = {"x", "y", "z"};

static int datasets(void *self, nfcs_dataset_list *l) {
  cmod *m = self;
  const nfcs_grid *g = nfcs_cgl_grid(m->c);
  nfcs_dataset *d;
  for (int a = 0; a < g->dim; a++) {
    if (!(d = nfcs_dataset_add(l, GRID_PATH[a], NFCS_ELEM_F64, NFCS_STATIC, 1, &g->n[a]))) return NFCS_ERR_SOFTWARE;
    d->flags = NFCS_DS_SCALE;
    d->scale_name = GRID_NAME[a];
    d->data = m->axis[a];
    nfcs_dataset_attr_f64(d, "L", g->L[a]);
    nfcs_dataset_attr_f64(d, "dx", g->dx[a]);
  }
  int64_t shape[3];
  for (int a = 0; a < g->dim; a++) shape[a] = g->n[g->dim - 1 - a];
  if (!(d = nfcs_dataset_add(l, "/fields/phi", NFCS_ELEM_COMPLEX, NFCS_PER_SNAPSHOT, g->dim, shape))) return NFCS_ERR_SOFTWARE;
  d->flags = NFCS_DS_OUT_PRECISION | NFCS_DS_ROOT | NFCS_DS_XDMF;
  if (g->distributed) { /* slabs of the slowest axis */
    d->flags |= NFCS_DS_SPLIT;
    d->offset[0] = g->local_offset_slow;
    d->extent[0] = g->local_n_slow;
  }
  for (int a = 0; a < g->dim; a++) {
    const int axis = g->dim - 1 - a; /* C order: z, y, x */
    d->scale[a] = GRID_PATH[axis];
    d->origin[a] = nfcs_grid_x(g, axis, 0);
    d->spacing[a] = g->dx[axis];
  }
  nfcs_dataset_attr_f64(d, "c1", m->c1);
  nfcs_dataset_attr_f64(d, "c3", m->c3);
  nfcs_dataset_attr_f64(d, "time_step", m->dt);
  nfcs_dataset_attr_text(d, "scheme", m->scheme);
  nfcs_dataset_attr_text(d, "axes", m->axes);
  return NFCS_OK;
}

static size_t record_bytes(void *self, nfcs_cadence cadence) {
  return cadence == NFCS_PER_SNAPSHOT ? sizeof(nfcs_real) * 2 * nfcs_cgl_grid(C(self))->nloc : 0;
}

static int record(void *self, nfcs_cadence cadence, void *buf, const void **data) {
  if (cadence != NFCS_PER_SNAPSHOT) return NFCS_OK;
  NFCS_CHECK(nfcs_cgl_get_field(C(self), buf));
  data[0] = buf;
  return NFCS_OK;
}

static size_t state_bytes(void *self) { return nfcs_cgl_state_bytes(C(self)); }
static int save(void *self, nfcs_bundle *b) { return nfcs_cgl_save(C(self), b); }
static int restore(void *self, const nfcs_bundle *b) { return nfcs_cgl_restore(C(self), b); }
static void summary(void *self, char *line, size_t len) { snprintf(line, len, "field: %lld steps", (long long)steps(self)); }

static void about(const nfcs_params *p, char *line, size_t len) {
  const nfcs_cgl_params *cp = nfcs_cgl_section(p);
  char grid[64] = "";
  for (int a = 0; a < cp->grid_size.n; a++)
    snprintf(grid + strlen(grid), sizeof grid - strlen(grid), "%s%lld", a ? "x" : "", (long long)cp->grid_size.v[a]);
  const nfcs_cgl_scheme_type *s = nfcs_cgl_scheme_at((size_t)cp->scheme);
  snprintf(line, len, "field %dD %s, %s, dt %g", cp->grid_size.n, grid, s ? s->name : "?", cp->time_step);
}

static const char *const CONTROLS[] = {NFCS_CONTROL_FIELD, NULL};

/* complex arrays of the grid a run holds: phi and spec, host scratch (2), controls (2), the output's
 * snapshot ring, checkpoint and host copies (4), and the scheme's own (view; stages and
 * coefficients and their host staging for etdrk4) */
static double memory(const nfcs_params *p) {
  const nfcs_cgl_params *cp = nfcs_cgl_section(p);
  double npts = 1;
  for (int a = 0; a < cp->grid_size.n; a++) npts *= (double)cp->grid_size.v[a];
  const double arrays = 10 + (cp->scheme == NFCS_SCHEME_ETDRK4 ? 17 : 1);
  /* a 2D or 3D grid is shared among the processes; the first one also holds whole-grid copies for
   * the output and the checkpoints (about four arrays) */
  const double P = cp->grid_size.n >= 2 ? (double)nfcs_procs_size() : 1.0;
  return npts * (arrays / P + (P > 1 ? 4 : 0)) * 2 * sizeof(nfcs_real);
}

const nfcs_module_type nfcs_module_cgl = {
  .name = "cgl",
  .description = "the complex Ginzburg-Landau field, pseudo-spectral on a periodic box in 1, 2 or 3 dimensions",
  .params = nfcs_cgl_rows,
  .params_size = sizeof(nfcs_cgl_params),
  .validate = nfcs_cgl_validate,
  .in_model = nfcs_cgl_in_model,
  .controls = CONTROLS,
  .about = about,
  .memory = memory,
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
  .share = share,
  .datasets = datasets,
  .record_bytes = record_bytes,
  .record = record,
  .state_bytes = state_bytes,
  .save = save,
  .restore = restore,
  .summary = summary,
};
