/* NFCS core — the complex Ginzburg-Landau field
 *   dphi/dt = phi + (1 + i c1) lap phi - (1 + i c3)|phi|^2 phi + u(x, t)  (+ noise)
 * on a periodic box in 1, 2 or 3 dimensions, advanced by a pseudo-spectral scheme chosen by name.
 * Step-level API: the caller (the run loop, later the coordinator) owns the loop. */
#ifndef NFCS_CGL_H
#define NFCS_CGL_H

#include "nfcs_base.h"
#include "nfcs_grid.h"
#include "nfcs_metrics.h"
#include "nfcs_params.h"

NFCS_EXTERN_C_BEGIN

typedef struct nfcs_cgl nfcs_cgl;

/* The cgl: section of a config (its rows: core/cgl/params.c).  Enumerations in the order of the
 * rows' choices. */
enum { NFCS_BC_PERIODIC = 0 };
enum { NFCS_SCHEME_STRANG = 0, NFCS_SCHEME_ETDRK4 = 1, NFCS_SCHEME_UPSTREAM = 2 };
enum { NFCS_IC_RANDOM_NOISE = 0, NFCS_IC_PLANE_WAVE, NFCS_IC_SPIRAL, NFCS_IC_GAUSSIAN, NFCS_IC_FILE };
typedef struct nfcs_cgl_params {
  double c1, c3;
  nfcs_ivec3 grid_size;
  nfcs_rvec3 spatial_extent;
  double time_step;
  int boundary_conditions, scheme, dealias;
  double noise;
  int64_t noise_seed;
  struct {
    int type;
    double amplitude;
    int64_t seed;
    char path[NFCS_PATH_MAX];
    char dataset[NFCS_PATH_MAX];
    nfcs_ivec3 wavenumber;
    int64_t charge;
    double width;
  } ic;
} nfcs_cgl_params;
/* The section within a config (read-only, and to set values). */
NFCS_API const nfcs_cgl_params *nfcs_cgl_section(const nfcs_params *p);
NFCS_API nfcs_cgl_params *nfcs_cgl_section_rw(nfcs_params *p);

/* A scheme in the registry (cgl.scheme), in the order of the key's choices. */
typedef struct nfcs_cgl_scheme_type {
  const char *name;
  int order;            /* temporal order */
  int ffts_per_step;
  const char *description;
} nfcs_cgl_scheme_type;
NFCS_API size_t nfcs_cgl_scheme_count(void);
NFCS_API const nfcs_cgl_scheme_type *nfcs_cgl_scheme_at(size_t i);

/* An initial condition in the registry (cgl.initial_condition.type), in the order of the choices. */
typedef struct nfcs_cgl_ic_type {
  const char *name;
  const char *description;
  const char *keys; /* the keys of cgl.initial_condition it reads, space-separated ("amplitude seed") */
} nfcs_cgl_ic_type;
NFCS_API size_t nfcs_cgl_ic_count(void);
NFCS_API const nfcs_cgl_ic_type *nfcs_cgl_ic_at(size_t i);

/* Create the field for params->cgl on the context's backend: allocates every array, plans the
 * FFTs and precomputes the coefficients of a full step.  The field starts at zero, t = 0. */
NFCS_API int nfcs_cgl_create(nfcs_ctx *ctx, const nfcs_params *p, nfcs_cgl **out);
NFCS_API void nfcs_cgl_destroy(nfcs_cgl **c);

/* Set the field from host values (this process's points: grid->nloc complex, C order, x fastest;
 * on one process the whole grid, npts). */
NFCS_API int nfcs_cgl_set_field(nfcs_cgl *c, const nfcs_real *host);
/* The observable field at the current time into host memory (this process's nloc points).  Never
 * changes the trajectory (pending split-step halves are applied to a copy). */
NFCS_API int nfcs_cgl_get_field(nfcs_cgl *c, nfcs_real *host);
/* The observable field in backend memory (nloc complex), valid until the field next changes. */
NFCS_API int nfcs_cgl_view(nfcs_cgl *c, const nfcs_real **field);
/* Fill host (g->nloc complex: this process's points) with the initial pattern of
 * params->cgl.initial_condition (all types but file, which io/ reads: NFCS_ERR_CONFIG).  Pure
 * function of the params and the global point index: the same on every backend and any number of
 * processes. */
NFCS_API int nfcs_cgl_pattern(const nfcs_params *p, const nfcs_grid *g, nfcs_real *host);

/* The forcing u(x) = (re + i im) + field(x) from now on (field: host, this process's nloc complex,
 * or NULL; collective on a distributed grid). */
NFCS_API int nfcs_cgl_set_control(nfcs_cgl *c, double re, double im, const nfcs_real *field);

/* Precompute the coefficients of a step of size h (0 < h <= dt), so that advancing never plans
 * or allocates.  The full step dt is prepared by create. */
NFCS_API int nfcs_cgl_prepare(nfcs_cgl *c, double h);
/* One step of size h (0 < h <= dt). */
NFCS_API int nfcs_cgl_step(nfcs_cgl *c, double h);
/* Advance to model time t: steps of dt on the grid t_k = k dt, a shortened step where t falls
 * between grid times, landing on t exactly. */
NFCS_API int nfcs_cgl_advance_to(nfcs_cgl *c, double t);
/* The same, returning NFCS_ERR_INTERRUPTED after the step during which *stop became non-zero. */
NFCS_API int nfcs_cgl_advance(nfcs_cgl *c, double t, const volatile int *stop);

/* The exact state (field or spectral state, pending half step, controls, clock) into a bundle
 * under "cgl/", and back.  state_bytes: room it needs. */
struct nfcs_bundle;
NFCS_API size_t nfcs_cgl_state_bytes(const nfcs_cgl *c);
NFCS_API int nfcs_cgl_save(nfcs_cgl *c, struct nfcs_bundle *b);
NFCS_API int nfcs_cgl_restore(nfcs_cgl *c, const struct nfcs_bundle *b);
/* Prepare the step sizes that landing on time t needs (t between grid times splits a step). */
NFCS_API int nfcs_cgl_prepare_time(nfcs_cgl *c, double t);

NFCS_API double nfcs_cgl_time(const nfcs_cgl *c);
NFCS_API int64_t nfcs_cgl_steps(const nfcs_cgl *c);
NFCS_API const nfcs_grid *nfcs_cgl_grid(const nfcs_cgl *c);
NFCS_API double nfcs_cgl_dt(const nfcs_cgl *c);
/* The field's metrics at the current time.  `full` = 0 computes only R_global, field_energy and
 * control_energy (what the regulator needs each tick). */
typedef struct nfcs_field_metrics {
  double R_global;                               /* mean |phi| (upstream) */
  double field_energy, gradient_energy, control_energy; /* int |phi|^2, int |grad phi|^2 (spectral), int |u|^2 */
  double defect_density;                         /* mean of the upstream rho over the grid */
  double hallucination_number;                   /* H_a = sum rho dA */
  nfcs_defects defects;                          /* vortices by winding number */
} nfcs_field_metrics;
NFCS_API int nfcs_cgl_metrics(nfcs_cgl *c, nfcs_field_metrics *m, int full);

/* Is the state finite everywhere?  *finite set; the status of the check (a failed device call). */
NFCS_API int nfcs_cgl_check_finite(nfcs_cgl *c, int *finite);
/* 1 when the state is finite everywhere (and the check succeeded). */
NFCS_API int nfcs_cgl_finite(nfcs_cgl *c);
/* Bytes of backend memory held. */
NFCS_API size_t nfcs_cgl_memory(const nfcs_cgl *c);
/* How many sets of step coefficients were computed so far (the full step at create, and one per
 * other step size): advancing over prepared sizes computes none. */
NFCS_API int64_t nfcs_cgl_coefficient_builds(const nfcs_cgl *c);

NFCS_EXTERN_C_END
#endif
