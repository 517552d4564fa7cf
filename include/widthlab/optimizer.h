// Optimizers with per-layer learning rates (theory.md §1.1, §1.5, §3.7, §6.0), from one registry (STYLE 3): a class and
// a row in src/nets/optimizer.cpp, plus the places architecture.md §9 lists. Updates match torch.optim exactly, per
// parameter:
//   gd, sgd   θ −= lr·g                                           (plain: no momentum, no weight decay)
//   rmsprop   v = αv + (1−α)g²;  θ −= lr·g/(√v + ε)                α = 0.99, ε = 1e-8 (torch defaults, centered=False)
//   adam      m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  t += 1;
//             θ −= (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + ε)                β = (0.9, 0.999), ε = 1e-8
// "gd" and "sgd" share the update; "gd" marks full-batch training (TrainOptions checks the batch).
// State is held in the net's precision T, like torch's float32 state.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "widthlab/conv_net.h"
#include "widthlab/mlp.h"

namespace widthlab {

enum class OptimizerKind { sgd, rmsprop, adam };

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::sgd;
  std::string name = "gd";                        // canonical registry name
  bool full_batch = true;                         // "gd"
  OptimizerFamily family = OptimizerFamily::sgd;  // which preset learning rates it takes (scaling.h)
  double alpha = 0.99;                            // rmsprop smoothing
  double beta1 = 0.9, beta2 = 0.999;              // adam
  double eps = 1e-8;                              // rmsprop, adam
};

struct OptimizerInfo {
  std::string name;
  std::string description;
};

// "gd" | "sgd" | "rmsprop" | "adam", the registry's names (config, CLI and classify take exactly these). InputError
// listing the allowed names.
OptimizerSpec optimizer_from_name(std::string_view name);
// The registry row's family: sgd (gd, sgd) or adaptive (rmsprop, adam). InputError as optimizer_from_name.
OptimizerFamily optimizer_family(std::string_view optimizer);
const std::vector<OptimizerInfo>& optimizer_registry();

template <class T>
class Optimizer {
 public:
  explicit Optimizer(OptimizerSpec spec) : spec_(std::move(spec)) {}
  virtual ~Optimizer() = default;
  // One update of every parameter of `net` from `grads` (its shapes); lrs: one per layer 0..H.
  virtual void step(Mlp<T>& net, const MlpGradients<T>& grads, std::span<const double> lrs) = 0;
  virtual void step(ConvNet<T>& net, const MlpGradients<T>& grads, std::span<const double> lrs) = 0;
  // Plain gradient step: callers may fuse it into the backward pass (Mlp::backward_sgd) and skip step().
  virtual bool plain() const { return false; }
  const OptimizerSpec& spec() const { return spec_; }

 protected:
  OptimizerSpec spec_;
};

// A fresh optimizer (zero state) for parameters of the shapes of `shapes` (zero-filled gradients of the net).
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer_for(const OptimizerSpec& spec, const MlpGradients<T>& shapes);
// The same for the parameters of `net` (Mlp<T> or ConvNet<T>).
template <class T, template <class> class Net>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerSpec& spec, const Net<T>& net) {
  return make_optimizer_for<T>(spec, net.make_gradients());
}

}  // namespace widthlab
