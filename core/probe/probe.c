/* The probe module: time series of the field at configured points ("sensors"), one entry per
 * metrics sample.
 *
 *   probe:
 *     points: {left: [-2.0, 0.0], centre: [0.0, 0.0]}   # name: coordinates, one per grid axis
 *     interpolation: linear                            # or nearest
 *
 * It writes /probe/phi [M, P] (complex, on /metrics/t), /probe/position [P, dim], /probe/name [P]
 * and /probe/index [P] (the probe axis).  Linear interpolation is multilinear over the grid cell
 * around the point (periodic across the box's edge), second order in the spacing; nearest takes
 * the closest grid point's value exactly.  A probe only observes: it changes no trajectory and is
 * no part of the model.
 *
 * The whole module is this file and its line in core/nfcs_modules.def: it reads the field the cgl
 * module shares ("phi"), gathers the few values it needs from backend memory, and describes its
 * datasets for the sinks to write. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_grid.h"
#include "nfcs_internal.h"
#include "nfcs_procs_ops.h"
#include "nfcs_module.h"

/* ---------------------------------------------------------------- the section */

enum { INTERP_LINEAR = 0, INTERP_NEAREST };

typedef struct probe_params {
  nfcs_named_points points;
  int interpolation;
} probe_params;

#define OFF(field) offsetof(probe_params, field)
/* clang-format off */
static const nfcs_param_def ROWS[] = {
  {"probe.points", NFCS_PT_NAMED_POINTS, OFF(points), "{}", -1e12, 1e12, 1, 3, NULL, 0,
   "where to record the field: name -> coordinates [x] | [x, y] | [x, y, z], one per grid axis, inside the box "
   "[-L/2, L/2]; each metrics sample records the field there (/probe/phi)"},
  {"probe.interpolation", NFCS_PT_ENUM, OFF(interpolation), "linear", 0, 0, 0, 0, "linear|nearest", 0,
   "linear: multilinear over the grid cell around the point (periodic), second order in the spacing; nearest: the "
   "value of the closest grid point"},
  {0},
};
/* clang-format on */

static const probe_params *section(const nfcs_params *p) { return nfcs_params_section(p, "probe"); }

/* the cgl section's box, read through the table (the probe needs no header of the field) */
static int box(const nfcs_params *p, int64_t n[3], double L[3]) {
  const nfcs_param_def *dn = nfcs_param_find("cgl.grid_size", NULL), *dl = nfcs_param_find("cgl.spatial_extent", NULL);
  if (!dn || !dl) return 0;
  const nfcs_ivec3 *gn = (const nfcs_ivec3 *)((const char *)p + dn->offset);
  const nfcs_rvec3 *gl = (const nfcs_rvec3 *)((const char *)p + dl->offset);
  for (int a = 0; a < gn->n && a < 3; a++) {
    n[a] = gn->v[a];
    L[a] = a < gl->n ? gl->v[a] : 0;
  }
  return gn->n;
}

static int validate(const nfcs_params *p, nfcs_diags *diags) {
  const probe_params *q = section(p);
  if (!nfcs_params_has(p, "cgl")) {
    nfcs_params_error(p, diags, "probe.points", "expected a cgl: section as well (the probes sample its field)");
    return NFCS_ERR_CONFIG;
  }
  if (q->points.n == 0) {
    nfcs_params_error(p, diags, "probe.points", "expected at least one point, e.g. {centre: [0.0, 0.0]}");
    return NFCS_ERR_CONFIG;
  }
  int64_t n[3];
  double L[3];
  const int dim = box(p, n, L);
  int bad = 0;
  if (p->output.metrics_interval <= 0) {
    nfcs_params_error(p, diags, "output.metrics_interval", "expected > 0 with probes (they record at each metrics sample); "
                      "output.metrics_interval is 0");
    bad = 1;
  }
  for (int i = 0; i < q->points.n; i++) {
    char key[NFCS_NAME_MAX + 32];
    snprintf(key, sizeof key, "probe.points.%s", q->points.name[i]);
    if (q->points.count[i] != dim) {
      nfcs_params_error(p, diags, key, "expected %d coordinates (the field is %dD), got %d", dim, dim, q->points.count[i]);
      bad = 1;
      continue;
    }
    for (int a = 0; a < dim; a++)
      if (!(fabs(q->points.x[i][a]) <= 0.5 * L[a])) {
        nfcs_params_error(p, diags, key, "expected %c in [%.6g, %.6g] (inside the box), got %.6g", "xyz"[a], -0.5 * L[a],
                          0.5 * L[a], q->points.x[i][a]);
        bad = 1;
      }
  }
  return bad ? NFCS_ERR_CONFIG : NFCS_OK;
}

/* ---------------------------------------------------------------- the module */

typedef struct probe {
  nfcs_ctx *ctx;
  nfcs_module_ref field;  /* the module sharing "phi" */
  int npoints, dim, corners;
  int64_t *index;         /* [P][corners] flat grid index of each corner */
  double *weight;         /* [P][corners] */
  nfcs_real *values;      /* [P][corners] complex: the gathered corners */
  /* static datasets */
  int64_t *axis;          /* [P] 0 .. P-1 */
  double *position;       /* [P][dim] */
  const char **name;      /* [P] */
  char (*names)[NFCS_NAME_MAX];
} probe;

static void destroy(void **self) {
  if (!self || !*self) return;
  probe *q = *self;
  free(q->index);
  free(q->weight);
  free(q->values);
  free(q->axis);
  free(q->position);
  free(q->name);
  free(q->names);
  free(q);
  *self = NULL;
}

/* the corners and weights of point x on the grid (periodic) */
static void stencil(const nfcs_grid *g, const double *x, int nearest, int64_t *index, double *weight) {
  int64_t i0[3] = {0, 0, 0}, i1[3] = {0, 0, 0};
  double w[3] = {0, 0, 0};
  for (int a = 0; a < g->dim; a++) {
    const double f = (x[a] - nfcs_grid_x(g, a, 0)) / g->dx[a]; /* fractional grid index */
    const int64_t n = g->n[a];
    const double fl = floor(f);
    w[a] = nearest ? 0.0 : f - fl;
    int64_t i = (int64_t)fl;
    if (nearest && f - fl >= 0.5) i++;
    i0[a] = ((i % n) + n) % n;
    i1[a] = (i0[a] + 1) % n;
  }
  const int corners = nearest ? 1 : 1 << g->dim;
  for (int c = 0; c < corners; c++) {
    int64_t at[3] = {0, 0, 0};
    double wc = 1.0;
    for (int a = 0; a < g->dim; a++) {
      const int hi = (c >> a) & 1;
      at[a] = hi ? i1[a] : i0[a];
      wc *= hi ? w[a] : 1.0 - w[a];
    }
    index[c] = (at[2] * g->n[1] + at[1]) * g->n[0] + at[0];
    weight[c] = wc;
  }
}

static int create(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_module_env *env, void **self) {
  const probe_params *pp = section(p);
  probe *q = calloc(1, sizeof *q);
  if (!q) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  *self = q;
  q->ctx = ctx;
  nfcs_shared phi;
  if (!nfcs_module_env_find(env, "cgl", &q->field) || !q->field.type->share ||
      q->field.type->share(q->field.self, "phi", &phi) || !phi.grid) {
    destroy(self);
    return NFCS_ERROR(ctx, NFCS_ERR_CONFIG, "probe: no field to sample (the probes need a cgl: section)");
  }
  const nfcs_grid *g = phi.grid;
  const int nearest = pp->interpolation == INTERP_NEAREST;
  q->npoints = pp->points.n;
  q->dim = g->dim;
  q->corners = nearest ? 1 : 1 << g->dim;
  const size_t P = (size_t)q->npoints, K = (size_t)q->corners;
  q->index = malloc(sizeof(int64_t) * P * K);
  q->weight = malloc(sizeof(double) * P * K);
  q->values = malloc(sizeof(nfcs_real) * 2 * P * K);
  q->axis = malloc(sizeof(int64_t) * P);
  q->position = malloc(sizeof(double) * P * (size_t)q->dim);
  q->name = malloc(sizeof(char *) * P);
  q->names = malloc(sizeof *q->names * P);
  if (!q->index || !q->weight || !q->values || !q->axis || !q->position || !q->name || !q->names) {
    destroy(self);
    return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; i < q->npoints; i++) {
    stencil(g, pp->points.x[i], nearest, q->index + (size_t)i * K, q->weight + (size_t)i * K);
    q->axis[i] = i;
    for (int a = 0; a < q->dim; a++) q->position[(size_t)i * (size_t)q->dim + (size_t)a] = pp->points.x[i][a];
    snprintf(q->names[i], NFCS_NAME_MAX, "%s", pp->points.name[i]);
    q->name[i] = q->names[i];
  }
  return NFCS_OK;
}

static const char *const POSITION_AXES[3] = {"x", "x,y", "x,y,z"};

static int datasets(void *self, nfcs_dataset_list *l) {
  probe *q = self;
  const int64_t P = q->npoints, pos[2] = {P, q->dim};
  nfcs_dataset *d;
  if (!(d = nfcs_dataset_add(l, "/probe/index", NFCS_ELEM_I64, NFCS_STATIC, 1, &P))) return NFCS_ERR_SOFTWARE;
  d->flags = NFCS_DS_SCALE;
  d->scale_name = "probe";
  d->data = q->axis;
  if (!(d = nfcs_dataset_add(l, "/probe/name", NFCS_ELEM_TEXT, NFCS_STATIC, 1, &P))) return NFCS_ERR_SOFTWARE;
  d->scale[0] = "/probe/index";
  d->data = q->name;
  if (!(d = nfcs_dataset_add(l, "/probe/position", NFCS_ELEM_F64, NFCS_STATIC, 2, pos))) return NFCS_ERR_SOFTWARE;
  d->scale[0] = "/probe/index";
  d->data = q->position;
  nfcs_dataset_attr_text(d, "axes", POSITION_AXES[q->dim - 1]);
  if (!(d = nfcs_dataset_add(l, "/probe/phi", NFCS_ELEM_COMPLEX, NFCS_PER_SAMPLE, 1, &P))) return NFCS_ERR_SOFTWARE;
  d->flags = NFCS_DS_OUT_PRECISION;
  d->scale[0] = "/probe/index";
  nfcs_dataset_attr_text(d, "interpolation", q->corners == 1 ? "nearest" : "linear");
  return NFCS_OK;
}

static size_t record_bytes(void *self, nfcs_cadence cadence) {
  const probe *q = self;
  return cadence == NFCS_PER_SAMPLE ? sizeof(nfcs_real) * 2 * (size_t)q->npoints : 0;
}

/* the field at every point: its corners gathered from backend memory, then weighted */
static int record(void *self, nfcs_cadence cadence, void *buf, const void **data) {
  probe *q = self;
  if (cadence != NFCS_PER_SAMPLE) return NFCS_OK;
  nfcs_shared phi;
  NFCS_CHECK(q->field.type->share(q->field.self, "phi", &phi));
  const nfcs_memory_ops *mem = q->ctx->ops->memory;
  const nfcs_real *field = phi.data;
  const size_t K = (size_t)q->corners;
  /* a field shared among processes: each reads the corners in its slab, the others' are zero, and
   * a sum over the processes (collective) gives every one all of them, exactly */
  const int split = phi.grid->distributed;
  const uint64_t base = split ? nfcs_grid_phys_base(phi.grid) : 0, end = base + (uint64_t)phi.grid->nloc;
  int rc = NFCS_OK;
  for (size_t k = 0; k < (size_t)q->npoints * K; k++) {
    const uint64_t at = (uint64_t)q->index[k];
    if (!split || (at >= base && at < end)) {
      if (!rc) rc = mem->download(q->ctx->backend, q->values + 2 * k, field + 2 * (at - base), 1);
    } else {
      q->values[2 * k] = q->values[2 * k + 1] = 0;
    }
  }
  if (split) {
    const size_t n = 2 * (size_t)q->npoints * K;
    double *v = malloc(sizeof(double) * n);
    if (!v && !rc) rc = NFCS_ERROR(q->ctx, NFCS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; v && i < n; i++) v[i] = (double)q->values[i];
    int src = nfcs_procs()->sum(v ? v : &(double){0}, v ? (int)n : 1);
    for (size_t i = 0; v && i < n; i++) q->values[i] = (nfcs_real)v[i];
    free(v);
    if (!rc) rc = src;
  }
  NFCS_CHECK(rc);
  nfcs_real *out = buf;
  for (int i = 0; i < q->npoints; i++) {
    double re = 0, im = 0;
    for (size_t c = 0; c < K; c++) {
      const size_t k = (size_t)i * K + c;
      re += q->weight[k] * (double)q->values[2 * k];
      im += q->weight[k] * (double)q->values[2 * k + 1];
    }
    out[2 * i] = (nfcs_real)re;
    out[2 * i + 1] = (nfcs_real)im;
  }
  data[0] = out;
  return NFCS_OK;
}

static void summary(void *self, char *line, size_t len) {
  const probe *q = self;
  snprintf(line, len, "probes: %d (%s)", q->npoints, q->corners == 1 ? "nearest" : "linear");
}

const nfcs_module_type nfcs_module_probe = {
  .name = "probe",
  .description = "time series of the field at named points, one entry per metrics sample",
  .params = ROWS,
  .params_size = sizeof(probe_params),
  .validate = validate,
  .observer = 1,
  .create = create,
  .destroy = destroy,
  .datasets = datasets,
  .record_bytes = record_bytes,
  .record = record,
  .summary = summary,
};
