/* The kuramoto: section — its rows in the one parameter table, its cross-key checks, and which of
 * its rows a given config's model uses. */
#include <stdio.h>
#include <string.h>

#include "nfcs_kuramoto.h"
#include "nfcs_module.h"

#define OFF(field) offsetof(nfcs_kuramoto_params, field)
#define I64MAX 9.0e18

/* clang-format off */
const nfcs_param_def nfcs_kuramoto_rows[] = {
  {"kuramoto.base_coupling_strength", NFCS_PT_REAL, OFF(base_coupling_strength), "1.0", -1e12, 1e12, 0, 0, NULL, NFCS_PF_MODEL,
   "coupling strength K (scalar K for all_to_all; K_base of the matrix builder)"},
  {"kuramoto.time_step", NFCS_PT_REAL, OFF(time_step), "0.01", 0, 1e6, 0, 0, NULL, NFCS_PF_MIN_EXCLUSIVE | NFCS_PF_MODEL,
   "time step of the oscillators"},
  {"kuramoto.natural_frequencies", NFCS_PT_NAMED_REALS, OFF(natural_frequencies), "{}", -1e12, 1e12, 0, NFCS_MAX_NAMED, NULL, NFCS_PF_MODEL,
   "upstream form: name -> angular frequency (rad/s); N = number of entries, in file order"},
  {"kuramoto.oscillators", NFCS_PT_INT, OFF(oscillators), "0", 0, 1e9, 0, 0, NULL, NFCS_PF_MODEL,
   "native form: number of oscillators N, frequencies from frequency_distribution (0: use natural_frequencies)"},
  {"kuramoto.frequency_distribution.type", NFCS_PT_ENUM, OFF(freq.type), "lorentzian", 0, 0, 0, 0, "lorentzian|gaussian|uniform", NFCS_PF_MODEL,
   "distribution of natural frequencies: lorentzian (centre, half-width), gaussian (mean, std), uniform (centre +- width)"},
  {"kuramoto.frequency_distribution.center", NFCS_PT_REAL, OFF(freq.center), "0.0", -1e12, 1e12, 0, 0, NULL, NFCS_PF_MODEL,
   "centre of the frequency distribution"},
  {"kuramoto.frequency_distribution.width", NFCS_PT_REAL, OFF(freq.width), "0.5", 0, 1e12, 0, 0, NULL, NFCS_PF_MODEL,
   "width: Lorentzian half-width, Gaussian standard deviation, uniform half-range"},
  {"kuramoto.frequency_distribution.sampling", NFCS_PT_ENUM, OFF(freq.sampling), "random", 0, 0, 0, 0, "random|quantile", NFCS_PF_MODEL,
   "random (seeded draws) or deterministic quantiles of the distribution"},
  {"kuramoto.frequency_distribution.seed", NFCS_PT_INT, OFF(freq.seed), "1", 0, I64MAX, 0, 0, NULL, NFCS_PF_MODEL,
   "seed of the random frequency draws"},
  {"kuramoto.coupling", NFCS_PT_ENUM, OFF(coupling), "all_to_all", 0, 0, 0, 0, "all_to_all|mean_field|matrix|sparse", NFCS_PF_MODEL,
   "all_to_all / mean_field: scalar K through the order parameter, O(N); matrix: dense K_ij; sparse: CSR edge list"},
  {"kuramoto.normalization", NFCS_PT_ENUM, OFF(normalization), "none", 0, 0, 0, 0, "none|mean", NFCS_PF_MODEL,
   "none: sum_j K_ij sin(...) as upstream; mean: (1/N) sum_j"},
  {"kuramoto.integrator", NFCS_PT_ENUM, OFF(integrator), "rk4", 0, 0, 0, 0, "rk4|euler_maruyama|heun|upstream", NFCS_PF_MODEL,
   "rk4 (deterministic), euler_maruyama / heun (with noise), upstream (RK4 with K, alpha, u frozen, as the Python NFCS)"},
  {"kuramoto.noise", NFCS_PT_REAL, OFF(noise), "0.0", 0, 1e12, 0, 0, NULL, NFCS_PF_MODEL,
   "phase noise strength D: + sqrt(2D) xi_i(t)"},
  {"kuramoto.noise_seed", NFCS_PT_INT, OFF(noise_seed), "3", 0, I64MAX, 0, 0, NULL, NFCS_PF_MODEL,
   "seed of the phase noise"},
  {"kuramoto.phase_lag", NFCS_PT_REAL, OFF(phase_lag), "0.0", -10, 10, 0, 0, NULL, NFCS_PF_MODEL,
   "uniform phase lag alpha (Kuramoto-Sakaguchi), radians"},
  {"kuramoto.initial_phases.type", NFCS_PT_ENUM, OFF(phases.type), "random", 0, 0, 0, 0,
   "random|equal|linear|wrapped_cauchy|file", NFCS_PF_MODEL,
   "random (uniform, seeded), equal (all = value), linear (0.1 i, as upstream), wrapped_cauchy (resultant R0), file"},
  {"kuramoto.initial_phases.seed", NFCS_PT_INT, OFF(phases.seed), "2", 0, I64MAX, 0, 0, NULL, NFCS_PF_MODEL,
   "seed of random / wrapped_cauchy phases"},
  {"kuramoto.initial_phases.value", NFCS_PT_REAL, OFF(phases.value), "0.0", -1e6, 1e6, 0, 0, NULL, NFCS_PF_MODEL,
   "equal: the common phase"},
  {"kuramoto.initial_phases.R0", NFCS_PT_REAL, OFF(phases.R0), "0.5", 0, 1, 0, 0, NULL, NFCS_PF_MIN_EXCLUSIVE | NFCS_PF_MODEL,
   "wrapped_cauchy: resultant length R0 of the initial phases (Ott-Antonsen manifold)"},
  {"kuramoto.initial_phases.center", NFCS_PT_REAL, OFF(phases.center), "0.0", -1e6, 1e6, 0, 0, NULL, NFCS_PF_MODEL,
   "wrapped_cauchy: mean phase"},
  {"kuramoto.initial_phases.path", NFCS_PT_STRING, OFF(phases.path), "", 0, 0, 0, 0, NULL, NFCS_PF_MODEL | NFCS_PF_INPUT_FILE,
   "file: HDF5 file of initial phases (relative to the config's folder)"},
  {"kuramoto.initial_phases.dataset", NFCS_PT_STRING, OFF(phases.dataset), "/theta", 0, 0, 0, 0, NULL, NFCS_PF_MODEL,
   "file: dataset [N] of phases"},

  {"kuramoto.matrix.source", NFCS_PT_ENUM, OFF(matrix.source), "upstream", 0, 0, 0, 0, "file|upstream", NFCS_PF_MODEL,
   "coupling matrix: file (dataset of K_ij) or upstream (the Python NFCS's rule K_base * modulation o mask, zero diagonal, "
   "symmetrised, clipped to +-10 K_base; modulation and mask are all ones unless given)"},
  {"kuramoto.matrix.kernel", NFCS_PT_ENUM, OFF(matrix.kernel), "fused", 0, 0, 0, 0, "fused|blas", 0,
   "dense coupling kernel: fused (one pass over each row of K for both products) or blas (OpenBLAS GEMM of K against "
   "[cos, sin], complex GEMV with lags)"},
  {"kuramoto.matrix.path", NFCS_PT_STRING, OFF(matrix.path), "", 0, 0, 0, 0, NULL, NFCS_PF_MODEL | NFCS_PF_INPUT_FILE,
   "HDF5 file of the coupling matrix and its optional companions (relative to the config's folder)"},
  {"kuramoto.matrix.dataset", NFCS_PT_STRING, OFF(matrix.dataset), "/K", 0, 0, 0, 0, NULL, NFCS_PF_MODEL,
   "source file: dataset [N, N] of K_ij (row i receives from column j)"},
  {"kuramoto.matrix.lag_dataset", NFCS_PT_STRING, OFF(matrix.lag_dataset), "", 0, 0, 0, 0, NULL, NFCS_PF_MODEL,
   "optional dataset [N, N] of phase lags alpha_ij (radians); '' for none"},
  {"kuramoto.matrix.modulation_dataset", NFCS_PT_STRING, OFF(matrix.modulation_dataset), "", 0, 0, 0, 0, NULL, NFCS_PF_MODEL,
   "source upstream: optional dataset [N, N] of the modulation; '' for all ones"},
  {"kuramoto.matrix.mask_dataset", NFCS_PT_STRING, OFF(matrix.mask_dataset), "", 0, 0, 0, 0, NULL, NFCS_PF_MODEL,
   "source upstream: optional dataset [N, N] of the mask; '' for all ones"},
  {"kuramoto.sparse.path", NFCS_PT_STRING, OFF(sparse.path), "", 0, 0, 0, 0, NULL, NFCS_PF_MODEL | NFCS_PF_INPUT_FILE,
   "coupling sparse: HDF5 edge list file (relative to the config's folder)"},
  {"kuramoto.sparse.src", NFCS_PT_STRING, OFF(sparse.src), "/src", 0, 0, 0, 0, NULL, NFCS_PF_MODEL,
   "dataset of edge sources j (integers in [0, N))"},
  {"kuramoto.sparse.dst", NFCS_PT_STRING, OFF(sparse.dst), "/dst", 0, 0, 0, 0, NULL, NFCS_PF_MODEL,
   "dataset of edge targets i: oscillator i feels weight * sin(theta_j - theta_i - alpha)"},
  {"kuramoto.sparse.weight", NFCS_PT_STRING, OFF(sparse.weight), "/weight", 0, 0, 0, 0, NULL, NFCS_PF_MODEL,
   "dataset of edge weights ('' for all equal to base_coupling_strength)"},
  {"kuramoto.sparse.symmetric", NFCS_PT_BOOL, OFF(sparse.symmetric), "false", 0, 0, 0, 0, NULL, NFCS_PF_MODEL,
   "true: each edge also acts in the other direction"},

  {"kuramoto.ensemble", NFCS_PT_INT, OFF(ensemble), "1", 1, 1e6, 0, 0, NULL, NFCS_PF_MODEL,
   "members M advanced together on the same coupling (dense coupling becomes one GEMM with 2M columns)"},
  {"kuramoto.ensemble_vary", NFCS_PT_ENUM, OFF(ensemble_vary), "coupling", 0, 0, 0, 0, "coupling|frequencies|phases", NFCS_PF_MODEL,
   "what differs between members: coupling (member m has K_m from ensemble_coupling, evenly spaced; the base coupling -- "
   "scalar K, matrix or edge weights -- is scaled by K_m / base_coupling_strength), frequencies (random draws, seed + m) "
   "or phases (initial phases with seed + m)"},
  {"kuramoto.ensemble_coupling", NFCS_PT_REAL_LIST, OFF(ensemble_coupling), "[0.5, 2.0]", -1e12, 1e12, 2, 2, NULL, NFCS_PF_MODEL,
   "ensemble_vary coupling: [K of the first member, K of the last]"},
  {0}, /* the end */
};
/* clang-format on */

const nfcs_kuramoto_params *nfcs_kuramoto_section(const nfcs_params *p) { return nfcs_params_section(p, "kuramoto"); }
nfcs_kuramoto_params *nfcs_kuramoto_section_rw(nfcs_params *p) { return nfcs_params_section_rw(p, "kuramoto"); }

int64_t nfcs_kuramoto_size(const nfcs_kuramoto_params *kp) {
  return kp->oscillators > 0 ? kp->oscillators : kp->natural_frequencies.n;
}

int nfcs_kuramoto_named_frequencies(const nfcs_kuramoto_params *kp) {
  return kp->oscillators == 0 || (kp->natural_frequencies.n > 0 && kp->natural_frequencies.n == nfcs_kuramoto_size(kp));
}

int nfcs_kuramoto_validate(const nfcs_params *p, nfcs_diags *diags) {
  const nfcs_kuramoto_params *k = nfcs_kuramoto_section(p);
  int bad = 0;
#define ERR(...) (nfcs_params_error(p, diags, __VA_ARGS__), bad = 1)
  if (k->oscillators > 0 && k->natural_frequencies.n > 0 && k->oscillators != k->natural_frequencies.n)
    ERR("kuramoto.oscillators", "expected %d (the number of natural_frequencies) or no oscillators key, got %lld",
        k->natural_frequencies.n, (long long)k->oscillators);
  if (k->oscillators == 0 && k->natural_frequencies.n == 0)
    ERR("kuramoto.oscillators", "expected N >= 1: give kuramoto.oscillators or kuramoto.natural_frequencies");
  if (k->phases.type == NFCS_PHASES_FILE && !k->phases.path[0])
    ERR("kuramoto.initial_phases.path", "expected the HDF5 file of initial phases (initial_phases.type is file)");
  if (k->coupling == NFCS_COUPLING_MATRIX && k->matrix.source == NFCS_MATRIX_FILE && !k->matrix.path[0])
    ERR("kuramoto.matrix.path", "expected the HDF5 file of K (coupling is matrix, matrix.source is file)");
  if (k->coupling == NFCS_COUPLING_SPARSE && !k->sparse.path[0])
    ERR("kuramoto.sparse.path", "expected the HDF5 edge list file (coupling is sparse)");
  if (k->ensemble > 1 && p->regulator.type == NFCS_REG_PHASE_FEEDBACK)
    ERR("kuramoto.ensemble", "expected 1 with regulator.type phase_feedback (its control is per oscillator of one network)");
  if (k->ensemble > 1 && k->matrix.lag_dataset[0] && k->coupling == NFCS_COUPLING_MATRIX)
    ERR("kuramoto.ensemble", "expected 1 with a phase-lag matrix (kuramoto.matrix.lag_dataset)");
  if (k->ensemble > 1 && k->ensemble_vary == NFCS_VARY_COUPLING && k->base_coupling_strength == 0)
    ERR("kuramoto.base_coupling_strength", "expected a non-zero base coupling to scale for an ensemble that varies coupling");
  const nfcs_kuramoto_integrator_type *it = nfcs_kuramoto_integrator_at((size_t)k->integrator);
  if (k->noise > 0 && it && !it->stochastic) {
    char names[256] = "";
    for (size_t i = 0, n = 0; i < nfcs_kuramoto_integrator_count(); i++)
      if (nfcs_kuramoto_integrator_at(i)->stochastic)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", n++ ? " or " : "", nfcs_kuramoto_integrator_at(i)->name);
    ERR("kuramoto.integrator", "expected %s with kuramoto.noise > 0 (%s is deterministic)", names, it->name);
  }
#undef ERR
  return bad ? NFCS_ERR_CONFIG : NFCS_OK;
}

static int is(const char *key, const char *name) { return strcmp(key, name) == 0; }
static int starts(const char *key, const char *prefix) { return strncmp(key, prefix, strlen(prefix)) == 0; }

int nfcs_kuramoto_in_model(const nfcs_params *p, const nfcs_param_def *d) {
  const nfcs_kuramoto_params *kp = nfcs_kuramoto_section(p);
  const char *k = d->key;
  const int ens = kp->ensemble > 1, vary = kp->ensemble_vary, ph = kp->phases.type;
  const int matrix = kp->coupling == NFCS_COUPLING_MATRIX, from_file = kp->matrix.source == NFCS_MATRIX_FILE;
  if (is(k, "kuramoto.natural_frequencies")) return nfcs_kuramoto_named_frequencies(kp);
  if (starts(k, "kuramoto.frequency_distribution.")) {
    if (nfcs_kuramoto_named_frequencies(kp)) return 0;
    if (is(k, "kuramoto.frequency_distribution.seed"))
      return kp->freq.sampling == NFCS_SAMPLING_RANDOM || (ens && vary == NFCS_VARY_FREQUENCIES);
    return 1;
  }
  if (is(k, "kuramoto.noise_seed")) return kp->noise > 0;
  if (is(k, "kuramoto.initial_phases.seed"))
    return ph == NFCS_PHASES_RANDOM || ph == NFCS_PHASES_WRAPPED_CAUCHY || (ens && vary == NFCS_VARY_PHASES);
  if (is(k, "kuramoto.initial_phases.value")) return ph == NFCS_PHASES_EQUAL;
  if (is(k, "kuramoto.initial_phases.R0") || is(k, "kuramoto.initial_phases.center")) return ph == NFCS_PHASES_WRAPPED_CAUCHY;
  if (is(k, "kuramoto.initial_phases.path") || is(k, "kuramoto.initial_phases.dataset")) return ph == NFCS_PHASES_FILE;
  if (starts(k, "kuramoto.matrix.")) {
    if (!matrix) return 0;
    if (is(k, "kuramoto.matrix.dataset")) return from_file;
    if (is(k, "kuramoto.matrix.modulation_dataset") || is(k, "kuramoto.matrix.mask_dataset")) return !from_file;
    if (is(k, "kuramoto.matrix.path"))
      return from_file || kp->matrix.lag_dataset[0] || kp->matrix.modulation_dataset[0] || kp->matrix.mask_dataset[0];
    return 1; /* source, lag_dataset */
  }
  if (starts(k, "kuramoto.sparse.")) return kp->coupling == NFCS_COUPLING_SPARSE;
  if (is(k, "kuramoto.ensemble_vary")) return ens;
  if (is(k, "kuramoto.ensemble_coupling")) return ens && vary == NFCS_VARY_COUPLING;
  return 1;
}
