/* NFCS core — measurements of the state. */
#ifndef NFCS_METRICS_H
#define NFCS_METRICS_H

#include "nfcs_base.h"
#include "nfcs_grid.h"

NFCS_EXTERN_C_BEGIN

/* Vortices by plaquette winding number: for each grid cell of every xy plane, the sum of the
 * wrapped phase differences around its four corners, over 2 pi.  On a periodic box the total
 * charge (positive - negative) is zero.  1D fields have none. */
typedef struct nfcs_defects {
  int64_t positive, negative;  /* cells with winding +1 (or more), -1 (or less), counted with multiplicity */
  int64_t total_charge;        /* positive - negative */
} nfcs_defects;

NFCS_API void nfcs_defects_count(const nfcs_real *phi, const nfcs_grid *g, nfcs_defects *out);

NFCS_EXTERN_C_END
#endif
