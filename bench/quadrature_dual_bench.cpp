// The quadrature duals (dual.h) of the activations without a closed form, per kernel entry, on one row of 256
// entries with |ρ| ≤ 0.95: K = 0.5 takes the tensor Gauss–Hermite rule (order 64), K = 3, 30 and 3000 the composite
// Gauss–Legendre rule (dual_composite) that takes over above K = 1. The ratio of the two in one run is the price of
// the composite rule's accuracy at large variance (Gauss–Hermite's error there: 8e-4 at K = 3, ~1 at K = 100 for
// tanh). relu's closed form on the same rows is the reference scale.
//   build/bench/quadrature_dual_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "widthlab/activation.h"
#include "widthlab/dual.h"

namespace {

constexpr std::size_t kRow = 256;

void BM_Dual(benchmark::State& state, const char* activation) {
  const double K = double(state.range(0)) / 10.0;
  const widthlab::Dual dual(widthlab::activation_from_name(activation));
  std::vector<double> k22(kRow), k12(kRow), tdot(kRow), rho(kRow);
  for (std::size_t j = 0; j < kRow; ++j) {
    k22[j] = K * (0.75 + 0.5 * double(j) / double(kRow));  // the column variances vary around the row's
    rho[j] = 0.95 * std::sin(0.37 * double(j));
  }
  for (auto _ : state) {
    state.PauseTiming();
    for (std::size_t j = 0; j < kRow; ++j) k12[j] = rho[j] * std::sqrt(K * k22[j]);
    state.ResumeTiming();
    dual.apply_row<double>(K, k22.data(), k12.data(), tdot.data(), kRow);
    benchmark::DoNotOptimize(k12.data());
    benchmark::DoNotOptimize(tdot.data());
  }
  state.counters["K"] = K;
  state.counters["entries_per_s"] = benchmark::Counter(double(kRow), benchmark::Counter::kIsIterationInvariantRate);
}

// K × 10 as the argument (benchmark arguments are integers).
BENCHMARK_CAPTURE(BM_Dual, relu, "relu")->Arg(5)->Arg(30)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Dual, tanh, "tanh")->Arg(5)->Arg(30)->Arg(300)->Arg(30000)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Dual, gelu, "gelu")->Arg(5)->Arg(30)->Arg(300)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
