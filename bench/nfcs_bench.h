/* The sweep behind `nfcs bench`: each case timed in repeated batches after warm-up, next to the
 * floor measured in the same process (for the CGL field: one bare forward + inverse FFT pair of
 * the same size, plan flags and threads), batches of the two interleaved so that machine noise
 * hits both alike. */
#ifndef NFCS_BENCH_H
#define NFCS_BENCH_H

#include "nfcs_base.h"

NFCS_EXTERN_C_BEGIN

typedef struct nfcs_bench_cgl_result {
  int n, dim, scheme, threads;
  double setup_s;          /* create: allocation, FFT planning, coefficients */
  double step_ms, step_ms_q1, step_ms_q3;   /* median and quartiles over batches */
  double pair_ms, pair_ms_q1, pair_ms_q3;
  double ratio;            /* median over batches of step / pair (adjacent batches) */
  int batches;
} nfcs_bench_cgl_result;

NFCS_API int nfcs_bench_cgl(int n, int dim, int scheme, int threads, int planner, double min_time,
                            nfcs_bench_cgl_result *out);

NFCS_EXTERN_C_END
#endif
