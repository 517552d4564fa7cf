// The CUDA dense NNGP+NTK (kernel_cuda.h) at the issue 24 figure, Google Benchmark with manual (device) time.
//
//   BM_CudaKernel/tf32/N   symmetric NNGP and NTK of N inputs of d = 784 (N(0,1)), depth 3 relu, float32: one GEMM
//                          plus one recursion kernel over all N² entries, outputs left on the device (what
//                          neural-tangents' timings measure); time = median of 5 device runs (CUDA events) per
//                          iteration. tf32: 0 = strict float32 GEMM (the default), 1 = TF32 tensor cores.
// Issue 24's target: N = 10000 in ≤ 2 ms (neural-tangents on an H100: 1.76 ms TF32, 4.46 ms strict float32).
// Without a usable GPU every benchmark is skipped with cuda_status(). WIDTHLAB_BENCH_N overrides N (default 10000).
// bench/gpu_check.sh runs this and prints bench/RESULTS.md rows.
#include <benchmark/benchmark.h>

#include "bench_inputs.h"
#include "widthlab/device.h"
#include "widthlab/kernel_cuda.h"

using namespace widthlab;

namespace {

constexpr int kDim = 784;

void BM_CudaKernel(benchmark::State& state) {
  if (!cuda_available()) {
    state.SkipWithError(cuda_status().c_str());
    return;
  }
  const std::int64_t n = state.range(1);
  const MatrixF X = bench::normal_inputs<float>(n, kDim);
  KernelOptions o;
  o.depth = 3;
  o.precision = Precision::float32;
  CudaKernelOptions co;
  co.tf32 = state.range(0) != 0;
  const MatrixRef<float> x(X);
  for (auto _ : state) state.SetIterationTime(kernel_time_cuda(x, o, co, 5) / 1e3);
  state.counters["N"] = double(n);
  state.counters["GFLOP/s(gemm)"] =
      benchmark::Counter(2.0 * double(n) * double(n) * kDim / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_CudaKernel)
    ->ArgsProduct({{0, 1}, {bench::bench_n(10000)}})
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
