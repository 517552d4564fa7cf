// Discrete-time mean-field particle system (theory.md §3.3 "Particle form", §3.6, §3.7; architecture.md §7 "a width-N
// net in disguise"). N particles (â_r, ŵ_r) evolved by the push-forward T_k of the empirical measure ARE the MF-scaled
// net of width N with reference width d* (theory.md §1.5 code-unit closed form):
//
//   m(x) = d*·mean_r[ã_r φ(w_r·x)],   ã ← ã − η⟨L φ(w·x)⟩,   w ← w − η⟨L ã φ'(w·x) x⟩,
//
// with ã_r, w_r drawn from the reference net's init law (PyTorch-uniform: ã ~ U(±1/√d*), w ~ U(±1/√n0)) and L the
// loss-derivative rule of the limit model (limit_models.h). So this class holds an Mlp<T> of width N with the "mf"
// preset's factors (scaling.h) and drives it with the nets module's forward / backward / optimizer kernels — there is
// no second forward/backward implementation. Depth H ≥ 2 gives the multilayer MF particle system of [N] (theory.md
// §3.6) as the deep MF-scaled net, i.i.d. zero-mean init; the RMSProp / Adam family uses the MF preset's adaptive lrs
// (theory.md §1.5 RMSProp column, §3.7).
//
// ± pairing (theory.md §3.3 tip): neurons r and r + N/2 of the last hidden layer get the same incoming weights and
// opposite output weights, so m⁽⁰⁾ = 0 exactly; the particles are otherwise the net's own paired init for a seed.
// Cost per step: one forward + backward of the width-N net on the batch (2·B·N·(n0 + k)·3 flops at depth 1).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "widthlab/activation.h"
#include "widthlab/mlp.h"
#include "widthlab/mlp_cuda.h"
#include "widthlab/optimizer.h"
#include "widthlab/scaling.h"
#include "widthlab/tensor.h"

namespace widthlab {

struct ParticleOptions {
  int input_dim = 0;             // n0
  int outputs = 1;               // k logits
  int depth = 1;                 // H hidden layers (≥ 1); H ≥ 2 is multilayer MF (theory.md §3.6)
  long long particles = 65536;   // N (the width of the MF-scaled net)
  double reference_width = 128;  // d*
  Activation activation = activation_from_name("leaky_relu:0.1");
  InitKind init = InitKind::uniform;
  std::string optimizer = "gd";  // gd | sgd (MF SGD lrs) | rmsprop | adam (MF adaptive lrs)
  bool paired = true;            // ± pairing (needs N even)
  int eval_chunk = 256;          // rows per evaluation forward (memory: 3·chunk·N·sizeof(T) per layer)
  // The particles on a CUDA GPU (mlp_cuda.h): float32 and gd/sgd only (InputError otherwise); forward, update and
  // predict run there, kernel_diagonal and net() read the particles back first.
  bool cuda = false;

  // "" when valid, else one sentence "limits.<key> = <value>: expected …".
  std::string validate() const;
};

// study.device resolved for a particle system of this precision and optimizer: true for "cuda" (InputError naming
// why when it has no CUDA path — float64, an adaptive optimizer — or there is no GPU) and for "auto" when it has one
// and a GPU is present; false for "cpu".
bool particles_on_gpu(const std::string& device, Precision precision, const std::string& optimizer);

// The MF preset at this depth for the optimizer's family (scaling_from_name("mf", depth, d*, family)).
Scaling mean_field_scaling(const ParticleOptions& options);

template <class T>
class ParticleSystem {
 public:
  // lr: the base lr η (layer l steps with η·ω^{lr_l}). batch_capacity: the largest training batch.
  ParticleSystem(const ParticleOptions& options, double lr, int batch_capacity);

  // Draws the particles: the width-N MF net's init for `seed` (Mlp::init), then ± pairing when enabled. Resets the
  // optimizer state.
  void init(uint64_t seed);

  const ParticleOptions& options() const { return options_; }
  // The particles (on the GPU: read back first).
  Mlp<T>& net();
  const std::vector<double>& layer_lrs() const { return lrs_; }

  // Logits m on a training batch (rows ≤ batch_capacity, x contiguous row-major); kept for update().
  const T* forward(const T* x, int rows);
  // One optimizer step from ∂loss/∂logits (rows × k, already divided by the batch size) on the batch of the last
  // forward(). GD/SGD use the fused Mlp::backward_sgd, adaptive optimizers backward + Optimizer::step.
  void update(const T* x, const T* dlogits);

  // Logits m of every row of x (evaluated in chunks).
  Matrix<T> predict(const Matrix<T>& x);
  // Evolving tangent kernel diagonal Θ⁽ᵏ⁾(x,x) = Σ_l lr_l ‖∂m/∂θ_l‖² for each row of x (theory.md §3.3; at depth 1
  // η d*·mean_r[φ(w_r·x)² + ã_r² φ'(w_r·x)² |x|²]). Mean over outputs.
  std::vector<double> kernel_diagonal(const Matrix<T>& x);

 private:
  ParticleOptions options_;
  Mlp<T> net_;
  std::vector<double> lrs_;
  std::unique_ptr<Optimizer<T>> optimizer_;
  MlpGradients<T> grads_;
  MlpWorkspace<T> ws_, ws_eval_;
  int rows_ = 0, batch_capacity_ = 1;
  struct Gpu;                 // the particles on the GPU (options.cuda; T = float)
  std::shared_ptr<Gpu> gpu_;  // set by init()
  void sync_host();
};

extern template class ParticleSystem<float>;
extern template class ParticleSystem<double>;

}  // namespace widthlab
