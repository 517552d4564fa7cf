// Inputs shared by the CNN kernel tests: N(0, 1) images, the kernel options of an architecture, and every pair of a
// few images through one CnnKernel.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "widthlab/cnn_kernel.h"
#include "widthlab/kernel.h"
#include "widthlab/rng.h"

namespace widthlab::test {

// n images of `shape` (rows of H·W·C values), N(0, 1) entries from `seed`.
inline MatrixD random_images(int n, const ImageShape& s, std::uint64_t seed) {
  Rng g = make_rng(seed, 99);
  std::normal_distribution<double> N(0, 1);
  return MatrixD(n, s.size()).unaryExpr([&](double) { return N(g); });
}

// One net of a table of cases: its architecture, input shape, parameterization and b_std.
struct KernelCase {
  const char* arch;
  ImageShape shape;
  Parameterization p;
  double b_std;
};

// W_std (1.3 unless given), 2 threads and blocks of 3 rows (several blocks, a partial one, off-diagonal mirrors; the
// kernels are bit-identical for any block and thread count).
inline KernelOptions cnn_arch_options(const std::string& arch, const ImageShape& shape, Parameterization p,
                                      double b_std, double W_std = 1.3) {
  KernelOptions o;
  o.arch = parse_architecture(arch);
  o.input_shape = shape;
  o.parameterization = p;
  o.W_std = W_std;
  o.b_std = b_std;
  o.threads = 2;
  o.block = 3;
  return o;
}

struct Pairs {
  MatrixD nngp, ntk;
  std::vector<double> variances;
};

// Every pair (i, j) of the rows of X, i == j through the self path, and the per-image variances.
inline Pairs all_pairs(const CnnKernel& k, const MatrixD& X) {
  const int n = int(X.rows());
  const std::size_t vs = k.variance_size();
  Pairs out{MatrixD(n, n), MatrixD(n, n), std::vector<double>(vs * std::size_t(n))};
  CnnKernel::Workspace ws;
  const MatrixD Xr = X;  // row-major rows (MatrixD is row-major)
  for (int i = 0; i < n; ++i) k.variances(Xr.row(i).data(), out.variances.data() + vs * std::size_t(i), ws);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      k.pair(Xr.row(i).data(), Xr.row(j).data(), out.variances.data() + vs * std::size_t(i),
             out.variances.data() + vs * std::size_t(j), i == j, &out.nngp(i, j), &out.ntk(i, j), ws);
  return out;
}

// Case c's kernels under two schedules, and every pair of n random images (seed) through each.
struct ScheduleComparison {
  CnnKernel first, second;
  Pairs a, b;
};
inline ScheduleComparison compare_schedules(const KernelCase& c, CnnSchedule first, CnnSchedule second, int n,
                                            std::uint64_t seed) {
  const KernelOptions o = cnn_arch_options(c.arch, c.shape, c.p, c.b_std);
  const CnnKernel k1(o, c.shape.size(), first), k2(o, c.shape.size(), second);
  const MatrixD X = random_images(n, c.shape, seed);
  return {k1, k2, all_pairs(k1, X), all_pairs(k2, X)};
}

// Two computations of the same kernels that differ only in summation order agree to `rel` of the largest entry.
inline void expect_agree_to_rounding(const Pairs& a, const Pairs& b, double rel = 1e-12) {
  EXPECT_LT((a.nngp - b.nngp).cwiseAbs().maxCoeff(), rel * b.nngp.cwiseAbs().maxCoeff());
  EXPECT_LT((a.ntk - b.ntk).cwiseAbs().maxCoeff(), rel * b.ntk.cwiseAbs().maxCoeff());
  ASSERT_EQ(a.variances.size(), b.variances.size());
  for (std::size_t i = 0; i < a.variances.size(); ++i)
    EXPECT_NEAR(a.variances[i], b.variances[i], rel * std::abs(b.variances[i]) + 1e-300);
}

}  // namespace widthlab::test
