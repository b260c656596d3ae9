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

/* The kuramoto: section of a config (its rows: core/kuramoto/params.c).  Enumerations in the
 * order of the rows' choices. */
enum { NFCS_FREQ_LORENTZIAN = 0, NFCS_FREQ_GAUSSIAN, NFCS_FREQ_UNIFORM };
enum { NFCS_SAMPLING_RANDOM = 0, NFCS_SAMPLING_QUANTILE };
enum { NFCS_COUPLING_ALL_TO_ALL = 0, NFCS_COUPLING_MEAN_FIELD, NFCS_COUPLING_MATRIX, NFCS_COUPLING_SPARSE };
enum { NFCS_NORM_NONE = 0, NFCS_NORM_MEAN };
enum { NFCS_PHASES_RANDOM = 0, NFCS_PHASES_EQUAL, NFCS_PHASES_LINEAR, NFCS_PHASES_WRAPPED_CAUCHY, NFCS_PHASES_FILE };
enum { NFCS_KINT_RK4 = 0, NFCS_KINT_EULER_MARUYAMA, NFCS_KINT_HEUN, NFCS_KINT_UPSTREAM };
enum { NFCS_MATRIX_FILE = 0, NFCS_MATRIX_UPSTREAM };
enum { NFCS_DENSE_FUSED = 0, NFCS_DENSE_BLAS };
enum { NFCS_VARY_COUPLING = 0, NFCS_VARY_FREQUENCIES, NFCS_VARY_PHASES };
typedef struct nfcs_kuramoto_params {
  double base_coupling_strength, time_step;
  nfcs_named_reals natural_frequencies;
  int64_t oscillators;
  struct { int type; double center, width; int sampling; int64_t seed; } freq;
  int coupling, normalization, integrator;
  double noise, phase_lag;
  int64_t noise_seed;
  struct { int type; int64_t seed; double value, R0, center; char path[NFCS_PATH_MAX]; char dataset[NFCS_PATH_MAX]; } phases;
  struct {
    int source, kernel;
    char path[NFCS_PATH_MAX], dataset[NFCS_PATH_MAX], lag_dataset[NFCS_PATH_MAX];
    char modulation_dataset[NFCS_PATH_MAX], mask_dataset[NFCS_PATH_MAX];
  } matrix;
  struct { char path[NFCS_PATH_MAX], src[NFCS_PATH_MAX], dst[NFCS_PATH_MAX], weight[NFCS_PATH_MAX]; int symmetric; } sparse;
  int64_t ensemble;
  int ensemble_vary;
  nfcs_rvec3 ensemble_coupling;
} nfcs_kuramoto_params;
/* The section within a config (read-only, and to set values). */
NFCS_API const nfcs_kuramoto_params *nfcs_kuramoto_section(const nfcs_params *p);
NFCS_API nfcs_kuramoto_params *nfcs_kuramoto_section_rw(nfcs_params *p);

/* An integrator in the registry (kuramoto.integrator), in the order of the key's choices. */
typedef struct nfcs_kuramoto_integrator_type {
  const char *name;
  int order;        /* deterministic order */
  int stochastic;   /* takes kuramoto.noise */
  const char *description;
} nfcs_kuramoto_integrator_type;
NFCS_API size_t nfcs_kuramoto_integrator_count(void);
NFCS_API const nfcs_kuramoto_integrator_type *nfcs_kuramoto_integrator_at(size_t i);

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

/* N of the section: kuramoto.oscillators, or the number of natural_frequencies. */
NFCS_API int64_t nfcs_kuramoto_size(const nfcs_kuramoto_params *kp);
/* Do the frequencies come from natural_frequencies (else from frequency_distribution)? */
NFCS_API int nfcs_kuramoto_named_frequencies(const nfcs_kuramoto_params *kp);

/* Create the network: frequencies, initial phases, coupling (from `in` where files are
 * involved; in may be NULL otherwise), work arrays.  Errors in the data: NFCS_ERR_DATA. */
NFCS_API int nfcs_kuramoto_create(nfcs_ctx *ctx, const nfcs_params *p, nfcs_kuramoto_inputs *in, nfcs_kuramoto **out);
NFCS_API void nfcs_kuramoto_destroy(nfcs_kuramoto **k);

NFCS_API int64_t nfcs_kuramoto_n(const nfcs_kuramoto *k);
/* Ensemble members M (kuramoto.ensemble); phases and frequencies are [M][N] arrays. */
NFCS_API int64_t nfcs_kuramoto_members(const nfcs_kuramoto *k);
/* The coupling K_m of each member (host, [M]). */
NFCS_API const double *nfcs_kuramoto_member_coupling(const nfcs_kuramoto *k);
/* A distributed run shares the network among its processes (docs/mpi.md): one network by rows,
 * an ensemble by whole members, or all of it on every process (split 0, 1, 2 as
 * NFCS_KUR_WHOLE, _BY_ROWS, _BY_MEMBERS).  This process holds rows row0 .. row0 + rows - 1 of
 * members m0 .. m0 + ml - 1: local_count = rows x ml values.  One process: everything. */
NFCS_API int64_t nfcs_kuramoto_local_count(const nfcs_kuramoto *k);
NFCS_API void nfcs_kuramoto_local_block(const nfcs_kuramoto *k, int *split, int64_t *row0, int64_t *rows, int64_t *m0, int64_t *ml);
/* Order parameter of this process's members (R[ml], psi[ml]; collective when split by rows). */
NFCS_API int nfcs_kuramoto_order_members(nfcs_kuramoto *k, double *R, double *psi);
/* This process's phases ([ml][rows], host) in, out. */
NFCS_API int nfcs_kuramoto_set_phases(nfcs_kuramoto *k, const double *host);
NFCS_API int nfcs_kuramoto_get_phases(nfcs_kuramoto *k, double *host);
/* This process's phases in backend memory ([ml][rows]), valid until the network next advances. */
NFCS_API const double *nfcs_kuramoto_phases_view(const nfcs_kuramoto *k);
NFCS_API int nfcs_kuramoto_get_omega(nfcs_kuramoto *k, double *host);
/* u_i = uniform + field[i] (field: host, this process's rows, or NULL) from now on */
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

/* Natural frequencies and initial phases of the section (pure functions of the params; the same
 * on every backend). */
NFCS_API int nfcs_kuramoto_frequencies(const nfcs_kuramoto_params *kp, int64_t n, double *omega);
NFCS_API int nfcs_kuramoto_initial_phases(const nfcs_kuramoto_params *kp, int64_t n, double *theta);
/* Inverse of the standard normal CDF (full double precision). */
NFCS_API double nfcs_normal_quantile(double p);

NFCS_EXTERN_C_END
#endif
