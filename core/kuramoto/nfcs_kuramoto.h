/* NFCS core — networks of Kuramoto oscillators
 *   dtheta_i/dt = omega_i + kappa sum_j K_ij sin(theta_j - theta_i - alpha_ij) + u_i + sqrt(2D) xi_i,
 * kappa = 1 (normalization none, as the Python NFCS) or 1/N (mean), phases wrapped to [-pi, pi).
 * Coupling: mean field (scalar K, O(N)), dense K (and lags), sparse CSR. */
#ifndef NFCS_KURAMOTO_H
#define NFCS_KURAMOTO_H

#include "nfcs_base.h"
#include "nfcs_params.h"

NFCS_EXTERN_C_BEGIN

typedef struct nfcs_kuramoto nfcs_kuramoto;

/* Data read from files by io/ (host memory from malloc; the model takes ownership of every
 * non-NULL array and frees it). */
typedef struct nfcs_kuramoto_inputs {
  double *K;           /* [N, N] coupling matrix (matrix.source file), or NULL */
  double *lag;         /* [N, N] phase lags, or NULL */
  double *modulation;  /* [N, N] (matrix.source upstream), or NULL: all ones */
  double *mask;        /* [N, N] (matrix.source upstream), or NULL: all ones */
  int64_t nedges;
  int64_t *src, *dst;  /* [nedges] edge list (sparse), or NULL */
  double *weight;      /* [nedges], or NULL: all base_coupling_strength */
  double *theta0;      /* [N] initial phases (initial_phases.type file), or NULL */
} nfcs_kuramoto_inputs;

NFCS_API void nfcs_kuramoto_inputs_free(nfcs_kuramoto_inputs *in);

/* N of the config: kuramoto.oscillators, or the number of natural_frequencies. */
NFCS_API int64_t nfcs_kuramoto_size(const nfcs_params *p);

/* Create the network: frequencies, initial phases, coupling (from `in` where files are
 * involved; in may be NULL otherwise), work arrays.  Errors in the data: NFCS_ERR_DATA. */
NFCS_API int nfcs_kuramoto_create(nfcs_ctx *ctx, const nfcs_params *p, nfcs_kuramoto_inputs *in, nfcs_kuramoto **out);
NFCS_API void nfcs_kuramoto_destroy(nfcs_kuramoto **k);

NFCS_API int64_t nfcs_kuramoto_n(const nfcs_kuramoto *k);
/* Ensemble members M (kuramoto.ensemble); phases and frequencies are [M][N] arrays. */
NFCS_API int64_t nfcs_kuramoto_members(const nfcs_kuramoto *k);
/* The coupling K_m of each member (host, [M]). */
NFCS_API const double *nfcs_kuramoto_member_coupling(const nfcs_kuramoto *k);
/* Order parameter of every member (R[M], psi[M]). */
NFCS_API int nfcs_kuramoto_order_members(nfcs_kuramoto *k, double *R, double *psi);
NFCS_API int nfcs_kuramoto_set_phases(nfcs_kuramoto *k, const double *host);
NFCS_API int nfcs_kuramoto_get_phases(nfcs_kuramoto *k, double *host);
NFCS_API int nfcs_kuramoto_get_omega(nfcs_kuramoto *k, double *host);
/* u_i = uniform + field[i] (field: host [N] or NULL) from now on */
NFCS_API int nfcs_kuramoto_set_control(nfcs_kuramoto *k, double uniform, const double *field);

NFCS_API int nfcs_kuramoto_step(nfcs_kuramoto *k, double h);
NFCS_API int nfcs_kuramoto_advance_to(nfcs_kuramoto *k, double t);
/* The same, returning NFCS_ERR_INTERRUPTED after the step during which *stop became non-zero. */
NFCS_API int nfcs_kuramoto_advance(nfcs_kuramoto *k, double t, const volatile int *stop);
/* Exact state (phases, controls, clock) into a bundle under "kuramoto/", and back. */
struct nfcs_bundle;
NFCS_API size_t nfcs_kuramoto_state_bytes(const nfcs_kuramoto *k);
NFCS_API int nfcs_kuramoto_save(nfcs_kuramoto *k, struct nfcs_bundle *b);
NFCS_API int nfcs_kuramoto_restore(nfcs_kuramoto *k, const struct nfcs_bundle *b);
/* Order parameter R e^{i psi} = (1/N) sum_j e^{i theta_j} (of the first member of an ensemble). */
NFCS_API int nfcs_kuramoto_order(nfcs_kuramoto *k, double *R, double *psi);

NFCS_API double nfcs_kuramoto_time(const nfcs_kuramoto *k);
NFCS_API int64_t nfcs_kuramoto_steps(const nfcs_kuramoto *k);
NFCS_API double nfcs_kuramoto_dt(const nfcs_kuramoto *k);
/* Are the phases finite?  *finite set; the status of the check.  _finite: 1 when checked and finite. */
NFCS_API int nfcs_kuramoto_check_finite(nfcs_kuramoto *k, int *finite);
NFCS_API int nfcs_kuramoto_finite(nfcs_kuramoto *k);
NFCS_API size_t nfcs_kuramoto_memory(const nfcs_kuramoto *k);

/* Natural frequencies and initial phases of the config (pure functions of the params; the
 * same on every backend).  theta: NULL to skip. */
NFCS_API int nfcs_kuramoto_frequencies(const nfcs_params *p, int64_t n, double *omega);
NFCS_API int nfcs_kuramoto_initial_phases(const nfcs_params *p, int64_t n, double *theta);
/* Inverse of the standard normal CDF (full double precision). */
NFCS_API double nfcs_normal_quantile(double p);

NFCS_EXTERN_C_END
#endif
