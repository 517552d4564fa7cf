// im2col / col2im (src/nets/im2col.h).
#include "nets/im2col.h"

#include <algorithm>
#include <cstring>

namespace widthlab {

namespace {

// Calls f(dst_offset, src_offset, count) for every run of patch values that come from the input (a run is C_in
// values, or KW·C_in when the taps of one filter row are consecutive input pixels), and z(dst_offset, count) for
// the runs that fall in the zero padding. Offsets are per sample: dst in the sample's patch rows, src in its image.
template <class F, class Z>
void for_each_run(const ConvStep& s, F&& f, Z&& z) {
  const std::int64_t C = s.in.channels, W = s.in.width;
  const std::int64_t row = std::int64_t(s.kh) * s.kw * C;
  for (std::int64_t oh = 0; oh < s.out.height; ++oh)
    for (std::int64_t ow = 0; ow < s.out.width; ++ow) {
      std::int64_t dst = (oh * s.out.width + ow) * row;
      const int* sw = s.src_w.data() + ow * s.kw;
      // The taps of a filter row are consecutive pixels unless they touch the padding or wrap around.
      const bool run = sw[0] >= 0 && sw[s.kw - 1] == sw[0] + s.kw - 1;
      for (int kh = 0; kh < s.kh; ++kh) {
        const int ih = s.src_h[oh * s.kh + kh];
        if (ih < 0) {
          z(dst, s.kw * C);
          dst += s.kw * C;
          continue;
        }
        if (run) {
          f(dst, (ih * W + sw[0]) * C, s.kw * C);
          dst += s.kw * C;
          continue;
        }
        for (int kw = 0; kw < s.kw; ++kw, dst += C) {
          if (sw[kw] < 0)
            z(dst, C);
          else
            f(dst, (ih * W + sw[kw]) * C, C);
        }
      }
    }
}

}  // namespace

template <class T>
void im2col(const ConvStep& s, const T* in, int samples, T* col) {
  const std::int64_t in_size = s.in.size(), col_size = s.out.pixels() * s.kh * s.kw * s.in.channels;
  for (int n = 0; n < samples; ++n) {
    const T* img = in + n * in_size;
    T* c = col + n * col_size;
    for_each_run(
        s,
        [&](std::int64_t dst, std::int64_t src, std::int64_t count) {
          std::memcpy(c + dst, img + src, sizeof(T) * count);
        },
        [&](std::int64_t dst, std::int64_t count) { std::fill(c + dst, c + dst + count, T(0)); });
  }
}

template <class T>
void col2im_add(const ConvStep& s, const T* col, int samples, T* in_grad) {
  const std::int64_t in_size = s.in.size(), col_size = s.out.pixels() * s.kh * s.kw * s.in.channels;
  for (int n = 0; n < samples; ++n) {
    T* img = in_grad + n * in_size;
    const T* c = col + n * col_size;
    for_each_run(
        s,
        [&](std::int64_t dst, std::int64_t src, std::int64_t count) {
          for (std::int64_t j = 0; j < count; ++j) img[src + j] += c[dst + j];
        },
        [](std::int64_t, std::int64_t) {});
  }
}

template void im2col(const ConvStep&, const float*, int, float*);
template void im2col(const ConvStep&, const double*, int, double*);
template void col2im_add(const ConvStep&, const float*, int, float*);
template void col2im_add(const ConvStep&, const double*, int, double*);

}  // namespace widthlab
