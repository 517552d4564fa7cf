// Finite-width fully connected net whose layers carry a scaling's factors (theory.md §1.1, §1.2, §1.5; architecture.md
// §3).
//
//   h^{-1} = x,   z^l = α_l (θ_l h^{l-1} + b_l),   h^l = φ(z^l) (l = 0..H−1),   f = z^H   (logits, k per sample)
//
// Layer l = 0 is the input layer (n0 → d), 1..H−1 hidden (d → d), H the output layer (d → k). θ_l is stored like
// torch's nn.Linear.weight: fan_out × fan_in, row-major, so neuron r's incoming weights (a mean-field "particle") are
// row r. Per-layer factors (scaling.h) act as: raw init × factors[l].init, forward multiplier α_l =
// factors[l].multiplier, learning rate lr · factors[l].lr.
//
// Bias treatment: a bias belongs to its layer's parameter group — it is drawn like that layer's weights (same law,
// same fan_in), multiplied by the same init factor, enters the forward pass under the same multiplier α_l (so
// α_b = α_l, i.e. [θ_l | b_l] acts on [h; 1]) and gets the same learning rate. Golikov's experiments use no bias.
//
// Paired init (theory.md §6.0): init(seed) draws the raw PyTorch-default weights from make_rng(seed, rng_stream::init),
// all layers' weights first (layer 0, 1, …, H, row-major), then all biases, in float64, and only then multiplies
// by the init factor and rounds to T. So a seed gives the same raw weights for every scaling (and with or without
// bias), and float32/float64 nets start from the same numbers up to rounding.
//
// Cost per forward over B samples: 2·B·(n0·d + (H−1)·d² + d·k) flops in H+1 GEMM calls (OpenBLAS, via cblas);
// backward the same for the input-signal GEMMs (H calls, none for layer 0) plus H+1 weight-gradient GEMMs.
// Elementwise work (bias, φ, φ') is one fused row-wise pass per layer. The workspace is sized once per batch
// capacity, so a training step allocates nothing.
// Accuracy (tests/nets): float64 matches plain-loop sums to 1e-12 relative; float32 logits and gradients stay within
// 1e-5 relative of float64 on small nets, and within 1e-4 after 10 GD/Adam steps of run_training.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "widthlab/activation.h"
#include "widthlab/scaling.h"
#include "widthlab/tensor.h"

namespace widthlab {

enum class InitKind {
  uniform,   // torch nn.Linear default: U(−1/√fan_in, +1/√fan_in) for weights and biases
  gaussian,  // N(0, 1/fan_in) for weights and biases
};
InitKind init_kind_from_name(std::string_view name);  // "uniform" | "gaussian"; InputError otherwise
std::string init_kind_name(InitKind kind);

struct MlpConfig {
  int input_dim = 0;  // n0
  int width = 0;      // d
  int depth = 1;      // H hidden layers (≥ 1)
  int outputs = 1;    // k logits
  bool bias = false;
  Activation activation = activation_from_name("relu");
  InitKind init = InitKind::uniform;

  int num_layers() const { return depth + 1; }
  int fan_in(int l) const { return l == 0 ? input_dim : width; }
  int fan_out(int l) const { return l == depth ? outputs : width; }
  // Trainable scalars of the net: Σ_l fan_in·fan_out (+ fan_out with bias), Mlp::parameter_count before it exists.
  long long parameter_count() const;
  // Refuses (InputError, memory_guard.h) a net whose weights and training workspace on a batch of `rows` samples
  // (z, h and δ of every hidden unit and sample: what a step holds at least) exceed this machine's memory: a lower
  // bound, so what it refuses cannot run. `what` names the keys that set the size and the net ("sweep.widths up to
  // 65536 at model.depth = 3: the widest net's"); the message adds the counts and the precision.
  void check_fits_in_memory(Precision precision, const std::string& what, long long rows = 0) const;
  // "" when valid, else one sentence naming the field, its value and the rule ("model.width = 0: expected ≥ 1").
  std::string validate() const;
};

// Per-layer gradients of the mean loss, same shapes as the parameters (bias vectors empty without bias).
template <class T>
struct MlpGradients {
  std::vector<Matrix<T>> w;
  std::vector<Vector<T>> b;
};

// Buffers of one forward/backward over up to `capacity` samples. Row-major, row i = sample i; only the first `rows`
// rows of the last forward are meaningful. z[l]: pre-activations of layer l (z[H] = logits); h[l] = φ(z[l]) for
// l < H; delta[l] = ∂(loss)/∂z[l] after backward_signals.
template <class T>
struct MlpWorkspace {
  int capacity = 0;
  int rows = 0;
  std::vector<Matrix<T>> z, h, delta;
  std::vector<T> scratch;  // one row of width max(d, k)
};

template <class T>
class Mlp {
 public:
  // factors: one entry per layer 0..H (InputError otherwise). Parameters are zero until init() or set_*.
  Mlp(MlpConfig config, std::vector<LayerFactors> factors);

  // Paired PyTorch-default init of the raw weights for `seed`, times factors[l].init (see the header comment).
  void init(uint64_t seed);

  const MlpConfig& config() const { return config_; }
  const std::vector<LayerFactors>& factors() const { return factors_; }
  int num_layers() const { return config_.depth + 1; }
  T multiplier(int l) const { return static_cast<T>(factors_[l].multiplier); }
  // Per-layer learning rates lr · factors[l].lr.
  std::vector<double> layer_lrs(double lr) const;

  // Raw parameters θ_l (fan_out × fan_in) and b_l (fan_out; empty without bias). Writable: the mean-field
  // simulator sets particles here. Shapes must not change.
  Matrix<T>& weight(int l) { return w_[l]; }
  const Matrix<T>& weight(int l) const { return w_[l]; }
  Vector<T>& bias(int l) { return b_[l]; }
  const Vector<T>& bias(int l) const { return b_[l]; }
  // Replace all parameters; checks every shape (InputError naming layer and expected shape). b may be empty when
  // the net has no bias.
  void set_parameters(std::vector<Matrix<T>> w, std::vector<Vector<T>> b = {});
  // Number of trainable scalars.
  long long parameter_count() const;

  // Buffers for up to `capacity` rows; with_backward = false skips the δ buffers (evaluation only: forward/predict).
  MlpWorkspace<T> make_workspace(int capacity, bool with_backward = true) const;
  MlpGradients<T> make_gradients() const;  // zero-filled, parameter shapes

  // Forward over `rows` samples x (rows × n0, contiguous row-major), rows ≤ ws.capacity (std::invalid_argument
  // otherwise: a programming error). Returns a pointer to the
  // logits (rows × k, row-major) inside ws; keeps z and h for backward.
  const T* forward(const T* x, int rows, MlpWorkspace<T>& ws) const;
  const T* forward(const Matrix<T>& x, MlpWorkspace<T>& ws) const { return forward(x.data(), int(x.rows()), ws); }
  // Logits of x (rows × k) as a new matrix, evaluated in chunks of ws.capacity rows.
  Matrix<T> predict(const Matrix<T>& x, MlpWorkspace<T>& ws) const;

  // Given ∂loss/∂logits (ws.rows × k, row-major) after forward (ws made with_backward): ws.delta[l] = ∂loss/∂z^l for
  // every layer, all from the current weights. Rows stay independent (per-sample signals).
  void backward_signals(const T* dlogits, MlpWorkspace<T>& ws) const;
  // After backward_signals: gradients ∂loss/∂θ_l = α_l δ_lᵀ h^{l−1}, ∂loss/∂b_l = α_l Σ_i δ_l[i].
  void weight_gradients(const T* x, const MlpWorkspace<T>& ws, MlpGradients<T>& grads) const;
  // forward must have run on x; backward_signals + weight_gradients.
  void backward(const T* x, const T* dlogits, MlpWorkspace<T>& ws, MlpGradients<T>& grads) const;
  // Fused plain SGD: θ_l −= lrs[l] · ∂loss/∂θ_l without storing gradients (one GEMM per layer with β = 1).
  void backward_sgd(const T* x, const T* dlogits, MlpWorkspace<T>& ws, std::span<const double> lrs);
  // θ_l −= lrs[l] · grads (plain gradient step with given per-layer lrs).
  void apply_gradients(const MlpGradients<T>& grads, std::span<const double> lrs);

 private:
  MlpConfig config_;
  std::vector<LayerFactors> factors_;
  std::vector<Matrix<T>> w_;
  std::vector<Vector<T>> b_;
};

// OpenBLAS threads used by every GEMM of the process (process-wide; set 1 when parallelising over runs).
void set_blas_threads(int n);
int blas_threads();

// Sets the OpenBLAS thread count for a scope and restores the one before on leaving it, an exception included (a
// Python call that fails or is interrupted must not leave the process at one BLAS thread).
class ScopedBlasThreads {
 public:
  explicit ScopedBlasThreads(int n) : saved_(blas_threads()) { set_blas_threads(n); }
  ~ScopedBlasThreads() { set_blas_threads(saved_); }
  ScopedBlasThreads(const ScopedBlasThreads&) = delete;
  ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

 private:
  int saved_;
};

extern template class Mlp<float>;
extern template class Mlp<double>;

}  // namespace widthlab
