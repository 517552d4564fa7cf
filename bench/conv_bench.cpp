// Training-step speed of the finite convolutional net engine (conv_net.h; issue 19 item 3), Google Benchmark.
//
//   BM_ConvSgdStep/channels/onednn   one SGD step of conv(3x3,same,C)-relu-conv(3x3,same,C)-relu-gap-dense(1) on
//                             28×28×1 inputs (batch 128, float32, no bias, logistic loss): gather a reshuffled
//                             mini-batch, forward, ∂loss/∂logits, fused backward + update — the inner loop of a
//                             training run. onednn:0 = ConvBackend::im2col, onednn:1 = ConvBackend::onednn (skipped
//                             when built without oneDNN).
// Counters: steps_per_s, GFLOPs (the convolutions' GEMM flops / wall time: forward 2·B·P·9·C_in·C_out per conv,
// backward twice that, except the first conv's input signal), threads (OpenBLAS's, which oneDNN follows;
// WIDTHLAB_BENCH_THREADS sets it). The data are N(0,1) from make_rng(0, 0), labels ±1 alternating, as
// bench/conv_torch_peer.py (values do not affect speed). Run: build/bench/conv_bench; the PyTorch peer:
// /usr/bin/python3 bench/conv_torch_peer.py --threads 2.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>

#include "bench_inputs.h"
#include "widthlab/conv_net.h"
#include "widthlab/loss.h"
#include "widthlab/rng.h"

using namespace widthlab;

namespace {

constexpr int kSide = 28, kInput = kSide * kSide, kTrain = 1000, kBatch = 128;

const bench::TrainingData& data() {
  static const bench::TrainingData d = bench::normal_training_data(kTrain, kInput);
  return d;
}

ConvNetConfig config(int channels, bool onednn) {
  ConvNetConfig c;
  c.backend = onednn ? ConvBackend::onednn : ConvBackend::im2col;
  const std::string C = std::to_string(channels);
  c.arch = parse_architecture("conv(3x3,same," + C + ")-relu-conv(3x3,same," + C + ")-relu-gap-dense(1)");
  c.input = ImageShape{kSide, kSide, 1};
  return c;
}

double step_flops(int channels, int batch) {
  const double C = channels, BP = double(batch) * kInput;
  return 2 * BP * 9 * (2 * C + 3 * C * C);  // conv 1: forward + weight gradient; conv 2: + input signal
}

void BM_ConvSgdStep(benchmark::State& state) {
  bench::apply_thread_override();
  const int channels = int(state.range(0));
  const bool onednn = state.range(1) != 0;
  if (onednn && !conv_onednn_available()) {
    state.SkipWithError("built without oneDNN");
    return;
  }
  const bench::TrainingData& d = data();
  const Loss loss = loss_from_name("logistic");
  ConvNet<float> net(config(channels, onednn), std::vector<LayerFactors>(3));
  net.init(0);
  const std::vector<double> lrs = net.layer_lrs(1e-3);
  auto ws = net.make_workspace(kBatch);
  bench::MiniBatchStep mini_batch_step(d, kBatch);
  auto step = [&] { benchmark::DoNotOptimize(mini_batch_step(net, ws, lrs, loss)); };
  step();  // warm-up: the workspace's first touch (page faults) and OpenBLAS's buffers, as the peers' warm-up step
  for (auto _ : state) step();
  state.counters["steps_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["GFLOPs"] =
      benchmark::Counter(double(state.iterations()) * step_flops(channels, kBatch) * 1e-9, benchmark::Counter::kIsRate);
  state.counters["threads"] = blas_threads();
}

}  // namespace

BENCHMARK(BM_ConvSgdStep)
    ->ArgNames({"channels", "onednn"})
    ->ArgsProduct({{16, 32, 64, 128, 256, 512}, {0, 1}})
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
