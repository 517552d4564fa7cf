// Training-step speed of the finite-width MLP engine (architecture.md §7; issue 4 item 4), Google Benchmark.
//
//   BM_SgdStep/depth/width     one SGD step (batch 128, 784-dim inputs, leaky_relu:0.1, 1 logit, logistic loss,
//                              float32, no bias): gather a reshuffled mini-batch, forward, ∂loss/∂logits, fused
//                              backward + update — the inner loop of run_training.
//   BM_GdStep/depth/width      one full-batch GD step on 1000 × 784.
//   BM_RunTraining/depth/width run_training end to end (metrics off) for 20 SGD steps: setup + init + final eval.
//   BM_Sgemm/n                 the machine's OpenBLAS sgemm rate on n × n × n (the reference for the GEMM share).
// Counters: steps_per_s, GFLOPs (GEMM flops of the step / wall time). Threads: OpenBLAS's (WIDTHLAB_BENCH_THREADS sets
// it). "CPU" is the whole process's CPU time (all OpenBLAS threads), robust to a machine shared with other jobs.
// The data are N(0,1) from make_rng(0, 0), labels ±1 alternating — the same law, shape and labels as
// bench/torch_peer.py (values do not affect speed). Run: bench/run_all.sh or build-*/bench/mlp_bench.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "bench_inputs.h"
#include "widthlab/loss.h"
#include "widthlab/mlp.h"
#include "widthlab/rng.h"
#include "widthlab/train_run.h"

using namespace widthlab;

namespace {

constexpr int kInput = 784, kTrain = 1000, kBatch = 128;

struct Data : bench::TrainingData {
  MatrixD xd;  // the same inputs in float64
};

const Data& data() {
  static const Data d = [] {
    Data d{bench::normal_training_data(kTrain, kInput), {}};
    d.xd = d.x.cast<double>();
    return d;
  }();
  return d;
}

MlpConfig config(int depth, int width) {
  MlpConfig c;
  c.input_dim = kInput;
  c.width = width;
  c.depth = depth;
  c.outputs = 1;
  c.activation = activation_from_name("leaky_relu:0.1");
  return c;
}

double step_flops(int depth, int width, int batch) {
  const double d = width, n0 = kInput, k = 1, B = batch;
  // forward + weight gradients: n0·d + (H−1)d² + dk each; input signals: (H−1)d² + dk.
  return 2 * B * (2 * n0 * d + 3 * (depth - 1) * d * d + 3 * d * k);
}

void report(benchmark::State& state, int depth, int width, int batch) {
  state.counters["steps_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["GFLOPs"] = benchmark::Counter(double(state.iterations()) * step_flops(depth, width, batch) * 1e-9,
                                                benchmark::Counter::kIsRate);
  state.counters["threads"] = blas_threads();
}

void step_loop(benchmark::State& state, int batch) {
  bench::apply_thread_override();
  const int depth = int(state.range(0)), width = int(state.range(1));
  const Data& d = data();
  const Loss loss = loss_from_name("logistic");
  Mlp<float> net(config(depth, width), std::vector<LayerFactors>(depth + 1));
  net.init(0);
  const std::vector<double> lrs = net.layer_lrs(1e-3);
  auto ws = net.make_workspace(batch);
  bench::MiniBatchStep step(d, batch);
  for (auto _ : state) benchmark::DoNotOptimize(step(net, ws, lrs, loss));
  report(state, depth, width, batch);
}

void BM_SgdStep(benchmark::State& state) { step_loop(state, kBatch); }
void BM_GdStep(benchmark::State& state) { step_loop(state, kTrain); }

void BM_RunTraining(benchmark::State& state) {
  bench::apply_thread_override();
  const int depth = int(state.range(0)), width = int(state.range(1)), steps = 20;
  const Data& d = data();
  const MatrixD xt = d.xd.topRows(100);
  const VectorD yt = d.y.head(100);
  TrainTask t;
  t.model = config(depth, width);
  t.factors.assign(depth + 1, LayerFactors{});
  t.train.optimizer = "sgd";
  t.train.batch = kBatch;
  t.train.steps = steps;
  t.train.lr = 1e-3;
  t.train.curve_every = 0;
  t.train.kernel_points = 0;
  t.train.coord_points = 0;
  t.train.decomposition = false;
  for (auto _ : state) benchmark::DoNotOptimize(run_training(t, TrainData{d.xd, d.y, xt, yt, 2}));
  state.counters["steps_per_s"] = benchmark::Counter(double(state.iterations()) * steps, benchmark::Counter::kIsRate);
}

void BM_Sgemm(benchmark::State& state) {
  bench::apply_thread_override();
  const int n = int(state.range(0));
  MatrixF a = MatrixF::Random(n, n), b = MatrixF::Random(n, n), c(n, n);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(double(state.iterations()) * 2.0 * n * n * n * 1e-9, benchmark::Counter::kIsRate);
  state.counters["threads"] = blas_threads();
}

void widths(benchmark::internal::Benchmark* b) {
  for (int depth : {1, 3})
    for (int w = 64; w <= 4096; w *= 2) b->Args({depth, w});
}

}  // namespace

#define WIDTHLAB_TIMING UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond)
BENCHMARK(BM_Sgemm)->ArgName("n")->Arg(1024)->Arg(2048)->WIDTHLAB_TIMING;
BENCHMARK(BM_SgdStep)->ArgNames({"depth", "width"})->Apply(widths)->WIDTHLAB_TIMING;
BENCHMARK(BM_GdStep)->ArgNames({"depth", "width"})->Args({1, 8192})->WIDTHLAB_TIMING;
BENCHMARK(BM_RunTraining)->ArgNames({"depth", "width"})->Args({1, 1024})->Args({3, 1024})->WIDTHLAB_TIMING;

BENCHMARK_MAIN();
