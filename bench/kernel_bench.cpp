// Analytic kernel speed vs the machine floor (issue 5 item 6; architecture.md §7), Google Benchmark.
//
//   BM_Floor/precision/N        the floor: one N×N×784 GEMM (OpenBLAS through Eigen, all its threads) plus one
//                               streaming pass over the N² outputs (out = a·out + b) — what any kernel must pay.
//   BM_Kernel/precision/N/sym   widthlab kernel_compute, depth 3 relu, NNGP + NTK in one call, 2 threads;
//                               sym=0: X2 = X given (full N² work, the like-for-like comparison with the floor),
//                               sym=1: X2 omitted (upper block triangle + mirror).
// precision: 0 = float32, 1 = float64. d = 784, inputs N(0,1). Goal: float32 ≤ 1.3×, float64 ≤ 1.5× the floor.
// WIDTHLAB_BENCH_N overrides N (default 10000).
#include <benchmark/benchmark.h>

#include "bench_inputs.h"
#include "widthlab/kernel.h"

using namespace widthlab;

namespace {

constexpr int kDim = 784;

template <class T>
void floor_run(benchmark::State& state) {
  const std::int64_t n = state.range(1);
  Matrix<T> X = bench::normal_inputs<T>(n, kDim), C(n, n);
  for (auto _ : state) {
    C.noalias() = X * X.transpose();
    T* p = C.data();
    const std::int64_t m = n * n;
    for (std::int64_t i = 0; i < m; ++i) p[i] = T(0.5) * p[i] + T(1);
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPs"] = benchmark::Counter(2.0 * n * n * kDim, benchmark::Counter::kIsIterationInvariantRate,
                                                benchmark::Counter::kIs1000);
}

template <class T>
void kernel_run(benchmark::State& state) {
  const std::int64_t n = state.range(1);
  const bool sym = state.range(2) != 0;
  Matrix<T> X = bench::normal_inputs<T>(n, kDim), K(n, n), Th(n, n);
  KernelOptions o;
  o.depth = 3;
  o.act = activation_from_name("relu");
  o.threads = 2;
  for (auto _ : state) {
    kernel_compute<T>(X, sym ? nullptr : &X, o, K.data(), Th.data(), n);
    benchmark::DoNotOptimize(K.data());
    benchmark::ClobberMemory();
  }
  state.counters["entries_per_s"] = benchmark::Counter(double(n) * n, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Floor(benchmark::State& state) { state.range(0) == 0 ? floor_run<float>(state) : floor_run<double>(state); }
void BM_Kernel(benchmark::State& state) { state.range(0) == 0 ? kernel_run<float>(state) : kernel_run<double>(state); }

void args_floor(benchmark::internal::Benchmark* b) {
  for (int p : {0, 1}) b->Args({p, bench::bench_n(10000)});
}
void args_kernel(benchmark::internal::Benchmark* b) {
  for (int p : {0, 1})
    for (int sym : {0, 1}) b->Args({p, bench::bench_n(10000), sym});
}

}  // namespace

BENCHMARK(BM_Floor)
    ->ArgNames({"f64", "N"})
    ->Apply(args_floor)
    ->UseRealTime()
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(2);
BENCHMARK(BM_Kernel)
    ->ArgNames({"f64", "N", "sym"})
    ->Apply(args_kernel)
    ->UseRealTime()
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(2);
BENCHMARK_MAIN();
