// The diagonal mode of the CNN kernels (flatten readouts: P numbers per pair and layer, cnn_kernel.h) against full mode
// on the same nets (CnnSchedule::full_pairwise: all P² pixel pairs, then the mean of the pixel diagonal at the
// flatten). The flatten readout needs only K[p, p], and a conv's K[p, p] only reads K[p', p'] (theory.md §3.9), so the
// two are the same recursion summed in a different order: they agree to rounding (1e-12 relative). The Monte Carlo
// and special-case tests (cnn_kernel_test.cpp, cnn_kernel_cases_test.cpp) check both against finite nets.
#include <gtest/gtest.h>

#include "cnn_test_inputs.h"
#include "widthlab/cnn_kernel.h"

using namespace widthlab;
using widthlab::test::cnn_arch_options;
using widthlab::test::compare_schedules;
using widthlab::test::expect_agree_to_rounding;
using widthlab::test::KernelCase;

TEST(CnnKernelDiagonal, AgreesWithFullModesPixelDiagonalToRounding) {
  // Strides, VALID, CIRCULAR, even and non-square filters, per-pixel dense layers, closed-form and quadrature duals,
  // both parameterizations, with and without bias; images wider than a SIMD packet so that the packet loops and their
  // scalar tails both run.
  const KernelCase cases[] = {
      {"conv(3x3,same,4)-relu-conv(3x3,same,4)-relu-conv(3x3,same,4)-relu-flatten-dense(1)",
       {7, 6, 1},
       Parameterization::ntk,
       0.0},
      {"conv(3,same,4)-relu-conv(2x3,valid,4,stride=2)-relu-flatten-dense(1)", {9, 7, 2}, Parameterization::ntk, 0.3},
      {"conv(2,valid,4)-tanh-conv(3,same,4,stride=2)-erf-flatten-dense(2)-relu-dense(1)",
       {8, 8, 1},
       Parameterization::standard,
       0.1},
      {"conv(2,circular,4,stride=2)-leaky_relu:0.1-conv(3x1,circular,3)-abs-flatten-dense(1)",
       {6, 10, 3},
       Parameterization::ntk,
       0.2},
      {"relu-conv(1x3,same,3)-gelu-dense(5)-relu-flatten-dense(1)", {5, 9, 2}, Parameterization::standard, 0.0},
  };
  for (const KernelCase& c : cases) {
    SCOPED_TRACE(c.arch);
    const auto r = compare_schedules(c, CnnSchedule::automatic, CnnSchedule::full_pairwise, 5, 17);
    ASSERT_FALSE(r.first.full());
    ASSERT_TRUE(r.second.full());
    expect_agree_to_rounding(r.a, r.b);
    EXPECT_EQ(r.a.nngp,
              r.a.nngp.transpose());  // symmetric bit for bit: the pair's order does not change the arithmetic
  }
}

TEST(CnnKernelDiagonal, FullPairwiseIsTheOnlyWayToForceFullMode) {
  const ImageShape s{6, 6, 1};
  const KernelOptions o = cnn_arch_options("conv(3x3,same,2)-relu-flatten-dense(1)", s, Parameterization::ntk, 0);
  EXPECT_FALSE(CnnKernel(o, s.size()).full());
  EXPECT_FALSE(CnnKernel(o, s.size(), CnnSchedule::pairwise).full());
  EXPECT_TRUE(CnnKernel(o, s.size(), CnnSchedule::full_pairwise).full());
  EXPECT_FALSE(CnnKernel(o, s.size(), CnnSchedule::full_pairwise).planes());
}
