// oneDNN convolutions of ConvNet<float> (src/nets/conv_onednn.h). Built without oneDNN (WIDTHLAB_HAVE_ONEDNN
// undefined) every step stays on im2col: supports() is false and the passes are never called.
#include "nets/conv_onednn.h"

#include <stdexcept>

#ifdef WIDTHLAB_HAVE_ONEDNN
#include <omp.h>

#include <algorithm>
#include <initializer_list>
#include <oneapi/dnnl/dnnl.hpp>
#include <string_view>
#include <utility>
#include <vector>

#include "widthlab/mlp.h"
#endif

namespace widthlab {

#ifndef WIDTHLAB_HAVE_ONEDNN

struct ConvOnednnCache {};
void ConvOnednnCacheDeleter::operator()(ConvOnednnCache* c) const { delete c; }
bool conv_onednn_available() { return false; }

namespace conv_onednn {

namespace {
[[noreturn]] void missing() { throw std::logic_error("conv_onednn: widthlab was built without oneDNN"); }
}  // namespace

bool supports(const ConvStep&, Padding, float, bool) { return false; }
void prepare(const ConvStep&, int, float, bool, ConvOnednnSlot&) { missing(); }
void forward(const ConvStep&, const float*, int, const float*, const float*, float, float*, ConvOnednnSlot&) {
  missing();
}
void backward_data(const ConvStep&, const float*, int, const float*, float, bool, float*, ConvOnednnSlot&) {
  missing();
}
void backward_weights(const ConvStep&, const float*, const float*, int, float, float, bool, float*, float*,
                      ConvOnednnSlot&) {
  missing();
}

}  // namespace conv_onednn

#else

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& cpu_engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// oneDNN runs on OpenMP (Debian's libdnnl links libgomp); the count is per calling thread.
int use_blas_threads() {
  const int n = std::max(1, blas_threads());
  omp_set_num_threads(n);
  return n;
}

// Forward and backward data keep ConvNet's nhwc up to this many input and output channels; above it they run on
// oneDNN's blocked layout (nChw16c), with the activations reordered in and out. At C_in = C_out = 512 (28×28, batch
// 128, 2 threads, Debian's oneDNN 2.6.3 on AVX-512) nhwc took 10 s (forward, brgconv) and 8.6 s (backward data)
// against 4.5 s and 4.6 s blocked, plus ≈ 0.1 s of reorders per pass; at 256 and below both layouts took the same
// time, so the reorders would only cost. Backward weights ran equally fast in both layouts and stays on nhwc.
constexpr std::int64_t kNhwcChannels = 256;

// One layer's primitive descriptors for `rows` samples: activations nhwc (ConvNet's layout), weights `any`.
struct Pds {
  dnnl::convolution_forward::primitive_desc fwd;
  dnnl::convolution_backward_data::primitive_desc bwd_data;  // only when s.signal
  dnnl::convolution_backward_weights::primitive_desc bwd_weights;
};

Pds make_pds(const ConvStep& s, int rows, float alpha, bool bias) {
  using namespace dnnl;
  const memory::desc src({rows, s.in.channels, s.in.height, s.in.width}, dt::f32, tag::nhwc);
  const memory::desc wei({s.fan_out, s.in.channels, s.kh, s.kw}, dt::f32, tag::any);
  const memory::desc dst({rows, s.fan_out, s.out.height, s.out.width}, dt::f32, tag::nhwc);
  const memory::desc b({s.fan_out}, dt::f32, tag::x);
  const bool blocked = std::min<std::int64_t>(s.in.channels, s.fan_out) > kNhwcChannels;
  const memory::desc bsrc = blocked ? memory::desc(src.dims(), dt::f32, tag::any) : src;
  const memory::desc bdst = blocked ? memory::desc(dst.dims(), dt::f32, tag::any) : dst;
  const memory::dims st{s.stride_h, s.stride_w}, pl{s.pad_top, s.pad_left}, pr{s.pad_bottom, s.pad_right};
  const auto algo = algorithm::convolution_direct;
  // Two attribute objects: primitive_attr is a handle, a copy would share (and receive) the post-op.
  primitive_attr plain, scaled;
  plain.set_scratchpad_mode(scratchpad_mode::user);
  scaled.set_scratchpad_mode(scratchpad_mode::user);
  if (alpha != 1.f) {  // z = α·(conv + b): the post-op acts on the biased result
    post_ops po;
    po.append_eltwise(1.f, algorithm::eltwise_linear, alpha, 0.f);
    scaled.set_post_ops(po);
  }
  Pds p;
  const auto fd = bias ? convolution_forward::desc(prop_kind::forward_training, algo, bsrc, wei, b, bdst, st, pl, pr)
                       : convolution_forward::desc(prop_kind::forward_training, algo, bsrc, wei, bdst, st, pl, pr);
  p.fwd = convolution_forward::primitive_desc(fd, scaled, cpu_engine());
  const auto wd = bias ? convolution_backward_weights::desc(algo, src, wei, b, dst, st, pl, pr)
                       : convolution_backward_weights::desc(algo, src, wei, dst, st, pl, pr);
  p.bwd_weights = convolution_backward_weights::primitive_desc(wd, plain, cpu_engine(), p.fwd);
  if (s.signal)
    p.bwd_data = convolution_backward_data::primitive_desc(
        convolution_backward_data::desc(algo, bsrc, wei, bdst, st, pl, pr), plain, cpu_engine(), p.fwd);
  return p;
}

// What a primitive reads or writes in place of a caller's nhwc buffer (wrapper `user`): that wrapper when the
// primitive takes nhwc, else an owned buffer in the primitive's layout and the reorder between the two.
struct Staged {
  memory m;
  dnnl::reorder r;
  bool own = false;
};

// `reuse`: an owned buffer of another pass to share when it has the wanted layout (the passes never overlap).
Staged staged(const memory& user, const memory::desc& want, bool into_user, const Staged* reuse = nullptr) {
  if (want == user.get_desc()) return {user, {}, false};
  memory m = reuse && reuse->own && reuse->m.get_desc() == want ? reuse->m : memory(want, cpu_engine());
  return {m, into_user ? dnnl::reorder(m, user) : dnnl::reorder(user, m), true};
}

// The primitives of one (layer, rows, threads, α, bias) and the memory objects they run on.
struct Entry {
  int layer = -1, rows = 0, threads = 0;
  float alpha = 1.f;
  bool bias = false, data = false;
  dnnl::convolution_forward fwd;
  dnnl::convolution_backward_data bwd_data;
  dnnl::convolution_backward_weights bwd_weights;
  memory src, dst, b, w;                  // nhwc / ohwi / x wrappers of the caller's buffers, handles set per call
  memory w_fwd, w_bwd, dw, dw_plain, db;  // owned: weights in the primitives' formats, the gradients
  Staged fwd_src, fwd_dst, data_dst, data_src;  // forward's x and z, backward data's ∂loss/∂z and ∂loss/∂x
  dnnl::reorder to_fwd, to_bwd, from_dw;
  std::size_t scratch_bytes = 0;
};

Entry make_entry(const ConvStep& s, int rows, float alpha, bool bias, int threads) {
  const Pds p = make_pds(s, rows, alpha, bias);
  const dnnl::engine& eng = cpu_engine();
  Entry e;
  e.layer = s.affine;
  e.rows = rows;
  e.threads = threads;
  e.alpha = alpha;
  e.bias = bias;
  e.fwd = dnnl::convolution_forward(p.fwd);
  e.bwd_weights = dnnl::convolution_backward_weights(p.bwd_weights);
  e.src = memory(p.bwd_weights.src_desc(), eng, DNNL_MEMORY_NONE);  // nhwc, as requested
  e.dst = memory(p.bwd_weights.diff_dst_desc(), eng, DNNL_MEMORY_NONE);
  e.fwd_src = staged(e.src, p.fwd.src_desc(), false);
  e.fwd_dst = staged(e.dst, p.fwd.dst_desc(), true);
  const memory::desc ohwi({s.fan_out, s.in.channels, s.kh, s.kw}, dt::f32, tag::ohwi);
  e.w = memory(ohwi, eng, DNNL_MEMORY_NONE);
  e.w_fwd = memory(p.fwd.weights_desc(), eng);
  e.to_fwd = dnnl::reorder(e.w, e.w_fwd);
  e.dw = memory(p.bwd_weights.diff_weights_desc(), eng);
  e.dw_plain = memory(ohwi, eng);
  e.from_dw = dnnl::reorder(e.dw, e.dw_plain);
  if (bias) {
    e.b = memory(p.fwd.bias_desc(), eng, DNNL_MEMORY_NONE);
    e.db = memory(p.bwd_weights.diff_bias_desc(), eng);
  }
  e.scratch_bytes = std::max(p.fwd.scratchpad_desc().get_size(), p.bwd_weights.scratchpad_desc().get_size());
  if (s.signal) {
    e.data = true;
    e.bwd_data = dnnl::convolution_backward_data(p.bwd_data);
    e.w_bwd = p.bwd_data.weights_desc() == p.fwd.weights_desc() ? e.w_fwd : memory(p.bwd_data.weights_desc(), eng);
    e.to_bwd = dnnl::reorder(e.w, e.w_bwd);
    e.data_dst = staged(e.dst, p.bwd_data.diff_dst_desc(), false, &e.fwd_dst);
    e.data_src = staged(e.src, p.bwd_data.diff_src_desc(), true, &e.fwd_src);
    e.scratch_bytes = std::max(e.scratch_bytes, p.bwd_data.scratchpad_desc().get_size());
  }
  return e;
}

}  // namespace

struct ConvOnednnCache {
  dnnl::stream stream{cpu_engine()};
  std::vector<Entry> entries;
  memory scratch;  // the scratchpad of every entry (user mode), as large as the largest needs
  std::size_t scratch_bytes = 0;
};

void ConvOnednnCacheDeleter::operator()(ConvOnednnCache* c) const { delete c; }
bool conv_onednn_available() { return true; }

namespace conv_onednn {

namespace {

// The slot's entry for these arguments, created (with the scratchpad grown) when missing.
Entry& entry(const ConvStep& s, int rows, float alpha, bool bias, ConvOnednnSlot& slot) {
  const int threads = use_blas_threads();
  if (!slot.cache) slot.cache.reset(new ConvOnednnCache());
  ConvOnednnCache& c = *slot.cache;
  for (Entry& e : c.entries)
    if (e.layer == s.affine && e.rows == rows && e.threads == threads && e.alpha == alpha && e.bias == bias) return e;
  c.entries.push_back(make_entry(s, rows, alpha, bias, threads));
  if (c.entries.back().scratch_bytes > c.scratch_bytes || !c.scratch) {
    c.scratch_bytes = std::max<std::size_t>(c.entries.back().scratch_bytes, 1);
    c.scratch = memory(memory::desc({memory::dim(c.scratch_bytes)}, dt::u8, tag::x), cpu_engine());
  }
  return c.entries.back();
}

// Runs p with these (argument, memory) pairs through the C API (no argument map to build).
void execute(const dnnl::primitive& p, ConvOnednnCache& c, std::initializer_list<std::pair<int, const memory*> > args) {
  dnnl_exec_arg_t a[8];
  int n = 0;
  for (const auto& [k, m] : args) a[n++] = {k, m->get()};
  a[n++] = {DNNL_ARG_SCRATCHPAD, c.scratch.get()};
  dnnl::error::wrap_c_api(dnnl_primitive_execute(p.get(), c.stream.get(), n, a), "conv_onednn: execute");
}

void wrap(const memory& m, const float* p) { m.set_data_handle(const_cast<float*>(p)); }

// Copies the caller's buffer into a staged one / a staged result back (nothing when the primitive works in place).
void stage_in(const Staged& s, const memory& user, ConvOnednnCache& c) {
  if (s.own) execute(s.r, c, {{DNNL_ARG_FROM, &user}, {DNNL_ARG_TO, &s.m}});
}
void stage_out(const Staged& s, const memory& user, ConvOnednnCache& c) {
  if (s.own) execute(s.r, c, {{DNNL_ARG_FROM, &s.m}, {DNNL_ARG_TO, &user}});
}

}  // namespace

bool supports(const ConvStep& s, Padding padding, float alpha, bool bias) {
  if (padding == Padding::circular || !s.im2col) return false;
  use_blas_threads();
  try {
    const Pds p = make_pds(s, 1, alpha, bias);
    // oneDNN's reference kernels are far slower than im2col + GEMM: keep such a layer on im2col.
    for (const char* impl :
         {p.fwd.impl_info_str(), p.bwd_weights.impl_info_str(), s.signal ? p.bwd_data.impl_info_str() : "-"})
      if (std::string_view(impl).starts_with("ref")) return false;
    return true;
  } catch (const dnnl::error& e) {
    if (e.status == dnnl_unimplemented) return false;  // no implementation for this shape: im2col
    throw;
  }
}

void prepare(const ConvStep& s, int rows, float alpha, bool bias, ConvOnednnSlot& slot) {
  if (rows > 0) entry(s, rows, alpha, bias, slot);
}

void forward(const ConvStep& s, const float* in, int rows, const float* w, const float* b, float alpha, float* z,
             ConvOnednnSlot& slot) {
  Entry& e = entry(s, rows, alpha, b != nullptr, slot);
  ConvOnednnCache& c = *slot.cache;
  wrap(e.w, w);
  execute(e.to_fwd, c, {{DNNL_ARG_FROM, &e.w}, {DNNL_ARG_TO, &e.w_fwd}});
  wrap(e.src, in);
  wrap(e.dst, z);
  stage_in(e.fwd_src, e.src, c);
  if (b) {
    wrap(e.b, b);
    execute(e.fwd, c,
            {{DNNL_ARG_SRC, &e.fwd_src.m},
             {DNNL_ARG_WEIGHTS, &e.w_fwd},
             {DNNL_ARG_BIAS, &e.b},
             {DNNL_ARG_DST, &e.fwd_dst.m}});
  } else {
    execute(e.fwd, c, {{DNNL_ARG_SRC, &e.fwd_src.m}, {DNNL_ARG_WEIGHTS, &e.w_fwd}, {DNNL_ARG_DST, &e.fwd_dst.m}});
  }
  stage_out(e.fwd_dst, e.dst, c);
  c.stream.wait();
}

void backward_data(const ConvStep& s, const float* g, int rows, const float* w, float alpha, bool bias, float* gin,
                   ConvOnednnSlot& slot) {
  Entry& e = entry(s, rows, alpha, bias, slot);
  if (!e.data) throw std::logic_error("conv_onednn::backward_data: the layer needs no input signal");
  ConvOnednnCache& c = *slot.cache;
  wrap(e.w, w);  // the current weights, as the im2col path reads them
  execute(e.to_bwd, c, {{DNNL_ARG_FROM, &e.w}, {DNNL_ARG_TO, &e.w_bwd}});
  wrap(e.dst, g);
  wrap(e.src, gin);
  stage_in(e.data_dst, e.dst, c);
  execute(e.bwd_data, c,
          {{DNNL_ARG_DIFF_DST, &e.data_dst.m}, {DNNL_ARG_WEIGHTS, &e.w_bwd}, {DNNL_ARG_DIFF_SRC, &e.data_src.m}});
  stage_out(e.data_src, e.src, c);
  c.stream.wait();
  if (alpha == 1.f) return;
  const std::size_t n = std::size_t(rows) * s.in.size();
  for (std::size_t i = 0; i < n; ++i) gin[i] *= alpha;
}

void backward_weights(const ConvStep& s, const float* in, const float* g, int rows, float alpha, float scale, bool sgd,
                      float* dw, float* db, ConvOnednnSlot& slot) {
  Entry& e = entry(s, rows, alpha, db != nullptr, slot);
  ConvOnednnCache& c = *slot.cache;
  wrap(e.src, in);
  wrap(e.dst, g);
  if (db)
    execute(e.bwd_weights, c,
            {{DNNL_ARG_SRC, &e.src},
             {DNNL_ARG_DIFF_DST, &e.dst},
             {DNNL_ARG_DIFF_WEIGHTS, &e.dw},
             {DNNL_ARG_DIFF_BIAS, &e.db}});
  else
    execute(e.bwd_weights, c, {{DNNL_ARG_SRC, &e.src}, {DNNL_ARG_DIFF_DST, &e.dst}, {DNNL_ARG_DIFF_WEIGHTS, &e.dw}});
  execute(e.from_dw, c, {{DNNL_ARG_FROM, &e.dw}, {DNNL_ARG_TO, &e.dw_plain}});
  c.stream.wait();
  // dw = scale·G or dw += scale·G (the SGD step's θ −= lr·α·G), as outer_accumulate does with β = 0 or 1.
  auto update = [&](float* out, const memory& m, std::size_t n) {
    const float* G = static_cast<const float*>(m.get_data_handle());
    if (sgd)
      for (std::size_t i = 0; i < n; ++i) out[i] += scale * G[i];
    else
      for (std::size_t i = 0; i < n; ++i) out[i] = scale * G[i];
  };
  update(dw, e.dw_plain, std::size_t(s.fan_out) * s.fan_in);
  if (db) update(db, e.db, std::size_t(s.fan_out));
}

}  // namespace conv_onednn

#endif

}  // namespace widthlab
