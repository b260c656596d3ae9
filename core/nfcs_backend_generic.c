/* Generic implementations of a backend's optional operations: the field's metrics computed on the
 * host from a download, for a backend that does not compute them itself. */
#include <math.h>

#include "nfcs_internal.h"
#include "nfcs_metrics.h"

int nfcs_backend_needs_host_scratch(const nfcs_backend_ops *ops) {
  const nfcs_reduce_ops *r = ops->reduce;
  return !r->moments || !r->k2_sum || !r->phase_metrics;
}

int nfcs_backend_moments(const nfcs_backend_ops *ops, void *be, const nfcs_real *phi, size_t n, nfcs_real *host, double *sum_abs,
                         double *sum_abs2) {
  if (ops->reduce->moments) return ops->reduce->moments(be, phi, n, sum_abs, sum_abs2);
  NFCS_CHECK(ops->memory->download(be, host, phi, n));
  double a = 0, b = 0;
  for (size_t i = 0; i < n; i++) {
    const double m2 = (double)host[2 * i] * host[2 * i] + (double)host[2 * i + 1] * host[2 * i + 1];
    a += sqrt(m2);
    b += m2;
  }
  *sum_abs = a;
  *sum_abs2 = b;
  return NFCS_OK;
}

int nfcs_backend_k2_sum(const nfcs_backend_ops *ops, void *be, const nfcs_real *spec, const nfcs_grid *g, nfcs_real *host,
                        double *sum) {
  if (ops->reduce->k2_sum) return ops->reduce->k2_sum(be, spec, g, sum);
  NFCS_CHECK(ops->memory->download(be, host, spec, g->npts));
  double total = 0;
  for (size_t i = 0; i < g->npts; i++)
    total += nfcs_grid_k2(g, i) * ((double)host[2 * i] * host[2 * i] + (double)host[2 * i + 1] * host[2 * i + 1]);
  *sum = total;
  return NFCS_OK;
}

int nfcs_backend_phase_metrics(const nfcs_backend_ops *ops, void *be, const nfcs_real *phi, const nfcs_grid *g, nfcs_real *work,
                               nfcs_real *host, double *rho_sum, int64_t *positive, int64_t *negative) {
  if (ops->reduce->phase_metrics) return ops->reduce->phase_metrics(be, phi, g, work, rho_sum, positive, negative);
  NFCS_CHECK(ops->memory->download(be, host, phi, g->npts));
  nfcs_defects d;
  nfcs_phase_metrics(host, g, host + 2 * g->npts, rho_sum, &d); /* the field, then 2 npts reals of work */
  *positive = d.positive;
  *negative = d.negative;
  return NFCS_OK;
}
