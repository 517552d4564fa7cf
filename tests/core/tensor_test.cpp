// all_finite (tensor.h) against std::isfinite value by value: NaN, ±inf, the largest finite values (whose product
// with 0 is still 0), denormals, −0, in float and double, in the vectorised body and the tail, on strided views.
#include "widthlab/tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace widthlab;

namespace {

template <class T>
void check() {
  using L = std::numeric_limits<T>;
  const T specials[] = {L::quiet_NaN(),  L::infinity(), -L::infinity(), L::max(), -L::max(),
                        L::denorm_min(), L::min(),      T(-0.0),        T(1)};
  for (int rows : {1, 3, 13})
    for (int cols : {1, 7, 33})
      for (T s : specials)
        for (int at : {0, rows * cols / 2, rows * cols - 1}) {
          Matrix<T> X = Matrix<T>::Constant(rows, cols, T(0.5));
          X.data()[at] = s;
          EXPECT_EQ(all_finite(X), bool(std::isfinite(s))) << rows << "×" << cols << " value " << s << " at " << at;
          EXPECT_EQ(all_finite(X.row(at / cols)), bool(std::isfinite(s)));
          if (rows > 1) {
            EXPECT_TRUE(all_finite(X.row((at / cols + 1) % rows))) << "another row";
          }
        }
  EXPECT_TRUE(all_finite(Matrix<T>(0, 4)));
}

TEST(Tensor, AllFiniteMatchesIsfinite) {
  check<float>();
  check<double>();
}

}  // namespace
