// `widthlab kernel --device cpu|cuda|auto` (issue 24, device.h, kernel_cuda.h): the summary line names the device
// that ran; --device cuda without a usable GPU or for a request the CUDA kernel does not support is exit 2 with one
// line saying why; a bad value is exit 2. The GPU run itself is checked only where a GPU is present.
#include <gtest/gtest.h>

#include "cli/cli_helpers.h"
#include "widthlab/device.h"
#include "widthlab/kernel.h"
#include "widthlab/npy.h"

using namespace widthlab;
using namespace widthlab::test;

namespace {

std::string inputs(const std::string& dir) {
  npy_write(dir + "/x1.npy", sin_inputs(7, 5, 0));
  return "kernel --x1 " + dir + "/x1.npy --depth 2 --activation relu --precision float32 ";
}

MatrixD reference_nngp() {
  KernelOptions o;
  o.depth = 2;
  return kernel_nngp(sin_inputs(7, 5, 0), o);
}

}  // namespace

TEST(KernelDeviceCli, CpuAndAutoRunAndSayWhere) {
  const auto dir = scratch_dir("kernel_device_cli");
  const std::string base = inputs(dir);
  auto r = run_cli(base + "--device cpu --out " + dir + "/cpu");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(", cpu (asked)"), std::string::npos) << r.out;
  const MatrixD K64 = reference_nngp();
  EXPECT_LE((npy_read_matrix<double>(dir + "/cpu/nngp.npy") - K64).cwiseAbs().maxCoeff(),
            1e-5 * K64.cwiseAbs().maxCoeff());

  r = run_cli(base + "--out " + dir + "/auto");  // --device auto is the default
  ASSERT_EQ(r.code, 0) << r.err;
  if (cuda_available()) {
    EXPECT_NE(r.out.find("float32, cuda ("), std::string::npos) << r.out;
  } else {
    EXPECT_NE(r.out.find(", cpu (auto: " + cuda_status() + ")"), std::string::npos) << r.out;
  }
  EXPECT_LE((npy_read_matrix<double>(dir + "/auto/nngp.npy") - K64).cwiseAbs().maxCoeff(),
            2e-5 * K64.cwiseAbs().maxCoeff());

  // auto with a request the CUDA kernel does not support runs on the CPU and says why
  r = run_cli("kernel --x1 " + dir + "/x1.npy --depth 2 --activation tanh --precision float32 --out " + dir + "/tanh");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(", cpu (auto: the CUDA kernel does not support activation tanh"), std::string::npos) << r.out;
}

TEST(KernelDeviceCli, RefusalsExitTwoWithOneLine) {
  const auto dir = scratch_dir("kernel_device_cli_bad");
  const std::string base = inputs(dir);
  struct Case {
    std::string args, says;
  };
  std::vector<Case> cases = {
      {base + "--device gpu", "--device 'gpu': expected cpu, cuda or auto"},
      {"kernel --x1 " + dir + "/x1.npy --depth 2 --activation relu --device cuda --tf32",
       "--tf32: applies to --precision float32 only, and this run is float64"},
      {"kernel --x1 " + dir + "/x1.npy --depth 2 --activation gelu --precision float32 --device cuda",
       "--device cuda: not supported for activation gelu"},
      {base + "--device cpu --tf32", "--tf32: applies to the CUDA kernel only"},
  };
  if (!cuda_available())
    cases.push_back({base + "--device cuda", "--device cuda: CUDA is not available: " + cuda_status()});
  for (const Case& c : cases) {
    auto r = run_cli(c.args + " --out " + dir + "/out");
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_EQ(lines(r.err), 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/out/nngp.npy")) << c.args;
  }
}

// Both precisions; tolerances as tests/cuda/kernel_cuda_test.cpp derives them (float32 2e-5, float64 1e-11).
TEST(KernelDeviceCli, CudaMatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << cuda_status();
  const auto dir = scratch_dir("kernel_device_cli_gpu");
  npy_write(dir + "/x1.npy", sin_inputs(7, 5, 0));
  for (const std::string precision : {"float32", "float64"}) {
    const std::string base =
        "kernel --x1 " + dir + "/x1.npy --depth 2 --activation relu --precision " + precision + " --out " + dir + "/";
    auto g = run_cli(base + "gpu" + precision + " --device cuda");
    ASSERT_EQ(g.code, 0) << g.err;
    EXPECT_NE(g.out.find(precision + ", cuda ("), std::string::npos) << g.out;
    auto c = run_cli(base + "cpu" + precision + " --device cpu");
    ASSERT_EQ(c.code, 0) << c.err;
    for (const char* name : {"/nngp.npy", "/ntk.npy"}) {
      const std::string gpu = dir + "/gpu" + precision + name, cpu = dir + "/cpu" + precision + name;
      const MatrixD a = npy_read_matrix<double>(gpu), b = npy_read_matrix<double>(cpu);
      EXPECT_EQ(npy_read_header(gpu).dtype, precision == "float32" ? "<f4" : "<f8");
      EXPECT_LE((a - b).cwiseAbs().maxCoeff(), (precision == "float32" ? 2e-5 : 1e-11) * b.cwiseAbs().maxCoeff())
          << name;
    }
  }
}
