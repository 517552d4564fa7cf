// A convolutional net written as direct loops in float64 from the definitions (theory.md §3.9, architecture.h),
// independent of ConvNet's im2col / GEMM code: its own lax padding arithmetic, one sample at a time. Shared by the
// nets tests (conv_net_test.cpp) and the kernels' Monte Carlo test.
#pragma once
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "widthlab/conv_net.h"

namespace widthlab::test {

// An architecture on an input shape, the unit of the conv net tests' case tables.
struct ArchCase {
  const char* arch;
  ImageShape input;
};

// The net of a case with its bias, init and conv backend.
inline ConvNetConfig arch_case_config(const ArchCase& c, bool bias, InitKind init = InitKind::uniform,
                                      ConvBackend backend = ConvBackend::automatic) {
  ConvNetConfig cfg;
  cfg.arch = parse_architecture(c.arch);
  cfg.input = c.input;
  cfg.bias = bias;
  cfg.init = init;
  cfg.backend = backend;
  return cfg;
}

// Logits of one sample x (H·W·C values, C fastest) under net's parameters, factors and architecture.
template <class T>
std::vector<double> naive_conv_forward(const ConvNet<T>& net, const double* x) {
  const ConvNetConfig& cfg = net.config();
  std::int64_t H = cfg.input.height, W = cfg.input.width, C = cfg.input.channels;
  std::vector<double> h(x, x + H * W * C);
  int l = 0;
  for (const Layer& L : cfg.arch.layers) {
    if (L.kind == LayerKind::activation) {
      for (double& v : h) v = L.act.value(v);
    } else if (L.kind == LayerKind::flatten) {
      C = H * W * C;
      H = W = 1;
    } else if (L.kind == LayerKind::global_avg_pool) {
      std::vector<double> m(std::size_t(C), 0.0);
      for (std::int64_t p = 0; p < H * W; ++p)
        for (std::int64_t c = 0; c < C; ++c) m[c] += h[p * C + c] / double(H * W);
      h = m;
      H = W = 1;
    } else {  // dense = a 1×1 stride-1 conv over the pixels
      if (L.kind != LayerKind::dense && L.kind != LayerKind::conv)
        throw std::logic_error("naive_conv_forward: no reference loop for layer kind " + layer_text(L));
      const bool conv = L.kind == LayerKind::conv;
      const int KH = conv ? L.filter_h : 1, KW = conv ? L.filter_w : 1;
      const int SH = conv ? L.stride_h : 1, SW = conv ? L.stride_w : 1;
      const Padding pad = conv ? L.padding : Padding::valid;
      // lax: SAME / CIRCULAR → ⌈in/s⌉ outputs, ⌊total/2⌋ padding before; VALID → ⌈(in−k+1)/s⌉, none.
      auto out_size = [&](std::int64_t in, int k, int s) {
        return pad == Padding::valid ? (in - k + 1 + s - 1) / s : (in + s - 1) / s;
      };
      const std::int64_t OH = out_size(H, KH, SH), OW = out_size(W, KW, SW), N = L.width;
      const std::int64_t ph = pad == Padding::valid ? 0 : std::max<std::int64_t>((OH - 1) * SH + KH - H, 0) / 2;
      const std::int64_t pw = pad == Padding::valid ? 0 : std::max<std::int64_t>((OW - 1) * SW + KW - W, 0) / 2;
      const double a = net.factors()[l].multiplier;
      const auto& w = net.weight(l);
      std::vector<double> out(std::size_t(OH * OW * N));
      for (std::int64_t oh = 0; oh < OH; ++oh)
        for (std::int64_t ow = 0; ow < OW; ++ow)
          for (std::int64_t o = 0; o < N; ++o) {
            double s = cfg.bias ? double(net.bias(l)[o]) : 0.0;
            for (int kh = 0; kh < KH; ++kh)
              for (int kw = 0; kw < KW; ++kw) {
                std::int64_t ih = oh * SH + kh - ph, iw = ow * SW + kw - pw;
                if (pad == Padding::circular) {
                  ih = ((ih % H) + H) % H;
                  iw = ((iw % W) + W) % W;
                }
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                for (std::int64_t c = 0; c < C; ++c)
                  s += double(w(o, (kh * KW + kw) * C + c)) * h[(ih * W + iw) * C + c];
              }
            out[(oh * OW + ow) * N + o] = a * s;
          }
      h = out;
      H = OH;
      W = OW;
      C = N;
      ++l;
    }
  }
  return h;
}

}  // namespace widthlab::test
