// Tiled out-of-place transpose, used where a symmetric kernel's lower blocks are copied from the upper ones
// (kernel.cpp, mpi_kernel.cpp).
#pragma once
#include <algorithm>
#include <cstdint>

namespace widthlab {

// dst (cols × rows, row stride ldd) = srcᵀ (rows × cols, row stride lds), row-major both, in 32 × 32 tiles so that
// neither side strides through memory a value at a time.
template <class T>
void transpose_tiled(const T* src, std::int64_t lds, std::int64_t rows, std::int64_t cols, T* dst, std::int64_t ldd) {
  constexpr std::int64_t t = 32;
  for (std::int64_t rb = 0; rb < rows; rb += t)
    for (std::int64_t cb = 0; cb < cols; cb += t)
      for (std::int64_t c = cb; c < std::min(cb + t, cols); ++c)
        for (std::int64_t r = rb; r < std::min(rb + t, rows); ++r) dst[c * ldd + r] = src[r * lds + c];
}

}  // namespace widthlab
