// transpose_tiled (transpose.h) against the element-by-element definition dst[c][r] = src[r][c]: float and double
// (AVX register squares plus scalar edges) and int (scalar only), shapes that are and are not multiples of the
// 8 × 8 / 4 × 4 squares and of the 8 × 512 tiles, strides wider than the rows; nothing outside dst's cells written.
#include "widthlab/transpose.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

using namespace widthlab;

namespace {

template <class T>
void check(std::int64_t rows, std::int64_t cols) {
  const std::int64_t lds = cols + 3, ldd = rows + 5;
  std::vector<T> src(std::size_t(rows * lds));
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = T(int(i % 9973) - 4000);
  const T sentinel = T(-77777);
  std::vector<T> dst(std::size_t(cols * ldd), sentinel);
  transpose_tiled(src.data(), lds, rows, cols, dst.data(), ldd);
  for (std::int64_t c = 0; c < cols; ++c)
    for (std::int64_t r = 0; r < ldd; ++r) {
      const T want = r < rows ? src[std::size_t(r * lds + c)] : sentinel;
      ASSERT_EQ(dst[std::size_t(c * ldd + r)], want) << rows << " × " << cols << " at (" << c << ", " << r << ")";
    }
}

TEST(Transpose, EqualsDefinitionFloatDoubleInt) {
  const std::int64_t shapes[][2] = {{1, 1}, {7, 9}, {8, 8}, {4, 4}, {16, 24}, {17, 1030}, {40, 33}, {9, 513}};
  for (const auto& s : shapes) {
    check<float>(s[0], s[1]);
    check<double>(s[0], s[1]);
    check<int>(s[0], s[1]);
  }
}

}  // namespace
