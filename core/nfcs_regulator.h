/* NFCS core — the regulator: controls for the next tick from the metrics of this one.  Its inputs
 * are metric series by name (R_global, R_modular, R, psi) and, for phase_feedback, the phases a
 * module shares as "theta"; its outputs are controls by name, which a module takes when its type
 * lists them. */
#ifndef NFCS_REGULATOR_H
#define NFCS_REGULATOR_H

#include "nfcs_base.h"
#include "nfcs_data.h"
#include "nfcs_params.h"

NFCS_EXTERN_C_BEGIN

#define NFCS_CONTROL_FIELD "field"                     /* uniform forcing of a field */
#define NFCS_CONTROL_OSCILLATOR "oscillator"           /* uniform forcing of every oscillator */
#define NFCS_CONTROL_OSCILLATOR_EACH "oscillator_each" /* forcing per oscillator (phase_feedback) */
#define NFCS_SHARED_PHASES "theta"                     /* what phase_feedback reads */

#define NFCS_MAX_CONTROLS 8
typedef struct nfcs_control {
  const char *name;
  double value;         /* a uniform control */
  const double *each;   /* or one value per element (host), n of them */
  int64_t n;
} nfcs_control;

typedef struct nfcs_controls {
  int count;
  nfcs_control c[NFCS_MAX_CONTROLS];
} nfcs_controls;

/* The control of that name, or NULL. */
NFCS_API const nfcs_control *nfcs_control_find(const nfcs_controls *u, const char *name);

/* Does the regulator read shared phases each tick? */
NFCS_API int nfcs_regulator_needs_phases(const nfcs_params *p);
/* Controls from the metrics and, for phase_feedback, the phases theta[n] (host; NULL, n = 0 when
 * no module shares them).  each: room for n values (the per-oscillator controls point there). */
NFCS_API void nfcs_regulator_compute(const nfcs_params *p, const nfcs_metric_set *m, const double *theta, int64_t n,
                                     double *each, nfcs_controls *u);

NFCS_EXTERN_C_END
#endif
