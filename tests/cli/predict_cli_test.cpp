// `widthlab predict` end to end: outputs equal the library's predict(), shapes, predict.json; bad input → exit 2,
// one line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/cli_helpers.h"
#include "widthlab/device.h"
#include "widthlab/npy.h"
#include "widthlab/predict.h"

using namespace widthlab;
using namespace widthlab::test;

TEST(PredictCli, MseWithCovarianceMatchesTheLibrary) {
  auto dir = scratch_dir("predict_cli");
  MatrixD X = sin_inputs(7, 3, 0), T = sin_inputs(4, 3, 0.4);
  VectorD y(7);
  for (int i = 0; i < 7; ++i) y[i] = std::cos(0.8 * i);
  npy_write(dir + "/x.npy", X);
  npy_write(dir + "/t.npy", T);
  npy_write(dir + "/y.npy", y);
  const std::string common = "predict --train " + dir + "/x.npy --labels " + dir + "/y.npy --test " + dir +
                             "/t.npy --depth 2 --activation erf --b-std 0.2 --device cpu ";  // the library's kernels
  auto r = run_cli(common + "--time inf --cov --diag-reg 0.01 --out " + dir + "/inf");
  ASSERT_EQ(r.code, 0) << r.err;
  KernelOptions ko;
  ko.depth = 2;
  ko.act = activation_from_name("erf");
  ko.b_std = 0.2;
  PredictOptions po;
  po.cov = true;
  po.diag_reg = 0.01;
  MatrixD Y = y;
  PredictResult lib = predict(X, Y, T, ko, po);
  MatrixD mean = npy_read_matrix<double>(dir + "/inf/mean.npy"), cov = npy_read_matrix<double>(dir + "/inf/cov.npy");
  ASSERT_EQ(mean.rows(), 4);
  ASSERT_EQ(mean.cols(), 1);
  ASSERT_EQ(cov.rows(), 4);
  ASSERT_EQ(cov.cols(), 4);
  EXPECT_LE((mean - lib.mean).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LE((cov - lib.cov).cwiseAbs().maxCoeff(), 1e-12);
  std::ifstream js(dir + "/inf/predict.json");
  auto j = nlohmann::json::parse(js);
  EXPECT_EQ(j["time"], "inf");
  EXPECT_NEAR(j["eig_min"].get<double>(), lib.summary.eig_min, 1e-12);
  EXPECT_GT(j["eig_max"].get<double>(), j["eig_min"].get<double>());

  // finite time, nngp kernel
  auto r2 = run_cli(common + "--time 3.5 --lr 0.5 --kernel nngp --out " + dir + "/fin");
  ASSERT_EQ(r2.code, 0) << r2.err;
  PredictOptions p2;
  p2.time = 3.5;
  p2.lr = 0.5;
  p2.kernel = PredictKernel::nngp;
  EXPECT_LE((npy_read_matrix<double>(dir + "/fin/mean.npy") - predict(X, Y, T, ko, p2).mean).cwiseAbs().maxCoeff(),
            1e-12);
  EXPECT_FALSE(std::filesystem::exists(dir + "/fin/cov.npy"));

  // existing results refused without --force
  auto again = run_cli(common + "--time 3.5 --out " + dir + "/fin");
  EXPECT_EQ(again.code, 2);
  EXPECT_EQ(run_cli(common + "--time 3.5 --out " + dir + "/fin --force").code, 0);

  // Audit finding: --force removed the command's own input when widthlab had written it in --out. Predicting on the
  // training inputs gives 7 means, which then serve as the labels of a predict that --force-s the same folder.
  const std::string on_train =
      "predict --train " + dir + "/x.npy --test " + dir + "/x.npy --depth 2 --activation relu --device cpu --time inf ";
  ASSERT_EQ(run_cli(on_train + "--labels " + dir + "/y.npy --out " + dir + "/self").code, 0);
  auto self = run_cli(on_train + "--labels " + dir + "/self/mean.npy --out " + dir + "/self --force");
  EXPECT_EQ(self.code, 2);
  EXPECT_NE(self.err.find("mean.npy: is read by this command, and --force would remove it"), std::string::npos)
      << self.err;
  EXPECT_TRUE(std::filesystem::exists(dir + "/self/mean.npy"));
}

TEST(PredictCli, LogisticAndCrossEntropy) {
  auto dir = scratch_dir("predict_cli_cls");
  MatrixD X = sin_inputs(6, 2, 0), T = sin_inputs(3, 2, 0.3);
  VectorD ypm(6), ycls(6);
  for (int i = 0; i < 6; ++i) {
    ypm[i] = i % 2 ? 1.0 : -1.0;
    ycls[i] = i % 3;
  }
  npy_write(dir + "/x.npy", X);
  npy_write(dir + "/t.npy", T);
  npy_write(dir + "/ypm.npy", ypm);
  npy_write(dir + "/ycls.npy", ycls);
  const std::string base =
      "predict --train " + dir + "/x.npy --test " + dir + "/t.npy --depth 1 --activation relu --device cpu ";
  auto r =
      run_cli(base + "--labels " + dir + "/ypm.npy --loss logistic --time 20 --lr 0.5 --seed 3 --out " + dir + "/log");
  ASSERT_EQ(r.code, 0) << r.err;
  KernelOptions ko;
  PredictOptions po;
  po.loss = LossKind::logistic;
  po.time = 20;
  po.lr = 0.5;
  po.seed = 3;
  MatrixD Ypm = ypm;
  MatrixD m = npy_read_matrix<double>(dir + "/log/mean.npy");
  ASSERT_EQ(m.rows(), 3);
  ASSERT_EQ(m.cols(), 1);
  EXPECT_LE((m - predict(X, Ypm, T, ko, po).mean).cwiseAbs().maxCoeff(), 1e-12);
  auto j = nlohmann::json::parse(std::ifstream(dir + "/log/predict.json"));
  EXPECT_EQ(j["steps"], 20);

  auto ce = run_cli(base + "--labels " + dir + "/ycls.npy --loss cross-entropy --time 5 --no-init-sample --out " + dir +
                    "/ce");
  ASSERT_EQ(ce.code, 0) << ce.err;
  MatrixD mc = npy_read_matrix<double>(dir + "/ce/mean.npy");
  EXPECT_EQ(mc.rows(), 3);
  EXPECT_EQ(mc.cols(), 3);
}

TEST(PredictCli, BadInputExitsTwoWithOneLine) {
  auto dir = scratch_dir("predict_cli_bad");
  MatrixD X = sin_inputs(5, 3, 0), T = sin_inputs(2, 3, 0.3), T4 = sin_inputs(2, 4, 0.3), Xn = X;
  Xn(2, 1) = std::nan("");
  VectorD y(5), y4(4);
  for (int i = 0; i < 5; ++i) y[i] = i % 2 ? 1.0 : -1.0;
  y4 = y.head(4);
  npy_write(dir + "/x.npy", X);
  npy_write(dir + "/xn.npy", Xn);
  npy_write(dir + "/t.npy", T);
  npy_write(dir + "/t4.npy", T4);
  npy_write(dir + "/y.npy", y);
  npy_write(dir + "/y4.npy", y4);
  auto cmd = [&](const std::string& x, const std::string& yy, const std::string& t, const std::string& extra) {
    return "predict --train " + dir + "/" + x + " --labels " + dir + "/" + yy + " --test " + dir + "/" + t +
           " --depth 1 --activation relu " + extra + " --out " + dir + "/o";
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"missing file", cmd("nope.npy", "y.npy", "t.npy", "--time 1")},
      {"dims", cmd("x.npy", "y.npy", "t4.npy", "--time 1")},
      {"labels length", cmd("x.npy", "y4.npy", "t.npy", "--time 1")},
      {"NaN", cmd("xn.npy", "y.npy", "t.npy", "--time 1")},
      {"negative time", cmd("x.npy", "y.npy", "t.npy", "--time -1")},
      {"garbage time", cmd("x.npy", "y.npy", "t.npy", "--time soon")},
      {"logistic inf", cmd("x.npy", "y.npy", "t.npy", "--time inf --loss logistic")},
      {"bad loss", cmd("x.npy", "y.npy", "t.npy", "--time 1 --loss hinge")},
      {"bad kernel", cmd("x.npy", "y.npy", "t.npy", "--time 1 --kernel rbf")},
      {"negative lr", cmd("x.npy", "y.npy", "t.npy", "--time 1 --lr -1")},
      {"mse seed", cmd("x.npy", "y.npy", "t.npy", "--time 1 --seed 5")},  // a flag mse does not use is not ignored
      {"mse init", cmd("x.npy", "y.npy", "t.npy", "--time 1 --no-init-sample")},
      {"overflow", cmd("x.npy", "y.npy", "t.npy", "--time 1 --w-std 1e80")},  // K(x, x) ~ 1e160: inf kernels
  };
  for (const auto& [name, c] : cases) {
    auto r = run_cli(c);
    EXPECT_EQ(r.code, 2) << name << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1) << name << ": " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/o/mean.npy"));
}

// Kernels larger than this machine's memory are refused (memory_guard.h) before the output folder is made, naming the
// inputs: 10⁶ train rows need ≥ 8·3·10¹² bytes of kernel matrices.
TEST(PredictCli, KernelsTooLargeForMemoryAreRefusedBeforeAnythingIsWritten) {
  auto dir = scratch_dir("predict_cli_memory");
  const MatrixD X = MatrixD::Zero(1000000, 1);
  const VectorD y = VectorD::Ones(1000000);
  npy_write(dir + "/x.npy", X);
  npy_write(dir + "/y.npy", y);
  npy_write(dir + "/t.npy", sin_inputs(2, 1, 0.3));
  auto r = run_cli("predict --train " + dir + "/x.npy --labels " + dir + "/y.npy --test " + dir +
                   "/t.npy --depth 1 --activation relu --device cpu --time inf --out " + dir + "/o");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("train inputs (1000000 rows)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("more than this machine's"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/o"));
}

// --device (kernel_flags.h choose_kernel_device): a bad value, a request the CUDA kernel does not support, and (without
// a GPU) --device cuda are exit 2 with one line and nothing written; cpu and auto say where the kernels ran.
TEST(PredictCli, DeviceChoiceIsCheckedBeforeAnythingIsWritten) {
  auto dir = scratch_dir("predict_cli_device");
  npy_write(dir + "/x.npy", sin_inputs(6, 3, 0));
  npy_write(dir + "/t.npy", sin_inputs(3, 3, 0.4));
  npy_write(dir + "/y.npy", sin_inputs(6, 1, 1.1));
  const std::string io =
      "predict --train " + dir + "/x.npy --labels " + dir + "/y.npy --test " + dir + "/t.npy --time inf ";
  std::vector<std::pair<std::string, std::string>> bad = {
      {"--depth 2 --activation relu --device gpu", "--device 'gpu': expected cpu, cuda or auto"},
      {"--depth 2 --activation tanh --device cuda", "--device cuda: not supported for activation tanh"}};
  if (!cuda_available())
    bad.push_back({"--depth 2 --activation relu --device cuda", "--device cuda: CUDA is not available: "});
  for (const auto& [args, says] : bad) {
    auto r = run_cli(io + args + " --out " + dir + "/bad");
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/bad")) << args;
  }
  auto cpu = run_cli(io + "--depth 2 --activation relu --device cpu --out " + dir + "/cpu");
  ASSERT_EQ(cpu.code, 0) << cpu.err;
  EXPECT_NE(cpu.out.find("kernels on cpu (asked)"), std::string::npos) << cpu.out;
  EXPECT_FALSE(nlohmann::json::parse(std::ifstream(dir + "/cpu/predict.json")).contains("device"));
  auto tanh = run_cli(io + "--depth 2 --activation tanh --out " + dir + "/tanh");
  ASSERT_EQ(tanh.code, 0) << tanh.err;
  EXPECT_NE(tanh.out.find("kernels on cpu (auto: the CUDA kernel does not support activation tanh"), std::string::npos)
      << tanh.out;
}

// On a GPU: the float64 GPU kernels give the CPU's prediction. Kernel entries (O(1) here) agree to ~1e-15 relative
// (kernel_cuda_test.cpp); the regularized solve amplifies that by at most cond ≤ 100·n + 1 ≈ 600 (diag_reg 0.01),
// so mean and covariance move by ≲ 1e-12; 1e-9 (of max(1, largest entry)) has margin and still catches any wrong
// kernel entry.
TEST(PredictCli, CudaKernelsGiveTheCpuPrediction) {
  if (!cuda_available()) GTEST_SKIP() << cuda_status();
  auto dir = scratch_dir("predict_cli_cuda");
  npy_write(dir + "/x.npy", sin_inputs(6, 3, 0));
  npy_write(dir + "/t.npy", sin_inputs(3, 3, 0.4));
  npy_write(dir + "/y.npy", sin_inputs(6, 1, 1.1));
  const std::string io = "predict --train " + dir + "/x.npy --labels " + dir + "/y.npy --test " + dir +
                         "/t.npy --time inf --cov --diag-reg 0.01 --depth 2 --activation relu --b-std 0.1 ";
  auto g = run_cli(io + "--device cuda --out " + dir + "/gpu");
  ASSERT_EQ(g.code, 0) << g.err;
  EXPECT_NE(g.out.find("kernels on cuda ("), std::string::npos) << g.out;
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(dir + "/gpu/predict.json"))["device"], "cuda");
  auto c = run_cli(io + "--device cpu --out " + dir + "/cpu");
  ASSERT_EQ(c.code, 0) << c.err;
  for (const char* name : {"/mean.npy", "/cov.npy"}) {
    const MatrixD a = npy_read_matrix<double>(dir + "/gpu" + name), b = npy_read_matrix<double>(dir + "/cpu" + name);
    EXPECT_LE((a - b).cwiseAbs().maxCoeff(), 1e-9 * std::max(1.0, b.cwiseAbs().maxCoeff())) << name;
  }
}
