/* The sweep behind `nfcs bench`: each case timed in repeated batches after warm-up, next to the
 * floor measured in the same process (for the CGL field: one bare forward + inverse FFT pair of
 * the same size, plan flags and threads), batches of the two interleaved so that machine noise
 * hits both alike. */
#ifndef NFCS_BENCH_H
#define NFCS_BENCH_H

#include "nfcs_base.h"
#include "nfcs_grid.h"
#include "nfcs_params.h"

NFCS_EXTERN_C_BEGIN

/* A bare forward + inverse FFT pair of a grid on the context's backend (the floor of a field step),
 * planned once with the context's planner flags and threads on arrays of its own. */
typedef struct nfcs_fft_pair nfcs_fft_pair;
NFCS_API int nfcs_fft_pair_create(nfcs_ctx *ctx, const nfcs_grid *g, nfcs_fft_pair **out);
/* Run `count` pairs, then wait until the backend has finished them. */
NFCS_API int nfcs_fft_pair_run(nfcs_fft_pair *pair, int count);
NFCS_API void nfcs_fft_pair_destroy(nfcs_fft_pair **pair);

/* The CGL case every benchmark runs (nfcs bench and the microbenchmarks): an n^dim grid of side
 * 0.78 n (spiral-defect chaos, c1 = 2, c3 = -0.7), dt = 0.05, random initial field of amplitude 0.5 */
NFCS_API void nfcs_bench_cgl_params(nfcs_params *p, int n, int dim, int scheme);

typedef struct nfcs_bench_cgl_result {
  int n, dim, scheme, threads;
  double setup_s;          /* create: allocation, FFT planning, coefficients */
  double step_ms, step_ms_q1, step_ms_q3;   /* median and quartiles over batches */
  double pair_ms, pair_ms_q1, pair_ms_q3;
  double ratio;            /* median over batches of step / pair (adjacent batches) */
  double metrics_ms;       /* every metric of the field at a snapshot (median) */
  double metrics_ratio;    /* metrics / step */
  size_t memory;           /* bytes held by the field */
  double min_bytes;        /* what a step must move at least (this process's part under mpirun) */
  int batches;
  /* under mpirun: processes, and per step the time of the transforms' all-to-alls (each timed
   * alone, the slowest process), the bytes this process sends in them and their share of the step */
  int procs;
  double comm_ms, comm_bytes, comm_share;
} nfcs_bench_cgl_result;

NFCS_API int nfcs_bench_cgl(int n, int dim, int scheme, int threads, int planner, double min_time,
                            nfcs_bench_cgl_result *out);
/* The same on a named backend ("cpu", "cuda"). */
NFCS_API int nfcs_bench_cgl_on(const char *backend, int n, int dim, int scheme, int threads, int planner, double min_time,
                               nfcs_bench_cgl_result *out);
/* Bytes a step of the scheme must move at least (each pass reads and writes every array it
 * touches once; an FFT is one pass), and the backend's copy bandwidth (bytes read + written per
 * second, device-to-device copy of 2 x 512 MB; 0 when it cannot be measured). */
NFCS_API double nfcs_bench_cgl_min_bytes(int scheme, size_t npts);
NFCS_API double nfcs_bench_copy_bandwidth(const char *backend, int threads);

typedef struct nfcs_bench_kur_result {
  int64_t n;
  int coupling, threads, blas;
  double setup_s;
  double step_ms, step_ms_q1, step_ms_q3;  /* one RK4 step (four right-hand sides) */
  double steps_per_s;
  double ns_per_osc;                        /* per oscillator per step */
  double k_bytes_per_step;                  /* dense: K read four times a step (this process's rows under mpirun) */
  double k_gbs;                             /* effective bandwidth of reading K */
  size_t memory;                            /* bytes held by the network */
  int batches;
  /* under mpirun: processes, and per step the time this process spent in its exchanges, the bytes
   * it sent and their share of the step */
  int procs;
  double comm_ms, comm_bytes, comm_share;
} nfcs_bench_kur_result;

NFCS_API int nfcs_bench_kuramoto(int64_t n, int coupling, int blas, int threads, double min_time, nfcs_bench_kur_result *out);
NFCS_API int nfcs_bench_kuramoto_on(const char *backend, int64_t n, int coupling, int blas, int threads, double min_time,
                                    nfcs_bench_kur_result *out);
/* An ensemble of `members` networks sharing the coupling (kuramoto.ensemble). */
NFCS_API int nfcs_bench_kuramoto_ensemble(const char *backend, int64_t n, int coupling, int64_t members, int threads, double min_time,
                                          nfcs_bench_kur_result *out);

/* STREAM triad a = b + s c over arrays far larger than the caches, with the engine's threads:
 * bytes moved (3 x 8 per element, the STREAM convention) per second, best of several passes. */
NFCS_API double nfcs_bench_stream_triad(int threads, size_t n_elements);

NFCS_EXTERN_C_END
#endif
