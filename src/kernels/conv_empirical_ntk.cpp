// Empirical NTK of a layered net (empirical_ntk.h, ConvNet overloads; theory.md §3.8–§3.9): the Jacobian route.
// Per input and output one single-row backward pass gives ∂f_o(x)/∂θ_l (weights and bias) of every affine layer;
// the rows of each layer's Jacobian J_l (N × parameters of l) then give Θ = Σ_l λ_l J_l J'_lᵀ in one GEMM per layer.
// Unlike the dense net's Hadamard form (empirical_ntk.cpp) this needs N·P memory (P = the parameters of the widest
// layer), which is what weight sharing costs: a conv's gradient sums over output pixels, so it does not factor into
// two Grams. Meant for tens to hundreds of inputs (the kernel tests, R22-style checks), not for 10⁴.
#include <fmt/format.h>

#include <cmath>

#include "widthlab/conv_gradients.h"
#include "widthlab/empirical_ntk.h"
#include "widthlab/error.h"

namespace widthlab {
namespace {

template <class T>
void check_conv_inputs(const ConvNet<T>& net, const Matrix<T>& X, const char* what) {
  const int n0 = net.input_size();
  if (X.rows() < 1) throw InputError(fmt::format("empirical_ntk: {} has no rows: expected an (N, {}) array", what, n0));
  if (X.cols() != n0)
    throw InputError(
        fmt::format("empirical_ntk: {} has {} columns: expected {} (H·W·C of the net's input)", what, X.cols(), n0));
  if (!X.allFinite()) throw InputError(fmt::format("empirical_ntk: {} holds a non-finite value (NaN or inf)", what));
}

// J[o][l]: N × (parameters of layer l) Jacobian rows of output o (weights then bias, row-major).
template <class T>
std::vector<std::vector<Matrix<T>>> jacobians(const ConvNet<T>& net, const Matrix<T>& X) {
  const int k = net.config().outputs(), L = net.num_layers(), N = int(X.rows());
  std::vector<std::vector<Matrix<T>>> J(static_cast<std::size_t>(k));
  const MlpGradients<T> shapes = net.make_gradients();
  for (auto& per_layer : J)
    for (int l = 0; l < L; ++l)
      per_layer.emplace_back(N, shapes.w[std::size_t(l)].size() + shapes.b[std::size_t(l)].size());
  auto ws = net.make_workspace(1);
  for_each_output_gradient<T>(net, X, ws, [&](int i, int o, const MlpGradients<T>& g) {
    for (int l = 0; l < L; ++l) {
      const auto& w = g.w[std::size_t(l)];
      const auto& b = g.b[std::size_t(l)];
      T* row = J[std::size_t(o)][std::size_t(l)].row(i).data();
      std::copy(w.data(), w.data() + w.size(), row);
      std::copy(b.data(), b.data() + b.size(), row + w.size());
    }
  });
  return J;
}

}  // namespace

template <class T>
std::vector<double> empirical_ntk_layer_weights(const ConvNet<T>& net, const EmpiricalNtkOptions& opts) {
  const int k = net.config().outputs(), L = net.num_layers();
  if (opts.output < -1 || opts.output >= k)
    throw InputError(
        fmt::format("empirical_ntk: output = {}: expected −1 (mean over outputs) or 0..{}", opts.output, k - 1));
  if (opts.nt_parameterization && net.config().bias)
    throw InputError(
        "empirical_ntk: the nt normalization needs a net without biases (model.bias = false): a bias init has no "
        "width-independent b_std");
  if (opts.lr_weighted && !opts.nt_parameterization && !(std::isfinite(opts.lr) && opts.lr > 0))
    throw InputError(fmt::format("empirical_ntk: lr = {}: expected a finite number > 0", opts.lr));
  // λ_l multiplies the raw-parameter gradient, which already carries α_l; the Mlp version returns λ_l α_l² because its
  // Grams leave α_l out. nt: λ_l α_l² = σ_l²/fan_in_l with σ_l = α_l · init_l · unit (empirical_ntk.h).
  std::vector<double> w(static_cast<std::size_t>(L), 1.0);
  const double unit = net.config().init == InitKind::uniform ? 1.0 / std::sqrt(3.0) : 1.0;
  const std::vector<double> lrs = net.layer_lrs(opts.lr);
  for (int l = 0; l < L; ++l) {
    const double init = net.factors()[std::size_t(l)].init;
    if (opts.nt_parameterization)
      w[std::size_t(l)] = init * init * unit * unit / double(net.weight(l).cols());
    else if (opts.lr_weighted)
      w[std::size_t(l)] = lrs[std::size_t(l)];
  }
  return w;
}

template <class T>
Matrix<T> empirical_ntk(const ConvNet<T>& net, const Matrix<T>& X1, const std::type_identity_t<Matrix<T>>* X2,
                        const EmpiricalNtkOptions& opts) {
  check_conv_inputs(net, X1, "X1");
  if (X2) check_conv_inputs(net, *X2, "X2");
  const std::vector<double> lw = empirical_ntk_layer_weights(net, opts);
  const auto J1 = jacobians(net, X1);
  const auto J2 = X2 ? jacobians(net, *X2) : decltype(J1){};
  const auto& B = X2 ? J2 : J1;
  const int k = net.config().outputs();
  Matrix<T> theta = Matrix<T>::Zero(X1.rows(), X2 ? X2->rows() : X1.rows());
  for (int o = 0; o < k; ++o) {
    if (opts.output >= 0 && o != opts.output) continue;
    const double share = opts.output >= 0 ? 1.0 : 1.0 / k;
    for (std::size_t l = 0; l < lw.size(); ++l)
      theta.noalias() += T(lw[l] * share) * (J1[std::size_t(o)][l] * B[std::size_t(o)][l].transpose());
  }
  if (!X2) theta = (theta + theta.transpose()).eval() * T(0.5);  // exactly symmetric
  return theta;
}

template <class T>
Vector<T> empirical_ntk_diagonal(const ConvNet<T>& net, const Matrix<T>& X, const EmpiricalNtkOptions& opts) {
  check_conv_inputs(net, X, "X");
  const std::vector<double> lw = empirical_ntk_layer_weights(net, opts);
  const auto J = jacobians(net, X);
  const int k = net.config().outputs();
  Vector<T> d = Vector<T>::Zero(X.rows());
  for (int o = 0; o < k; ++o) {
    if (opts.output >= 0 && o != opts.output) continue;
    const double share = opts.output >= 0 ? 1.0 : 1.0 / k;
    for (std::size_t l = 0; l < lw.size(); ++l) d += T(lw[l] * share) * J[std::size_t(o)][l].rowwise().squaredNorm();
  }
  return d;
}

#define WIDTHLAB_INSTANTIATE(T)                                                                                        \
  template std::vector<double> empirical_ntk_layer_weights(const ConvNet<T>&, const EmpiricalNtkOptions&);             \
  template Matrix<T> empirical_ntk(const ConvNet<T>&, const Matrix<T>&, const Matrix<T>*, const EmpiricalNtkOptions&); \
  template Vector<T> empirical_ntk_diagonal(const ConvNet<T>&, const Matrix<T>&, const EmpiricalNtkOptions&);
WIDTHLAB_INSTANTIATE(float)
WIDTHLAB_INSTANTIATE(double)
#undef WIDTHLAB_INSTANTIATE

}  // namespace widthlab
