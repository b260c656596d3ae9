// Google Benchmark microbenchmarks of the CGL kernels over the C API: the bare FFT pair (the
// floor), each pointwise stage, and each scheme's step, on the same plans and threads.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "nfcs_backend.h"
#include "nfcs_bench.h"
#include "nfcs_cgl.h"
#include "nfcs_internal.h"
#include "nfcs_params.h"

namespace {

struct Fixture {
  nfcs_ctx *ctx = nullptr;
  nfcs_params p{};
  nfcs_cgl *cgl = nullptr;
  Fixture(int n, int dim, int scheme, int threads) {
    nfcs_ctx_create(&ctx);
    nfcs_ctx_set_log_level(ctx, NFCS_LOG_WARNING);
    nfcs_ctx_set_threads(ctx, threads);
    nfcs_ctx_set_fft(ctx, NFCS_PLAN_MEASURE, "auto");
    if (nfcs_ctx_use_backend(ctx, "cpu")) std::abort();
    nfcs_bench_cgl_params(&p, n, dim, scheme); /* the case of nfcs bench */
    if (nfcs_cgl_create(ctx, &p, &cgl)) std::abort();
    std::vector<nfcs_real> f(2 * nfcs_cgl_grid(cgl)->npts);
    nfcs_cgl_pattern(&p, nfcs_cgl_grid(cgl), f.data());
    nfcs_cgl_set_field(cgl, f.data());
  }
  ~Fixture() {
    nfcs_cgl_destroy(&cgl);
    nfcs_ctx_destroy(&ctx);
  }
};


void BM_fft_pair(benchmark::State &st) {
  Fixture fx(static_cast<int>(st.range(0)), 2, NFCS_SCHEME_STRANG, static_cast<int>(st.range(1)));
  const nfcs_grid *g = nfcs_cgl_grid(fx.cgl);
  nfcs_real *a, *b;
  fx.ctx->ops->memory->alloc(fx.ctx->backend, g->npts, &a);
  fx.ctx->ops->memory->alloc(fx.ctx->backend, g->npts, &b);
  nfcs_fft *plan;
  fx.ctx->ops->fft->create(fx.ctx->backend, g, a, b, &plan);
  for (auto _ : st) {
    fx.ctx->ops->fft->forward(fx.ctx->backend, plan, a, b);
    fx.ctx->ops->fft->inverse(fx.ctx->backend, plan, b, a);
    benchmark::ClobberMemory();
  }
  fx.ctx->ops->fft->destroy(fx.ctx->backend, &plan);
  fx.ctx->ops->memory->free(fx.ctx->backend, a);
  fx.ctx->ops->memory->free(fx.ctx->backend, b);
}

void BM_local_exact(benchmark::State &st) {
  Fixture fx(static_cast<int>(st.range(0)), 2, NFCS_SCHEME_STRANG, static_cast<int>(st.range(1)));
  const nfcs_grid *g = nfcs_cgl_grid(fx.cgl);
  nfcs_real *a;
  fx.ctx->ops->memory->alloc(fx.ctx->backend, g->npts, &a);
  nfcs_local_step s{};
  s.h = 0.5 * nfcs_cgl_section(&fx.p)->time_step;
  s.c3 = nfcs_cgl_section(&fx.p)->c3;
  for (auto _ : st) {
    fx.ctx->ops->field->local(fx.ctx->backend, a, a, g->npts, &s);
    benchmark::ClobberMemory();
  }
  fx.ctx->ops->memory->free(fx.ctx->backend, a);
}

void BM_step(benchmark::State &st, int scheme) {
  Fixture fx(static_cast<int>(st.range(0)), 2, scheme, static_cast<int>(st.range(1)));
  for (auto _ : st) {
    nfcs_cgl_step(fx.cgl, 0.05);
    benchmark::ClobberMemory();
  }
}
void BM_step_strang(benchmark::State &st) { BM_step(st, NFCS_SCHEME_STRANG); }
void BM_step_etdrk4(benchmark::State &st) { BM_step(st, NFCS_SCHEME_ETDRK4); }
void BM_step_upstream(benchmark::State &st) { BM_step(st, NFCS_SCHEME_UPSTREAM); }

void sizes(benchmark::internal::Benchmark *b) {
  for (int t : {1, 2})
    for (int n : {128, 256, 512, 1024}) b->Args({n, t});
  b->ArgNames({"n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(BM_fft_pair)->Apply(sizes);
BENCHMARK(BM_step_strang)->Apply(sizes);
BENCHMARK(BM_step_etdrk4)->Apply(sizes);
BENCHMARK(BM_step_upstream)->Apply(sizes);
BENCHMARK(BM_local_exact)->Apply(sizes);
BENCHMARK_MAIN();
