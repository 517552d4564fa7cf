// The filter means A(K) of the CNN kernel recursion (cnn_box_filter.h, theory.md §3.9).
#include "cnn_box_filter.h"

#include <algorithm>

namespace widthlab::cnn_box {

namespace {

// For tap t of an axis map `src` (conv_axis_sources): the outputs o ∈ [lo, hi) whose input o·stride + offset is
// inside the image, when the map is affine there (SAME / VALID); false for wrapped (CIRCULAR) maps.
bool tap_range(const std::vector<int>& src, std::int64_t n_out, int k, int t, int stride, std::int64_t* lo,
               std::int64_t* hi, std::int64_t* offset) {
  *lo = 0;
  while (*lo < n_out && src[std::size_t(*lo * k + t)] < 0) ++*lo;
  *hi = *lo;
  while (*hi < n_out && src[std::size_t(*hi * k + t)] >= 0) ++*hi;
  if (*lo == *hi) return true;
  *offset = src[std::size_t(*lo * k + t)] - *lo * stride;
  for (std::int64_t o = 0; o < n_out; ++o) {
    const bool inside = o >= *lo && o < *hi;
    if (src[std::size_t(o * k + t)] != (inside ? int(o * stride + *offset) : -1)) return false;
  }
  return true;
}

// A(K) along one axis pair of a full-mode state: `in` has dims (A, n_in, B, n_in) with the axis of length n_in at
// positions 1 and 3 (A, B = the products of the dims before), out (A, n_out, B, n_out); sums the taps (unscaled).
// The taps are the innermost loop, so each output row is written once while it sits in L1; the run over the second
// axis is strided (stride 1: contiguous, vectorised) where the map is affine, a gather for CIRCULAR.
void box_axis_full(const double* in, double* out, std::int64_t A, std::int64_t B, std::int64_t n_in, std::int64_t n_out,
                   int k, int stride, const std::vector<int>& src) {
  struct Run {
    std::int64_t lo = 0, hi = 0, off = 0;
    bool affine = true;
  };
  std::vector<Run> runs(static_cast<std::size_t>(k));
  for (int t = 0; t < k; ++t) {
    Run& r = runs[std::size_t(t)];
    r.affine = tap_range(src, n_out, k, t, stride, &r.lo, &r.hi, &r.off);
  }
  for (std::int64_t a = 0; a < A; ++a)
    for (std::int64_t o1 = 0; o1 < n_out; ++o1)
      for (std::int64_t b = 0; b < B; ++b) {
        double* __restrict dst = out + ((a * n_out + o1) * B + b) * n_out;
        std::fill(dst, dst + n_out, 0.0);
        for (int t = 0; t < k; ++t) {
          const int s1 = src[std::size_t(o1 * k + t)];
          if (s1 < 0) continue;
          const double* row = in + ((a * n_in + s1) * B + b) * n_in;
          const Run& r = runs[std::size_t(t)];
          if (r.affine && stride == 1) {
            const double* x = row + r.off;
            for (std::int64_t o2 = r.lo; o2 < r.hi; ++o2) dst[o2] += x[o2];
          } else if (r.affine) {
            for (std::int64_t o2 = r.lo; o2 < r.hi; ++o2) dst[o2] += row[o2 * stride + r.off];
          } else {
            for (std::int64_t o2 = 0; o2 < n_out; ++o2) dst[o2] += row[src[std::size_t(o2 * k + t)]];
          }
        }
      }
}

// The filter mean of a diagonal-mode state (H·W values), separable: the h taps sum whole rows (contiguous, vectorised;
// one run over all rows of a tap where the map has stride 1) into `tmp` (out_h × in_w), then each w tap adds its run of
// outputs (contiguous for stride 1 where the map is affine, a gather for CIRCULAR).
void box_diagonal(const std::vector<double>& in, std::vector<double>& out, std::vector<double>& tmp, std::int64_t in_w,
                  std::int64_t out_h, std::int64_t out_w, int kh, int kw, int stride_w, const std::vector<int>& src_h,
                  const std::vector<int>& src_w) {
  tmp.assign(std::size_t(out_h * in_w), 0.0);
  for (int a = 0; a < kh; ++a) {
    std::int64_t lo = 0, hi = 0, off = 0;
    if (tap_range(src_h, out_h, kh, a, 1, &lo, &hi, &off)) {  // stride 1: rows lo..hi read rows lo + off.., one run
      double* __restrict dst = tmp.data() + lo * in_w;
      const double* __restrict src = in.data() + (lo + off) * in_w;
      for (std::int64_t i = 0; i < (hi - lo) * in_w; ++i) dst[i] += src[i];
      continue;
    }
    for (std::int64_t ho = 0; ho < out_h; ++ho) {
      const int r = src_h[std::size_t(ho * kh + a)];
      if (r < 0) continue;
      double* __restrict dst = tmp.data() + ho * in_w;
      const double* __restrict src = in.data() + std::int64_t(r) * in_w;
      for (std::int64_t w = 0; w < in_w; ++w) dst[w] += src[w];
    }
  }
  out.assign(std::size_t(out_h * out_w), 0.0);
  for (int b = 0; b < kw; ++b) {
    std::int64_t lo = 0, hi = 0, off = 0;
    const bool affine = tap_range(src_w, out_w, kw, b, stride_w, &lo, &hi, &off);
    for (std::int64_t ho = 0; ho < out_h; ++ho) {
      const double* __restrict row = tmp.data() + ho * in_w;
      double* __restrict dst = out.data() + ho * out_w;
      if (affine && stride_w == 1) {
        for (std::int64_t wo = lo; wo < hi; ++wo) dst[wo] += row[wo + off];
      } else if (affine) {
        for (std::int64_t wo = lo; wo < hi; ++wo) dst[wo] += row[wo * stride_w + off];
      } else {
        for (std::int64_t wo = 0; wo < out_w; ++wo) dst[wo] += row[src_w[std::size_t(wo * kw + b)]];
      }
    }
  }
  const double scale = 1.0 / (double(kh) * kw);
  for (double& v : out) v *= scale;
}

}  // namespace

void box_filter(const std::vector<double>& in, std::vector<double>& out, std::vector<double>& tmp, bool full,
                std::int64_t in_h, std::int64_t in_w, std::int64_t out_h, std::int64_t out_w, int kh, int kw,
                int stride_w, const std::vector<int>& src_h, const std::vector<int>& src_w) {
  if (!full) return box_diagonal(in, out, tmp, in_w, out_h, out_w, kh, kw, stride_w, src_h, src_w);
  // Separable: (H, W, H, W) → the w taps → (H, W', H, W') → the h taps (contiguous runs of W') → (H', W', H', W');
  // each output row is summed over the h taps in L1 and scaled there.
  const double scale = 1.0 / (double(kh) * kw);
  tmp.resize(std::size_t(in_h * out_w * in_h * out_w));
  box_axis_full(in.data(), tmp.data(), in_h, in_h, in_w, out_w, kw, stride_w, src_w);
  out.resize(std::size_t(out_h * out_w * out_h * out_w));
  const std::int64_t row = out_w;
  for (std::int64_t h1 = 0; h1 < out_h; ++h1)
    for (std::int64_t w1 = 0; w1 < out_w; ++w1)
      for (std::int64_t h2 = 0; h2 < out_h; ++h2) {
        double* __restrict d = out.data() + ((h1 * out_w + w1) * out_h + h2) * row;
        std::fill(d, d + row, 0.0);
        for (int a = 0; a < kh; ++a) {
          const int r1 = src_h[std::size_t(h1 * kh + a)], r2 = src_h[std::size_t(h2 * kh + a)];
          if (r1 < 0 || r2 < 0) continue;
          const double* x = tmp.data() + ((r1 * out_w + w1) * in_h + r2) * row;
          for (std::int64_t j = 0; j < row; ++j) d[j] += x[j];
        }
        for (std::int64_t j = 0; j < row; ++j) d[j] *= scale;
      }
}

}  // namespace widthlab::cnn_box
