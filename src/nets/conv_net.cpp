// ConvNet: configuration, the compiled layer steps, parameters and workspaces (include/widthlab/conv_net.h). The
// forward and backward passes are in conv_net_pass.cpp.
#include "widthlab/conv_net.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <random>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include "nets/conv_onednn.h"
#include "nets/layer_parameters.h"
#include "widthlab/error.h"
#include "widthlab/rng.h"

namespace widthlab {

int ConvNetConfig::num_layers() const {
  int n = 0;
  for (const Layer& l : arch.layers) n += l.affine();
  return n;
}

int ConvNetConfig::outputs() const {
  for (auto it = arch.layers.rbegin(); it != arch.layers.rend(); ++it)
    if (it->affine()) return int(it->width);
  return 0;
}

std::string ConvNetConfig::validate() const {
  if (arch.layers.empty()) return "arch: expected at least one layer";
  std::vector<ImageShape> shapes;
  try {
    shapes = architecture_shapes_to_vector(arch, input);
  } catch (const InputError& e) {
    return e.what();
  }
  if (!arch.layers.back().affine())
    return fmt::format("arch '{}': the last layer is '{}', expected a dense or conv readout (the logits)",
                       architecture_text(arch), layer_text(arch.layers.back()));
  // Every GEMM dimension is an int: per-sample tensors and patch rows must fit.
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const Layer& l = arch.layers[i];
    const std::int64_t patch = std::int64_t(l.filter_h) * l.filter_w * shapes[i].channels;
    if (shapes[i + 1].size() > INT_MAX || (l.kind == LayerKind::conv && patch * shapes[i + 1].pixels() > INT_MAX))
      return fmt::format("arch layer {} '{}': more than 2^31 values per sample", i + 1, layer_text(l));
  }
  return "";
}

namespace {

// Zero padding (before, after) of one axis as a strided convolution sees it: the index map src (conv_axis_sources)
// is src[o·k + t] = o·stride + t − before where that lies in [0, in), else −1. `after` makes
// (in + before + after − k) / stride + 1 = the output size (oneDNN's rule; clamped at 0 for VALID, where the last
// input rows may go unread). CIRCULAR maps wrap around and have no such form: (0, 0), and the layer stays on im2col.
std::pair<int, int> axis_padding(std::int64_t in, int k, int stride, Padding padding, const std::vector<int>& src) {
  if (padding == Padding::circular) return {0, 0};
  const std::int64_t n = std::int64_t(src.size()) / k;
  std::int64_t before = -1;
  for (int t = 0; t < k && before < 0; ++t)
    if (src[std::size_t(t)] >= 0) before = t - src[std::size_t(t)];
  if (before < 0) throw std::logic_error("conv net: a filter window lies entirely in the padding");
  for (std::int64_t o = 0; o < n; ++o)  // the affine form holds everywhere (an invariant of conv_axis_sources)
    for (int t = 0; t < k; ++t) {
      const std::int64_t i = o * stride + t - before;
      if (src[std::size_t(o * k + t)] != ((i >= 0 && i < in) ? i : -1))
        throw std::logic_error("conv net: index map is not a zero-padded strided convolution");
    }
  return {int(before), int(std::max<std::int64_t>((n - 1) * stride + k - in - before, 0))};
}

// The step of affine layer `layer` on input shape s.in (see ConvStep).
void compile_affine(const Layer& layer, std::int64_t budget, ConvStep& s) {
  s.fan_out = int(layer.width);
  s.rows_per_sample = s.in.pixels();  // dense: per pixel (1 on a non-spatial input)
  s.fan_in = int(s.in.channels);
  if (layer.kind != LayerKind::conv) return;
  s.kh = layer.filter_h;
  s.kw = layer.filter_w;
  s.fan_in = int(std::int64_t(s.kh) * s.kw * s.in.channels);
  const bool pointwise = s.kh == 1 && s.kw == 1 && layer.stride_h == 1 && layer.stride_w == 1;
  const bool covering = layer.padding == Padding::valid && s.kh == s.in.height && s.kw == s.in.width;
  if (pointwise) return;  // the input already is the patch matrix, one row per pixel
  if (covering) {         // one output pixel whose patch is the whole image, in its own layout
    s.rows_per_sample = 1;
    return;
  }
  std::int64_t out_h = 0, out_w = 0;
  s.im2col = true;
  s.src_h = conv_axis_sources(s.in.height, s.kh, layer.stride_h, layer.padding, &out_h);
  s.src_w = conv_axis_sources(s.in.width, s.kw, layer.stride_w, layer.padding, &out_w);
  s.rows_per_sample = out_h * out_w;
  s.stride_h = layer.stride_h;
  s.stride_w = layer.stride_w;
  std::tie(s.pad_top, s.pad_bottom) = axis_padding(s.in.height, s.kh, s.stride_h, layer.padding, s.src_h);
  std::tie(s.pad_left, s.pad_right) = axis_padding(s.in.width, s.kw, s.stride_w, layer.padding, s.src_w);
  const std::int64_t per_sample = s.rows_per_sample * s.fan_in;
  s.chunk = int(std::clamp<std::int64_t>(std::max<std::int64_t>(budget, 1) / per_sample, 1, INT_MAX));
}

// Whether oneDNN computes this step (ConvBackend; conv_net.h "Implementation").
template <class T>
bool use_onednn(ConvBackend backend, const Layer& layer, double alpha, bool bias, const ConvStep& s) {
  if (backend == ConvBackend::im2col || !std::is_same_v<T, float> || !s.im2col) return false;
  return conv_onednn::supports(s, layer.padding, float(alpha), bias);
}

}  // namespace

template <class T>
ConvNet<T>::ConvNet(ConvNetConfig config, std::vector<LayerFactors> factors)
    : config_(std::move(config)), factors_(std::move(factors)) {
  if (auto err = config_.validate(); !err.empty()) throw InputError(err);
  const int L = config_.num_layers();
  if (int(factors_.size()) != L)
    throw InputError(fmt::format("scaling factors: {} layers given, expected {} (one per dense or conv layer of '{}')",
                                 factors_.size(), L, architecture_text(config_.arch)));
  for (int l = 0; l < L; ++l) {
    const auto& f = factors_[l];
    if (!std::isfinite(f.init) || !std::isfinite(f.multiplier) || !std::isfinite(f.lr))
      throw InputError(fmt::format("scaling factors of layer {}: init {} multiplier {} lr {}: expected finite numbers",
                                   l, f.init, f.multiplier, f.lr));
  }
  if (config_.backend == ConvBackend::onednn && (!conv_onednn_available() || !std::is_same_v<T, float>))
    throw InputError(
        conv_onednn_available()
            ? "conv backend onednn: float32 nets only (oneDNN 2.6 has no float64 CPU convolutions)"
            : "conv backend onednn: this widthlab was built without oneDNN (libdnnl-dev, WIDTHLAB_ONEDNN)");
  const auto shapes = architecture_shapes_to_vector(config_.arch, config_.input);
  int slot = -1, affine = 0;
  for (std::size_t i = 0; i < config_.arch.layers.size(); ++i) {
    const Layer& layer = config_.arch.layers[i];
    ConvStep s;
    s.kind = layer.kind;
    s.in = shapes[i];
    s.out = shapes[i + 1];
    s.in_slot = slot;
    s.signal = affine > 0;
    if (layer.kind != LayerKind::flatten) {  // flatten reads and writes the same buffer
      s.out_slot = int(slot_size_.size());
      slot_size_.push_back(s.out.size());
    } else {
      s.out_slot = slot;
    }
    if (layer.affine()) {
      s.affine = affine++;
      compile_affine(layer, config_.column_budget, s);
      s.onednn = use_onednn<T>(config_.backend, layer, factors_[s.affine].multiplier, config_.bias, s);
      w_.emplace_back(Matrix<T>::Zero(s.fan_out, s.fan_in));
      b_.emplace_back(config_.bias ? Vector<T>::Zero(s.fan_out) : Vector<T>());
    }
    slot = s.out_slot;
    steps_.push_back(std::move(s));
  }
}

template <class T>
void ConvNet<T>::init(uint64_t seed) {
  layer_parameters::paired_init(seed, config_.init, factors_, w_, b_);
}

template <class T>
std::vector<double> ConvNet<T>::layer_lrs(double lr) const {
  return widthlab::layer_lrs(factors_, lr);
}

template <class T>
void ConvNet<T>::set_parameters(std::vector<Matrix<T>> w, std::vector<Vector<T>> b) {
  layer_parameters::replace("conv net", config_.bias, w_, b_, std::move(w), std::move(b));
}

template <class T>
long long ConvNet<T>::parameter_count() const {
  return layer_parameters::count(w_, b_);
}

template <class T>
ConvWorkspace<T> ConvNet<T>::make_workspace(int capacity, bool with_backward) const {
  if (capacity < 0) throw std::invalid_argument("ConvNet::make_workspace: negative capacity");
  ConvWorkspace<T> ws;
  ws.capacity = capacity;
  if (std::int64_t(capacity) * config_.input.size() > INT_MAX)
    throw InputError(
        fmt::format("conv net workspace: {} samples × {} inputs exceed 2^31", capacity, config_.input.size()));
  for (std::int64_t size : slot_size_) {
    if (std::int64_t(capacity) * size > INT_MAX)
      throw InputError(fmt::format("conv net workspace: {} samples × {} values exceed 2^31", capacity, size));
    ws.value.emplace_back(capacity, size);
    if (with_backward) ws.grad.emplace_back(capacity, size);
  }
  std::int64_t col = 0;
  int widest = 0;
  for (const ConvStep& s : steps_) {
    if (s.im2col && !s.onednn) col = std::max(col, std::min(s.chunk, capacity) * s.rows_per_sample * s.fan_in);
    widest = std::max(widest, s.fan_out);
  }
  ws.col.resize(std::size_t(col));
  ws.scratch.resize(std::size_t(widest));
  if constexpr (std::is_same_v<T, float>) {  // the primitives of a full batch: a training step creates none
    for (const ConvStep& s : steps_)
      if (s.onednn) conv_onednn::prepare(s, capacity, multiplier(s.affine), config_.bias, ws.onednn);
  }
  return ws;
}

template <class T>
MlpGradients<T> ConvNet<T>::make_gradients() const {
  return layer_parameters::zero_gradients(w_, b_);
}

template <class T>
void ConvNet<T>::apply_gradients(const MlpGradients<T>& grads, std::span<const double> lrs) {
  layer_parameters::gradient_step("ConvNet", grads, lrs, w_, b_, config_.bias);
}

template class ConvNet<float>;
template class ConvNet<double>;

}  // namespace widthlab
