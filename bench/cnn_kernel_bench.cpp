// CNN-GAP kernel speed against the arithmetic the recursion cannot avoid (issue 19), Google Benchmark.
//
//   BM_Dgemm                 the machine's vector FLOP rate: a 2048³ float64 GEMM (OpenBLAS through Eigen, 2
//                            threads), best of 3; every other row's floor uses this rate.
//   BM_Pair/schedule         one pair (NNGP + NTK) on one thread, schedule 0 = planes (the default for these nets),
//                            1 = pairwise (the general per-axis box filters, cnn_kernel.h).
//   BM_DualAlone             the relu duals of one pair alone (the sqrt and divisions they cannot avoid), in L1.
//   BM_Kernel/N              widthlab's kernel_compute of N images (symmetric: N(N+1)/2 pairs), NNGP + NTK,
//                            float64, 2 threads: what `widthlab kernel --arch … --threads 2` runs.
//   BM_KernelFlatten/N       the same with a flatten readout instead of GAP (diagonal mode), N = 16 × BM_Kernel's.
// Net: conv(3x3,same,1)-relu-conv(3x3,same,1)-relu-conv(3x3,same,1)-relu-gap-dense(1), ntk parameterization, on
// 28×28×1 N(0,1) images (the analytic kernel does not depend on the channel counts written there). Counters:
// flops_per_pair (CnnKernel::pair_flops, cnn_kernel_flops.cpp says what is counted), floor_s = pairs ·
// flops_per_pair / (BM_Dgemm's rate · threads used ÷ 2), x_floor = time / floor_s (goal ≤ 2).
// WIDTHLAB_BENCH_N overrides N (default 64; the figure is N = 1000, ≈ 20 min on 2 cores).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>

#include "bench_inputs.h"
#include "widthlab/cnn_kernel.h"

using namespace widthlab;

namespace {

constexpr const char* kArch = "conv(3x3,same,1)-relu-conv(3x3,same,1)-relu-conv(3x3,same,1)-relu-gap-dense(1)";
constexpr const char* kFlattenArch =
    "conv(3x3,same,1)-relu-conv(3x3,same,1)-relu-conv(3x3,same,1)-relu-flatten-dense(1)";
const ImageShape kShape{28, 28, 1};

KernelOptions options(const char* arch = kArch) {
  KernelOptions o;
  o.arch = parse_architecture(arch);
  o.input_shape = kShape;
  o.threads = 2;
  o.block = 16;  // N = 64: 10 blocks of the upper triangle, so both threads stay busy
  return o;
}

// FLOP/s of a 2048³ float64 GEMM, best of 3, measured once per process.
double dgemm_rate() {
  static const double rate = [] {
    const int n = 2048;
    const MatrixD A = MatrixD::Random(n, n), B = MatrixD::Random(n, n);
    MatrixD C(n, n);
    double best = 1e30;
    for (int r = 0; r < 3; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      C.noalias() = A * B;
      benchmark::DoNotOptimize(C.data());
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return 2.0 * n * n * double(n) / best;
  }();
  return rate;
}

void floor_counters(benchmark::State& state, double pairs, double flops_per_pair, double seconds, double threads) {
  const double floor = pairs * flops_per_pair / (dgemm_rate() * threads / 2.0);
  state.counters["flops_per_pair"] = flops_per_pair;
  state.counters["dgemm_GFLOPs_2thr"] = dgemm_rate() / 1e9;
  state.counters["floor_s"] = floor;
  state.counters["x_floor"] = seconds / floor;
}

void BM_Dgemm(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(dgemm_rate());
  state.counters["GFLOPs"] = dgemm_rate() / 1e9;
}

void BM_Pair(benchmark::State& state) {
  const KernelOptions o = options();
  const CnnKernel k(o, kShape.size(), state.range(0) == 0 ? CnnSchedule::automatic : CnnSchedule::pairwise);
  const MatrixD X = bench::normal_inputs<double>(2, kShape.size());
  CnnKernel::Workspace ws;
  std::vector<double> v(2 * k.variance_size());
  k.variances(X.row(0).data(), v.data(), ws);
  k.variances(X.row(1).data(), v.data() + k.variance_size(), ws);
  double nngp = 0, ntk = 0, seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    k.pair(X.row(0).data(), X.row(1).data(), v.data(), v.data() + k.variance_size(), false, &nngp, &ntk, ws);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(nngp + ntk);
  }
  floor_counters(state, double(state.iterations()), k.pair_flops(), seconds, 1.0);
}

// The relu dual alone (Dual::apply_row, NNGP and Ṫ) on as many elements as BM_Pair's three activations evaluate
// (3 · P · H·(W + 2) with the plane border), from L1-resident rows of 840: the part of a pair that the sqrt and
// divisions of the dual cost at their own throughput, whatever the schedule around them.
void BM_DualAlone(benchmark::State& state) {
  const Dual dual(activation_from_name("relu"));
  const std::size_t n = 28 * 30, rows = 3 * 784;
  std::vector<double> k22(n, 1.3), k12(n), td(n), start(n);
  for (std::size_t i = 0; i < n; ++i) start[i] = 0.9 * std::sin(double(i));
  for (auto _ : state)
    for (std::size_t r = 0; r < rows; ++r) {
      std::copy(start.begin(), start.end(), k12.begin());
      dual.apply_row<double>(1.1, k22.data(), k12.data(), td.data(), n);
      benchmark::DoNotOptimize(k12.data());
    }
}

// kernel_compute of N images (N(N+1)/2 pairs, 2 threads) for one architecture, with the floor counters.
void kernel_rows(benchmark::State& state, const KernelOptions& o) {
  const std::int64_t n = state.range(0);
  const MatrixD X = bench::normal_inputs<double>(n, kShape.size());
  MatrixD K(n, n), T(n, n);
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    kernel_compute<double>(X, nullptr, o, K.data(), T.data(), n);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(K.data());
  }
  const double pairs = double(n) * double(n + 1) / 2.0 * double(state.iterations());
  floor_counters(state, pairs, CnnKernel(o, kShape.size()).pair_flops(), seconds, 2.0);
  state.counters["ms_per_pair_core"] = seconds * 2.0 / pairs * 1e3;
}

void BM_Kernel(benchmark::State& state) { kernel_rows(state, options()); }

// The same net with a flatten readout: diagonal mode, P = 784 values per pair and layer (cnn_kernel.h).
void BM_KernelFlatten(benchmark::State& state) {
  KernelOptions o = options(kFlattenArch);
  o.block = 128;
  kernel_rows(state, o);
}

}  // namespace

BENCHMARK(BM_Dgemm)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Pair)->ArgNames({"pairwise"})->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DualAlone)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Kernel)->ArgNames({"N"})->Arg(bench::bench_n(64))->UseRealTime()->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_KernelFlatten)
    ->ArgNames({"N"})
    ->Arg(bench::bench_n(64) * 16)
    ->UseRealTime()
    ->Unit(benchmark::kSecond)
    ->Iterations(1);
BENCHMARK_MAIN();
