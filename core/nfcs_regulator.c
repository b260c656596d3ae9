#include "nfcs_regulator.h"

#include <math.h>

static double clip(double v, double lim) { return v > lim ? lim : v < -lim ? -lim : v; }

int nfcs_regulator_needs_phases(const nfcs_params *p) { return p->regulator.type == NFCS_REG_PHASE_FEEDBACK; }

void nfcs_regulator_compute(const nfcs_params *p, const nfcs_metrics *m, const double *theta, int64_t n, nfcs_controls *u) {
  const double target = p->system.coherence_target, lim = p->regulator.limit;
  u->field = u->oscillator = 0;
  u->use_per_osc = 0;
  if (p->regulator.type == NFCS_REG_NONE) return;
  /* the Python NFCS: u(x) = 0.1 (target - R_global), u_i = 0.2 (target - R_modular), |u| <= 1 */
  if (m->has_field) u->field = clip(p->regulator.field_gain * (target - m->R_global), lim);
  if (!m->has_oscillators) return;
  if (p->regulator.type == NFCS_REG_PROPORTIONAL) {
    u->oscillator = clip(p->regulator.oscillator_gain * (target - m->R_modular), lim);
    return;
  }
  /* phase_feedback: u_i = -g R sin(psi - theta_i): g > 0 works against the coupling (desynchronises),
   * g < 0 with it */
  const double g = p->regulator.feedback_gain;
  for (int64_t i = 0; i < n; i++) u->per_osc[i] = clip(-g * m->R * sin(m->psi - theta[i]), lim);
  u->use_per_osc = 1;
}
