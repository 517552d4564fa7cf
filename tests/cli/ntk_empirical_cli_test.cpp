// `widthlab ntk-empirical` end to end: DIR/entk.npy at init and after training. The diagonal is checked against
// run_training's independent kernel_diag_init / kernel_diag_final (train_metrics' per-sample gradient norms), which
// also checks that --trained reproduces run_training's trajectory (GD, mini-batch SGD, Adam, IC-MF offsets).
// Bad input → exit 2 with one line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/cli_helpers.h"
#include "widthlab/config.h"
#include "widthlab/empirical_ntk.h"
#include "widthlab/npy.h"
#include "widthlab/optimizer.h"
#include "widthlab/sweep.h"
#include "widthlab/train_run.h"

using widthlab::test::run_cli;
using widthlab::test::scratch_dir;
using widthlab::test::write_file;
using namespace widthlab;
namespace fs = std::filesystem;

namespace {

const char* kTiny = R"toml(
[data]
dataset = "gaussians"
classes = []
train_size = 40
test_size = 30
[model]
depth = 2
bias = true
[scaling]
presets = ["sp", "mf"]
[train]
steps = 6
lr = 0.05
precision = "float64"
[sweep]
widths = [16, 32]
seeds = [3, 4]
[limits]
compute = []
)toml";

// run_training's K(x, x) on the first kernel_points test inputs (lr-weighted, mean over outputs).
TrainResult reference_run(const std::string& cfg_path, const std::vector<std::string>& sets,
                          const std::string& scaling_name, int width, std::uint64_t seed) {
  Config c = load_config(cfg_path, sets);
  SweepSetup s = make_sweep_setup(c);
  Scaling sc =
      scaling_from_name(scaling_name, c.model.depth, c.scaling.reference_width, optimizer_family(c.train.optimizer));
  TrainTask task = make_train_task(s, sc, width, seed);
  return run_training(task, TrainData{s.data.x_train, s.data.y_train, s.data.x_test, s.data.y_test, s.data.classes});
}

void expect_diag_matches(const MatrixD& K, const std::vector<double>& ref, const std::string& what) {
  ASSERT_FALSE(ref.empty()) << what;
  for (std::size_t i = 0; i < ref.size(); ++i)
    EXPECT_NEAR(K(Eigen::Index(i), Eigen::Index(i)), ref[i], 1e-9 * std::abs(ref[i])) << what << " i=" << i;
}

}  // namespace

TEST(NtkEmpiricalCli, InitAndTrainedMatchRunTrainingKernelDiagonal) {
  std::string dir = scratch_dir("entk_cli");
  write_file(dir + "/c.toml", kTiny);
  const std::string cfg = dir + "/c.toml";
  struct Case {
    std::vector<std::string> sets;
    std::string scaling;
  };
  int n = 0;
  for (const Case& c : {Case{{}, "mf"}, Case{{"train.optimizer=sgd", "train.batch=16"}, "sp"},
                        Case{{"train.optimizer=adam", "train.lr=0.01"}, "ic-mf"}}) {
    std::string sets;
    for (const auto& s : c.sets) sets += " --set " + s;
    TrainResult ref = reference_run(cfg, c.sets, c.scaling, 32, 4);
    ASSERT_EQ(ref.status, RunStatus::ok);
    for (bool trained : {false, true}) {
      const std::string out = dir + "/o" + std::to_string(n++);
      auto r = run_cli("ntk-empirical --config " + cfg + sets + " --scaling " + c.scaling +
                       " --width 32 --seed 4 --out " + out + (trained ? " --trained" : ""));
      ASSERT_EQ(r.code, 0) << r.err;
      MatrixD K = npy_read_matrix<double>(out + "/entk.npy");
      ASSERT_EQ(K.rows(), 30);
      ASSERT_EQ(K.cols(), 30);
      EXPECT_EQ((K - K.transpose()).cwiseAbs().maxCoeff(), 0.0);
      expect_diag_matches(K, trained ? ref.kernel_diag_final : ref.kernel_diag_init,
                          c.scaling + sets + (trained ? " trained" : " init"));
    }
  }
  fs::remove_all(dir);
}

// A convolutional net (--arch): the kernel's diagonal equals run_training's K(x, x) of the same run (conv_metrics'
// per-sample gradient norms), at init and after SGD, for MF and IC-MF.
TEST(NtkEmpiricalCli, ConvolutionalNetMatchesRunTrainingKernelDiagonal) {
  std::string dir = scratch_dir("entk_cli_conv");
  write_file(dir + "/c.toml", kTiny);
  const std::string cfg = dir + "/c.toml", arch = "conv(3x3,same,d)-relu-conv(3x3,valid,d)-relu-gap";
  const std::vector<std::string> sets = {"model.arch=\"" + arch + "\"", "model.activation=relu",
                                         "model.input_shape=\"5,8,1\"", "model.bias=false",
                                         "train.optimizer=sgd",         "train.batch=16"};
  int n = 0;
  for (const char* scaling : {"mf", "ic-mf"}) {
    TrainResult ref = reference_run(cfg, sets, scaling, 16, 3);
    ASSERT_EQ(ref.status, RunStatus::ok);
    EXPECT_EQ(ref.arch, "conv(3x3,same,16)-relu-conv(3x3,valid,16)-relu-gap-dense(1)");
    for (bool trained : {false, true}) {
      const std::string out = dir + "/o" + std::to_string(n++);
      auto r = run_cli("ntk-empirical --config " + cfg + " --arch '" + arch +
                       "' --set model.input_shape='\"5,8,1\"' --set model.bias=false --set train.optimizer=sgd "
                       "--set train.batch=16 --scaling " +
                       scaling + " --width 16 --seed 3 --out " + out + (trained ? " --trained" : ""));
      ASSERT_EQ(r.code, 0) << r.err;
      MatrixD K = npy_read_matrix<double>(out + "/entk.npy");
      ASSERT_EQ(K.rows(), 30);
      EXPECT_EQ((K - K.transpose()).cwiseAbs().maxCoeff(), 0.0);
      expect_diag_matches(K, trained ? ref.kernel_diag_final : ref.kernel_diag_init,
                          std::string(scaling) + (trained ? " trained" : " init"));
    }
  }
  fs::remove_all(dir);
}

TEST(NtkEmpiricalCli, DefaultsXInputsPlainWeightingAndFloat32) {
  std::string dir = scratch_dir("entk_cli_x");
  write_file(dir + "/c.toml", kTiny);
  MatrixD X(7, 40);  // gaussians_dim default
  for (int i = 0; i < X.rows(); ++i)
    for (int j = 0; j < X.cols(); ++j) X(i, j) = std::sin(1.1 * i + 0.3 * j);
  npy_write(dir + "/x.npy", X);
  auto r =
      run_cli("ntk-empirical --config " + dir + "/c.toml --x " + dir + "/x.npy --weighting plain --out " + dir + "/o");
  ASSERT_EQ(r.code, 0) << r.err;
  MatrixD K = npy_read_matrix<double>(dir + "/o/entk.npy");
  // Defaults: first scaling (sp), first width (16), first seed (3); plain weighting = λ_l 1.
  Config c = load_config(dir + "/c.toml");
  SweepSetup s = make_sweep_setup(c);
  ASSERT_EQ(X.cols(), s.data.x_train.cols());
  TrainTask task = make_train_task(s, s.scalings.front(), 16, 3);
  task.model.input_dim = int(X.cols());
  task.model.outputs = 1;
  Mlp<double> net(task.model, task.factors);
  net.init(3);
  EmpiricalNtkOptions o;
  EXPECT_LE((K - empirical_ntk(net, X, nullptr, o)).cwiseAbs().maxCoeff(), 1e-12 * K.cwiseAbs().maxCoeff());
  // float32 config → <f4 output within float32 rounding.
  auto r32 = run_cli("ntk-empirical --config " + dir + "/c.toml --set train.precision=float32 --x " + dir +
                     "/x.npy --weighting plain --out " + dir + "/o32");
  ASSERT_EQ(r32.code, 0) << r32.err;
  EXPECT_EQ(npy_read_header(dir + "/o32/entk.npy").dtype, "<f4");
  MatrixD K32 = npy_read_matrix<double>(dir + "/o32/entk.npy");
  EXPECT_LE((K32 - K).norm(), 1e-5 * K.norm());
  fs::remove_all(dir);
}

// Issue: a trained float32 net whose loss stayed finite but whose kernel overflowed wrote entk.npy full of inf/NaN
// with exit 0. It is a failed computation now: exit 1, one line saying why, nothing written.
TEST(NtkEmpiricalCli, OverflowingKernelIsNotWritten) {
  std::string dir = scratch_dir("entk_cli_overflow");
  write_file(dir + "/c.toml", kTiny);
  auto r = run_cli("ntk-empirical --quiet --config " + dir +
                   "/c.toml --trained --scaling sp --set train.precision=\"float32\" --set train.lr=1e4 "
                   "--set train.steps=3 --out " +
                   dir + "/k");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("kernel entries are not finite"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/k/entk.npy"));
  fs::remove_all(dir);
}

TEST(NtkEmpiricalCli, BadInputExitsTwoWithOneLine) {
  std::string dir = scratch_dir("entk_cli_bad");
  write_file(dir + "/c.toml", kTiny);
  npy_write(dir + "/bad.npy", MatrixD(MatrixD::Ones(3, 4)));
  const std::string base = "ntk-empirical --config " + dir + "/c.toml ";
  struct Case {
    std::string args, needle;
  };
  ASSERT_EQ(run_cli(base + "--out " + dir + "/taken").code, 0);
  for (const Case& c :
       {Case{"--x " + dir + "/bad.npy --out " + dir + "/b1", "--x"},
        Case{"--x " + dir + "/missing.npy --out " + dir + "/b2", "missing.npy"},
        Case{"--weighting both --out " + dir + "/b3", "--normalization"},
        Case{"--width 0 --out " + dir + "/b7", "--width 0: expected ≥ 1"},
        Case{"--output 3 --out " + dir + "/b4", "--output"}, Case{"--scaling nope --out " + dir + "/b5", "nope"},
        Case{"--set train.lr=-1 --out " + dir + "/b6", "train.lr"}, Case{"--out " + dir + "/taken", "taken"}}) {
    auto r = run_cli(base + c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  fs::remove_all(dir);
}
