// Google Benchmark microbenchmarks of the CGL field over the public C API: the bare FFT pair (the
// floor), each scheme's step and the metrics of a snapshot, on the same plans and threads.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "nfcs/nfcs.h"

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
  nfcs_fft_pair *pair = nullptr;
  if (nfcs_fft_pair_create(fx.ctx, nfcs_cgl_grid(fx.cgl), &pair)) std::abort();
  for (auto _ : st) {
    if (nfcs_fft_pair_run(pair, 1)) std::abort();
    benchmark::ClobberMemory();
  }
  nfcs_fft_pair_destroy(&pair);
}

// every metric of the field at a snapshot (energies, phase metrics, defects)
void BM_metrics(benchmark::State &st) {
  Fixture fx(static_cast<int>(st.range(0)), 2, NFCS_SCHEME_STRANG, static_cast<int>(st.range(1)));
  nfcs_field_metrics m;
  for (auto _ : st) {
    if (nfcs_cgl_metrics(fx.cgl, &m, 1)) std::abort();
    benchmark::ClobberMemory();
  }
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
BENCHMARK(BM_metrics)->Apply(sizes);
BENCHMARK_MAIN();
