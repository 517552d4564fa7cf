// Training-step speed of the dense net on the GPU (mlp_cuda.h; issue 24), Google Benchmark; the GPU twin of
// bench/mlp_bench.cpp, with the same net, data law, batch and float32 (strict: no TF32):
//
//   BM_CudaSgdStep/depth/width       one step of run_training's loop on the GPU: gather a reshuffled mini-batch of
//                                    128 on the host, forward (batch up, logits down), ∂loss/∂logits on the host
//                                    (logistic), backward + update on the device. Wall time, one sync per step.
//   BM_CudaResidentStep/depth/width  the device part alone: forward and update of the loss ½‖f‖² on a batch already
//                                    on the device, 20 steps between syncs — the GPU's work per step.
//   BM_CublasStepGemms/depth/width   the resident step's cuBLAS GEMMs alone (cuda_step_gemms: same shapes, operand
//                                    layouts and order), device time by CUDA events: the step's GEMM floor, which
//                                    its elementwise kernels and launches add to. The resident step's share of the
//                                    SGEMM floor below splits into this floor's share and the step's overhead on it.
//   BM_CublasSgemm/n                 the GPU's strict-float32 cuBLAS GEMM rate on n × n × n (the reference of the
//                                    GEMM share), device time by CUDA events.
// Counters: steps_per_s, GFLOPs (the step's GEMM flops / wall time, mlp_bench's count). The PyTorch peer is
// bench/torch_peer.py --device cuda (same GPU, same precision: torch.backends.cuda.matmul.allow_tf32 = False).
// Without a usable GPU every benchmark is skipped with cuda_status(). bench/gpu_check.sh runs this.
#include <benchmark/benchmark.h>

#include <random>

#include "bench_inputs.h"
#include "widthlab/device.h"
#include "widthlab/loss.h"
#include "widthlab/mlp_cuda.h"
#include "widthlab/rng.h"

using namespace widthlab;

namespace {

constexpr int kInput = 784, kTrain = 1000, kBatch = 128, kResidentSteps = 20;

const bench::TrainingData& data() {
  static const bench::TrainingData d = bench::normal_training_data(kTrain, kInput);
  return d;
}

MlpConfig net_config(int depth, int width) {
  MlpConfig c;
  c.input_dim = kInput, c.width = width, c.depth = depth, c.outputs = 1;
  c.activation = activation_from_name("leaky_relu:0.1");
  return c;
}

Mlp<float> host_net(int depth, int width) {
  Mlp<float> net(net_config(depth, width), std::vector<LayerFactors>(std::size_t(depth) + 1));
  net.init(0);
  return net;
}

double step_flops(int depth, int width) {
  const double d = width, n0 = kInput, k = 1, B = kBatch;
  return 2 * B * (2 * n0 * d + 3 * (depth - 1) * d * d + 3 * d * k);
}

bool skip_without_gpu(benchmark::State& state) {
  if (cuda_available()) return false;
  state.SkipWithError(cuda_status().c_str());
  return true;
}

void report(benchmark::State& state, double steps, int depth, int width) {
  state.counters["steps_per_s"] = benchmark::Counter(steps, benchmark::Counter::kIsRate);
  state.counters["GFLOPs"] = benchmark::Counter(steps * step_flops(depth, width) * 1e-9, benchmark::Counter::kIsRate);
}

void BM_CudaSgdStep(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int depth = int(state.range(0)), width = int(state.range(1));
  const bench::TrainingData& d = data();
  const Loss loss = loss_from_name("logistic");
  Mlp<float> host = host_net(depth, width);
  CudaMlp net(host);
  const std::vector<double> lrs = net.layer_lrs(1e-3);
  auto ws = net.make_workspace(kBatch);
  bench::MiniBatchStep step(d, kBatch);
  for (auto _ : state) benchmark::DoNotOptimize(step(net, ws, lrs, loss));
  report(state, double(state.iterations()), depth, width);
}

void BM_CudaResidentStep(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int depth = int(state.range(0)), width = int(state.range(1));
  Mlp<float> host = host_net(depth, width);
  CudaMlp net(host);
  const std::vector<double> lrs = net.layer_lrs(1e-6);  // small: ½‖f‖² steps keep the weights near init
  auto ws = net.make_workspace(kBatch);
  net.set_input(data().x.data(), kBatch, ws);
  for (auto _ : state) {
    for (int s = 0; s < kResidentSteps; ++s) {
      net.forward_resident(kBatch, ws);
      net.sgd_resident(ws, lrs);
    }
    net.synchronize();
  }
  report(state, double(state.iterations()) * kResidentSteps, depth, width);
}

void BM_CublasStepGemms(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int depth = int(state.range(0)), width = int(state.range(1));
  const std::vector<GemmShape> gemms = cuda_step_gemms(net_config(depth, width), kBatch);
  for (auto _ : state) state.SetIterationTime(cuda_gemms_ms(gemms, false, 20) / 1e3);
  report(state, double(state.iterations()), depth, width);
}

void BM_CublasSgemm(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int n = int(state.range(0));
  for (auto _ : state) state.SetIterationTime(cuda_sgemm_ms(n, n, n, false, 5) / 1e3);
  state.counters["GFLOPs"] =
      benchmark::Counter(2.0 * n * n * double(n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void widths(benchmark::internal::Benchmark* b) {
  for (int depth : {1, 3})
    for (int w = 1024; w <= 16384; w *= 2) b->Args({depth, w});
}

}  // namespace

BENCHMARK(BM_CublasSgemm)->ArgName("n")->Arg(4096)->Arg(8192)->UseManualTime()->Iterations(3);
BENCHMARK(BM_CudaSgdStep)->ArgNames({"depth", "width"})->Apply(widths)->MinTime(0.3)->UseRealTime();
BENCHMARK(BM_CudaResidentStep)->ArgNames({"depth", "width"})->Apply(widths)->MinTime(0.3)->UseRealTime();
BENCHMARK(BM_CublasStepGemms)->ArgNames({"depth", "width"})->Apply(widths)->UseManualTime()->Iterations(3);

BENCHMARK_MAIN();
