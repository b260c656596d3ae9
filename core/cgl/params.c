/* The cgl: section — its rows in the one parameter table, its cross-key checks, and which of its
 * rows a given config's model uses. */
#include <stdio.h>
#include <string.h>

#include "cgl_impl.h"
#include "nfcs_module.h"

#define OFF(field) offsetof(nfcs_cgl_params, field)
#define I64MAX 9.0e18

/* clang-format off */
const nfcs_param_def nfcs_cgl_rows[] = {
  {"cgl.c1", NFCS_PT_REAL, OFF(c1), "0.8", -1e6, 1e6, 0, 0, NULL, NFCS_PF_MODEL,
   "linear dispersion c1 in dphi/dt = phi + (1 + i c1) lap phi - (1 + i c3)|phi|^2 phi + u (Aranson-Kramer b)"},
  {"cgl.c3", NFCS_PT_REAL, OFF(c3), "1.5", -1e6, 1e6, 0, 0, NULL, NFCS_PF_MODEL,
   "nonlinear frequency shift c3 (Aranson-Kramer c); the uniform state is Benjamin-Feir stable iff 1 + c1 c3 > 0"},
  {"cgl.grid_size", NFCS_PT_INT_LIST, OFF(grid_size), "[128, 128]", 2, 1 << 20, 1, 3, NULL, NFCS_PF_MODEL,
   "grid points [nx] | [nx, ny] | [nx, ny, nz]; the number of entries is the dimension"},
  {"cgl.spatial_extent", NFCS_PT_REAL_LIST, OFF(spatial_extent), "[10.0, 10.0]", 0, 1e12, 1, 3, NULL, NFCS_PF_MIN_EXCLUSIVE | NFCS_PF_MODEL,
   "periodic box lengths [Lx, ...], one per grid axis; x_j = -Lx/2 + j Lx/nx"},
  {"cgl.time_step", NFCS_PT_REAL, OFF(time_step), "0.01", 0, 1e6, 0, 0, NULL, NFCS_PF_MIN_EXCLUSIVE | NFCS_PF_MODEL,
   "time step dt of the field; the last step of a run is shortened to land on run.t_end exactly"},
  {"cgl.boundary_conditions", NFCS_PT_ENUM, OFF(boundary_conditions), "periodic", 0, 0, 0, 0, "periodic", NFCS_PF_MODEL,
   "boundary conditions: the pseudo-spectral solver is periodic only (no-flux and dirichlet are refused)"},
  {"cgl.scheme", NFCS_PT_ENUM, OFF(scheme), "strang", 0, 0, 0, 0, "strang|etdrk4|upstream", NFCS_PF_MODEL,
   "time integrator: strang (2nd order exact split step), etdrk4 (4th order Cox-Matthews), upstream (the Python NFCS's 1st order step)"},
  {"cgl.dealias", NFCS_PT_ENUM, OFF(dealias), "none", 0, 0, 0, 0, "none|two_thirds|half", NFCS_PF_MODEL,
   "spectral truncation of the nonlinear term: none (as the Python NFCS), two_thirds (Orszag), half"},
  {"cgl.noise", NFCS_PT_REAL, OFF(noise), "0.0", 0, 1e12, 0, 0, NULL, NFCS_PF_MODEL,
   "strength D of additive complex white noise xi: <xi(x,t) xi*(x',t')> = 2D delta(x-x') delta(t-t')"},
  {"cgl.noise_seed", NFCS_PT_INT, OFF(noise_seed), "0", 0, I64MAX, 0, 0, NULL, NFCS_PF_MODEL,
   "seed of the field noise (counter-based Philox stream: identical for any thread count)"},
  {"cgl.initial_condition.type", NFCS_PT_ENUM, OFF(ic.type), "random_noise", 0, 0, 0, 0,
   "random_noise|plane_wave|spiral|gaussian|file", NFCS_PF_MODEL,
   "initial field: random_noise amp*(g1 + i g2), g Gaussian; plane_wave amp*exp(i k.x), k = 2 pi m/L; "
   "spiral amp*tanh(r/width)*exp(i charge atan2(y, x)); gaussian amp*exp(-|x|^2/(2 width^2)); file (path, dataset)"},
  {"cgl.initial_condition.amplitude", NFCS_PT_REAL, OFF(ic.amplitude), "0.1", 0, 1e12, 0, 0, NULL, NFCS_PF_MODEL,
   "amplitude of the initial pattern"},
  {"cgl.initial_condition.seed", NFCS_PT_INT, OFF(ic.seed), "0", 0, I64MAX, 0, 0, NULL, NFCS_PF_MODEL,
   "seed of random_noise (counter-based: the same field for any thread count and backend)"},
  {"cgl.initial_condition.path", NFCS_PT_STRING, OFF(ic.path), "", 0, 0, 0, 0, NULL, NFCS_PF_MODEL | NFCS_PF_INPUT_FILE,
   "type file: HDF5 file (relative to the config's folder) holding the initial field"},
  {"cgl.initial_condition.dataset", NFCS_PT_STRING, OFF(ic.dataset), "/phi", 0, 0, 0, 0, NULL, NFCS_PF_MODEL,
   "type file: dataset of complex numbers (h5py's {r,i} compound, float64 or float32), shape [ny, nx] | [nx] | [nz, ny, nx]"},
  {"cgl.initial_condition.wavenumber", NFCS_PT_INT_LIST, OFF(ic.wavenumber), "[1]", -1e9, 1e9, 1, 3, NULL, NFCS_PF_MODEL,
   "plane_wave: integer mode numbers m per axis (k = 2 pi m / L); missing axes are 0"},
  {"cgl.initial_condition.charge", NFCS_PT_INT, OFF(ic.charge), "1", -1000, 1000, 0, 0, NULL, NFCS_PF_MODEL,
   "spiral: topological charge (winding number) of the vortex at the centre"},
  {"cgl.initial_condition.width", NFCS_PT_REAL, OFF(ic.width), "1.0", 0, 1e12, 0, 0, NULL, NFCS_PF_MIN_EXCLUSIVE | NFCS_PF_MODEL,
   "gaussian: width sigma; spiral: core radius"},
  {0}, /* the end */
};
/* clang-format on */

const nfcs_cgl_params *nfcs_cgl_section(const nfcs_params *p) { return nfcs_params_section(p, "cgl"); }
nfcs_cgl_params *nfcs_cgl_section_rw(nfcs_params *p) { return nfcs_params_section_rw(p, "cgl"); }

int nfcs_cgl_validate(const nfcs_params *p, nfcs_diags *diags) {
  const nfcs_cgl_params *c = nfcs_cgl_section(p);
  int bad = 0;
#define ERR(...) (nfcs_params_error(p, diags, __VA_ARGS__), bad = 1)
  if (c->grid_size.n != c->spatial_extent.n) {
    if (p->origin[nfcs_param_index(nfcs_param_find("cgl.spatial_extent", NULL))])
      ERR("cgl.spatial_extent", "expected as many entries as cgl.grid_size (%d), got %d", c->grid_size.n, c->spatial_extent.n);
    else
      ERR("cgl.grid_size", "expected as many entries as cgl.spatial_extent (%d, its default), got %d", c->spatial_extent.n,
          c->grid_size.n);
  }
  double npts = 1;
  for (int i = 0; i < c->grid_size.n; i++) npts *= (double)c->grid_size.v[i];
  if (npts > 4.0e9) ERR("cgl.grid_size", "expected at most 4e9 grid points in all, got %.3g", npts);
  if (c->ic.type == NFCS_IC_FILE && !c->ic.path[0])
    ERR("cgl.initial_condition.path", "expected the HDF5 file of the initial field (initial_condition.type is file)");
  const nfcs_cgl_scheme_class *s = nfcs_cgl_scheme_class_of(c->scheme);
  if (s && !s->has_noise && c->noise > 0)
    ERR("cgl.noise", "expected 0 with scheme %s (the Python NFCS's step has no noise term)", s->info.name);
  if (s && !s->has_dealias && c->dealias != NFCS_DEALIAS_NONE)
    ERR("cgl.dealias", "expected none with scheme %s (the Python NFCS's step has no dealiasing)", s->info.name);
#undef ERR
  return bad ? NFCS_ERR_CONFIG : NFCS_OK;
}

/* the keys of cgl.initial_condition a type reads (its `keys`), the type itself always */
static int ic_reads(int type, const char *leaf) {
  const nfcs_cgl_ic_class *ic = nfcs_cgl_ic_class_of(type);
  if (!ic) return 1;
  const size_t n = strlen(leaf);
  for (const char *k = ic->info.keys; (k = strstr(k, leaf)); k += n)
    if ((k == ic->info.keys || k[-1] == ' ') && (k[n] == ' ' || k[n] == '\0')) return 1;
  return 0;
}

int nfcs_cgl_in_model(const nfcs_params *p, const nfcs_param_def *d) {
  const nfcs_cgl_params *c = nfcs_cgl_section(p);
  static const char ic_prefix[] = "cgl.initial_condition.";
  if (!strcmp(d->key, "cgl.noise_seed")) return c->noise > 0;
  if (!strncmp(d->key, ic_prefix, sizeof ic_prefix - 1) && strcmp(d->key, "cgl.initial_condition.type"))
    return ic_reads(c->ic.type, d->key + sizeof ic_prefix - 1);
  return 1;
}
