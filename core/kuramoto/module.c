/* The Kuramoto network as a coordinator module. */
#include <math.h>
#include <stdlib.h>

#include "nfcs_kuramoto.h"
#include "nfcs_module.h"

extern const nfcs_param_def nfcs_kuramoto_rows[]; /* params.c */
int nfcs_kuramoto_validate(const nfcs_params *p, nfcs_diags *diags);
int nfcs_kuramoto_in_model(const nfcs_params *p, const nfcs_param_def *d);
int nfcs_kuramoto_read_inputs(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_input *input, nfcs_kuramoto_inputs *in);

typedef struct kmod {
  nfcs_kuramoto *k;
  double *omega;
  const char **names;
} kmod;


static void destroy(void **self) {
  if (!self || !*self) return;
  kmod *m = *self;
  nfcs_kuramoto_destroy(&m->k);
  free(m->omega);
  free(m->names);
  free(m);
  *self = NULL;
}

static int create(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_module_env *env, void **self) {
  kmod *m = calloc(1, sizeof *m);
  if (!m) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  nfcs_kuramoto_inputs in;
  int rc = nfcs_kuramoto_read_inputs(ctx, p, env->input, &in);
  if (!rc) rc = nfcs_kuramoto_create(ctx, p, &in, &m->k); /* takes the arrays of in */
  if (rc) { free(m); return rc; }
  const int64_t n = nfcs_kuramoto_n(m->k) * nfcs_kuramoto_members(m->k);
  m->omega = malloc(sizeof(double) * (size_t)n);
  if (!m->omega) { void *s = m; destroy(&s); return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); }
  nfcs_kuramoto_get_omega(m->k, m->omega);
  const nfcs_named_reals *nf = &nfcs_kuramoto_section(p)->natural_frequencies;
  if (nf->n == nfcs_kuramoto_n(m->k)) {
    m->names = malloc(sizeof(char *) * (size_t)n);
    if (m->names)
      for (int64_t i = 0; i < n; i++) m->names[i] = nf->name[i];
  }
  *self = m;
  return NFCS_OK;
}

#define K(self) (((kmod *)(self))->k)
static double dt(void *self) { return nfcs_kuramoto_dt(K(self)); }
static double time_(void *self) { return nfcs_kuramoto_time(K(self)); }
static int64_t steps(void *self) { return nfcs_kuramoto_steps(K(self)); }
static int prepare(void *self, double t) { (void)self; (void)t; return NFCS_OK; }
static int advance(void *self, double t, const volatile int *stop) { return nfcs_kuramoto_advance(K(self), t, stop); }
static int is_finite(void *self, int *finite) { return nfcs_kuramoto_check_finite(K(self), finite); }
static int observe(void *self, nfcs_metrics *m, int full) {
  (void)full;
  NFCS_CHECK(nfcs_kuramoto_order(K(self), &m->R, &m->psi));
  m->has_oscillators = 1;
  m->R_modular = m->R * m->R;
  return NFCS_OK;
}
static int control(void *self, const nfcs_controls *u) {
  return nfcs_kuramoto_set_control(K(self), u->oscillator, u->use_per_osc ? u->per_osc : NULL);
}
static int phases(void *self, double *host) { return nfcs_kuramoto_get_phases(K(self), host); }
static void describe(void *self, nfcs_run_info *info) {
  kmod *m = self;
  info->n_oscillators = nfcs_kuramoto_n(m->k);
  info->members = nfcs_kuramoto_members(m->k);
  info->member_coupling = nfcs_kuramoto_member_coupling(m->k);
  info->omega = m->omega;
  info->oscillator_names = m->names;
}
static size_t snapshot_bytes(void *self) {
  const int64_t M = nfcs_kuramoto_members(K(self));
  return sizeof(double) * (size_t)(nfcs_kuramoto_n(K(self)) * M + (M > 1 ? 2 * M : 0));
}
static int snapshot(void *self, void *buf, nfcs_snapshot *s) {
  const int64_t M = nfcs_kuramoto_members(K(self)), nm = nfcs_kuramoto_n(K(self)) * M;
  NFCS_CHECK(nfcs_kuramoto_get_phases(K(self), buf));
  s->theta = buf;
  if (M > 1) {
    double *R = (double *)buf + nm, *psi = R + M;
    NFCS_CHECK(nfcs_kuramoto_order_members(K(self), R, psi));
    s->R_members = R;
    s->psi_members = psi;
  }
  return NFCS_OK;
}
static size_t state_bytes(void *self) { return nfcs_kuramoto_state_bytes(K(self)); }
static int save(void *self, nfcs_bundle *b) { return nfcs_kuramoto_save(K(self), b); }
static int restore(void *self, const nfcs_bundle *b) { return nfcs_kuramoto_restore(K(self), b); }

static const char *const CONTROLS[] = {NFCS_CONTROL_OSCILLATOR, NFCS_CONTROL_OSCILLATOR_EACH, NULL};

const nfcs_module_type nfcs_module_kuramoto = {
  .name = "kuramoto",
  .description = "networks of Kuramoto(-Sakaguchi) oscillators: mean field, dense or sparse coupling, ensembles",
  .params = nfcs_kuramoto_rows,
  .params_size = sizeof(nfcs_kuramoto_params),
  .validate = nfcs_kuramoto_validate,
  .in_model = nfcs_kuramoto_in_model,
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
  .phases = phases,
  .describe = describe,
  .snapshot_bytes = snapshot_bytes,
  .snapshot = snapshot,
  .state_bytes = state_bytes,
  .save = save,
  .restore = restore,
};
