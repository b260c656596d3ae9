/* The Kuramoto network over the backend's operations. */
#include "kuramoto_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_bundle.h"
#include "nfcs_procs_ops.h"
#include "nfcs_rng.h"
#include "nfcs_stencils.h"


void nfcs_kuramoto_inputs_free(nfcs_kuramoto_inputs *in) {
  if (!in) return;
  free(in->K); free(in->lag); free(in->modulation); free(in->mask);
  free(in->src); free(in->dst); free(in->weight); free(in->theta0);
  memset(in, 0, sizeof *in);
}

/* ---------------------------------------------------------------- frequencies and phases */

double nfcs_normal_quantile(double p) {
  if (!(p > 0)) return -HUGE_VAL;
  if (!(p < 1)) return HUGE_VAL;
  /* Acklam's rational approximation, then two Halley steps on erfc for full precision */
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  double x, q, r;
  if (p < 0.02425) {
    q = sqrt(-2 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    q = sqrt(-2 * log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    q = p - 0.5;
    r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  for (int it = 0; it < 2; it++) {
    double e = 0.5 * erfc(-x / M_SQRT2) - p;
    double u = e * sqrt(2 * M_PI) * exp(0.5 * x * x);
    x = x - u / (1 + 0.5 * x * u);
  }
  return x;
}

int nfcs_kuramoto_frequencies(const nfcs_kuramoto_params *kp, int64_t n, double *omega) {
  const nfcs_named_reals *nf = &kp->natural_frequencies;
  if (kp->oscillators == 0 || (nf->n > 0 && nf->n == n)) {
    for (int64_t i = 0; i < n; i++) omega[i] = nf->value[i];
    return NFCS_OK;
  }
  const double c0 = kp->freq.center, w = kp->freq.width;
  const int type = kp->freq.type, quant = kp->freq.sampling == NFCS_SAMPLING_QUANTILE;
  const uint64_t seed = (uint64_t)kp->freq.seed;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; i++) {
    double u;
    if (quant) {
      u = (double)(i + 1) / (double)(n + 1); /* p_j = j / (N + 1), j = 1..N */
    } else {
      double u2;
      nfcs_rng_uniform2(seed, NFCS_STREAM_KURAMOTO_FREQ, (uint64_t)i, 0, &u, &u2);
      if (u == 0) u = u2 > 0 ? u2 : 0.5;
    }
    double v;
    switch (type) {
    case NFCS_FREQ_LORENTZIAN: v = c0 + w * tan(M_PI * (u - 0.5)); break;
    case NFCS_FREQ_GAUSSIAN: v = c0 + w * nfcs_normal_quantile(u); break;
    default: v = c0 + w * (2 * u - 1); break;
    }
    omega[i] = v;
  }
  return NFCS_OK;
}

static inline double wrap_pi(double x) { return nfcs_wrap_phase(x); }

int nfcs_kuramoto_initial_phases(const nfcs_kuramoto_params *kp, int64_t n, double *theta) {
  const uint64_t seed = (uint64_t)kp->phases.seed;
  const double R0 = kp->phases.R0, mu = kp->phases.center;
  const int type = kp->phases.type;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; i++) {
    double u, u2, v = 0;
    nfcs_rng_uniform2(seed, NFCS_STREAM_KURAMOTO_PHASES, (uint64_t)i, 0, &u, &u2);
    switch (type) {
    case NFCS_PHASES_RANDOM: v = -M_PI + 2 * M_PI * u; break;
    case NFCS_PHASES_EQUAL: v = kp->phases.value; break;
    case NFCS_PHASES_LINEAR: v = 0.1 * (double)i; break;
    case NFCS_PHASES_WRAPPED_CAUCHY:
      /* wrapped Cauchy with resultant R0: theta = mu + 2 atan(((1 - R0)/(1 + R0)) tan(pi (u - 1/2))) */
      v = mu + 2 * atan((1 - R0) / (1 + R0) * tan(M_PI * (u - 0.5)));
      break;
    default: break;
    }
    theta[i] = wrap_pi(v);
  }
  return NFCS_OK;
}

/* ---------------------------------------------------------------- the processes' parts */

void nfcs_kuramoto_layout(const nfcs_kuramoto_params *kp, int rank, int size, nfcs_kur_layout *l) {
  const int64_t n = nfcs_kuramoto_size(kp), M = kp->ensemble > 0 ? kp->ensemble : 1;
  *l = (nfcs_kur_layout){NFCS_KUR_WHOLE, 0, n, 0, M};
  if (size <= 1) return;
  if (M > 1 && M >= size) {
    l->split = NFCS_KUR_BY_MEMBERS;
    l->m0 = M * rank / size;
    l->ml = M * (rank + 1) / size - l->m0;
  } else if (M == 1 && n >= size) {
    l->split = NFCS_KUR_BY_ROWS;
    l->row0 = n * rank / size;
    l->rows = n * (rank + 1) / size - l->row0;
  }
}

/* by rows: every process's cos, sin of its rows into all of c, s (one allgather a right-hand side) */
static int exchange(void *user, double *c, double *s) {
  nfcs_kuramoto *k = user;
  const int64_t rows = k->lay.rows, row0 = k->lay.row0;
  for (int64_t i = 0; i < rows; i++) {
    k->xch[2 * i] = c[row0 + i];
    k->xch[2 * i + 1] = s[row0 + i];
  }
  NFCS_CHECK(nfcs_procs()->allgather_known(k->xch, k->counts, 2 * sizeof(double), k->xall));
  for (int64_t j = 0; j < k->n; j++) {
    c[j] = k->xall[2 * j];
    s[j] = k->xall[2 * j + 1];
  }
  return NFCS_OK;
}

/* by rows: the mean field's order parameter over all processes (in rank order) */
static int reduce(void *user, double *z) {
  (void)user;
  return nfcs_procs()->sum(z, 2);
}

/* ---------------------------------------------------------------- create / destroy */

static int bytes_alloc(nfcs_kuramoto *k, size_t bytes, void **out) {
  NFCS_CHECK(k->ops->memory->alloc_bytes(k->be, bytes, out));
  memset(*out, 0, k->ops->memory->host ? bytes : 0);
  k->bytes += bytes;
  return NFCS_OK;
}

/* Put a host array into backend memory: adopt it where the backend's memory is host memory. */
static int place(nfcs_kuramoto *k, double **host, size_t count, void **dev, int *adopted) {
  *adopted = 0;
  if (k->ops->memory->host) {
    *dev = *host;
    *host = NULL;
    *adopted = 1;
    k->bytes += count * sizeof(double);
    return NFCS_OK;
  }
  NFCS_CHECK(bytes_alloc(k, count * sizeof(double), dev));
  NFCS_CHECK(k->ops->memory->upload_bytes(k->be, *dev, *host, count * sizeof(double)));
  free(*host);
  *host = NULL;
  return NFCS_OK;
}

static int build_dense(nfcs_kuramoto *k, const nfcs_kuramoto_params *kp, nfcs_kuramoto_inputs *in) {
  const int64_t n = k->n;
  size_t nn = (size_t)n * (size_t)n;
  double *K = in ? in->K : NULL;
  in->K = NULL;
  if (kp->matrix.source == NFCS_MATRIX_UPSTREAM) {
    /* K = K_base modulation o mask, zero diagonal, (K + K^T)/2, clipped to +-10 K_base */
    const double kb = kp->base_coupling_strength, lim = 10 * fabs(kb);
    free(K);
    K = malloc(nn * sizeof(double));
    if (!K) return NFCS_ERROR(k->ctx, NFCS_ERR_NOMEM, "out of memory for the %lld x %lld coupling matrix", (long long)n, (long long)n);
    for (size_t i = 0; i < nn; i++) K[i] = kb * (in->modulation ? in->modulation[i] : 1.0) * (in->mask ? in->mask[i] : 1.0);
    for (int64_t i = 0; i < n; i++) K[(size_t)i * (size_t)n + (size_t)i] = 0;
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = i + 1; j < n; j++) {
        double a = K[(size_t)i * n + j], b = K[(size_t)j * n + i], m = 0.5 * (a + b);
        if (m > lim) m = lim;
        if (m < -lim) m = -lim;
        K[(size_t)i * n + j] = K[(size_t)j * n + i] = m;
      }
    /* by rows: this process keeps its rows (the symmetrisation needed all of them) */
    if (k->lay.split == NFCS_KUR_BY_ROWS) memmove(K, K + (size_t)k->lay.row0 * (size_t)n, sizeof(double) * (size_t)k->lay.rows * (size_t)n);
  }
  if (!K) return NFCS_ERROR(k->ctx, NFCS_ERR_SOFTWARE, "coupling matrix not read");
  nn = (size_t)k->lay.rows * (size_t)n; /* this process's rows (read as such from a file) */
  int adopted;
  if (in->lag) {
    /* W = K e^{-i alpha}, complex; K and alpha are dropped */
    double *W = malloc(2 * nn * sizeof(double));
    if (!W) { free(K); return NFCS_ERROR(k->ctx, NFCS_ERR_NOMEM, "out of memory for the complex coupling matrix"); }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < nn; i++) {
      W[2 * i] = K[i] * cos(in->lag[i]);
      W[2 * i + 1] = -K[i] * sin(in->lag[i]);
    }
    free(K);
    free(in->lag);
    in->lag = NULL;
    NFCS_CHECK(place(k, &W, 2 * nn, &k->W, &adopted));
    if (adopted) k->host_K = (double *)k->W;
  } else {
    NFCS_CHECK(place(k, &K, nn, &k->Kmat, &adopted));
    if (adopted) k->host_K = (double *)k->Kmat;
  }
  return NFCS_OK;
}

static int build_sparse(nfcs_kuramoto *k, const nfcs_kuramoto_params *kp, nfcs_kuramoto_inputs *in) {
  const int64_t n = k->n, ne = in->nedges;
  const int sym = kp->sparse.symmetric;
  const int64_t nnz = sym ? 2 * ne : ne;
  for (int64_t e = 0; e < ne; e++) {
    if (in->src[e] < 0 || in->src[e] >= n || in->dst[e] < 0 || in->dst[e] >= n)
      return NFCS_ERROR(k->ctx, NFCS_ERR_DATA, "kuramoto.sparse: edge %lld (%lld -> %lld) is out of range [0, %lld)",
                        (long long)e, (long long)in->src[e], (long long)in->dst[e], (long long)n);
    if (in->weight && !isfinite(in->weight[e]))
      return NFCS_ERROR(k->ctx, NFCS_ERR_DATA, "kuramoto.sparse: weight of edge %lld is not finite", (long long)e);
  }
  /* this process's rows r0 .. r0 + nr - 1 (by rows), all of them otherwise; columns stay global */
  const int64_t r0 = k->lay.row0, nr = k->lay.rows;
  int64_t *rp = calloc((size_t)nr + 1, sizeof(int64_t));
  int32_t *col = malloc(sizeof(int32_t) * (size_t)(nnz ? nnz : 1));
  double *w = malloc(sizeof(double) * (size_t)(nnz ? nnz : 1));
  int64_t *fill = calloc((size_t)nr + 1, sizeof(int64_t));
  if (!rp || !col || !w || !fill) {
    free(rp); free(col); free(w); free(fill);
    return NFCS_ERROR(k->ctx, NFCS_ERR_NOMEM, "out of memory for %lld edges", (long long)nnz);
  }
#define MINE(row) ((row) >= r0 && (row) < r0 + nr)
  for (int64_t e = 0; e < ne; e++) {
    if (MINE(in->dst[e])) rp[in->dst[e] - r0 + 1]++;
    if (sym && MINE(in->src[e])) rp[in->src[e] - r0 + 1]++;
  }
  for (int64_t i = 0; i < nr; i++) rp[i + 1] += rp[i];
  const double kb = kp->base_coupling_strength;
  for (int64_t e = 0; e < ne; e++) {
    double we = in->weight ? in->weight[e] : kb;
    int64_t i = in->dst[e], j = in->src[e];
    if (MINE(i)) {
      int64_t at = rp[i - r0] + fill[i - r0]++;
      col[at] = (int32_t)j;
      w[at] = we;
    }
    if (sym && MINE(j)) {
      int64_t at = rp[j - r0] + fill[j - r0]++;
      col[at] = (int32_t)i;
      w[at] = we;
    }
  }
#undef MINE
  free(fill);
  const int64_t nloc = rp[nr]; /* this process's entries */
  int rc = NFCS_OK;
  if (k->ops->memory->host) {
    k->rowptr = rp;
    k->col = col;
    k->w = w;
    k->bytes += sizeof(int64_t) * ((size_t)nr + 1) + (sizeof(int32_t) + sizeof(double)) * (size_t)nloc;
    k->host_K = NULL;
    /* freed with free() at destroy: mark by keeping host pointers */
    return NFCS_OK;
  }
  void *drp = NULL, *dcol = NULL, *dw = NULL;
  rc = bytes_alloc(k, sizeof(int64_t) * ((size_t)nr + 1), &drp);
  if (!rc) rc = bytes_alloc(k, sizeof(int32_t) * (size_t)(nloc ? nloc : 1), &dcol);
  if (!rc) rc = bytes_alloc(k, sizeof(double) * (size_t)(nloc ? nloc : 1), &dw);
  if (!rc) rc = k->ops->memory->upload_bytes(k->be, drp, rp, sizeof(int64_t) * ((size_t)nr + 1));
  if (!rc) rc = k->ops->memory->upload_bytes(k->be, dcol, col, sizeof(int32_t) * (size_t)nloc);
  if (!rc) rc = k->ops->memory->upload_bytes(k->be, dw, w, sizeof(double) * (size_t)nloc);
  k->rowptr = drp;
  k->col = dcol;
  k->w = dw;
  free(rp); free(col); free(w);
  return rc;
}

int nfcs_kuramoto_create(nfcs_ctx *ctx, const nfcs_params *p, nfcs_kuramoto_inputs *in, nfcs_kuramoto **out) {
  *out = NULL;
  nfcs_kuramoto_inputs none = {0};
  if (!in) in = &none;
  const nfcs_kuramoto_params *kp = nfcs_kuramoto_section(p);
  const int64_t n = nfcs_kuramoto_size(kp);
  if (n < 1) return NFCS_ERROR(ctx, NFCS_ERR_CONFIG, "kuramoto: N = %lld, expected at least one oscillator", (long long)n);
  if (!ctx->ops->network)
    return NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "backend '%s' does not run Kuramoto networks in this version (use backend.device: cpu)",
                      ctx->backend_type ? ctx->backend_type->name : "?");
  nfcs_kuramoto *k = calloc(1, sizeof *k);
  if (!k) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  k->ctx = ctx;
  k->ops = ctx->ops;
  k->be = ctx->backend;
  k->n = n;
  k->m = kp->ensemble > 0 ? kp->ensemble : 1;
  k->integrator = nfcs_kuramoto_integrator_class_of(kp->integrator);
  if (!k->integrator) {
    free(k);
    return NFCS_ERROR(ctx, NFCS_ERR_CONFIG, "kuramoto.integrator: no integrator number %d", kp->integrator);
  }
  k->D = kp->noise;
  k->noise_seed = (uint64_t)kp->noise_seed;
  k->clock.dt = kp->time_step;
  int rc = NFCS_OK;
  const int64_t M = k->m;
  /* this process's part: rows of one network, whole members of an ensemble, or all of it */
  nfcs_kuramoto_layout(kp, nfcs_procs()->rank, nfcs_procs()->size, &k->lay);
  if (k->lay.split != NFCS_KUR_WHOLE && !k->ops->memory->host) {
    /* the device backends' kernels take whole networks (no rows, no exchange hook) */
    free(k);
    return NFCS_ERROR(ctx, NFCS_ERR_UNAVAILABLE, "backend '%s' runs networks on one process only (under mpirun use backend.device: cpu)",
                      ctx->backend_type ? ctx->backend_type->name : "?");
  }
  const int64_t rows = k->lay.rows, row0 = k->lay.row0, ml = k->lay.ml, m0 = k->lay.m0;
  k->nl = rows * ml;
  const size_t vb = sizeof(double) * (size_t)k->nl, vfull = sizeof(double) * (size_t)n * (size_t)ml;
  const int64_t nb = (rows + NFCS_KUR_BLOCK - 1) / NFCS_KUR_BLOCK;
  double **vecs[] = {&k->theta, &k->omega, &k->k1, &k->k2, &k->k3, &k->k4};
  for (size_t i = 0; i < sizeof vecs / sizeof vecs[0] && !rc; i++) rc = bytes_alloc(k, vb, (void **)vecs[i]);
  /* cos and sin of every oscillator (by rows: the other processes' too, from the exchange) */
  if (!rc) rc = bytes_alloc(k, vfull, (void **)&k->c);
  if (!rc) rc = bytes_alloc(k, vfull, (void **)&k->s);
  if (!rc) rc = bytes_alloc(k, 4 * vfull, (void **)&k->work);
  if (!rc) rc = bytes_alloc(k, sizeof(double) * 2 * (size_t)(nb * ml), (void **)&k->partial);
  if (!rc) rc = bytes_alloc(k, sizeof(double) * (size_t)ml, (void **)&k->gscale);
  if (!rc && ml > 1 && kp->coupling == NFCS_COUPLING_MATRIX) {
    rc = bytes_alloc(k, 2 * vfull, (void **)&k->xw);
    if (!rc) rc = bytes_alloc(k, 2 * vfull, (void **)&k->yw);
  }
  k->Km = malloc(sizeof(double) * (size_t)M);
  if (!rc && !k->Km) rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
  if (!rc && k->lay.split == NFCS_KUR_BY_ROWS) {
    const int P = nfcs_procs()->size;
    k->counts = malloc(sizeof(int64_t) * (size_t)P);
    k->xch = malloc(sizeof(double) * 2 * (size_t)rows);
    k->xall = malloc(sizeof(double) * 2 * (size_t)n);
    if (!k->counts || !k->xch || !k->xall) rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory");
    for (int r = 0; !rc && r < P; r++) {
      nfcs_kur_layout o;
      nfcs_kuramoto_layout(kp, r, P, &o);
      k->counts[r] = o.rows;
    }
  }
  if (rc) goto fail;

  /* frequencies, phases and coupling of this process's members and rows, computed on the host
   * from the global indices (the same values on any number of processes) */
  double *host = malloc(vfull > vb ? vfull : vb), *one = malloc(sizeof(double) * (size_t)n);
  if (!host || !one) { free(host); free(one); rc = NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory"); goto fail; }
  {
    nfcs_kuramoto_params q; /* a member's view of the section */
    for (int64_t mm = m0; mm < m0 + ml; mm++) {
      q = *kp;
      if (M > 1 && kp->ensemble_vary == NFCS_VARY_FREQUENCIES) {
        q.freq.seed = kp->freq.seed + mm;
        q.freq.sampling = NFCS_SAMPLING_RANDOM;
      }
      nfcs_kuramoto_frequencies(&q, n, one);
      memcpy(host + (mm - m0) * rows, one + row0, sizeof(double) * (size_t)rows);
    }
    rc = k->ops->memory->upload_bytes(k->be, k->omega, host, vb);
    for (int64_t mm = m0; mm < m0 + ml && !rc; mm++) {
      q = *kp;
      if (M > 1 && kp->ensemble_vary == NFCS_VARY_PHASES) q.phases.seed = kp->phases.seed + mm;
      if (kp->phases.type == NFCS_PHASES_FILE) {
        if (!in->theta0) rc = NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "initial phases not read");
        else for (int64_t i = 0; i < n; i++) one[i] = wrap_pi(in->theta0[i]);
      } else {
        nfcs_kuramoto_initial_phases(&q, n, one);
      }
      memcpy(host + (mm - m0) * rows, one + row0, sizeof(double) * (size_t)rows);
    }
    if (!rc) rc = k->ops->memory->upload_bytes(k->be, k->theta, host, vb);
    const double kb = kp->base_coupling_strength;
    for (int64_t mm = 0; mm < M; mm++) {
      double Km = kb;
      if (M > 1 && kp->ensemble_vary == NFCS_VARY_COUPLING)
        Km = kp->ensemble_coupling.v[0] +
             (kp->ensemble_coupling.v[1] - kp->ensemble_coupling.v[0]) * (double)mm / (double)(M - 1);
      k->Km[mm] = Km;
      if (mm >= m0 && mm < m0 + ml) host[mm - m0] = kb != 0 ? Km / kb : 1.0;
    }
    if (!rc) rc = k->ops->memory->upload_bytes(k->be, k->gscale, host, sizeof(double) * (size_t)ml);
  }
  free(host);
  free(one);
  if (rc) goto fail;

  nfcs_kur_rhs *r = &k->rhs;
  r->coupling = kp->coupling == NFCS_COUPLING_MATRIX   ? NFCS_RHS_DENSE
                : kp->coupling == NFCS_COUPLING_SPARSE ? NFCS_RHS_SPARSE
                                                       : NFCS_RHS_MEAN_FIELD; /* all_to_all is the mean field */
  r->blas = kp->matrix.kernel == NFCS_DENSE_BLAS;
  r->n = n;
  r->members = ml;
  r->rows = rows;
  r->row0 = row0;
  if (k->lay.split == NFCS_KUR_BY_ROWS) {
    r->exchange = exchange;
    r->reduce = reduce;
    r->user = k;
  }
  r->gscale = k->gscale;
  r->x = k->xw;
  r->y = k->yw;
  r->kappa = kp->normalization == NFCS_NORM_MEAN ? 1.0 / (double)n : 1.0;
  r->K = kp->base_coupling_strength;
  r->cos_a = cos(kp->phase_lag);
  r->sin_a = sin(kp->phase_lag);
  if (r->coupling == NFCS_RHS_DENSE) {
    if ((rc = build_dense(k, kp, in))) goto fail;
    r->Kmat = k->Kmat;
    r->W = k->W;
    if (r->W) r->cos_a = 1, r->sin_a = 0; /* lags are inside W */
  } else if (r->coupling == NFCS_RHS_SPARSE) {
    if ((rc = build_sparse(k, kp, in))) goto fail;
    r->rowptr = k->rowptr;
    r->col = k->col;
    r->w = k->w;
  }
  r->omega = k->omega;
  r->c = k->c;
  r->s = k->s;
  r->work = k->work;
  r->partial = k->partial;
  nfcs_kuramoto_inputs_free(in);
  *out = k;
  return NFCS_OK;
fail:
  nfcs_kuramoto_inputs_free(in);
  nfcs_kuramoto_destroy(&k);
  return rc;
}

void nfcs_kuramoto_destroy(nfcs_kuramoto **pk) {
  if (!pk || !*pk) return;
  nfcs_kuramoto *k = *pk;
  double **vecs[] = {&k->theta, &k->omega, &k->k1, &k->k2, &k->k3, &k->k4, &k->c, &k->s, &k->work, &k->partial, &k->ufield,
                     &k->gscale, &k->xw, &k->yw};
  for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
    if (*vecs[i]) k->ops->memory->free_bytes(k->be, *vecs[i]);
  free(k->Km);
  free(k->counts);
  free(k->xch);
  free(k->xall);
  if (k->ops->memory->host) {
    /* adopted host arrays (malloc) */
    free(k->Kmat); free(k->W); free(k->rowptr); free(k->col); free(k->w);
  } else {
    void *dev[] = {k->Kmat, k->W, k->rowptr, k->col, k->w};
    for (size_t i = 0; i < 5; i++) if (dev[i]) k->ops->memory->free_bytes(k->be, dev[i]);
  }
  free(k);
  *pk = NULL;
}

/* ---------------------------------------------------------------- state */

int64_t nfcs_kuramoto_n(const nfcs_kuramoto *k) { return k->n; }

int64_t nfcs_kuramoto_members(const nfcs_kuramoto *k) { return k->m; }
const double *nfcs_kuramoto_member_coupling(const nfcs_kuramoto *k) { return k->Km; }

int64_t nfcs_kuramoto_local_count(const nfcs_kuramoto *k) { return k->nl; }
void nfcs_kuramoto_local_block(const nfcs_kuramoto *k, int *split, int64_t *row0, int64_t *rows, int64_t *m0, int64_t *ml) {
  *split = k->lay.split, *row0 = k->lay.row0, *rows = k->lay.rows, *m0 = k->lay.m0, *ml = k->lay.ml;
}

/* this process's part of an array of every member's phases (M x N, whole) */
static const double *local_part(const nfcs_kuramoto *k, const double *whole) {
  return whole + k->lay.m0 * k->n + k->lay.row0;
}

int nfcs_kuramoto_set_phases(nfcs_kuramoto *k, const double *host) {
  const int64_t nm = k->nl;
  double *tmp = malloc(sizeof(double) * (size_t)nm);
  if (!tmp) return NFCS_ERROR(k->ctx, NFCS_ERR_NOMEM, "out of memory");
  for (int64_t i = 0; i < nm; i++) tmp[i] = wrap_pi(host[i]);
  int rc = k->ops->memory->upload_bytes(k->be, k->theta, tmp, sizeof(double) * (size_t)nm);
  free(tmp);
  return rc;
}

int nfcs_kuramoto_get_phases(nfcs_kuramoto *k, double *host) {
  return k->ops->memory->download_bytes(k->be, host, k->theta, sizeof(double) * (size_t)k->nl);
}

const double *nfcs_kuramoto_phases_view(const nfcs_kuramoto *k) { return k->theta; }

int nfcs_kuramoto_get_omega(nfcs_kuramoto *k, double *host) {
  return k->ops->memory->download_bytes(k->be, host, k->omega, sizeof(double) * (size_t)k->nl);
}

int nfcs_kuramoto_set_control(nfcs_kuramoto *k, double uniform, const double *field) {
  k->rhs.u = uniform;
  if (!field) {
    k->rhs.u_field = NULL;
    return NFCS_OK;
  }
  /* this process's rows (of every member) */
  if (!k->ufield) NFCS_CHECK(bytes_alloc(k, sizeof(double) * (size_t)k->lay.rows, (void **)&k->ufield));
  NFCS_CHECK(k->ops->memory->upload_bytes(k->be, k->ufield, field, sizeof(double) * (size_t)k->lay.rows));
  k->rhs.u_field = k->ufield;
  return NFCS_OK;
}

/* ---------------------------------------------------------------- steps */

nfcs_noise nfcs_kuramoto_step_noise(const nfcs_kuramoto *k, double h) {
  /* keyed by the global index of the oscillator (of the member): the same draws on any number of processes */
  return (nfcs_noise){.sigma = sqrt(2 * k->D * h), .seed = k->noise_seed, .stream = NFCS_STREAM_KURAMOTO_NOISE,
                      .step = (uint64_t)k->clock.steps, .base = (uint64_t)(k->lay.m0 * k->n + k->lay.row0)};
}

static int step_h(nfcs_kuramoto *k, double h) { return k->integrator->step(k, h); }

int nfcs_kuramoto_step(nfcs_kuramoto *k, double h) {
  NFCS_CHECK(step_h(k, h));
  nfcs_clock_free_step(&k->clock, h);
  return NFCS_OK;
}

static int step_cb(void *self, double h) { return step_h(self, h); }

int nfcs_kuramoto_advance(nfcs_kuramoto *k, double t, const volatile int *stop) {
  return nfcs_clock_advance(&k->clock, t, stop, step_cb, k);
}

int nfcs_kuramoto_advance_to(nfcs_kuramoto *k, double t) { return nfcs_kuramoto_advance(k, t, NULL); }

/* the first process holds the whole state of a checkpoint; the others only their scalars */
static int keeps_state(const nfcs_kuramoto *k) { return nfcs_procs()->size == 1 || nfcs_procs()->rank == 0; }

size_t nfcs_kuramoto_state_bytes(const nfcs_kuramoto *k) {
  return (keeps_state(k) ? 2 * sizeof(double) * (size_t)(k->n * k->m) : 0) + 64 * 16;
}

/* every process's part of an array (nl values each, in rank order: the whole, M x N) into whole on
 * the first process; collective */
static int gather_whole(nfcs_kuramoto *k, const double *arr, int64_t count, double *whole) {
  if (k->lay.split == NFCS_KUR_WHOLE) return k->ops->memory->download_bytes(k->be, whole, arr, sizeof(double) * (size_t)count);
  double *mine = malloc(sizeof(double) * (size_t)(count ? count : 1));
  int rc = mine ? k->ops->memory->download_bytes(k->be, mine, arr, sizeof(double) * (size_t)count)
                : NFCS_ERROR(k->ctx, NFCS_ERR_NOMEM, "out of memory");
  const int grc = nfcs_procs()->gatherv(mine, rc ? 0 : count, sizeof(double), whole, 0);
  free(mine);
  return rc ? rc : grc;
}

int nfcs_kuramoto_save(nfcs_kuramoto *k, nfcs_bundle *b) {
  const int keep = keeps_state(k);
  double *th = keep ? nfcs_bundle_reserve(b, "kuramoto/theta", NFCS_BK_F64, (size_t)(k->n * k->m)) : NULL;
  if (keep && !th) return NFCS_ERROR(k->ctx, NFCS_ERR_SOFTWARE, "checkpoint buffer too small");
  if (k->lay.split != NFCS_KUR_WHOLE || keep) NFCS_CHECK(gather_whole(k, k->theta, k->nl, th)); /* the whole, on the first process */
  const double reals[] = {k->clock.t, k->rhs.u};
  const int64_t ints[] = {k->clock.grid_index, k->clock.steps, k->rhs.u_field != NULL};
  int rc = nfcs_bundle_put(b, "kuramoto/reals", NFCS_BK_F64, 2, reals);
  if (!rc) rc = nfcs_bundle_put(b, "kuramoto/ints", NFCS_BK_I64, 3, ints);
  if (!rc && k->rhs.u_field) {
    double *u = keep ? nfcs_bundle_reserve(b, "kuramoto/u_field", NFCS_BK_F64, (size_t)k->n) : NULL;
    if (keep && !u) rc = NFCS_ERR_SOFTWARE;
    else if (k->lay.split == NFCS_KUR_BY_ROWS) rc = gather_whole(k, k->ufield, k->lay.rows, u);
    else if (keep) rc = k->ops->memory->download_bytes(k->be, u, k->ufield, sizeof(double) * (size_t)k->n);
  }
  if (rc) return NFCS_ERROR(k->ctx, NFCS_ERR_SOFTWARE, "checkpoint buffer too small");
  return NFCS_OK;
}

int nfcs_kuramoto_restore(nfcs_kuramoto *k, const nfcs_bundle *b) {
  const double *th = nfcs_bundle_get(b, "kuramoto/theta", NFCS_BK_F64, (size_t)(k->n * k->m));
  const double *r = nfcs_bundle_get(b, "kuramoto/reals", NFCS_BK_F64, 2);
  const int64_t *in = nfcs_bundle_get(b, "kuramoto/ints", NFCS_BK_I64, 3);
  if (!th || !r || !in) return NFCS_ERROR(k->ctx, NFCS_ERR_DATA, "the checkpoint holds no phases of %lld oscillators", (long long)k->n);
  /* this process's part of the whole */
  const int64_t rows = k->lay.rows, ml = k->lay.ml;
  double *mine = malloc(sizeof(double) * (size_t)(k->nl ? k->nl : 1));
  if (!mine) return NFCS_ERROR(k->ctx, NFCS_ERR_NOMEM, "out of memory");
  for (int64_t mm = 0; mm < ml; mm++) memcpy(mine + mm * rows, local_part(k, th) + mm * k->n, sizeof(double) * (size_t)rows);
  const int urc = k->ops->memory->upload_bytes(k->be, k->theta, mine, sizeof(double) * (size_t)k->nl);
  free(mine);
  NFCS_CHECK(urc);
  k->clock.t = r[0];
  k->clock.grid_index = in[0];
  k->clock.steps = in[1];
  const double *u = in[2] ? nfcs_bundle_get(b, "kuramoto/u_field", NFCS_BK_F64, (size_t)k->n) : NULL;
  if (in[2] && !u) return NFCS_ERROR(k->ctx, NFCS_ERR_DATA, "the checkpoint lacks the oscillator controls");
  return nfcs_kuramoto_set_control(k, r[1], u ? u + k->lay.row0 : NULL);
}

/* the order parameter of one member of this process: its sum over all of its oscillators (by rows:
 * over the processes, collective) */
static int member_sum(nfcs_kuramoto *k, int64_t local, double *re, double *im) {
  NFCS_CHECK(k->ops->network->order(k->be, k->theta + local * k->lay.rows, k->lay.rows, k->partial, re, im));
  if (k->lay.split != NFCS_KUR_BY_ROWS) return NFCS_OK;
  double z[2] = {*re, *im};
  NFCS_CHECK(nfcs_procs()->sum(z, 2));
  *re = z[0], *im = z[1];
  return NFCS_OK;
}

int nfcs_kuramoto_order_members(nfcs_kuramoto *k, double *R, double *psi) {
  for (int64_t mm = 0; mm < k->lay.ml; mm++) { /* this process's members */
    double re, im;
    NFCS_CHECK(member_sum(k, mm, &re, &im));
    re /= (double)k->n;
    im /= (double)k->n;
    R[mm] = hypot(re, im);
    psi[mm] = atan2(im, re);
  }
  return NFCS_OK;
}

int nfcs_kuramoto_order(nfcs_kuramoto *k, double *R, double *psi) {
  double re = 0, im = 0;
  int rc = k->lay.split == NFCS_KUR_BY_MEMBERS && k->lay.m0 != 0 ? NFCS_OK : member_sum(k, 0, &re, &im);
  re /= (double)k->n;
  im /= (double)k->n;
  double v[2] = {hypot(re, im), atan2(im, re)};
  /* by members: the first member is the first process's; every process gets its values */
  if (k->lay.split == NFCS_KUR_BY_MEMBERS) {
    const int brc = nfcs_procs()->bcast(v, sizeof v, 0);
    if (!rc) rc = brc;
  }
  *R = v[0];
  *psi = v[1];
  return rc;
}

double nfcs_kuramoto_time(const nfcs_kuramoto *k) { return k->clock.t; }
int64_t nfcs_kuramoto_steps(const nfcs_kuramoto *k) { return k->clock.steps; }
double nfcs_kuramoto_dt(const nfcs_kuramoto *k) { return k->clock.dt; }
size_t nfcs_kuramoto_memory(const nfcs_kuramoto *k) { return k->bytes; }
int nfcs_kuramoto_check_finite(nfcs_kuramoto *k, int *finite) {
  const int rc = k->ops->reduce->all_finite_real(k->be, k->theta, (size_t)k->nl, finite);
  if (k->lay.split == NFCS_KUR_WHOLE) return rc;
  int bad = rc || !*finite; /* every process the same verdict */
  nfcs_procs()->max_int(&bad, 1);
  *finite = !bad;
  return rc;
}

int nfcs_kuramoto_finite(nfcs_kuramoto *k) {
  int finite = 0;
  return nfcs_kuramoto_check_finite(k, &finite) == NFCS_OK && finite;
}
