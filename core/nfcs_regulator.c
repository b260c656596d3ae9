#include "nfcs_regulator.h"

#include <math.h>
#include <string.h>

static double clip(double v, double lim) { return v > lim ? lim : v < -lim ? -lim : v; }

const nfcs_control *nfcs_control_find(const nfcs_controls *u, const char *name) {
  for (int i = 0; i < u->count; i++)
    if (!strcmp(u->c[i].name, name)) return &u->c[i];
  return NULL;
}

static void put(nfcs_controls *u, const char *name, double value, const double *each, int64_t n) {
  if (u->count < NFCS_MAX_CONTROLS) u->c[u->count++] = (nfcs_control){name, value, each, n};
}

int nfcs_regulator_needs_phases(const nfcs_params *p) { return p->regulator.type == NFCS_REG_PHASE_FEEDBACK; }

void nfcs_regulator_compute(const nfcs_params *p, const nfcs_metric_set *m, const double *theta, int64_t n, double *each,
                            nfcs_controls *u) {
  const double target = p->system.coherence_target, lim = p->regulator.limit;
  u->count = 0;
  if (p->regulator.type == NFCS_REG_NONE) return;
  /* the Python NFCS: u(x) = 0.1 (target - R_global), u_i = 0.2 (target - R_modular), |u| <= 1 */
  double Rg, Rm, R, psi;
  put(u, NFCS_CONTROL_FIELD, nfcs_metric_find(m, "R_global", &Rg) ? clip(p->regulator.field_gain * (target - Rg), lim) : 0.0,
      NULL, 0);
  if (!nfcs_metric_find(m, "R_modular", &Rm)) return;
  if (p->regulator.type == NFCS_REG_PROPORTIONAL) {
    put(u, NFCS_CONTROL_OSCILLATOR, clip(p->regulator.oscillator_gain * (target - Rm), lim), NULL, 0);
    return;
  }
  /* phase_feedback: u_i = -g R sin(psi - theta_i): g > 0 works against the coupling (desynchronises),
   * g < 0 with it */
  put(u, NFCS_CONTROL_OSCILLATOR, 0.0, NULL, 0);
  if (!theta || !nfcs_metric_find(m, "R", &R) || !nfcs_metric_find(m, "psi", &psi)) return;
  const double g = p->regulator.feedback_gain;
  for (int64_t i = 0; i < n; i++) each[i] = clip(-g * R * sin(psi - theta[i]), lim);
  put(u, NFCS_CONTROL_OSCILLATOR_EACH, 0.0, each, n);
}
