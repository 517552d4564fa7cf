// `widthlab kernel` end to end (architecture.md §4): outputs equal the library's kernels; bad input → exit 2, one line.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/cli_helpers.h"
#include "widthlab/kernel.h"
#include "widthlab/npy.h"

using namespace widthlab;
using namespace widthlab::test;

TEST(KernelCli, WritesNngpAndNtkMatchingTheLibrary) {
  auto dir = scratch_dir("kernel_cli");
  MatrixD X1 = sin_inputs(9, 5, 0), X2 = sin_inputs(4, 5, 1);
  npy_write(dir + "/x1.npy", X1);
  npy_write(dir + "/x2.npy", X2);
  auto r = run_cli("kernel --x1 " + dir + "/x1.npy --x2 " + dir +
                   "/x2.npy --depth 2 --activation erf "
                   "--parameterization standard --w-std 1.2 --b-std 0.3 --width 64 --block 3 --threads 2 --out " +
                   dir + "/out");
  ASSERT_EQ(r.code, 0) << r.err;
  KernelOptions o;
  o.depth = 2;
  o.act = activation_from_name("erf");
  o.parameterization = Parameterization::standard;
  o.W_std = 1.2;
  o.b_std = 0.3;
  o.width = 64;
  MatrixD K = npy_read_matrix<double>(dir + "/out/nngp.npy"), T = npy_read_matrix<double>(dir + "/out/ntk.npy");
  ASSERT_EQ(K.rows(), 9);
  ASSERT_EQ(K.cols(), 4);
  EXPECT_LE((K - kernel_nngp(X1, X2, o)).cwiseAbs().maxCoeff(), 1e-13);
  EXPECT_LE((T - kernel_ntk(X1, X2, o)).cwiseAbs().maxCoeff(), 1e-11);
  EXPECT_EQ(npy_read_header(dir + "/out/ntk.npy").dtype, "<f8");

  // symmetric float32
  auto r32 =
      run_cli("kernel --x1 " + dir + "/x1.npy --depth 3 --activation relu --precision float32 --out " + dir + "/out32");
  ASSERT_EQ(r32.code, 0) << r32.err;
  EXPECT_EQ(npy_read_header(dir + "/out32/nngp.npy").dtype, "<f4");
  o = {};
  o.depth = 3;
  MatrixD K32 = npy_read_matrix<double>(dir + "/out32/nngp.npy");
  MatrixD K64 = kernel_nngp(X1, o);
  EXPECT_LE((K32 - K64).cwiseAbs().maxCoeff(), 1e-5 * K64.cwiseAbs().maxCoeff());

  // existing results: refused without --force, replaced with it
  auto again = run_cli("kernel --x1 " + dir + "/x1.npy --depth 3 --activation relu --out " + dir + "/out32");
  EXPECT_EQ(again.code, 2);
  auto forced = run_cli("kernel --x1 " + dir + "/x1.npy --depth 3 --activation relu --force --out " + dir + "/out32");
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(npy_read_header(dir + "/out32/nngp.npy").dtype, "<f8");
}

TEST(KernelCli, BadInputExitsTwoWithOneLine) {
  auto dir = scratch_dir("kernel_cli_bad");
  MatrixD X1 = sin_inputs(5, 3, 0), X2 = sin_inputs(5, 4, 0), Xn = sin_inputs(5, 3, 0);
  Xn(2, 1) = std::nan("");
  npy_write(dir + "/x1.npy", X1);
  npy_write(dir + "/x2.npy", X2);
  npy_write(dir + "/xn.npy", Xn);
  std::ofstream(dir + "/garbage.npy") << "not an npy file";
  const std::string x1 = " --x1 " + dir + "/x1.npy";
  struct Case {
    std::string args, needle;
  } cases[] = {
      {"kernel --x1 " + dir + "/missing.npy --depth 1 --activation relu --out " + dir + "/o1", "missing.npy"},
      {"kernel --x1 " + dir + "/garbage.npy --depth 1 --activation relu --out " + dir + "/o1", "garbage.npy"},
      {"kernel" + x1 + " --x2 " + dir + "/x2.npy --depth 1 --activation relu --out " + dir + "/o2", "--x2"},
      {"kernel --x1 " + dir + "/xn.npy --depth 1 --activation relu --out " + dir + "/o3", "non-finite"},
      {"kernel" + x1 + " --depth 0 --activation relu --out " + dir + "/o4", "depth"},
      {"kernel" + x1 + " --depth 1 --activation swish --out " + dir + "/o5", "swish"},
      {"kernel" + x1 + " --depth 1 --activation relu --parameterization mup --out " + dir + "/o6", "mup"},
      {"kernel" + x1 + " --depth 1 --activation relu --precision half --out " + dir + "/o7", "half"},
      {"kernel" + x1 + " --depth 1 --activation relu --w-std -1 --out " + dir + "/o8", "W_std"},
      {"kernel" + x1 + " --depth 1 --activation relu --out " + dir + "/x1.npy/sub", "x1.npy"},
      {"kernel" + x1 + " --depth 200 --w-std 10 --activation relu --out " + dir + "/o9", "x1.npy: row 0: the kernel"},
  };
  for (const auto& c : cases) {
    auto r = run_cli(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_EQ(lines(r.err), 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\n" << r.err;
  }
  // no partial outputs left behind by a failed run
  EXPECT_FALSE(std::filesystem::exists(dir + "/o3/nngp.npy"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/o9")) << "an overflowing kernel is refused before anything is written";
}

// The global --progress and --quiet flags (stderr is a file here, not a terminal): --progress shows the kernel's
// progress line, ending at its total; without it, or with --quiet, none; both together are refused. Results on stdout
// either way.
TEST(KernelCli, ProgressAndQuietFlags) {
  auto dir = scratch_dir("kernel_cli_progress");
  npy_write(dir + "/x1.npy", sin_inputs(40, 3, 0));
  const std::string args =
      " kernel --x1 " + dir + "/x1.npy --depth 2 --activation relu --block 8 --force --out " + dir + "/k";
  auto shown = run_cli("--progress" + args);
  ASSERT_EQ(shown.code, 0) << shown.err;
  // 40 rows in blocks of 8: 5 block rows, 5² blocks per output, 2 outputs.
  EXPECT_NE(shown.err.find("kernel 50/50"), std::string::npos) << shown.err;
  EXPECT_NE(shown.out.find("wrote"), std::string::npos);
  auto plain = run_cli(args);
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(plain.err, "");
  auto quiet = run_cli("--quiet" + args);
  ASSERT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
  EXPECT_NE(quiet.out.find("wrote"), std::string::npos);
  auto both = run_cli("--quiet --progress" + args);  // one would override the other
  EXPECT_EQ(both.code, 2);
  EXPECT_EQ(both.err.find("widthlab: --quiet and --progress: expected at most one of them"), 0u) << both.err;
}

TEST(KernelCli, ArchitectureOnImagesMatchesTheLibrary) {
  auto dir = scratch_dir("kernel_cli_arch");
  const ImageShape shape{4, 3, 2};
  const MatrixD X1 = sin_inputs(7, 24, 0), X2 = sin_inputs(3, 24, 1);
  write_images(dir + "/x1.npy", X1, shape);
  write_images(dir + "/x2.npy", X2, shape);
  npy_write(dir + "/flat1.npy", X1);
  const std::string arch = "conv(3,same,16)-relu-conv(2,valid,8,stride=2)-erf-gap-dense(1)";
  auto r = run_cli("kernel --x1 " + dir + "/x1.npy --x2 " + dir + "/x2.npy --arch '" + arch + "'" +
                   " --parameterization standard --w-std 1.1 --b-std 0.2 --block 2 --threads 2 --out " + dir + "/out");
  ASSERT_EQ(r.code, 0) << r.err;
  KernelOptions o;
  o.arch = parse_architecture(arch);
  o.input_shape = shape;
  o.parameterization = Parameterization::standard;
  o.W_std = 1.1;
  o.b_std = 0.2;
  const MatrixD K = npy_read_matrix<double>(dir + "/out/nngp.npy"), T = npy_read_matrix<double>(dir + "/out/ntk.npy");
  ASSERT_EQ(K.rows(), 7);
  ASSERT_EQ(K.cols(), 3);
  EXPECT_LE((K - kernel_nngp(X1, X2, o)).cwiseAbs().maxCoeff(), 1e-13);
  EXPECT_LE((T - kernel_ntk(X1, X2, o)).cwiseAbs().maxCoeff(), 1e-11);
  // (N, d) rows with --input-shape are the same images
  auto flat = run_cli("kernel --x1 " + dir + "/flat1.npy --arch '" + arch + "'" +
                      " --input-shape 4,3,2 --parameterization standard --w-std 1.1 --b-std 0.2 --out " + dir + "/o2");
  ASSERT_EQ(flat.code, 0) << flat.err;
  EXPECT_LE((npy_read_matrix<double>(dir + "/o2/nngp.npy") - kernel_nngp(X1, o)).cwiseAbs().maxCoeff(), 1e-13);
}

TEST(KernelCli, BadArchitectureExitsTwoWithOneLine) {
  auto dir = scratch_dir("kernel_cli_arch_bad");
  const MatrixD X = sin_inputs(3, 24, 0);
  write_images(dir + "/img.npy", X, ImageShape{4, 3, 2});
  npy_write(dir + "/flat.npy", X);
  const std::string img = "kernel --x1 " + dir + "/img.npy ", flat = "kernel --x1 " + dir + "/flat.npy ";
  struct Case {
    std::string args, needle;
  } cases[] = {
      {img + "--arch 'conv(3x3,sam,64)-relu-gap-dense(1)' --out " + dir + "/o1", "'conv(3x3,sam,64)': padding 'sam'"},
      {img + "--arch 'conv(3,same,4)-relu-gapp-dense(1)' --out " + dir + "/o2", "arch layer 3 'gapp'"},
      {img + "--arch 'conv(3,same,4)-relu' --out " + dir + "/o3", "expected a vector"},
      {img + "--arch 'conv(5,valid,4)-gap-dense(1)' --out " + dir + "/o4", "does not fit the 4x3 input"},
      {img + "--arch 'dense(4)-relu-flatten-dense(1)' --depth 2 --out " + dir + "/o5", "not used with an architecture"},
      {img + "--arch 'dense(4)-relu-flatten-dense(1)' --input-shape 2,3,4 --out " + dir + "/o6",
       "input shape is (2, 3, 4)"},
      {flat + "--arch 'conv(3,same,4)-gap-dense(1)' --input-shape 5,5,1 --out " + dir + "/o7", "holds 25 values"},
      {flat + "--arch 'conv(3,same,4)-gap-dense(1)' --input-shape 4,3 --out " + dir + "/o8", "--input-shape '4,3'"},
      {img + "--depth 1 --activation relu --out " + dir + "/o9", "need --arch"},
      {flat + "--activation relu --out " + dir + "/o10", "--depth and --activation: required (or give --arch)"},
  };
  for (const auto& c : cases) {
    auto r = run_cli(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_EQ(lines(r.err), 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\n" << r.err;
  }
}
