// The dense net on the GPU (mlp_cuda.h) and run_training's device choice (train_run.h TrainOptions::device).
// The GPU checks GTEST_SKIP with cuda_status() where no GPU is usable (CI has none); the refusals run everywhere.
//
// Reference and tolerance: the float64 CPU net. A float32 net — CPU (tests/nets Float32AgreesWithFloat64) or GPU —
// must stay within 1e-5 relative of it for one forward/step and within 1e-4 of the largest logit after 10 training
// steps (mlp.h "Accuracy"): the GPU path is held to the CPU float32 path's own contract. Float32 rounding of these
// small nets (inner dimensions ≤ 48, |terms| ~ 1) is ~48·2^-24 ≈ 3e-6 relative per GEMM at worst, so a wrong term,
// factor or order of update (≥ 1e-3 relative) fails.
#include "widthlab/mlp_cuda.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/rng.h"
#include "widthlab/train_run.h"

using namespace widthlab;

namespace {

MatrixD normal_matrix(int rows, int cols, std::uint64_t seed, double scale) {
  Rng g = make_rng(seed, 31);
  std::normal_distribution<double> N(0, scale);
  MatrixD m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = N(g);
  return m;
}

// Two or three classes at shifted means in 7 dimensions: labels ±1, or class ids.
struct Task {
  MatrixD x_train, x_test;
  VectorD y_train, y_test;
  int classes = 2;
  TrainData view() const { return {x_train, y_train, x_test, y_test, classes}; }
};

Task make_task(int n, int m, int classes) {
  Task t;
  t.classes = classes;
  t.x_train = normal_matrix(n, 7, 1, 0.8);
  t.x_test = normal_matrix(m, 7, 2, 0.8);
  auto label = [&](MatrixD& x, VectorD& y) {
    y.resize(x.rows());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const int c = int(i % classes);
      x(i, c) += 1.2;
      y[i] = classes == 2 ? (c == 0 ? 1.0 : -1.0) : double(c);
    }
  };
  label(t.x_train, t.y_train);
  label(t.x_test, t.y_test);
  return t;
}

TrainTask dense_task(const std::string& device) {
  TrainTask t;
  t.model.width = 48;
  t.model.depth = 2;
  t.model.outputs = 0;
  t.model.bias = true;
  t.model.activation = activation_from_name("leaky_relu:0.1");
  t.factors = {{0.8, 1.1, 1.0}, {1.2, 0.7, 0.6}, {0.9, 1.3, 1.5}};
  t.seed = 4;
  t.train.optimizer = "gd";
  t.train.lr = 0.2;
  t.train.steps = 10;
  t.train.precision = Precision::float32;
  t.train.device = device;
  return t;
}

template <class T>
Mlp<T> net_of(const std::string& activation, bool bias, int outputs) {
  MlpConfig c;
  c.input_dim = 7, c.width = 48, c.depth = 2, c.outputs = outputs, c.bias = bias;
  c.activation = activation_from_name(activation);
  Mlp<T> net(c, {{0.8, 1.1, 1.0}, {1.2, 0.7, 0.6}, {0.9, 1.3, 1.5}});
  net.init(11);
  return net;
}

double max_abs(const MatrixD& m) { return m.size() ? m.cwiseAbs().maxCoeff() : 0.0; }

#define SKIP_WITHOUT_GPU() \
  if (!cuda_available()) GTEST_SKIP() << cuda_status()

}  // namespace

TEST(CudaTraining, TasksWithoutACudaPathAreNamed) {
  EXPECT_EQ(cuda_training_unsupported(dense_task("cuda")), "");
  TrainTask t = dense_task("cuda");
  t.train.optimizer = "adam";
  EXPECT_NE(cuda_training_unsupported(t).find("optimizer 'adam'"), std::string::npos);
  t = dense_task("cuda");
  t.train.precision = Precision::float64;
  EXPECT_NE(cuda_training_unsupported(t).find("float64"), std::string::npos);
  t = dense_task("cuda");
  t.arch = parse_architecture("conv(3x3,same,4)-relu-gap");
  EXPECT_NE(cuda_training_unsupported(t).find("model.arch"), std::string::npos);
}

TEST(CudaTraining, DeviceChoiceRefusesAndFallsBackWithReasons) {
  const Task data = make_task(20, 8, 2);
  TrainTask t = dense_task("cuda");
  t.train.optimizer = "adam";
  try {
    run_training(t, data.view());
    FAIL() << "adam on cuda must be refused";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("study.device = \"cuda\": not supported for optimizer 'adam'"),
              std::string::npos)
        << e.what();
  }
  t = dense_task("tpu");
  EXPECT_NE(t.train.validate().find("study.device = \"tpu\""), std::string::npos);
  // auto: a task without a CUDA path trains on the CPU, and its record says nothing about a device.
  t = dense_task("auto");
  t.train.optimizer = "adam";
  t.train.lr = 0.01;
  const TrainResult r = run_training(t, data.view());
  EXPECT_EQ(r.device, "cpu");
  EXPECT_FALSE(r.to_json().contains("device"));
  t = dense_task("cpu");
  EXPECT_EQ(run_training(t, data.view()).device, "cpu");
  if (!cuda_available()) {
    try {
      run_training(dense_task("cuda"), data.view());
      FAIL() << "study.device = cuda without a GPU must be refused";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("CUDA is not available"), std::string::npos) << e.what();
    }
    EXPECT_EQ(run_training(dense_task("auto"), data.view()).device, "cpu");
    EXPECT_THROW(CudaMlp{net_of<float>("relu", false, 1)}, InputError);
  }
}

// One forward and one SGD step of every activation, with bias and three outputs, against the float64 net.
TEST(CudaMlp, ForwardAndSgdStepMatchFloat64) {
  SKIP_WITHOUT_GPU();
  const MatrixD x = normal_matrix(20, 7, 3, 1.0), dl = normal_matrix(20, 3, 4, 0.3);
  for (const auto& info : activation_registry()) {
    const std::string act = info.name == "leaky_relu" ? "leaky_relu:0.1" : info.name;
    Mlp<double> ref = net_of<double>(act, true, 3);
    Mlp<float> host = net_of<float>(act, true, 3);
    CudaMlp gpu(host);
    auto ws = gpu.make_workspace(20);
    auto ws_ref = ref.make_workspace(20);
    const MatrixF xf = x.cast<float>(), dlf = dl.cast<float>();
    const MatrixD f = Eigen::Map<const MatrixF>(gpu.forward(xf.data(), 20, ws), 20, 3).cast<double>();
    const MatrixD f_ref = Eigen::Map<const MatrixD>(ref.forward(x.data(), 20, ws_ref), 20, 3);
    EXPECT_LT(max_abs(f - f_ref), 1e-5 * (1 + max_abs(f_ref))) << act;
    const std::vector<double> lrs = ref.layer_lrs(0.3);
    gpu.backward_sgd(xf.data(), dlf.data(), ws, lrs);
    ref.backward_sgd(x.data(), dl.data(), ws_ref, lrs);
    gpu.download(host);
    for (int l = 0; l < 3; ++l) {
      EXPECT_LT(max_abs(host.weight(l).cast<double>() - ref.weight(l)), 1e-5 * (1 + max_abs(ref.weight(l))))
          << act << " layer " << l;
      EXPECT_LT(max_abs(host.bias(l).cast<double>() - ref.bias(l)), 1e-5 * (1 + max_abs(ref.bias(l))))
          << act << " layer " << l;
    }
  }
}

// The benchmark's resident step is the step of ½‖f‖²: the same as backward_sgd with dlogits = the logits.
TEST(CudaMlp, ResidentStepIsTheHalfSquaredNormStep) {
  SKIP_WITHOUT_GPU();
  const MatrixF x = normal_matrix(16, 7, 5, 1.0).cast<float>();
  Mlp<float> a = net_of<float>("tanh", true, 2), b = net_of<float>("tanh", true, 2);
  CudaMlp ga(a), gb(b);
  auto wa = ga.make_workspace(16), wb = gb.make_workspace(16);
  const std::vector<double> lrs = a.layer_lrs(0.1);
  const MatrixF f = Eigen::Map<const MatrixF>(ga.forward(x.data(), 16, wa), 16, 2);
  ga.backward_sgd(x.data(), f.data(), wa, lrs);
  gb.set_input(x.data(), 16, wb);
  gb.forward_resident(16, wb);
  gb.sgd_resident(wb, lrs);
  gb.synchronize();
  ga.download(a);
  gb.download(b);
  for (int l = 0; l < 3; ++l) EXPECT_EQ(a.weight(l), b.weight(l)) << l;
}

// run_training on the GPU against the float64 CPU run: full-batch GD, mini-batch SGD with a short last batch,
// IC-MF offsets, cross-entropy; the host metrics of the downloaded net agree too.
TEST(CudaTraining, RunTrainingMatchesFloat64) {
  SKIP_WITHOUT_GPU();
  struct Case {
    const char* name;
    const char* optimizer;
    int batch;
    bool icmf;
    int classes;
  };
  for (const Case& c : {Case{"gd", "gd", 0, false, 2}, Case{"sgd, batch 7", "sgd", 7, false, 2},
                        Case{"gd, IC-MF", "gd", 0, true, 2}, Case{"sgd, cross-entropy", "sgd", 8, false, 3}}) {
    const Task data = make_task(30, 12, c.classes);
    TrainTask t = dense_task("cuda");
    t.train.optimizer = c.optimizer;
    t.train.batch = c.batch;
    t.init_corrected = c.icmf;
    t.train.kernel_points = 5;
    if (c.classes > 2) t.train.loss = "cross-entropy";
    const TrainResult g = run_training(t, data.view());
    t.train.device = "cpu";
    t.train.precision = Precision::float64;
    const TrainResult d = run_training(t, data.view());
    ASSERT_EQ(g.status, RunStatus::ok) << c.name;
    EXPECT_EQ(g.device, "cuda") << c.name;
    EXPECT_EQ(g.to_json()["device"], "cuda") << c.name;
    const double scale = 1 + max_abs(d.test_logits);
    EXPECT_LT(max_abs(g.test_logits - d.test_logits), 1e-4 * scale) << c.name;
    EXPECT_NEAR(*g.train_loss, *d.train_loss, 1e-5) << c.name;
    ASSERT_EQ(g.curve.size(), d.curve.size()) << c.name;
    for (std::size_t i = 0; i < g.curve.size(); ++i) EXPECT_NEAR(g.curve[i].test_loss, d.curve[i].test_loss, 1e-5);
    ASSERT_EQ(g.kernel_diag_final.size(), d.kernel_diag_final.size());
    for (std::size_t i = 0; i < g.kernel_diag_final.size(); ++i)
      EXPECT_NEAR(g.kernel_diag_final[i], d.kernel_diag_final[i], 1e-4 * d.kernel_diag_final[i]) << c.name;
  }
}

TEST(CudaTraining, Deterministic) {
  SKIP_WITHOUT_GPU();
  const Task data = make_task(30, 12, 2);
  TrainTask t = dense_task("cuda");
  t.train.optimizer = "sgd";
  t.train.batch = 8;
  const TrainResult a = run_training(t, data.view()), b = run_training(t, data.view());
  EXPECT_EQ(a.test_logits, b.test_logits);
}

// A huge learning rate under the squared loss overflows float32 within a few steps, on either device: the run ends
// as diverged (a status with its step), not as an exception. (Under the logistic loss a huge step can instead
// saturate every margin, where the gradient underflows to 0 and nothing overflows.)
TEST(CudaTraining, HugeLrDivergesWithStatusOnEitherDevice) {
  const Task data = make_task(30, 12, 2);
  for (const char* device : {"cpu", "cuda"}) {
    if (std::string(device) == "cuda" && !cuda_available()) continue;
    TrainTask t = dense_task(device);
    t.train.optimizer = "sgd";
    t.train.batch = 8;
    t.train.loss = "mse";
    t.train.lr = 1e30;
    t.train.steps = 40;
    const TrainResult r = run_training(t, data.view());
    EXPECT_EQ(r.device, device);
    EXPECT_EQ(r.status, RunStatus::diverged) << device;
    ASSERT_TRUE(r.diverged_at_step.has_value()) << device;
    EXPECT_LT(*r.diverged_at_step, 40) << device;
  }
}

// The step's GEMM list (the benchmarks' floor) against the resident step's products, counted by hand: per layer a
// forward in·θᵀ (rows × fan_out × fan_in), per hidden layer a backward δ·θ, per layer an accumulating update δᵀ·in;
// their flops are mlp_bench's count 2B(2·n0·d + 3(H−1)·d² + 3·d·k).
TEST(CudaMlp, StepGemmsAreTheResidentStepsProducts) {
  for (int depth : {1, 3}) {
    MlpConfig c;
    c.input_dim = 7, c.width = 5, c.depth = depth, c.outputs = 2;
    const int rows = 4;
    const std::vector<GemmShape> g = cuda_step_gemms(c, rows);
    ASSERT_EQ(g.size(), std::size_t(3 * depth + 2));
    const GemmShape& first = g.front();
    EXPECT_EQ(std::tuple(first.m, first.n, first.k, first.trans_a, first.trans_b, first.accumulate),
              std::tuple(rows, 5, 7, false, true, false));
    const GemmShape& backward = g[std::size_t(depth) + 1];  // δ^{H−1} = δ^H·θ_H
    EXPECT_EQ(std::tuple(backward.m, backward.n, backward.k, backward.trans_a, backward.trans_b, backward.accumulate),
              std::tuple(rows, 5, 2, false, false, false));
    const GemmShape& last = g.back();  // θ_H += step·δ_Hᵀ·h_{H−1}
    EXPECT_EQ(std::tuple(last.m, last.n, last.k, last.trans_a, last.trans_b, last.accumulate),
              std::tuple(2, 5, rows, true, false, true));
    long long flops = 0;
    for (const GemmShape& s : g) flops += 2LL * s.m * s.n * s.k;
    EXPECT_EQ(flops, 2LL * rows * (2 * 7 * 5 + 3 * (depth - 1) * 5 * 5 + 3 * 5 * 2)) << "depth " << depth;
  }
}

// Every operand layout of the step's GEMMs is one cuBLAS accepts (leading dimensions, transposes), and the timing
// is a positive, finite device time.
TEST(CudaMlp, StepGemmsTimeOnTheGpu) {
  SKIP_WITHOUT_GPU();
  MlpConfig c;
  c.input_dim = 784, c.width = 256, c.depth = 3, c.outputs = 1;
  const double ms = cuda_gemms_ms(cuda_step_gemms(c, 128), false, 3);
  EXPECT_GT(ms, 0.0);
  EXPECT_TRUE(std::isfinite(ms));
}

TEST(CudaMlp, GemmTimingWithoutAGpuSaysWhy) {
  if (cuda_available()) GTEST_SKIP() << "a GPU is present: " << cuda_status();
  const GemmShape one{8, 8, 8};
  EXPECT_THROW(cuda_gemms_ms({&one, 1}, false, 1), InputError);
}
