// Empirical NTK speed vs its own GEMMs (issue 5 item 4; theory.md §3.8), Google Benchmark.
//
//   BM_Entk/precision        empirical_ntk(net, X) (symmetric), width 1024, depth 3, relu, n0 = 784, N = 1000, λ = 1.
//   BM_OwnGemms/precision    the BLAS work it cannot avoid, done directly: one forward + one backward_signals of
//                            the Mlp over X, and the 2H + 1 = 7 Gram syrks (N × N × fan) of the per-layer terms.
// precision: 0 = float32, 1 = float64. Goal: BM_Entk ≤ 1.5 × BM_OwnGemms. WIDTHLAB_BENCH_N overrides N.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include "bench_inputs.h"
#include "widthlab/empirical_ntk.h"

using namespace widthlab;

namespace {

constexpr int kDim = 784, kWidth = 1024, kDepth = 3;

template <class T>
Mlp<T> make_net() {
  MlpConfig c;
  c.input_dim = kDim;
  c.width = kWidth;
  c.depth = kDepth;
  c.activation = activation_from_name("relu");
  Mlp<T> net(c, std::vector<LayerFactors>(kDepth + 1));
  net.init(0);
  return net;
}

inline void syrk(int n, int k, const float* a, float* c) {
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, k, 1.0f, a, k, 0.0f, c, n);
}
inline void syrk(int n, int k, const double* a, double* c) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, k, 1.0, a, k, 0.0, c, n);
}

template <class T>
void entk_run(benchmark::State& state) {
  const int n = int(bench::bench_n(1000));
  Mlp<T> net = make_net<T>();
  Matrix<T> X = bench::normal_inputs<T>(n, kDim);
  for (auto _ : state) benchmark::DoNotOptimize(empirical_ntk(net, X).data());
  state.counters["N"] = n;
}

template <class T>
void gemms_run(benchmark::State& state) {
  const int n = int(bench::bench_n(1000));
  Mlp<T> net = make_net<T>();
  Matrix<T> X = bench::normal_inputs<T>(n, kDim), G(n, n), ones = Matrix<T>::Ones(n, 1);
  auto ws = net.make_workspace(n, true);
  for (auto _ : state) {
    net.forward(X.data(), n, ws);
    net.backward_signals(ones.data(), ws);
    syrk(n, kDim, X.data(), G.data());
    for (int l = 0; l < kDepth; ++l) {
      syrk(n, kWidth, ws.h[l].data(), G.data());
      syrk(n, kWidth, ws.delta[l].data(), G.data());
    }
    benchmark::DoNotOptimize(G.data());
  }
  state.counters["N"] = n;
}

void BM_Entk(benchmark::State& s) { s.range(0) ? entk_run<double>(s) : entk_run<float>(s); }
void BM_OwnGemms(benchmark::State& s) { s.range(0) ? gemms_run<double>(s) : gemms_run<float>(s); }

}  // namespace

BENCHMARK(BM_Entk)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_OwnGemms)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
