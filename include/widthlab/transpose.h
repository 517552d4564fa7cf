// Out-of-place transpose, used where a symmetric kernel's lower blocks are copied from the upper ones (kernel.cpp,
// mpi_kernel.cpp: the lower-triangle phase of `widthlab kernel`, where it is the largest cost after the arithmetic).
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace widthlab {

namespace transpose_detail {

#if defined(__AVX__)
// One 8 × 8 float square (or 4 × 4 double square) through registers: 8 (4) contiguous loads, 8 (4) contiguous
// stores, instead of 64 (16) strided scalar moves.
inline void square(const float* s, std::int64_t lds, float* d, std::int64_t ldd) {
  const __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + lds), r2 = _mm256_loadu_ps(s + 2 * lds),
               r3 = _mm256_loadu_ps(s + 3 * lds), r4 = _mm256_loadu_ps(s + 4 * lds), r5 = _mm256_loadu_ps(s + 5 * lds),
               r6 = _mm256_loadu_ps(s + 6 * lds), r7 = _mm256_loadu_ps(s + 7 * lds);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
               t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
               t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
               u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
               u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
               u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(d + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(d + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(d + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(d + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(d + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(d + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(d + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}
inline void square(const double* s, std::int64_t lds, double* d, std::int64_t ldd) {
  const __m256d r0 = _mm256_loadu_pd(s), r1 = _mm256_loadu_pd(s + lds), r2 = _mm256_loadu_pd(s + 2 * lds),
                r3 = _mm256_loadu_pd(s + 3 * lds);
  const __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1), t2 = _mm256_unpacklo_pd(r2, r3),
                t3 = _mm256_unpackhi_pd(r2, r3);
  _mm256_storeu_pd(d, _mm256_permute2f128_pd(t0, t2, 0x20));
  _mm256_storeu_pd(d + ldd, _mm256_permute2f128_pd(t1, t3, 0x20));
  _mm256_storeu_pd(d + 2 * ldd, _mm256_permute2f128_pd(t0, t2, 0x31));
  _mm256_storeu_pd(d + 3 * ldd, _mm256_permute2f128_pd(t1, t3, 0x31));
}
template <class T>
inline constexpr std::int64_t kSquare = 32 / std::int64_t(sizeof(T));  // values per 256-bit register
template <class T>
inline constexpr bool kHasSquare = std::is_same_v<T, float> || std::is_same_v<T, double>;
#else
template <class T>
inline void square(const T*, std::int64_t, T*, std::int64_t) {}  // never called: kHasSquare is false
template <class T>
inline constexpr std::int64_t kSquare = 1;
template <class T>
inline constexpr bool kHasSquare = false;
#endif

}  // namespace transpose_detail

// dst (cols × rows, row stride ldd) = srcᵀ (rows × cols, row stride lds), row-major both. Tiles of 8 source rows ×
// up to 512 columns keep the few source lines in flight and the destination lines they fill in cache; inside a tile,
// 8 × 8 float (4 × 4 double) squares go through AVX registers. Measured on the lower triangle of an N = 20000 float
// kernel: 1.8 ns per value, against 2.7–3.2 for scalar 32 × 32 tiles (the source rows are 80 KB apart, so the
// copy is bound by memory latency, not by instructions).
template <class T>
void transpose_tiled(const T* src, std::int64_t lds, std::int64_t rows, std::int64_t cols, T* dst, std::int64_t ldd) {
  constexpr std::int64_t tile_rows = 8, tile_cols = 512, q = transpose_detail::kSquare<T>;
  for (std::int64_t rb = 0; rb < rows; rb += tile_rows)
    for (std::int64_t cb = 0; cb < cols; cb += tile_cols) {
      const std::int64_t re = std::min(rb + tile_rows, rows), ce = std::min(cb + tile_cols, cols);
      std::int64_t r = rb;
      if constexpr (transpose_detail::kHasSquare<T>) {
        for (; r + q <= re; r += q) {
          std::int64_t c = cb;
          for (; c + q <= ce; c += q) transpose_detail::square(src + r * lds + c, lds, dst + c * ldd + r, ldd);
          for (; c < ce; ++c)
            for (std::int64_t i = r; i < r + q; ++i) dst[c * ldd + i] = src[i * lds + c];
        }
      }
      for (; r < re; ++r)
        for (std::int64_t c = cb; c < ce; ++c) dst[c * ldd + r] = src[r * lds + c];
    }
}

}  // namespace widthlab
