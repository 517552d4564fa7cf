// oneDNN peer of the convolutions in bench/conv_bench.cpp (issue 19 item 3): is oneDNN's convolution faster than
// ConvNet's im2col + OpenBLAS path? Kept as the measurement that led to ConvNet's oneDNN backend (src/nets/
// conv_onednn.cpp); not part of the build; compile by hand:
//
//   g++ -O2 -std=c++17 bench/onednn_conv_peer.cc -ldnnl -o /tmp/onednn_conv_peer
//   OMP_NUM_THREADS=2 /tmp/onednn_conv_peer 16 32 64 128 256 512
//
// Per channel count C it times the convolution work of one SGD step of
// conv(3x3,same,C)-relu-conv(3x3,same,C)-relu-gap-dense(1) on 128 × 28×28×1 float32 inputs: forward of both convs,
// backward-weights of both, backward-data of the second (the first conv's input needs no gradient). Memory formats
// are oneDNN's choice (format `any`) and the reorders between the forward's and the backward's layouts are not timed,
// so this is a lower bound on a oneDNN step. Prints one JSON object per line: ms per step (best of the runs) and
// process CPU ms per step (mean, all threads).
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <unordered_map>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

struct Conv {
  convolution_forward fwd;
  convolution_backward_weights bwd_w;
  convolution_backward_data bwd_d;
  std::unordered_map<int, memory> fwd_args, bww_args, bwd_args;
  bool need_data = false;
};

Conv make_conv(const engine& eng, memory::dim N, memory::dim IC, memory::dim OC, bool need_data) {
  const memory::dims src{N, IC, 28, 28}, wei{OC, IC, 3, 3}, dst{N, OC, 28, 28}, st{1, 1}, pad{1, 1};
  const memory::desc src_md(src, dt::f32, tag::any), wei_md(wei, dt::f32, tag::any), dst_md(dst, dt::f32, tag::any);
  const convolution_forward::primitive_desc fpd(
      {prop_kind::forward_training, algorithm::convolution_direct, src_md, wei_md, dst_md, st, pad, pad}, eng);
  const convolution_backward_weights::primitive_desc wpd(
      {algorithm::convolution_direct, src_md, wei_md, dst_md, st, pad, pad}, eng, fpd);
  const convolution_backward_data::primitive_desc dpd({algorithm::convolution_direct, src_md, wei_md, dst_md, st, pad, pad},
                                                      eng, fpd);
  Conv c{convolution_forward(fpd), convolution_backward_weights(wpd), convolution_backward_data(dpd), {}, {}, {}, need_data};
  auto fill = [&](const memory::desc& md) {
    memory m(md, eng);
    float* p = static_cast<float*>(m.get_data_handle());
    for (size_t i = 0; i < md.get_size() / sizeof(float); ++i) p[i] = float((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
    return m;
  };
  c.fwd_args = {{DNNL_ARG_SRC, fill(fpd.src_desc())}, {DNNL_ARG_WEIGHTS, fill(fpd.weights_desc())},
                {DNNL_ARG_DST, fill(fpd.dst_desc())}};
  c.bww_args = {{DNNL_ARG_SRC, fill(wpd.src_desc())}, {DNNL_ARG_DIFF_DST, fill(wpd.diff_dst_desc())},
                {DNNL_ARG_DIFF_WEIGHTS, fill(wpd.diff_weights_desc())}};
  c.bwd_args = {{DNNL_ARG_DIFF_DST, fill(dpd.diff_dst_desc())}, {DNNL_ARG_WEIGHTS, fill(dpd.weights_desc())},
                {DNNL_ARG_DIFF_SRC, fill(dpd.diff_src_desc())}};
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  std::vector<int> channels;
  for (int i = 1; i < argc; ++i) channels.push_back(std::atoi(argv[i]));
  if (channels.empty()) channels = {16, 32, 64, 128, 256, 512};
  for (int C : channels) {
    std::vector<Conv> convs;
    convs.push_back(make_conv(eng, 128, 1, C, false));
    convs.push_back(make_conv(eng, 128, C, C, true));
    auto step = [&] {
      for (Conv& c : convs) c.fwd.execute(s, c.fwd_args);
      for (int i = int(convs.size()) - 1; i >= 0; --i) {
        convs[i].bwd_w.execute(s, convs[i].bww_args);
        if (convs[i].need_data) convs[i].bwd_d.execute(s, convs[i].bwd_args);
      }
      s.wait();
    };
    step();  // warm-up (JIT)
    double best = 1e30, total = 0;
    int runs = 0;
    const std::clock_t cpu0 = std::clock();
    while (total < 2.0 || runs < 2) {
      const auto t0 = std::chrono::steady_clock::now();
      step();
      const double dt_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::min(best, dt_s);
      total += dt_s;
      ++runs;
    }
    const double cpu_ms = 1e3 * double(std::clock() - cpu0) / CLOCKS_PER_SEC / runs;
    std::printf("{\"peer\":\"onednn\",\"channels\":%d,\"runs\":%d,\"ms_per_step\":%.3f,\"steps_per_s\":%.4f,"
                "\"cpu_ms_per_step\":%.3f}\n",
                C, runs, best * 1e3, 1.0 / best, cpu_ms);
    std::fflush(stdout);
  }
}
