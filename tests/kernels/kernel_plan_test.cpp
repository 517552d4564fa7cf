// KernelPlan (kernel.h): any block-aligned rectangle computed from a plan equals the same entries of the whole kernel
// (kernel_compute, itself checked against Monte-Carlo nets in kernel_test.cpp) bit for bit — above, on and below the
// diagonal of a symmetric kernel, at any thread count — and misuse is rejected.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <stdexcept>

#include "widthlab/error.h"
#include "widthlab/kernel.h"
#include "widthlab/rng.h"

using namespace widthlab;

namespace {

template <class T>
Matrix<T> random_inputs(int n, int d, uint64_t seed) {
  Rng g = make_rng(seed, 7);
  std::normal_distribution<double> N(0, 1);
  Matrix<T> X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = T(N(g));
  return X;
}

struct Rect {
  std::int64_t r0, m, c0, n;
};

// Every rectangle of `rects` from one plan (threads 1 and 3) must equal the whole kernel's entries exactly.
template <class T>
void expect_pieces_equal_whole(const Matrix<T>& X1, const Matrix<T>* X2, KernelOptions o,
                               const std::vector<Rect>& rects) {
  const std::int64_t N1 = X1.rows(), N2 = X2 ? X2->rows() : N1;
  o.threads = 1;
  Matrix<T> nngp(N1, N2), ntk(N1, N2);
  kernel_compute<T>(X1, X2, o, nngp.data(), ntk.data(), N2);
  const MatrixRef<T> x1(X1);
  std::optional<MatrixRef<T>> x2;
  if (X2) x2.emplace(*X2);
  for (int threads : {1, 3}) {
    o.threads = threads;
    const KernelPlan<T> plan(x1, x2 ? &*x2 : nullptr, o);
    EXPECT_EQ(plan.rows(), N1);
    EXPECT_EQ(plan.cols(), N2);
    EXPECT_EQ(plan.symmetric(), X2 == nullptr);
    for (const Rect& r : rects) {
      const std::int64_t ld = r.n + 3;  // a stride wider than the rectangle
      Matrix<T> pn = Matrix<T>::Constant(r.m, ld, T(-7)), pt = pn;
      plan.compute(r.r0, r.m, r.c0, r.n, pn.data(), pt.data(), ld);
      for (std::int64_t i = 0; i < r.m; ++i)
        for (std::int64_t j = 0; j < r.n; ++j) {
          ASSERT_EQ(pn(i, j), nngp(r.r0 + i, r.c0 + j))
              << "nngp (" << r.r0 + i << ", " << r.c0 + j << ") threads " << threads;
          ASSERT_EQ(pt(i, j), ntk(r.r0 + i, r.c0 + j)) << "ntk (" << r.r0 + i << ", " << r.c0 + j << ")";
        }
      for (std::int64_t i = 0; i < r.m; ++i)  // nothing outside the rectangle was touched
        for (std::int64_t j = r.n; j < ld; ++j) ASSERT_EQ(pn(i, j), T(-7));
      Matrix<T> only_ntk = Matrix<T>::Zero(r.m, r.n);  // one output alone gives the same bits
      plan.compute(r.r0, r.m, r.c0, r.n, nullptr, only_ntk.data(), r.n);
      EXPECT_EQ(only_ntk, pt.leftCols(r.n));
    }
  }
}

// N = 37 with blocks of 8: the last block is partial. Rectangles above, on, across and below the diagonal.
const std::vector<Rect> kSymmetricRects = {
    {0, 37, 0, 37},   // whole
    {8, 8, 8, 29},    // one block row from its diagonal block to the end (a panel of kernel_to_npy_mpi)
    {16, 8, 0, 16},   // below the diagonal, mirrors outside: computed and transposed
    {32, 5, 0, 37},   // the partial last block row, all columns
    {8, 16, 0, 32},   // across the diagonal: some lower blocks copied from their mirrors, some computed
    {0, 16, 24, 13},  // above the diagonal only
};

KernelOptions blocks_of_8(int depth) {
  KernelOptions o;
  o.depth = depth;
  o.block = 8;
  return o;
}

TEST(KernelPlan, SymmetricPiecesEqualWholeFloat64) {
  KernelOptions o = blocks_of_8(2);
  o.b_std = 0.3;
  expect_pieces_equal_whole<double>(random_inputs<double>(37, 5, 1), nullptr, o, kSymmetricRects);
}

TEST(KernelPlan, SymmetricPiecesEqualWholeFloat32StandardErf) {
  KernelOptions o = blocks_of_8(3);
  o.parameterization = Parameterization::standard;
  o.width = 16;
  o.act = activation_from_name("erf");
  expect_pieces_equal_whole<float>(random_inputs<float>(37, 4, 2), nullptr, o, kSymmetricRects);
}

TEST(KernelPlan, CrossPiecesEqualWhole) {
  const MatrixD X1 = random_inputs<double>(21, 6, 3), X2 = random_inputs<double>(30, 6, 4);
  expect_pieces_equal_whole<double>(X1, &X2, blocks_of_8(2),
                                    {{0, 21, 0, 30}, {16, 5, 0, 8}, {8, 8, 24, 6}, {0, 8, 8, 16}});
}

TEST(KernelPlan, RejectsMisalignedRectanglesAndBadInput) {
  const KernelOptions o = blocks_of_8(1);
  const MatrixD X = random_inputs<double>(20, 3, 5);
  const MatrixRef<double> x(X);
  const KernelPlan<double> plan(x, nullptr, o);
  MatrixD out(20, 20);
  EXPECT_THROW(plan.compute(4, 8, 0, 8, out.data(), nullptr, 20), std::invalid_argument);  // r0 not a block start
  EXPECT_THROW(plan.compute(0, 5, 0, 8, out.data(), nullptr, 20), std::invalid_argument);  // m neither whole nor to end
  EXPECT_THROW(plan.compute(16, 8, 0, 8, out.data(), nullptr, 20), std::invalid_argument);  // past the last row
  EXPECT_THROW(plan.compute(0, 8, 0, 16, out.data(), nullptr, 10), std::invalid_argument);  // ld < n
  EXPECT_NO_THROW(plan.compute(16, 4, 0, 20, out.data(), nullptr, 20));                     // partial last block

  MatrixD bad = X;
  bad(3, 1) = std::nan("");
  const MatrixRef<double> b(bad);
  try {
    KernelPlan<double> p(b, nullptr, o);
    FAIL() << "a NaN input was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("row 3"), std::string::npos) << e.what();
  }
  KernelOptions zero_depth = o;
  zero_depth.depth = 0;
  EXPECT_THROW(KernelPlan<double>(x, nullptr, zero_depth), InputError);
}

}  // namespace
