#include "widthlab/optimizer.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "widthlab/error.h"

namespace widthlab {
namespace {

template <class Net>
void check_lrs(const Net& net, std::span<const double> lrs) {
  if (int(lrs.size()) != net.num_layers())
    throw std::invalid_argument(
        fmt::format("Optimizer::step: {} learning rates for {} layers", lrs.size(), net.num_layers()));
}

// Each optimizer updates any net with Mlp's parameter interface (weight(l), bias(l), num_layers()); the two virtual
// steps of Optimizer forward to its one template.
#define WIDTHLAB_OPTIMIZER_STEPS                                                                                      \
  void step(Mlp<T>& net, const MlpGradients<T>& g, std::span<const double> lrs) override { update_net(net, g, lrs); } \
  void step(ConvNet<T>& net, const MlpGradients<T>& g, std::span<const double> lrs) override {                        \
    update_net(net, g, lrs);                                                                                          \
  }

template <class T>
class Sgd final : public Optimizer<T> {
 public:
  Sgd(OptimizerSpec spec, const MlpGradients<T>&) : Optimizer<T>(std::move(spec)) {}
  WIDTHLAB_OPTIMIZER_STEPS
  bool plain() const override { return true; }

 private:
  template <class Net>
  void update_net(Net& net, const MlpGradients<T>& g, std::span<const double> lrs) {
    net.apply_gradients(g, lrs);
  }
};

// torch.optim.RMSprop (centered=False, momentum=0, weight_decay=0).
template <class T>
class RmsProp final : public Optimizer<T> {
 public:
  RmsProp(OptimizerSpec spec, const MlpGradients<T>& shapes) : Optimizer<T>(std::move(spec)), v_(shapes) {}
  WIDTHLAB_OPTIMIZER_STEPS

 private:
  template <class Net>
  void update_net(Net& net, const MlpGradients<T>& g, std::span<const double> lrs) {
    check_lrs(net, lrs);
    const T alpha = T(this->spec_.alpha), eps = T(this->spec_.eps);
    for (int l = 0; l < net.num_layers(); ++l) {
      const T lr = T(lrs[l]);
      update(net.weight(l).data(), g.w[l].data(), v_.w[l].data(), g.w[l].size(), alpha, eps, lr);
      update(net.bias(l).data(), g.b[l].data(), v_.b[l].data(), g.b[l].size(), alpha, eps, lr);
    }
  }
  static void update(T* p, const T* g, T* v, Eigen::Index n, T alpha, T eps, T lr) {
    for (Eigen::Index i = 0; i < n; ++i) {
      v[i] = alpha * v[i] + (T(1) - alpha) * g[i] * g[i];
      p[i] -= lr * g[i] / (std::sqrt(v[i]) + eps);
    }
  }
  MlpGradients<T> v_;  // zero-filled with the parameters' shapes
};

// torch.optim.Adam (amsgrad=False, weight_decay=0), the single-tensor formula of torch/optim/adam.py.
template <class T>
class Adam final : public Optimizer<T> {
 public:
  Adam(OptimizerSpec spec, const MlpGradients<T>& shapes) : Optimizer<T>(std::move(spec)), m_(shapes), v_(shapes) {}
  WIDTHLAB_OPTIMIZER_STEPS

 private:
  template <class Net>
  void update_net(Net& net, const MlpGradients<T>& g, std::span<const double> lrs) {
    check_lrs(net, lrs);
    ++t_;
    const double b1 = this->spec_.beta1, b2 = this->spec_.beta2;
    const double bc1 = 1.0 - std::pow(b1, double(t_)), bc2_sqrt = std::sqrt(1.0 - std::pow(b2, double(t_)));
    for (int l = 0; l < net.num_layers(); ++l) {
      const T step_size = T(lrs[l] / bc1);
      update(net.weight(l).data(), g.w[l].data(), m_.w[l].data(), v_.w[l].data(), g.w[l].size(), step_size, bc2_sqrt);
      update(net.bias(l).data(), g.b[l].data(), m_.b[l].data(), v_.b[l].data(), g.b[l].size(), step_size, bc2_sqrt);
    }
  }
  void update(T* p, const T* g, T* m, T* v, Eigen::Index n, T step_size, double bc2_sqrt) const {
    const T b1 = T(this->spec_.beta1), b2 = T(this->spec_.beta2), eps = T(this->spec_.eps), bc2s = T(bc2_sqrt);
    for (Eigen::Index i = 0; i < n; ++i) {
      m[i] += (g[i] - m[i]) * (T(1) - b1);  // torch: exp_avg.lerp_(grad, 1 − β₁)
      v[i] = b2 * v[i] + (T(1) - b2) * g[i] * g[i];
      p[i] -= step_size * m[i] / (std::sqrt(v[i]) / bc2s + eps);
    }
  }
  MlpGradients<T> m_, v_;
  long t_ = 0;
};
#undef WIDTHLAB_OPTIMIZER_STEPS

template <class O, class T>
std::unique_ptr<Optimizer<T>> make(const OptimizerSpec& spec, const MlpGradients<T>& shapes) {
  return std::make_unique<O>(spec, shapes);
}

struct Entry {
  const char* name;
  OptimizerKind kind;
  bool full_batch;
  OptimizerFamily family;  // which preset learning rates it takes (scaling.h; theory.md §1.5)
  const char* description;
  std::unique_ptr<Optimizer<float>> (*make_float)(const OptimizerSpec&, const MlpGradients<float>&);
  std::unique_ptr<Optimizer<double>> (*make_double)(const OptimizerSpec&, const MlpGradients<double>&);
};

// The registry: one row per optimizer.
const std::vector<Entry>& entries() {
  static const std::vector<Entry> e = {
      {"gd", OptimizerKind::sgd, true, OptimizerFamily::sgd, "full-batch gradient descent, theta -= lr*g",
       &make<Sgd<float>, float>, &make<Sgd<double>, double>},
      {"sgd", OptimizerKind::sgd, false, OptimizerFamily::sgd, "plain mini-batch SGD (no momentum, no weight decay)",
       &make<Sgd<float>, float>, &make<Sgd<double>, double>},
      {"rmsprop", OptimizerKind::rmsprop, false, OptimizerFamily::adaptive,
       "torch RMSprop: v = a*v + (1-a)*g^2, theta -= lr*g/(sqrt(v)+eps), a = 0.99, eps = 1e-8",
       &make<RmsProp<float>, float>, &make<RmsProp<double>, double>},
      {"adam", OptimizerKind::adam, false, OptimizerFamily::adaptive,
       "torch Adam, betas (0.9, 0.999), eps 1e-8, bias-corrected", &make<Adam<float>, float>,
       &make<Adam<double>, double>},
  };
  return e;
}

const Entry& find(std::string_view name) {
  for (const auto& e : entries()) {
    if (name == e.name) return e;
  }
  std::string allowed;
  for (const auto& e : entries()) allowed += (allowed.empty() ? "" : ", ") + std::string(e.name);
  throw InputError(fmt::format("train.optimizer = '{}': unknown (allowed: {})", name, allowed));
}

}  // namespace

OptimizerSpec optimizer_from_name(std::string_view name) {
  const Entry& e = find(name);
  OptimizerSpec s;
  s.kind = e.kind;
  s.name = e.name;
  s.full_batch = e.full_batch;
  s.family = e.family;
  return s;
}

OptimizerFamily optimizer_family(std::string_view optimizer) { return find(optimizer).family; }

const std::vector<OptimizerInfo>& optimizer_registry() {
  static const std::vector<OptimizerInfo> infos = [] {
    std::vector<OptimizerInfo> v;
    for (const auto& e : entries()) v.push_back({e.name, e.description});
    return v;
  }();
  return infos;
}

template <>
std::unique_ptr<Optimizer<float>> make_optimizer_for(const OptimizerSpec& spec, const MlpGradients<float>& shapes) {
  return find(spec.name).make_float(spec, shapes);
}
template <>
std::unique_ptr<Optimizer<double>> make_optimizer_for(const OptimizerSpec& spec, const MlpGradients<double>& shapes) {
  return find(spec.name).make_double(spec, shapes);
}

}  // namespace widthlab
