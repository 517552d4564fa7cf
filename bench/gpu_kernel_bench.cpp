// The CUDA dense NNGP+NTK (kernel_cuda.h) at the issue 24 figure, Google Benchmark with manual (device) time.
//
//   BM_CudaKernel/mode:M/panel_mib:P/N   symmetric NNGP and NTK of N inputs of d = 784 (N(0,1)), depth 3 relu:
//       kernel_compute_cuda's panels of P MiB per output (the upper triangle, kernel_panels.h), each one GEMM plus
//       one recursion kernel, outputs left on the device (what neural-tangents' timings measure); time = median of
//       5 device runs (CUDA events) per iteration. Mode 0: float32, strict GEMM (the default); 1: float32, TF32
//       tensor cores; 2: float64.
//   Counters: N, panels, "GFLOP/s(gemm)" — the computed GEMM flops (2·d·Σ rows·cols over the panels) per second,
//   to compare with the same run's cuBLAS GEMM floor (gpu_train_bench's BM_CublasSgemm) — and "GFLOP/s(square)",
//   2·N²·d per second, the rate of a full-square computation taking the same time.
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

template <class T>
double time_ms(std::int64_t n, const CudaKernelOptions& co) {
  const Matrix<T> X = bench::normal_inputs<T>(n, kDim);
  KernelOptions o;
  o.depth = 3;
  o.precision = std::is_same_v<T, float> ? Precision::float32 : Precision::float64;
  return kernel_time_cuda(MatrixRef<T>(X), o, co, 5);
}

void BM_CudaKernel(benchmark::State& state) {
  if (!cuda_available()) {
    state.SkipWithError(cuda_status().c_str());
    return;
  }
  const int mode = int(state.range(0));
  const std::int64_t n = state.range(2);
  CudaKernelOptions co;
  co.tf32 = mode == 1;
  const std::int64_t entry_bytes = mode == 2 ? 8 : 4;
  co.panel_bytes = state.range(1) << 20;
  for (auto _ : state) state.SetIterationTime((mode == 2 ? time_ms<double>(n, co) : time_ms<float>(n, co)) / 1e3);
  const std::int64_t rows = std::clamp<std::int64_t>(co.panel_bytes / (n * entry_bytes), 1, n);
  double entries = 0;
  const std::vector<KernelPanel> panels = kernel_panels(n, n, rows, /*symmetric=*/true);
  for (const KernelPanel& p : panels) entries += double(p.rows) * double(p.cols);
  state.counters["N"] = double(n);
  state.counters["panels"] = double(panels.size());
  state.counters["GFLOP/s(gemm)"] =
      benchmark::Counter(2.0 * entries * kDim / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s(square)"] =
      benchmark::Counter(2.0 * double(n) * double(n) * kDim / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_CudaKernel)
    ->ArgNames({"mode", "panel_mib", "N"})
    ->Args({0, 64, bench::bench_n(10000)})
    ->Args({0, 16, bench::bench_n(10000)})
    ->Args({0, 256, bench::bench_n(10000)})
    ->Args({1, 64, bench::bench_n(10000)})
    ->Args({1, 16, bench::bench_n(10000)})
    ->Args({2, 64, bench::bench_n(10000)})
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
