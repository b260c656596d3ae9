/* The Kuramoto network as a coordinator module: its frequencies and snapshots of its phases
 * (/kuramoto/...), its order parameter as metric series, the controls it takes (uniform and per
 * oscillator), and the phases it shares ("theta"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_kuramoto.h"
#include "nfcs_module.h"
#include "nfcs_procs_ops.h"
#include "kuramoto_impl.h"

extern const nfcs_param_def nfcs_kuramoto_rows[]; /* params.c */
int nfcs_kuramoto_validate(const nfcs_params *p, nfcs_diags *diags);
int nfcs_kuramoto_in_model(const nfcs_params *p, const nfcs_param_def *d);
int nfcs_kuramoto_read_inputs(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_input *input, nfcs_kuramoto_inputs *in);

typedef struct kmod {
  nfcs_kuramoto *k;
  double *omega;      /* [M][N] natural frequencies (static dataset) */
  int64_t *index;     /* [N] 0 .. N-1 (the oscillator axis) */
  const char **names; /* [N] the upstream names, or NULL */
} kmod;

static void destroy(void **self) {
  if (!self || !*self) return;
  kmod *m = *self;
  nfcs_kuramoto_destroy(&m->k);
  free(m->omega);
  free(m->index);
  free(m->names);
  free(m);
  *self = NULL;
}

static int create(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_module_env *env, void **self) {
  kmod *m = calloc(1, sizeof *m);
  if (!m) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  *self = m;
  nfcs_kuramoto_inputs in;
  int rc = nfcs_kuramoto_read_inputs(ctx, p, env->input, &in);
  if (!rc) rc = nfcs_kuramoto_create(ctx, p, &in, &m->k); /* takes the arrays of in */
  if (rc) { destroy(self); return rc; }
  const int64_t n = nfcs_kuramoto_n(m->k), nm = n * nfcs_kuramoto_members(m->k), nl = nfcs_kuramoto_local_count(m->k);
  m->omega = malloc(sizeof(double) * (size_t)nm);
  m->index = malloc(sizeof(int64_t) * (size_t)n);
  double *mine = malloc(sizeof(double) * (size_t)nl);
  if (!m->omega || !m->index || !mine) { free(mine); destroy(self); return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); }
  /* the frequencies of every process's part, whole on each (a static dataset) */
  int split;
  int64_t row0, rows, m0, ml;
  nfcs_kuramoto_local_block(m->k, &split, &row0, &rows, &m0, &ml);
  rc = nfcs_kuramoto_get_omega(m->k, mine);
  if (split) {
    const int grc = nfcs_procs()->allgatherv(mine, rc ? 0 : nl, sizeof(double), m->omega);
    if (!rc) rc = grc;
  } else if (!rc) {
    memcpy(m->omega, mine, sizeof(double) * (size_t)nm);
  }
  free(mine);
  /* (phase_feedback, whose control needs the first member's phases, takes no ensemble: validated) */
  if (rc) { destroy(self); return rc; }
  for (int64_t i = 0; i < n; i++) m->index[i] = i;
  const nfcs_named_reals *nf = &nfcs_kuramoto_section(p)->natural_frequencies;
  if (nf->n == n) {
    m->names = malloc(sizeof(char *) * (size_t)n);
    if (m->names)
      for (int64_t i = 0; i < n; i++) m->names[i] = nf->name[i];
  }
  return NFCS_OK;
}

#define K(self) (((kmod *)(self))->k)
static double dt(void *self) { return nfcs_kuramoto_dt(K(self)); }
static double time_(void *self) { return nfcs_kuramoto_time(K(self)); }
static int64_t steps(void *self) { return nfcs_kuramoto_steps(K(self)); }
static int advance(void *self, double t, const volatile int *stop) { return nfcs_kuramoto_advance(K(self), t, stop); }
static int is_finite(void *self, int *finite) { return nfcs_kuramoto_check_finite(K(self), finite); }

static int observe(void *self, nfcs_metric_set *s, int full) {
  (void)full;
  double R, psi;
  NFCS_CHECK(nfcs_kuramoto_order(K(self), &R, &psi));
  nfcs_metric_put(s, "R", R);
  nfcs_metric_put(s, "psi", psi);
  nfcs_metric_put(s, "R_modular", R * R);
  return NFCS_OK;
}

static int control(void *self, const nfcs_controls *u) {
  const nfcs_control *uni = nfcs_control_find(u, NFCS_CONTROL_OSCILLATOR), *each = nfcs_control_find(u, NFCS_CONTROL_OSCILLATOR_EACH);
  return nfcs_kuramoto_set_control(K(self), uni ? uni->value : 0.0, each ? each->each : NULL);
}

static int share(void *self, const char *name, nfcs_shared *out) {
  if (strcmp(name, NFCS_SHARED_PHASES)) return NFCS_ERR_SOFTWARE;
  const nfcs_kuramoto *k = K(self);
  /* this process's phases */
  *out = (nfcs_shared){.elem = NFCS_ELEM_F64, .count = nfcs_kuramoto_local_count(k), .data = nfcs_kuramoto_phases_view(k)};
  return NFCS_OK;
}

static int datasets(void *self, nfcs_dataset_list *l) {
  kmod *m = self;
  const int64_t n = nfcs_kuramoto_n(m->k), M = nfcs_kuramoto_members(m->k);
  const int ens = M > 1;
  const int64_t shape[2] = {M, n};
  const int rank = ens ? 2 : 1;
  const int64_t *sh = ens ? shape : shape + 1;
  nfcs_dataset *d;
#define ADD(...) if (!(d = nfcs_dataset_add(l, __VA_ARGS__))) return NFCS_ERR_SOFTWARE
  ADD("/kuramoto/oscillator", NFCS_ELEM_I64, NFCS_STATIC, 1, &n);
  d->flags = NFCS_DS_SCALE;
  d->scale_name = "oscillator";
  d->data = m->index;
  if (ens) {
    ADD("/kuramoto/coupling", NFCS_ELEM_F64, NFCS_STATIC, 1, &M);
    d->flags = NFCS_DS_SCALE;
    d->scale_name = "member";
    d->data = nfcs_kuramoto_member_coupling(m->k);
  }
  const char *axes[2] = {"/kuramoto/coupling", "/kuramoto/oscillator"};
  ADD("/kuramoto/omega", NFCS_ELEM_F64, NFCS_STATIC, rank, sh);
  d->flags = NFCS_DS_ROOT;
  d->data = m->omega;
  for (int a = 0; a < rank; a++) d->scale[a] = axes[2 - rank + a];
  /* distributed: the phases by rows or by members, the members' order parameters by members */
  int split;
  int64_t row0, rows, m0, ml;
  nfcs_kuramoto_local_block(m->k, &split, &row0, &rows, &m0, &ml);
  ADD("/kuramoto/theta", NFCS_ELEM_F64, NFCS_PER_SNAPSHOT, rank, sh);
  d->flags = NFCS_DS_ROOT;
  for (int a = 0; a < rank; a++) d->scale[a] = axes[2 - rank + a];
  if (split) {
    d->flags |= NFCS_DS_SPLIT;
    d->offset[0] = ens ? m0 : row0;
    d->extent[0] = ens ? ml : rows;
  }
  if (ens) {
    for (int q = 0; q < 2; q++) {
      ADD(q ? "/kuramoto/psi" : "/kuramoto/R", NFCS_ELEM_F64, NFCS_PER_SNAPSHOT, 1, &M);
      d->scale[0] = axes[0];
      if (split == 2) {
        d->flags |= NFCS_DS_SPLIT;
        d->offset[0] = m0;
        d->extent[0] = ml;
      }
    }
  }
  if (m->names) {
    ADD("/kuramoto/names", NFCS_ELEM_TEXT, NFCS_STATIC, 1, &n);
    d->data = m->names;
  }
#undef ADD
  return NFCS_OK;
}

static size_t record_bytes(void *self, nfcs_cadence cadence) {
  const int64_t M = nfcs_kuramoto_members(K(self));
  if (cadence != NFCS_PER_SNAPSHOT) return 0;
  return sizeof(double) * (size_t)(nfcs_kuramoto_local_count(K(self)) + (M > 1 ? 2 * M : 0));
}

static int record(void *self, nfcs_cadence cadence, void *buf, const void **data) {
  if (cadence != NFCS_PER_SNAPSHOT) return NFCS_OK;
  const int64_t M = nfcs_kuramoto_members(K(self)), nm = nfcs_kuramoto_local_count(K(self));
  int split;
  int64_t row0, rows, m0, ml;
  nfcs_kuramoto_local_block(K(self), &split, &row0, &rows, &m0, &ml);
  NFCS_CHECK(nfcs_kuramoto_get_phases(K(self), buf));
  data[0] = buf;
  if (M > 1) {
    double *R = (double *)buf + nm, *psi = R + ml; /* this process's members */
    NFCS_CHECK(nfcs_kuramoto_order_members(K(self), R, psi));
    data[1] = R;
    data[2] = psi;
  }
  return NFCS_OK;
}

static size_t state_bytes(void *self) { return nfcs_kuramoto_state_bytes(K(self)); }
static int save(void *self, nfcs_bundle *b) { return nfcs_kuramoto_save(K(self), b); }
static int restore(void *self, const nfcs_bundle *b) { return nfcs_kuramoto_restore(K(self), b); }
static void summary(void *self, char *line, size_t len) {
  snprintf(line, len, "oscillators: %lld, %lld steps", (long long)nfcs_kuramoto_n(K(self)), (long long)steps(self));
}

static void about(const nfcs_params *p, char *line, size_t len) {
  const nfcs_kuramoto_params *kp = nfcs_kuramoto_section(p);
  char coupling[64];
  nfcs_param_format(p, nfcs_param_find("kuramoto.coupling", NULL), coupling, sizeof coupling);
  const nfcs_kuramoto_integrator_type *it = nfcs_kuramoto_integrator_at((size_t)kp->integrator);
  char members[48] = "";
  if (kp->ensemble > 1) snprintf(members, sizeof members, " x %lld members", (long long)kp->ensemble);
  snprintf(line, len, "network %lld oscillators%s, %s coupling, %s, dt %g", (long long)nfcs_kuramoto_size(kp), members,
           coupling, it ? it->name : "?", kp->time_step);
}

static const char *const CONTROLS[] = {NFCS_CONTROL_OSCILLATOR, NFCS_CONTROL_OSCILLATOR_EACH, NULL};

/* doubles a run holds: per oscillator of every member the phases, frequencies, four stages, sin,
 * cos, four of work and the output's copies (about 20); a dense coupling's N^2 (twice that, complex,
 * with a phase-lag matrix), read from its file into memory the backend then uses */
static double memory(const nfcs_params *p) {
  const nfcs_kuramoto_params *kp = nfcs_kuramoto_section(p);
  const double n = (double)nfcs_kuramoto_size(kp), m = kp->ensemble > 1 ? (double)kp->ensemble : 1;
  double bytes = 20 * n * m * sizeof(double);
  if (kp->coupling == NFCS_COUPLING_MATRIX) bytes += n * n * sizeof(double) * (kp->matrix.lag_dataset[0] ? 3 : 1);
  /* distributed: by rows or by members, each process about its share (whole vectors of N stay) */
  nfcs_kur_layout l;
  nfcs_kuramoto_layout(kp, 0, nfcs_procs_size(), &l);
  if (l.split) bytes = bytes / (double)nfcs_procs_size() + 8 * n * sizeof(double);
  return bytes;
}

const nfcs_module_type nfcs_module_kuramoto = {
  .name = "kuramoto",
  .description = "networks of Kuramoto(-Sakaguchi) oscillators: mean field, dense or sparse coupling, ensembles",
  .params = nfcs_kuramoto_rows,
  .params_size = sizeof(nfcs_kuramoto_params),
  .validate = nfcs_kuramoto_validate,
  .in_model = nfcs_kuramoto_in_model,
  .controls = CONTROLS,
  .about = about,
  .memory = memory,
  .create = create,
  .destroy = destroy,
  .dt = dt,
  .time = time_,
  .steps = steps,
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
