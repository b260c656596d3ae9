/* The CGL field: what every scheme shares — arrays, the coefficients of each step size, the
 * forcing, the clock, checkpoints and metrics.  The schemes (strang.c, etdrk4.c, upstream.c) and
 * the initial conditions (ic_*.c) are type objects in files of their own (registry.c). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cgl_impl.h"
#include "nfcs_bundle.h"
#include "nfcs_metrics.h"
#include "nfcs_procs_ops.h"
#include "nfcs_rng.h"
#include "nfcs_stencils.h"

/* ---------------------------------------------------------------- services of the schemes */

int nfcs_cgl_alloc_array(nfcs_cgl *c, nfcs_real **p) {
  NFCS_CHECK(c->ops->memory->alloc(c->be, c->g.nalloc, p));
  c->bytes += c->g.nalloc * 2 * sizeof(nfcs_real);
  return NFCS_OK;
}

static void free_arr(nfcs_cgl *c, nfcs_real **p) {
  if (*p) {
    c->ops->memory->free(c->be, *p);
    c->bytes -= c->g.nalloc * 2 * sizeof(nfcs_real);
  }
  *p = NULL;
}

int nfcs_cgl_separable_factors(nfcs_cgl *c, nfcs_real **axis, double h, double growth) {
  return nfcs_cgl_separable_exp(c, axis, h, growth, 1.0 / (double)c->g.npts);
}

int nfcs_cgl_separable_exp(nfcs_cgl *c, nfcs_real **axis, double h, double growth, double norm) {
  for (int a = 0; a < c->g.dim; a++) {
    const int64_t n = c->g.n[a];
    if (!axis[a]) {
      NFCS_CHECK(c->ops->memory->alloc(c->be, (size_t)n, &axis[a]));
      c->bytes += (size_t)n * 2 * sizeof(nfcs_real);
    }
    nfcs_real *host = malloc(sizeof(nfcs_real) * 2 * (size_t)n);
    if (!host) return NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory");
    /* the constant factor e^{h g} norm goes into the x axis */
    const double scale = a == 0 ? exp(h * growth) * norm : 1.0;
    for (int64_t j = 0; j < n; j++) {
      const double k = nfcs_grid_k(&c->g, a, j);
      const int keep = nfcs_dealias_keep(j, n, c->dealias);
      double complex v = keep ? scale * cexp(-h * (1.0 + I * c->c1) * k * k) : 0.0;
      host[2 * j] = (nfcs_real)creal(v);
      host[2 * j + 1] = (nfcs_real)cimag(v);
    }
    int rc = c->ops->memory->upload(c->be, axis[a], host, (size_t)n);
    free(host);
    NFCS_CHECK(rc);
  }
  return NFCS_OK;
}

nfcs_forcing nfcs_cgl_forcing(const nfcs_cgl *c) {
  nfcs_forcing u = {c->ure, c->uim, c->has_ufield ? c->ufield[c->ucur] : NULL};
  return u;
}

nfcs_noise nfcs_cgl_step_noise(const nfcs_cgl *c, double h, int per_mode) {
  nfcs_noise noise = {0};
  if (c->noise_D > 0) {
    noise.sigma = per_mode ? sqrt(c->noise_D * h / (c->g.cell_volume * (double)c->g.npts)) : sqrt(c->noise_D * h / c->g.cell_volume);
    noise.seed = c->noise_seed;
    noise.stream = NFCS_STREAM_CGL_NOISE;
    noise.step = (uint64_t)c->clock.steps;
    /* keyed by the global index: the same draws on any number of processes */
    if (per_mode && c->g.distributed) noise.spec = &c->g;
    else if (!per_mode) noise.base = nfcs_grid_phys_base(&c->g);
  }
  return noise;
}

/* ---------------------------------------------------------------- coefficients */

static int compute_slot(nfcs_cgl *c, nfcs_cgl_coefs *s, double h) {
  c->coef_builds++;
  NFCS_CHECK(c->scheme->coefficients(c, s, h));
  s->h = h;
  s->used = 1;
  return NFCS_OK;
}

/* Step sizes are quantised to dt / 2^40: remainders that are equal in exact arithmetic but differ
 * in their last bits (0.7 - 0.69 against 0.1 - 0.09) become one value, so the coefficients — a
 * pure function of the quantised step — and the trajectory do not depend on which sizes were met
 * or prepared before (restart bit-identity). */
static double quantise(const nfcs_cgl *c, double h) {
  const double q = 1099511627776.0; /* 2^40 */
  return c->dt * (nearbyint(h / c->dt * q) / q);
}

static int find_slot(nfcs_cgl *c, double h, nfcs_cgl_coefs **out) {
  nfcs_cgl_coefs *victim = NULL;
  for (int i = 0; i < NFCS_CGL_SLOTS; i++) {
    nfcs_cgl_coefs *s = &c->slot[i];
    if (s->used && s->h == h) {
      s->last_use = ++c->use_clock;
      *out = s;
      return NFCS_OK;
    }
  }
  /* not prepared: take a free slot, or the least recently used one other than the full step */
  for (int i = 1; i < NFCS_CGL_SLOTS; i++) {
    nfcs_cgl_coefs *s = &c->slot[i];
    if (!s->used) { victim = s; break; }
    if (!victim || s->last_use < victim->last_use) victim = s;
  }
  nfcs_log(c->ctx, NFCS_LOG_DEBUG, "cgl: computing coefficients for a step of %.17g", h);
  NFCS_CHECK(compute_slot(c, victim, h));
  victim->last_use = ++c->use_clock;
  *out = victim;
  return NFCS_OK;
}

/* The coefficients of a step of size h: the one place where a step size is checked and quantised,
 * for preparing and for stepping alike (so a prepared size is the size a step looks up). */
int nfcs_cgl_coefficients(nfcs_cgl *c, double h, nfcs_cgl_coefs **out) {
  const double hq = quantise(c, h);
  if (!(hq > 0) || hq > c->dt * (1 + 1e-9))
    return NFCS_ERROR(c->ctx, NFCS_ERR_SOFTWARE, "step %.17g outside (0, dt = %.17g]", h, c->dt);
  return find_slot(c, hq, out);
}

int nfcs_cgl_prepare(nfcs_cgl *c, double h) {
  nfcs_cgl_coefs *s;
  return nfcs_cgl_coefficients(c, h, &s);
}

/* ---------------------------------------------------------------- create / destroy */

int nfcs_cgl_create(nfcs_ctx *ctx, const nfcs_params *p, nfcs_cgl **out) {
  *out = NULL;
  if (!ctx->ops) return NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "no backend bound to the context");
  if (!ctx->ops->field || !ctx->ops->fft)
    return NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "backend '%s' does not run the CGL field (use backend.device: cpu)",
                      ctx->backend_type ? ctx->backend_type->name : "?");
  const nfcs_cgl_params *cp = nfcs_cgl_section(p);
  const nfcs_cgl_scheme_class *scheme = nfcs_cgl_scheme_class_of(cp->scheme);
  if (!scheme) return NFCS_ERROR(ctx, NFCS_ERR_CONFIG, "cgl.scheme: no scheme number %d", cp->scheme);
  if (cp->noise > 0 && !scheme->has_noise)
    return NFCS_ERROR(ctx, NFCS_ERR_CONFIG, "cgl.noise: the %s scheme has no noise term (use strang or etdrk4)", scheme->info.name);
  nfcs_cgl *c = calloc(1, sizeof *c);
  if (!c) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  c->ctx = ctx;
  c->ops = ctx->ops;
  c->be = ctx->backend;
  c->scheme = scheme;
  c->dealias = cp->dealias;
  c->c1 = cp->c1;
  c->c3 = cp->c3;
  c->dt = cp->time_step;
  c->clock.dt = c->dt;
  c->noise_D = cp->noise;
  c->noise_seed = (uint64_t)cp->noise_seed;
  int rc = nfcs_grid_init(&c->g, cp->grid_size.n, cp->grid_size.v, cp->spatial_extent.v);
  if (rc) { free(c); return NFCS_ERROR(ctx, rc, "cgl.grid_size and cgl.spatial_extent disagree"); }
  /* several processes share a 2D or 3D grid in slabs (a line stays whole on each of them) */
  if (nfcs_procs_distributed() && c->g.dim >= 2) {
    if (!c->ops->fft->distribute) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "backend '%s' runs the field on one process only (under mpirun use backend.device: cpu)",
                      ctx->backend_type ? ctx->backend_type->name : "?");
      goto fail;
    }
    NFCS_CHECK_GOTO(c->ops->fft->distribute(c->be, &c->g), fail);
  }

  rc = nfcs_cgl_alloc_array(c, &c->phi);
  if (!rc) rc = nfcs_cgl_alloc_array(c, &c->spec);
  c->view = c->phi;
  c->work = c->spec;
  if (!rc && scheme->init) rc = scheme->init(c);
  /* planning is collective: every process goes on only when all of them have their arrays */
  NFCS_CHECK_GOTO(nfcs_procs_check(ctx, rc), fail);
  /* plan before any data is set: FFTW_MEASURE overwrites the arrays it plans on */
  NFCS_CHECK_GOTO(c->ops->fft->create(c->be, &c->g, c->phi, c->spec, &c->fft), fail);
  NFCS_CHECK_GOTO(compute_slot(c, &c->slot[0], c->dt), fail);
  if (nfcs_backend_needs_host_scratch(c->ops)) {
    c->host_scratch = malloc(sizeof(nfcs_real) * 4 * c->g.nalloc);
    if (!c->host_scratch) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); goto fail; }
  }
  c->slot[0].last_use = ~0ull; /* the full step is never evicted */
  {
    /* zero state after planning */
    nfcs_real *zero = calloc(c->g.nalloc * 2, sizeof(nfcs_real));
    if (!zero) { rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); goto fail; }
    rc = nfcs_cgl_set_field(c, zero);
    free(zero);
    if (rc) goto fail;
  }
  *out = c;
  return NFCS_OK;
fail:
  nfcs_cgl_destroy(&c);
  return rc;
}

void nfcs_cgl_destroy(nfcs_cgl **pc) {
  if (!pc || !*pc) return;
  nfcs_cgl *c = *pc;
  if (c->fft) c->ops->fft->destroy(c->be, &c->fft);
  for (int i = 0; i < NFCS_CGL_SLOTS; i++) {
    nfcs_cgl_coefs *s = &c->slot[i];
    for (int a = 0; a < 6; a++) free_arr(c, &s->arr[a]);
    for (int a = 0; a < 3; a++)
      for (int f = 0; f < 2; f++) {
        nfcs_real **ax = f ? &s->fused[a] : &s->axis[a];
        if (!*ax) continue;
        c->ops->memory->free(c->be, *ax);
        c->bytes -= (size_t)c->g.n[a] * 2 * sizeof(nfcs_real);
        *ax = NULL;
      }
  }
  if (c->view != c->phi) free_arr(c, &c->view);
  for (int a = 0; a < 5; a++) free_arr(c, &c->stage[a]);
  nfcs_real **arrs[] = {&c->phi, &c->spec, &c->ufield[0], &c->ufield[1]};
  for (size_t a = 0; a < sizeof arrs / sizeof arrs[0]; a++) free_arr(c, arrs[a]);
  free(c->host_scratch);
  free(c->slab);
  free(c);
  *pc = NULL;
}

/* ---------------------------------------------------------------- state in and out */

/* the array that holds the state */
static nfcs_real *state_array(const nfcs_cgl *c) { return c->scheme->spectral_state ? c->spec : c->phi; }

/* ---------------------------------------------------------------- the whole grid and this process's part */


/* An array of the grid (physical, or spectral in the grid's layout) in the whole grid's C order,
 * into dst (npts complex, host) on the first process; collective.  Distributed spectral arrays
 * come from FFTW's transposed layout, so a checkpoint holds the same thing on any number of
 * processes. */
static int gather_global(nfcs_cgl *c, const nfcs_real *arr, int spectral, nfcs_real *dst) {
  const nfcs_grid *g = &c->g;
  if (!g->distributed) return c->ops->memory->download(c->be, dst, arr, g->npts);
  const size_t nl = spectral ? g->nspec : g->nloc;
  const int root = nfcs_procs()->rank == 0;
  nfcs_real *mine = malloc(sizeof(nfcs_real) * 2 * (nl ? nl : 1)), *all = spectral && root ? malloc(sizeof(nfcs_real) * 2 * g->npts) : NULL;
  int rc = !mine || (spectral && root && !all) ? NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory gathering the field") : NFCS_OK;
  if (!rc) rc = c->ops->memory->download(c->be, mine, arr, nl);
  /* every process takes part, even after a failure of its own (the others wait for it) */
  const int grc = nfcs_procs()->gatherv(mine, (int64_t)nl, 2 * sizeof(nfcs_real), spectral ? all : dst, 0);
  if (!rc) rc = grc;
  if (!rc && spectral && root) {
    /* the gathered slabs are the whole transposed array: its points in C order */
    nfcs_grid whole = *g;
    whole.spec_n[0] = g->n[g->spec_axis[0]];
    whole.spec_offset = 0;
    for (size_t i = 0; i < g->npts; i++) {
      const uint64_t at = nfcs_grid_spec_global(&whole, i);
      dst[2 * at] = all[2 * i];
      dst[2 * at + 1] = all[2 * i + 1];
    }
  }
  free(mine);
  free(all);
  return rc;
}

/* This process's part of an array given in the whole grid's C order (host) into arr. */
static int take_local(nfcs_cgl *c, const nfcs_real *global, int spectral, nfcs_real *arr) {
  const nfcs_grid *g = &c->g;
  if (!g->distributed) return c->ops->memory->upload(c->be, arr, global, g->npts);
  if (!spectral) return c->ops->memory->upload(c->be, arr, global + 2 * nfcs_grid_phys_base(g), g->nloc);
  nfcs_real *mine = malloc(sizeof(nfcs_real) * 2 * (g->nspec ? g->nspec : 1));
  if (!mine) return NFCS_ERROR(c->ctx, NFCS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < g->nspec; i++) {
    const uint64_t at = nfcs_grid_spec_global(g, i);
    mine[2 * i] = global[2 * at];
    mine[2 * i + 1] = global[2 * at + 1];
  }
  const int rc = c->ops->memory->upload(c->be, arr, mine, g->nspec);
  free(mine);
  return rc;
}

int nfcs_cgl_set_field(nfcs_cgl *c, const nfcs_real *host) {
  c->pending = 0;
  c->view_valid = 0;
  if (c->scheme->set_field) return c->scheme->set_field(c, host);
  return c->ops->memory->upload(c->be, c->phi, host, c->g.nloc);
}

/* Bring the observable field into c->view (backend memory). */
static int sync_view(nfcs_cgl *c) {
  if (c->view_valid) return NFCS_OK;
  c->view_valid = 1;
  c->k2_valid = 0;
  return c->scheme->sync_view ? c->scheme->sync_view(c) : NFCS_OK;
}

int nfcs_cgl_get_field(nfcs_cgl *c, nfcs_real *host) {
  NFCS_CHECK(sync_view(c));
  return c->ops->memory->download(c->be, host, c->view, c->g.nloc);
}

int nfcs_cgl_view(nfcs_cgl *c, const nfcs_real **field) {
  NFCS_CHECK(sync_view(c));
  *field = c->view;
  return NFCS_OK;
}

int nfcs_cgl_set_control(nfcs_cgl *c, double re, double im, const nfcs_real *field) {
  c->ure = re;
  c->uim = im;
  if (!field) {
    c->has_ufield = 0;
    c->u_sum2 = (re * re + im * im) * (double)c->g.npts;
    return NFCS_OK;
  }
  double s2 = 0;
  for (size_t i = 0; i < c->g.nloc; i++) {
    double a = re + field[2 * i], b = im + field[2 * i + 1];
    s2 += a * a + b * b;
  }
  NFCS_CHECK(nfcs_procs()->sum(&s2, 1)); /* this process's part of the field: collective */
  c->u_sum2 = s2;
  int next = c->has_ufield ? 1 - c->ucur : c->ucur;
  if (!c->ufield[next]) NFCS_CHECK(nfcs_cgl_alloc_array(c, &c->ufield[next]));
  NFCS_CHECK(c->ops->memory->upload(c->be, c->ufield[next], field, c->g.nloc));
  c->ucur = next;
  c->has_ufield = 1;
  return NFCS_OK;
}

/* ---------------------------------------------------------------- steps */

static int step_h(nfcs_cgl *c, double h) {
  c->view_valid = 0;
  nfcs_cgl_coefs *s;
  NFCS_CHECK(nfcs_cgl_coefficients(c, h, &s));
  return c->scheme->step(c, s);
}

int nfcs_cgl_step(nfcs_cgl *c, double h) {
  NFCS_CHECK(step_h(c, h));
  nfcs_clock_free_step(&c->clock, h);
  return NFCS_OK;
}

static double ttol(const nfcs_cgl *c) { return nfcs_clock_tol(&c->clock); }

static int step_cb(void *self, double h) { return step_h(self, h); }

int nfcs_cgl_advance(nfcs_cgl *c, double t, const volatile int *stop) {
  return nfcs_clock_advance(&c->clock, t, stop, step_cb, c);
}

int nfcs_cgl_advance_to(nfcs_cgl *c, double t) { return nfcs_cgl_advance(c, t, NULL); }

/* the first process holds the whole state of a checkpoint; the others only their scalars */
static int keeps_state(const nfcs_cgl *c) { return !c->g.distributed || nfcs_procs()->rank == 0; }

size_t nfcs_cgl_state_bytes(const nfcs_cgl *c) { return (keeps_state(c) ? 3 * c->g.npts * 2 * sizeof(nfcs_real) : 0) + 64 * 16; }

int nfcs_cgl_save(nfcs_cgl *c, nfcs_bundle *b) {
  const size_t n = c->g.npts;
  const nfcs_real *state = state_array(c);
  /* the whole grid, on the first process (which writes the checkpoint) */
  const int keep = keeps_state(c);
  nfcs_real *dst = keep ? nfcs_bundle_reserve(b, "cgl/state", NFCS_BK_REAL, 2 * n) : NULL;
  if (keep && !dst) return NFCS_ERROR(c->ctx, NFCS_ERR_SOFTWARE, "checkpoint buffer too small");
  NFCS_CHECK(gather_global(c, state, c->scheme->spectral_state, dst));
  const double clock[] = {c->clock.t, c->pending_h, c->pending_u.re, c->pending_u.im, c->ure, c->uim, c->u_sum2};
  const int64_t ints[] = {c->clock.grid_index, c->clock.steps, c->pending, c->pending_u.field != NULL, c->has_ufield};
  int rc = nfcs_bundle_put(b, "cgl/reals", NFCS_BK_F64, sizeof clock / sizeof clock[0], clock);
  if (!rc) rc = nfcs_bundle_put(b, "cgl/ints", NFCS_BK_I64, sizeof ints / sizeof ints[0], ints);
  if (!rc && c->pending_u.field) {
    nfcs_real *u = keep ? nfcs_bundle_reserve(b, "cgl/pending_u_field", NFCS_BK_REAL, 2 * n) : NULL;
    rc = u || !keep ? gather_global(c, c->pending_u.field, 0, u) : NFCS_ERR_SOFTWARE;
  }
  if (!rc && c->has_ufield) {
    nfcs_real *u = keep ? nfcs_bundle_reserve(b, "cgl/u_field", NFCS_BK_REAL, 2 * n) : NULL;
    rc = u || !keep ? gather_global(c, c->ufield[c->ucur], 0, u) : NFCS_ERR_SOFTWARE;
  }
  if (rc) return NFCS_ERROR(c->ctx, NFCS_ERR_SOFTWARE, "checkpoint buffer too small");
  return NFCS_OK;
}

int nfcs_cgl_restore(nfcs_cgl *c, const nfcs_bundle *b) {
  const size_t n = c->g.npts;
  const nfcs_real *state = nfcs_bundle_get(b, "cgl/state", NFCS_BK_REAL, 2 * n);
  const double *r = nfcs_bundle_get(b, "cgl/reals", NFCS_BK_F64, 7);
  const int64_t *in = nfcs_bundle_get(b, "cgl/ints", NFCS_BK_I64, 5);
  if (!state || !r || !in) return NFCS_ERROR(c->ctx, NFCS_ERR_DATA, "the checkpoint holds no field of this grid");
  NFCS_CHECK(take_local(c, state, c->scheme->spectral_state, state_array(c)));
  c->view_valid = 0;
  c->clock.t = r[0];
  c->clock.grid_index = in[0];
  c->clock.steps = in[1];
  c->pending = (int)in[2];
  c->pending_h = r[1];
  c->pending_u.re = r[2];
  c->pending_u.im = r[3];
  c->pending_u.field = NULL;
  c->has_ufield = 0;
  if (in[4]) {
    const nfcs_real *u = nfcs_bundle_get(b, "cgl/u_field", NFCS_BK_REAL, 2 * n);
    if (!u) return NFCS_ERROR(c->ctx, NFCS_ERR_DATA, "the checkpoint lacks the control field");
    NFCS_CHECK(nfcs_cgl_set_control(c, r[4], r[5], u + 2 * (c->g.distributed ? nfcs_grid_phys_base(&c->g) : 0)));
  } else {
    NFCS_CHECK(nfcs_cgl_set_control(c, r[4], r[5], NULL));
  }
  if (in[3]) {
    const nfcs_real *u = nfcs_bundle_get(b, "cgl/pending_u_field", NFCS_BK_REAL, 2 * n);
    if (!u) return NFCS_ERROR(c->ctx, NFCS_ERR_DATA, "the checkpoint lacks the pending control field");
    int other = c->has_ufield ? 1 - c->ucur : 1;
    if (!c->ufield[other]) NFCS_CHECK(nfcs_cgl_alloc_array(c, &c->ufield[other]));
    NFCS_CHECK(take_local(c, u, 0, c->ufield[other]));
    c->pending_u.field = c->ufield[other];
  }
  c->u_sum2 = r[6];
  return NFCS_OK;
}

int nfcs_cgl_prepare_time(nfcs_cgl *c, double t) {
  /* a time between grid times splits a step in two: prepare both pieces */
  double k = floor(t / c->dt);
  double before = t - k * c->dt, after = (k + 1) * c->dt - t;
  if (before > ttol(c) && after > ttol(c)) {
    NFCS_CHECK(nfcs_cgl_prepare(c, before));
    NFCS_CHECK(nfcs_cgl_prepare(c, after));
  }
  return NFCS_OK;
}

double nfcs_cgl_time(const nfcs_cgl *c) { return c->clock.t; }
int64_t nfcs_cgl_steps(const nfcs_cgl *c) { return c->clock.steps; }
const nfcs_grid *nfcs_cgl_grid(const nfcs_cgl *c) { return &c->g; }
double nfcs_cgl_dt(const nfcs_cgl *c) { return c->dt; }
size_t nfcs_cgl_memory(const nfcs_cgl *c) { return c->bytes; }
int64_t nfcs_cgl_coefficient_builds(const nfcs_cgl *c) { return c->coef_builds; }

int nfcs_cgl_metrics(nfcs_cgl *c, nfcs_field_metrics *m, int full) {
  const size_t n = c->g.npts;
  const double dV = c->g.cell_volume;
  c->k2_wanted = full;
  const int rc = sync_view(c);
  c->k2_wanted = 0;
  NFCS_CHECK(rc);
  double s[2];
  NFCS_CHECK(nfcs_backend_moments(c->ops, c->be, c->view, c->g.nloc, c->host_scratch, &s[0], &s[1]));
  if (c->g.distributed) NFCS_CHECK(nfcs_procs()->sum(s, 2)); /* in rank order: the same on every process */
  const double s1 = s[0], s2 = s[1];
  m->R_global = s1 / (double)n;
  m->field_energy = s2 * dV;
  m->control_energy = c->u_sum2 * dV;
  if (!full) return NFCS_OK;
  /* gradient energy by Parseval: sum_x |grad phi|^2 = (1/N) sum_k k^2 |phi_k|^2 = N sum_k k^2 |v_k|^2
   * with v = phi_k / N: etdrk4 holds v, upstream summed it while making the view, the others
   * transform the view once (spec is scratch between steps) */
  double k2sum;
  int normalised = 1;
  if (c->k2_valid) {
    k2sum = c->k2_view;
  } else {
    if (!c->scheme->spectral_state) {
      NFCS_CHECK(c->ops->fft->forward(c->be, c->fft, c->view, c->spec));
      normalised = 0;
    }
    NFCS_CHECK(nfcs_backend_k2_sum(c->ops, c->be, c->spec, &c->g, c->host_scratch, &k2sum));
  }
  if (c->g.distributed) NFCS_CHECK(nfcs_procs()->sum(&k2sum, 1));
  m->gradient_energy = normalised ? k2sum * (double)n * dV : k2sum / (double)n * dV;
  double rho_sum;
  if (c->g.distributed && c->g.dim == 2) /* the stencils reach into the neighbours' rows */
    NFCS_CHECK(nfcs_cgl_slab_phase_metrics(c, &rho_sum, &m->defects.positive, &m->defects.negative));
  else
    NFCS_CHECK(nfcs_backend_phase_metrics(c->ops, c->be, c->view, &c->g, c->work, c->host_scratch, &rho_sum, &m->defects.positive,
                                          &m->defects.negative));
  if (c->g.distributed) {
    int64_t q[2] = {m->defects.positive, m->defects.negative};
    NFCS_CHECK(nfcs_procs()->sum(&rho_sum, 1));
    NFCS_CHECK(nfcs_procs()->sum_i64(q, 2));
    m->defects.positive = q[0];
    m->defects.negative = q[1];
  }
  m->defects.total_charge = m->defects.positive - m->defects.negative;
  m->defect_density = rho_sum / (double)n;
  m->hallucination_number = rho_sum * dV;
  return NFCS_OK;
}

int nfcs_cgl_check_finite(nfcs_cgl *c, int *finite) {
  const nfcs_real *state = state_array(c);
  if (!c->g.distributed) return c->ops->reduce->all_finite(c->be, state, c->g.npts, finite);
  const int rc = c->ops->reduce->all_finite(c->be, state, c->scheme->spectral_state ? c->g.nspec : c->g.nloc, finite);
  int bad = rc || !*finite; /* every process the same verdict */
  nfcs_procs()->max_int(&bad, 1);
  *finite = !bad;
  return rc;
}

int nfcs_cgl_finite(nfcs_cgl *c) {
  int finite = 0;
  return nfcs_cgl_check_finite(c, &finite) == NFCS_OK && finite;
}

/* ---------------------------------------------------------------- initial patterns */

int nfcs_cgl_pattern(const nfcs_params *p, const nfcs_grid *g, nfcs_real *host) {
  const nfcs_cgl_params *cp = nfcs_cgl_section(p);
  const nfcs_cgl_ic_class *ic = nfcs_cgl_ic_class_of(cp->ic.type);
  if (!ic || !ic->value) return NFCS_ERR_CONFIG; /* read from a file by io/ */
  nfcs_cgl_ic_args a = {.amplitude = cp->ic.amplitude, .width = cp->ic.width, .charge = (double)cp->ic.charge,
                        .seed = (uint64_t)cp->ic.seed};
  for (int d = 0; d < g->dim && d < cp->ic.wavenumber.n; d++)
    a.k[d] = 2.0 * M_PI * (double)cp->ic.wavenumber.v[d] / g->L[d];
  /* this process's points, each from its global index (the same field on any number of processes) */
  const size_t base = (size_t)nfcs_grid_phys_base(g);
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < g->nloc; i++) {
    const size_t gi = base + i;
    const int64_t ix = (int64_t)(gi % (size_t)g->n[0]);
    const int64_t iy = (int64_t)((gi / (size_t)g->n[0]) % (size_t)g->n[1]);
    const int64_t iz = (int64_t)(gi / ((size_t)g->n[0] * (size_t)g->n[1]));
    const double x = nfcs_grid_x(g, 0, ix), y = g->dim > 1 ? nfcs_grid_x(g, 1, iy) : 0.0,
                 z = g->dim > 2 ? nfcs_grid_x(g, 2, iz) : 0.0;
    double re, im;
    ic->value(&a, gi, x, y, z, &re, &im);
    host[2 * i] = (nfcs_real)re;
    host[2 * i + 1] = (nfcs_real)im;
  }
  return NFCS_OK;
}
