// `widthlab predict --arch` end to end: a Dense-only architecture equals the --depth/--activation net; a CNN's
// predictions equal the closed forms (Eigen solves here) on kernels that `widthlab kernel --arch` wrote; bad input →
// exit 2, one line, nothing written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/cli_helpers.h"
#include "widthlab/npy.h"

using namespace widthlab;
using namespace widthlab::test;

namespace {

double max_abs(const MatrixD& a, const MatrixD& b) {
  EXPECT_EQ(a.rows(), b.rows());
  EXPECT_EQ(a.cols(), b.cols());
  if (a.rows() != b.rows() || a.cols() != b.cols()) return 1e300;
  return (a - b).cwiseAbs().maxCoeff();
}

// A⁻¹ B for the symmetric positive definite A (Eigen's LDLT; predict itself uses LLT or the eigenbasis).
Eigen::MatrixXd solve(const MatrixD& A, const Eigen::MatrixXd& B) { return Eigen::MatrixXd(A).ldlt().solve(B); }

}  // namespace

TEST(PredictArchCli, DenseArchitectureEqualsTheDenseNet) {
  auto dir = scratch_dir("predict_arch_dense");
  MatrixD X = sin_inputs(7, 3, 0), T = sin_inputs(4, 3, 0.4), Y = sin_inputs(7, 2, 2.0);
  npy_write(dir + "/x.npy", X);
  npy_write(dir + "/t.npy", T);
  npy_write(dir + "/y.npy", Y);
  const std::string io = "predict --train " + dir + "/x.npy --labels " + dir + "/y.npy --test " + dir + "/t.npy ";
  int i = 0;
  for (const std::string opts : {"--time inf --cov --diag-reg 0.01 --b-std 0.2", "--time 3.5 --lr 0.5 --kernel nngp",
                                 "--time 2 --cov --w-std 1.3"}) {
    const std::string tag = std::to_string(i++);
    auto dense = run_cli(io + "--depth 2 --activation erf " + opts + " --out " + dir + "/d" + tag);
    ASSERT_EQ(dense.code, 0) << dense.err;
    auto arch = run_cli(io + "--arch 'dense(64)-erf-dense(64)-erf-dense(1)' " + opts + " --out " + dir + "/a" + tag);
    ASSERT_EQ(arch.code, 0) << arch.err;
    EXPECT_LE(max_abs(npy_read_matrix<double>(dir + "/a" + tag + "/mean.npy"),
                      npy_read_matrix<double>(dir + "/d" + tag + "/mean.npy")),
              1e-10)
        << opts;
    if (opts.find("--cov") != std::string::npos) {
      EXPECT_LE(max_abs(npy_read_matrix<double>(dir + "/a" + tag + "/cov.npy"),
                        npy_read_matrix<double>(dir + "/d" + tag + "/cov.npy")),
                1e-10)
          << opts;
    }
  }
}

TEST(PredictArchCli, CnnMatchesClosedFormsOnTheKernelVerbsKernels) {
  auto dir = scratch_dir("predict_arch_cnn");
  const ImageShape shape{4, 3, 2};
  const MatrixD X = sin_inputs(6, 24, 0), T = sin_inputs(3, 24, 0.9), Y = sin_inputs(6, 2, 1.7);
  write_images(dir + "/x.npy", X, shape);
  write_images(dir + "/t.npy", T, shape);
  npy_write(dir + "/tflat.npy", T);
  npy_write(dir + "/y.npy", Y);
  const std::string net = "--arch 'conv(3,same,8)-relu-conv(2,valid,4)-erf-gap-dense(1)' --b-std 0.1 ";
  // The kernels, from the kernel verb: train×train, test×train, test×test.
  for (const auto& [name, args] :
       std::vector<std::pair<std::string, std::string>>{{"dd", "--x1 " + dir + "/x.npy"},
                                                        {"td", "--x1 " + dir + "/t.npy --x2 " + dir + "/x.npy"},
                                                        {"tt", "--x1 " + dir + "/t.npy"}}) {
    auto k = run_cli("kernel " + args + " " + net + "--out " + dir + "/k" + name);
    ASSERT_EQ(k.code, 0) << k.err;
  }
  auto K = [&](const std::string& name, const std::string& which) {
    return npy_read_matrix<double>(dir + "/k" + name + "/" + which + ".npy");
  };
  const MatrixD Kdd = K("dd", "nngp"), Ktd = K("td", "nngp"), Ktt = K("tt", "nngp"), Tdd = K("dd", "ntk"),
                Ttd = K("td", "ntk");
  const std::string io = "predict --train " + dir + "/x.npy --labels " + dir + "/y.npy --time inf --cov " + net;

  // NTK, t = ∞: mean = Θ_td Θ⁻¹ y; cov = K_tt + Θ_td Θ⁻¹ K_dd Θ⁻¹ Θ_tdᵀ − (Θ_td Θ⁻¹ K_tdᵀ + transpose).
  auto ntk = run_cli(io + "--test " + dir + "/t.npy --out " + dir + "/ntk");
  ASSERT_EQ(ntk.code, 0) << ntk.err;
  const Eigen::MatrixXd A = solve(Tdd, Eigen::MatrixXd(Ttd.transpose()));  // Θ⁻¹ Θ_tdᵀ (n × m)
  const MatrixD mean_ntk = A.transpose() * Eigen::MatrixXd(Y);
  const Eigen::MatrixXd cross = A.transpose() * Eigen::MatrixXd(Ktd.transpose());
  const MatrixD cov_ntk = Eigen::MatrixXd(Ktt) + A.transpose() * Eigen::MatrixXd(Kdd) * A - cross - cross.transpose();
  EXPECT_LE(max_abs(npy_read_matrix<double>(dir + "/ntk/mean.npy"), mean_ntk), 1e-8);
  EXPECT_LE(max_abs(npy_read_matrix<double>(dir + "/ntk/cov.npy"), cov_ntk), 1e-8);
  EXPECT_GT(mean_ntk.cwiseAbs().maxCoeff(), 1e-3);  // a non-trivial prediction

  // NNGP, t = ∞: the GP posterior, mean = K_td K⁻¹ y, cov = K_tt − K_td K⁻¹ K_tdᵀ; --test as (m, H·W·C) rows.
  auto gp = run_cli(io + "--test " + dir + "/tflat.npy --kernel nngp --out " + dir + "/nngp");
  ASSERT_EQ(gp.code, 0) << gp.err;
  const Eigen::MatrixXd B = solve(Kdd, Eigen::MatrixXd(Ktd.transpose()));
  EXPECT_LE(max_abs(npy_read_matrix<double>(dir + "/nngp/mean.npy"), MatrixD(B.transpose() * Eigen::MatrixXd(Y))),
            1e-8);
  EXPECT_LE(max_abs(npy_read_matrix<double>(dir + "/nngp/cov.npy"), MatrixD(Eigen::MatrixXd(Ktt) - Ktd * B)), 1e-8);
  auto j = nlohmann::json::parse(std::ifstream(dir + "/nngp/predict.json"));
  EXPECT_EQ(j["arch"], "conv(3x3,same,8)-relu-conv(2x2,valid,4)-erf-gap-dense(1)");
  EXPECT_EQ(j["input_shape"], nlohmann::json({4, 3, 2}));
}

TEST(PredictArchCli, BadInputExitsTwoWithOneLineAndWritesNothing) {
  auto dir = scratch_dir("predict_arch_bad");
  const MatrixD X = sin_inputs(4, 24, 0), Y = sin_inputs(4, 1, 1.0);
  write_images(dir + "/img.npy", X, ImageShape{4, 3, 2});
  write_images(dir + "/img2.npy", X, ImageShape{2, 3, 4});
  npy_write(dir + "/flat.npy", X);
  npy_write(dir + "/y.npy", Y);
  auto cmd = [&](const std::string& train, const std::string& test, const std::string& extra) {
    return "predict --train " + dir + "/" + train + " --labels " + dir + "/y.npy --test " + dir + "/" + test +
           " --time inf " + extra;
  };
  const std::string gap = "--arch 'conv(3,same,4)-relu-gap-dense(1)' ";
  struct Case {
    std::string args, needle;
  } cases[] = {
      {cmd("img.npy", "img.npy", gap + "--depth 2"), "--depth"},
      {cmd("img.npy", "img.npy", gap + "--width 8"), "--width"},
      {cmd("img.npy", "img.npy", gap + "--activation relu"), "--activation"},
      {cmd("img.npy", "img.npy", "--depth 1 --activation relu"), "need --arch"},
      {cmd("flat.npy", "flat.npy", "--depth 1 --activation relu --input-shape 4,3,2"), "--input-shape: only used"},
      {cmd("img.npy", "img2.npy", gap), "--test"},
      {cmd("img.npy", "img.npy", "--arch 'conv(5,valid,4)-gap-dense(1)'"), "does not fit the 4x3 input"},
      {cmd("img.npy", "img.npy", "--arch 'conv(3,same,4)-relu-gapp-dense(1)'"), "'gapp'"},
      {cmd("flat.npy", "flat.npy", gap + "--input-shape 5,5,1"), "holds 25 values"},
      {cmd("img.npy", "img.npy", gap + "--precision float32"), "--precision"},
  };
  int i = 0;
  for (const auto& c : cases) {
    const std::string out = dir + "/o" + std::to_string(i++);
    auto r = run_cli(c.args + " --out " + out);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_EQ(lines(r.err), 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args;
  }
}
