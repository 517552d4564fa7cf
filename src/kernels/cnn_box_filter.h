// The filter mean A(K) of a conv layer in the CNN kernel recursion (theory.md §3.9): each output pixel pair (full
// mode, P² values) or output pixel (diagonal mode, P values, flatten readouts) averages the state over the filter's
// taps, A(K)[o, o'] = (1 / kh·kw) Σ_taps K[src(o, t), src(o', t)], with the axis maps of conv_axis_sources (a tap
// outside the image reads SAME's zero). Separable: the taps of one axis, then of the other.
// Cost per state: full mode (kw − 1)·H²·W'² + (kh − 1)·H'²·W'² adds, diagonal mode (kh − 1)·H'·W + (kw − 1)·H'·W'.
#pragma once
#include <cstdint>
#include <vector>

namespace widthlab::cnn_box {

// A(K) of one state (K or Θ) `in` into `out` (resized), full or diagonal mode; `tmp` is scratch. src_h / src_w: the
// layer's axis maps (tap t of output o reads src[o·k + t], −1 outside), stride_w its stride along w.
void box_filter(const std::vector<double>& in, std::vector<double>& out, std::vector<double>& tmp, bool full,
                std::int64_t in_h, std::int64_t in_w, std::int64_t out_h, std::int64_t out_w, int kh, int kw,
                int stride_w, const std::vector<int>& src_h, const std::vector<int>& src_w);

}  // namespace widthlab::cnn_box
