/* NFCS core — the regulator: controls for the next tick from the metrics of this one. */
#ifndef NFCS_REGULATOR_H
#define NFCS_REGULATOR_H

#include "nfcs_base.h"
#include "nfcs_metrics.h"
#include "nfcs_params.h"

NFCS_EXTERN_C_BEGIN

/* The regulator's outputs by name: what a module lists in its type's `controls` to take them. */
#define NFCS_CONTROL_FIELD "field"                     /* uniform forcing of a field */
#define NFCS_CONTROL_OSCILLATOR "oscillator"           /* uniform forcing of every oscillator */
#define NFCS_CONTROL_OSCILLATOR_EACH "oscillator_each" /* forcing per oscillator (phase_feedback) */

typedef struct nfcs_controls {
  double field;        /* uniform u(x) of the field (real, as upstream) */
  double oscillator;   /* uniform u_i */
  double *per_osc;     /* [N] per-oscillator u_i (phase_feedback), or NULL */
  int use_per_osc;
} nfcs_controls;

/* Does the regulator need the phases on the host each tick? */
NFCS_API int nfcs_regulator_needs_phases(const nfcs_params *p);
/* Controls from the metrics (R_global, R_modular, R, psi) and, for phase_feedback, the phases
 * theta[N] (host).  per_osc must hold N values when the regulator is phase_feedback. */
NFCS_API void nfcs_regulator_compute(const nfcs_params *p, const nfcs_metrics *m, const double *theta, int64_t n,
                                     nfcs_controls *u);

NFCS_EXTERN_C_END
#endif
