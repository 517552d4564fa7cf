// The padded-plane schedule of the full-mode CNN kernels (src/kernels/cnn_kernel_planes.h) against the general
// per-axis schedule (CnnSchedule::pairwise), which the Monte Carlo and special-case tests check independently: the
// two compute the same recursion in a different order, so they agree to rounding (1e-12 relative). Also: which
// architectures get the plane schedule, and the FLOP count of the benchmark against a hand count.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cnn_test_inputs.h"
#include "widthlab/cnn_kernel.h"

using namespace widthlab;
using widthlab::test::cnn_arch_options;
using widthlab::test::compare_schedules;
using widthlab::test::expect_agree_to_rounding;
using widthlab::test::KernelCase;

TEST(CnnKernelPlanes, AgreesWithThePairwiseScheduleToRounding) {
  const KernelCase cases[] = {
      {"conv(3x3,same,4)-relu-conv(3x3,same,4)-relu-gap-dense(1)", {6, 5, 2}, Parameterization::ntk, 0.0},
      {"conv(3x3,same,4)-relu-conv(3x3,same,4)-relu-conv(3x3,same,4)-relu-gap-dense(1)",
       {7, 7, 1},
       Parameterization::ntk,
       0.4},
      {"conv(3x3,same,4)-erf-conv(5x5,same,3)-relu-gap-dense(1)", {6, 7, 2}, Parameterization::standard, 0.3},
      {"conv(2x2,same,4)-relu-conv(4x3,same,4)-relu-gap-dense(2)-relu-dense(1)", {5, 6, 1}, Parameterization::ntk, 0.2},
      {"conv(1x3,same,3)-gelu-dense(5)-relu-conv(1,same,2)-relu-gap-dense(1)",
       {4, 6, 3},
       Parameterization::standard,
       0.0},
      {"relu-conv(3x3,same,3)-tanh-gap-dense(1)", {5, 5, 2}, Parameterization::ntk, 0.5},
  };
  for (const KernelCase& c : cases) {
    SCOPED_TRACE(c.arch);
    const auto r = compare_schedules(c, CnnSchedule::automatic, CnnSchedule::pairwise, 4, 11);
    ASSERT_TRUE(r.first.planes());
    ASSERT_FALSE(r.second.planes());
    expect_agree_to_rounding(r.a, r.b);
  }
}

TEST(CnnKernelPlanes, OnlyStrideOneSamePaddedNetsWithPoolingUseThePlaneSchedule) {
  const ImageShape s{6, 6, 1};
  auto planes = [&](const char* arch) {
    return CnnKernel(cnn_arch_options(arch, s, Parameterization::ntk, 0), 6 * 6).planes();
  };
  EXPECT_TRUE(planes("conv(3x3,same,2)-relu-gap-dense(1)"));
  EXPECT_FALSE(planes("conv(3x3,same,2)-relu-flatten-dense(1)"));  // diagonal mode: P numbers per pair
  EXPECT_FALSE(planes("conv(3x3,valid,2)-relu-gap-dense(1)"));
  EXPECT_FALSE(planes("conv(3x3,same,2,stride=2)-relu-gap-dense(1)"));
  EXPECT_FALSE(planes("conv(3x3,circular,2)-relu-gap-dense(1)"));
}

TEST(CnnKernelPlanes, PairFlopsCountsTheSeparableSumsDualsAndPoolingByHand) {
  // One 3×3 SAME conv on 4×4×1 images, relu, gap, ntk without bias. Per axis of 4 outputs the taps inside are
  // 3, 4, 3, so the pair count is 9 + 16 + 9 − 16 = 18 adds; the conv costs 4²·18 (w pass) + 4²·18 (h pass) = 576
  // adds for K (Θ is still zero), plus 1 mul per element (256); relu 31 + 1 per element; gap 2·256; the input
  // Gram 2·256.
  const KernelOptions o = cnn_arch_options("conv(3x3,same,2)-relu-gap-dense(1)", {4, 4, 1}, Parameterization::ntk, 0);
  const CnnKernel k(o, 16);
  const double P2 = 256;
  EXPECT_DOUBLE_EQ(k.pair_flops(), 2 * P2 + 576 + P2 + 32 * P2 + 2 * P2);
}
