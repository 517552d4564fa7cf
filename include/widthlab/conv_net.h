// Finite-width convolutional net built from an Architecture (architecture.h), whose affine layers carry a scaling's
// factors (theory.md §1.1, §1.2, §3.9; issue 19). A drop-in for Mlp<T> (mlp.h) in a training loop: the same
// methods, gradients (MlpGradients) and conventions.
//
// Inputs are rows of H·W·C values, C fastest (the layout the CNN kernels read); every intermediate tensor is stored
// the same way per sample, (pixel, channel) with the channel fastest. Affine layer l (the l-th dense or conv layer):
//
//   z = α_l (θ_l · patch + b_l),   α_l = factors[l].multiplier,
//
// θ_l stored as C_out × (KH·KW·C_in), row-major, columns ordered (kh, kw, c_in) with c_in fastest, i.e. a patch is
// the (KH, KW, C_in) block of the input in its own layout (a cross-correlation, as lax / neural-tangents' stax.Conv).
// So a conv whose VALID filter covers its input equals a dense layer on the flattened (H, W, C) image with the same
// matrix; dense(N) on a spatial input is a 1×1 convolution (per pixel) and on a non-spatial input the ordinary
// Linear. Padding SAME / VALID / CIRCULAR and strides as architecture.h says (conv_axis_sources). flatten is free
// (the layout is already flat), gap is the mean over pixels, activation layers apply φ (activation.h) elementwise.
// The last layer must be affine (the readout); its outputs are the logits, one vector per sample
// (architecture_shapes_to_vector).
//
// Bias and factors act as in Mlp (mlp.h): a bias is drawn like its layer's weights, multiplied by the same init
// factor, enters under α_l and gets the same learning rate lr · factors[l].lr.
//
// Paired init (theory.md §6.0), exactly Mlp::init: raw PyTorch-default draws in float64 from make_rng(seed,
// rng_stream::init), all affine layers' weights first (layer order, row-major), then all biases; U(±1/√fan_in) or
// N(0, 1/fan_in) with fan_in = KH·KW·C_in (the columns of θ_l), times factors[l].init, then rounded to T. Hence
// dense(d)-φ-…-dense(k) on (1, 1, n0) inputs is Mlp (input_dim n0, width d) with the same weights and logits.
// With InitKind::gaussian and factors 1 the net is neural-tangents' NTK parameterization with σ_w = 1 (uniform:
// σ_w² = 1/3), so wide nets at init sample the NNGP of CnnKernel (cnn_kernel.h; tested).
//
// Implementation. Two backends for a conv whose input is not already its patch matrix (ConvNetConfig::backend):
//  - im2col: the patch matrix of a chunk of the batch, (samples·P_out) × (KH·KW·C_in), times θ_lᵀ in one GEMM
//    (OpenBLAS); backward uses the transposed GEMMs and col2im. The patch buffer holds at most kConvColumnBudget
//    values unless one sample needs more; the batch is processed in chunks of samples that fit.
//  - oneDNN (src/nets/conv_onednn.h; float32 nets, the default when built with libdnnl-dev): one direct convolution
//    per pass (forward with bias and α fused, backward data, backward weights + bias) on the activations in place
//    (our layout is oneDNN's nhwc; above 256 channels oneDNN's blocked layout, reordered in and out, is faster); θ is
//    reordered into oneDNN's weight format before each forward / backward-data call and the weight gradient back
//    (KH·KW·C_in·C_out values each). Primitives are created per layer, row count and thread count and kept in the
//    workspace (make_workspace creates those of a full batch). oneDNN runs on OpenBLAS's thread count (blas_threads())
//    and gives identical bits run to run at a fixed count. A training step of conv-relu-conv-relu-gap-dense on 28×28
//    inputs takes 1.24–4.2× less time than with im2col at C = 16…512 and beats PyTorch's (bench/RESULTS.md, "Finite CNN
//    training step"). float64 nets stay on im2col: oneDNN 2.6 has no float64 at all (memory::data_type in
//    Debian's 2.6.3 headers: f16, bf16, f32, s32, s8, u8). So do CIRCULAR layers (oneDNN pads with zeros only) and any
//    layer for which oneDNN offers only its reference kernels or no implementation (checked once when the net is
//    built).
// 1×1 stride-1 convs, dense layers and VALID convs covering their input read their input directly (no copy) and
// use the GEMMs in either case. Cost per sample: 2·P_out·KH·KW·C_in·C_out flops per conv in forward, twice that in
// backward (input signals and weight gradients; none for the input signal of the first affine layer). All of
// widthlab's buffers are allocated by make_workspace; a training step allocates none (oneDNN keeps a few small
// bookkeeping allocations of its own per call).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "widthlab/architecture.h"
#include "widthlab/mlp.h"

namespace widthlab {

// Values in one im2col buffer before the batch is cut into chunks (64 Mi: 256 MiB in float32).
inline constexpr std::int64_t kConvColumnBudget = std::int64_t(64) << 20;

// Who computes a conv layer that needs a patch matrix (see the header comment, "Implementation").
//   automatic  oneDNN for float32 nets when widthlab is built with it (conv_onednn_available()), else im2col
//   im2col     im2col + OpenBLAS GEMMs for every layer
//   onednn     as automatic, but an InputError when oneDNN cannot be used at all (not built in, or a float64 net)
enum class ConvBackend { automatic, im2col, onednn };

// Whether this build links oneDNN (CMake option WIDTHLAB_ONEDNN and libdnnl-dev found).
bool conv_onednn_available();

struct ConvNetConfig {
  Architecture arch;  // concrete widths; the last layer is the affine readout
  ImageShape input;   // (H, W, C) of every input row
  bool bias = false;
  InitKind init = InitKind::uniform;
  // Values one im2col buffer may hold before the batch is cut into chunks (tests lower it to exercise chunking).
  std::int64_t column_budget = kConvColumnBudget;
  ConvBackend backend = ConvBackend::automatic;

  int num_layers() const;  // affine (dense / conv) layers
  int outputs() const;     // width of the last affine layer
  // "" when valid, else one sentence (the architecture's shape error, a last layer that is not affine, a layer
  // whose GEMM dimensions exceed 2^31).
  std::string validate() const;
};

// One layer of the compiled architecture: shapes, the buffers it reads and writes, and for an affine layer how its
// GEMM sees the data. Read-only; built by ConvNet's constructor.
struct ConvStep {
  LayerKind kind = LayerKind::dense;
  ImageShape in, out;
  int in_slot = -1, out_slot = -1;  // workspace buffers; −1 = the input x (flatten writes where it reads)
  int affine = -1;                  // index of the weights (affine layers), else −1
  bool signal = false;              // ∂loss/∂input is needed (an affine layer lies below)
  // Affine layers: GEMM rows per sample (output pixels when the layer acts per pixel or is a conv, else 1), and θ's
  // shape fan_out × fan_in.
  std::int64_t rows_per_sample = 1;
  int fan_in = 0, fan_out = 0;
  bool im2col = false;  // the input needs the patch matrix
  int kh = 1, kw = 1;
  std::vector<int> src_h, src_w;  // conv_axis_sources of the two axes (im2col only)
  int chunk = 1;                  // samples per im2col chunk
  // Convs needing a patch matrix: strides and the zero padding before / after each axis (what conv_axis_sources
  // implies; CIRCULAR layers keep zeros here), and whether oneDNN computes the layer instead of im2col + GEMM.
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  bool onednn = false;
};

// oneDNN primitives and the memory objects around them of one workspace (src/nets/conv_onednn.h).
struct ConvOnednnCache;
struct ConvOnednnCacheDeleter {
  void operator()(ConvOnednnCache* c) const;
};
// Owns a workspace's ConvOnednnCache. A copy starts empty and builds its own primitives on first use, so two
// workspaces never share the memory objects that wrap their buffers.
struct ConvOnednnSlot {
  ConvOnednnSlot() = default;
  ConvOnednnSlot(const ConvOnednnSlot&) {}
  ConvOnednnSlot& operator=(const ConvOnednnSlot&) {
    cache.reset();
    return *this;
  }
  ConvOnednnSlot(ConvOnednnSlot&&) noexcept = default;
  ConvOnednnSlot& operator=(ConvOnednnSlot&&) noexcept = default;
  std::unique_ptr<ConvOnednnCache, ConvOnednnCacheDeleter> cache;
};

// Buffers of one forward/backward over up to `capacity` samples; only the first `rows` samples of the last forward
// are meaningful. value[s]: the output of the layers writing slot s (z of an affine layer, φ(z), the pooled
// features), capacity × that layer's per-sample size; grad[s] = ∂loss/∂value[s] after backward.
template <class T>
struct ConvWorkspace {
  int capacity = 0;
  int rows = 0;
  std::vector<Matrix<T>> value, grad;
  std::vector<T> col;      // one chunk's patch matrix (forward, weight gradients) or its gradient (col2im)
  std::vector<T> scratch;  // α·b of one layer
  ConvOnednnSlot onednn;   // primitives of the oneDNN layers (float32 only), per row count and thread count
};

template <class T>
class ConvNet {
 public:
  // factors: one per affine layer (InputError otherwise, or when config.validate() fails). Parameters are zero until
  // init() or set_parameters().
  ConvNet(ConvNetConfig config, std::vector<LayerFactors> factors);

  // Paired PyTorch-default init of the raw weights for `seed`, times factors[l].init (see the header comment).
  void init(uint64_t seed);

  const ConvNetConfig& config() const { return config_; }
  const std::vector<LayerFactors>& factors() const { return factors_; }
  const std::vector<ConvStep>& steps() const { return steps_; }
  int num_layers() const { return int(w_.size()); }
  int input_size() const { return int(config_.input.size()); }
  T multiplier(int l) const { return static_cast<T>(factors_[l].multiplier); }
  std::vector<double> layer_lrs(double lr) const;  // lr · factors[l].lr

  // θ_l (C_out × KH·KW·C_in) and b_l (C_out; empty without bias). Shapes must not change.
  Matrix<T>& weight(int l) { return w_[l]; }
  const Matrix<T>& weight(int l) const { return w_[l]; }
  Vector<T>& bias(int l) { return b_[l]; }
  const Vector<T>& bias(int l) const { return b_[l]; }
  // Replace all parameters; checks every shape (InputError naming the layer and expected shape).
  void set_parameters(std::vector<Matrix<T>> w, std::vector<Vector<T>> b = {});
  long long parameter_count() const;

  // Buffers for up to `capacity` samples; with_backward = false skips the gradient buffers (forward / predict only).
  ConvWorkspace<T> make_workspace(int capacity, bool with_backward = true) const;
  MlpGradients<T> make_gradients() const;  // zero-filled, parameter shapes

  // Forward over `rows` samples x (rows × input_size(), row-major), rows ≤ ws.capacity (std::invalid_argument
  // otherwise). Returns the logits (rows × outputs, row-major) inside ws; keeps what backward needs.
  const T* forward(const T* x, int rows, ConvWorkspace<T>& ws) const;
  const T* forward(const Matrix<T>& x, ConvWorkspace<T>& ws) const { return forward(x.data(), int(x.rows()), ws); }
  // Logits of x as a new matrix, in chunks of ws.capacity rows.
  Matrix<T> predict(const Matrix<T>& x, ConvWorkspace<T>& ws) const;

  // After forward on x, given ∂loss/∂logits (ws.rows × outputs): ws.grad of every layer, from the current weights.
  void backward_signals(const T* dlogits, ConvWorkspace<T>& ws) const;
  // After backward_signals: ∂loss/∂θ_l = α_l Σ δ_lᵀ·patch, ∂loss/∂b_l = α_l Σ δ_l (sums over samples and pixels).
  void weight_gradients(const T* x, ConvWorkspace<T>& ws, MlpGradients<T>& grads) const;
  void backward(const T* x, const T* dlogits, ConvWorkspace<T>& ws, MlpGradients<T>& grads) const;
  // Fused plain SGD: θ_l −= lrs[l] · ∂loss/∂θ_l without storing gradients (all signals from the old weights first).
  void backward_sgd(const T* x, const T* dlogits, ConvWorkspace<T>& ws, std::span<const double> lrs);
  // θ_l −= lrs[l] · grads.
  void apply_gradients(const MlpGradients<T>& grads, std::span<const double> lrs);

 private:
  // After backward_signals, per affine layer: lrs empty → wt[l] = α_l Σ δ_lᵀ·patch (the gradient, bt[l] likewise);
  // else wt[l] −= lrs[l] · that (an SGD step). wt / bt: grads.w / grads.b or the parameters themselves.
  void weight_pass(const T* x, ConvWorkspace<T>& ws, std::span<Matrix<T>> wt, std::span<Vector<T>> bt,
                   std::span<const double> lrs) const;
  void affine_forward(const ConvStep& s, const T* in, int rows, ConvWorkspace<T>& ws) const;
  void affine_signal(const ConvStep& s, const T* g, int rows, ConvWorkspace<T>& ws) const;
  const T* slot_value(const ConvWorkspace<T>& ws, int slot, const T* x) const;

  ConvNetConfig config_;
  std::vector<LayerFactors> factors_;
  std::vector<ConvStep> steps_;
  std::vector<std::int64_t> slot_size_;  // per-sample values of each workspace slot
  std::vector<Matrix<T>> w_;
  std::vector<Vector<T>> b_;
};

extern template class ConvNet<float>;
extern template class ConvNet<double>;

}  // namespace widthlab
