/* NFCS core — measurements of the state. */
#ifndef NFCS_METRICS_H
#define NFCS_METRICS_H

#include "nfcs_base.h"
#include "nfcs_data.h"
#include "nfcs_grid.h"
#include "nfcs_params.h"

NFCS_EXTERN_C_BEGIN

/* Vortices by plaquette winding number: for each grid cell of every xy plane, the sum of the
 * wrapped phase differences around its four corners, over 2 pi.  On a periodic box the total
 * charge (positive - negative) is zero.  Cells across the periodic seam count only where the
 * field is continuous there (a field that is not periodic, e.g. an imported single vortex or the
 * spiral initial condition, has no spurious charges at its edges).  1D fields have none. */
typedef struct nfcs_defects {
  int64_t positive, negative;  /* cells with winding +1 (or more), -1 (or less), counted with multiplicity */
  int64_t total_charge;        /* positive - negative */
} nfcs_defects;

NFCS_API void nfcs_defects_count(const nfcs_real *phi, const nfcs_grid *g, nfcs_defects *out);

/* The Python NFCS's "defect density" rho = |d2theta/dy2 - d2theta/dx2| / (2 pi) of the phase
 * theta = arg phi, derivatives as numpy.gradient applied twice (central differences inside,
 * one-sided at the edges of the array) on the phase unwrapped along each line; summed over the
 * grid (every xy plane in 3D; 1D: the x term only).  work: 2 npts reals.  Also counts vortices. */
NFCS_API void nfcs_phase_metrics(const nfcs_real *phi, const nfcs_grid *g, nfcs_real *work, double *rho_sum,
                                 nfcs_defects *defects);

/* The engine's own series of a metrics sample, from the modules' series: control_energy (0 when
 * no module has one), violations (emergency thresholds exceeded: H_a, mean rho), systemic_risk =
 * w_h H_a + w_d mean rho + w_c (1 - R_global) + w_c (1 - R_modular) (+ w_v violations: 0 as in
 * the Python NFCS, whose violation count was always 0; the count is written separately), and
 * J = w_fe E + w_fg G + w_ce C + w_cp (1 - (R_global + R_modular)/2); a series no module has counts
 * as 0. */
NFCS_API void nfcs_metrics_combine(nfcs_metric_set *m, const nfcs_params *p);

NFCS_EXTERN_C_END
#endif
