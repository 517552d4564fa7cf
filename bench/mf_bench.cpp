// MF particle system vs finite MF-scaled net: cost of one training step (theory.md §3.3; architecture.md §7 "the MF
// particle simulator is a width-N net in disguise"). Both use the nets module's Mlp kernels; the particle step adds the
// limit-rule loss derivative (limit_models.h) and the batch/logit bookkeeping of limit_run.
//   BM_FiniteStep/N      Mlp<float> forward + Loss::gradient + fused backward_sgd (run_training's inner loop)
//   BM_ParticleStep/N    ParticleSystem<float> forward + limit_loss_gradient(L_fin) + update
//   BM_KernelModelStep   one function-space step of a kernel limit model on n train + m test points
// Workload: B = 1000 inputs of dimension n0 = 784 (Fashion-MNIST size), one logit, float32, full-batch GD.
// Counters: steps/s and GFLOP/s (6·B·N·(n0+1) flops per step: forward, input-signal and weight-gradient GEMMs).
// Threads: OpenBLAS's (WIDTHLAB_BENCH_THREADS=1 pins one, as in mlp_bench). Wall and process CPU time are reported.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>

#include "widthlab/limit_models.h"
#include "widthlab/limit_run.h"
#include "widthlab/mean_field.h"
#include "widthlab/mlp.h"
#include "widthlab/scaling.h"

namespace {
using namespace widthlab;

constexpr int kB = 1000, kN0 = 784;

struct Batch {
  MatrixF x;
  VectorD y;
  Batch() : x(kB, kN0), y(kB) {
    Rng rng = make_rng(1, 7);
    std::normal_distribution<float> normal(0.f, 1.f);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = normal(rng);
    for (int i = 0; i < kB; ++i) y[i] = (i % 2) ? 1.0 : -1.0;
  }
};
const Batch& batch() {
  static const Batch b;
  return b;
}
[[maybe_unused]] const bool kThreadsSet = [] {
  if (const char* t = std::getenv("WIDTHLAB_BENCH_THREADS")) set_blas_threads(std::atoi(t));
  return true;
}();

void set_counters(benchmark::State& state, long long n) {
  const double flops = 6.0 * kB * double(n) * (kN0 + 1);
  state.counters["steps/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * double(state.iterations()) * 1e-9, benchmark::Counter::kIsRate);
}

void BM_FiniteStep(benchmark::State& state) {
  const long long n = state.range(0);
  MlpConfig cfg;
  cfg.input_dim = kN0;
  cfg.width = int(n);
  cfg.activation = activation_from_name("leaky_relu:0.1");
  Mlp<float> net(cfg, scaling_from_name("mf").factors_at(double(n)));
  net.init(0);
  auto ws = net.make_workspace(kB);
  const std::vector<double> lrs = net.layer_lrs(0.02);
  const Loss loss = loss_from_name("logistic");
  MatrixF logits(kB, 1), dl;
  for (auto _ : state) {
    const float* out = net.forward(batch().x.data(), kB, ws);
    std::copy(out, out + kB, logits.data());
    loss.gradient(logits, batch().y, dl);
    net.backward_sgd(batch().x.data(), dl.data(), ws, lrs);
  }
  set_counters(state, n);
}

void BM_ParticleStep(benchmark::State& state) {
  const long long n = state.range(0);
  ParticleOptions po;
  po.input_dim = kN0;
  po.particles = n;
  ParticleSystem<float> ps(po, 0.02, kB);
  ps.init(0);
  const Loss loss = loss_from_name("logistic");
  MatrixF dl;
  for (auto _ : state) {
    const float* out = ps.forward(batch().x.data(), kB);
    // The same per-step bookkeeping as limit_run: logits to float64, rule argument back to T.
    const MatrixD logits = Eigen::Map<const MatrixF>(out, kB, 1).cast<double>();
    const MatrixF z = logits.cast<float>();
    limit_loss_gradient(loss, LossRule::fin, z, batch().y, dl);
    ps.update(batch().x.data(), dl.data());
  }
  set_counters(state, n);
}

void BM_KernelModelStep(benchmark::State& state) {
  const int n = int(state.range(0)), m = 2 * n;
  MatrixD theta = MatrixD::Random(n + m, n), h = MatrixD::Zero(n + m, 1), grad;
  const Loss loss = loss_from_name("logistic");
  VectorD y(n);
  for (int i = 0; i < n; ++i) y[i] = (i % 2) ? 1.0 : -1.0;
  for (auto _ : state) {
    const MatrixD u = h.topRows(n);
    limit_loss_gradient(loss, LossRule::fin, u, y, grad);
    h.noalias() -= theta * grad;
    benchmark::DoNotOptimize(h.data());
  }
  state.counters["steps/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_FiniteStep)
    ->ArgName("N")
    ->Arg(4096)
    ->Arg(16384)
    ->Arg(65536)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();
BENCHMARK(BM_ParticleStep)
    ->ArgName("N")
    ->Arg(4096)
    ->Arg(16384)
    ->Arg(65536)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();
BENCHMARK(BM_KernelModelStep)
    ->ArgName("n")
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
