// The per-layer-width dense net of sohl-dickstein2020-properties (src/reproduce/sohl_dickstein_dense.h): its Gram-form
// NTK parts equal J Jᵀ with J the finite-difference Jacobian of f in each parameter group, and one step of
// train_centred moves g as the NTK predicts for a small lr (theory.md §3.8, §6.3).
#include "../../src/reproduce/sohl_dickstein_dense.h"  // internal to src/reproduce

#include <gtest/gtest.h>

#include <cmath>

namespace widthlab::repro::sd {
namespace {

// f on the rows of X, written out from the definition in sohl_dickstein_dense.h (the net's own forward is internal).
VectorD f_of(const DenseNet& net, const MatrixD& X) {
  MatrixD h = X;
  for (int l = 0; l < net.layers(); ++l) {
    MatrixD z = net.alpha[l] * (h * net.W[l].transpose());
    if (net.bias()) z.rowwise() += net.beta[l] * net.b[l].transpose();
    if (l + 1 < net.layers()) z = z.unaryExpr([&](double v) { return net.act.value(v); });
    h = z;
  }
  return h.col(0);
}

// J Jᵀ over one parameter group (weights or bias of layer l) by central differences.
MatrixD fd_gram(DenseNet net, const MatrixD& X, int l, bool bias) {
  double* p = bias ? net.b[l].data() : net.W[l].data();
  const Eigen::Index n = bias ? net.b[l].size() : net.W[l].size();
  MatrixD J(X.rows(), n);
  const double h = 1e-6;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double v = p[i];
    p[i] = v + h;
    const VectorD fp = f_of(net, X);
    p[i] = v - h;
    const VectorD fm = f_of(net, X);
    p[i] = v;
    J.col(i) = (fp - fm) / (2 * h);
  }
  return J * J.transpose();
}

TEST(SohlDicksteinDense, GramPartsMatchFiniteDifferences) {
  const MatrixD X = MatrixD::Random(3, 4);
  for (Param p : {Param::improved_sp, Param::ntk}) {
    const DenseNet net = dense_net(p, 4, {3, 5}, 2, activation_from_name("tanh"), 1.3, 0.2, 7);
    const NtkParts parts = dense_ntk_parts(net, X);
    for (int l = 0; l < net.layers(); ++l) {
      EXPECT_LT((parts.weight[l] - fd_gram(net, X, l, false)).norm(), 1e-6 * (1 + parts.weight[l].norm()))
          << param_name(p) << " layer " << l;
      EXPECT_LT((parts.bias[l] - fd_gram(net, X, l, true)).norm(), 1e-6 * (1 + parts.bias[l].norm()))
          << param_name(p) << " bias " << l;
    }
  }
}

// One GD step of lr η on (1/2m)Σ(g − y)² from g = 0 moves g(x*) by (η/m) Θ(x*, X) y to first order in η.
TEST(SohlDicksteinDense, OneStepFollowsTheKernel) {
  const MatrixD X = MatrixD::Random(4, 3), Xt = MatrixD::Random(2, 3);
  const VectorD y = VectorD::Random(4);
  const DenseNet net = dense_net(Param::ntk, 3, {6, 4}, 1, activation_from_name("tanh"), 1.2, 0.3, 3);
  MatrixD all(6, 3);
  all << X, Xt;
  const MatrixD theta = dense_ntk_parts(net, all).total();
  const double lr = 1e-5;
  const VectorD g = train_centred(net, X, y, Xt, lr, 1);
  const VectorD pred = linearised_centred(theta, 4, y, lr, 1);
  EXPECT_LT((g - pred).norm(), 1e-3 * pred.norm());
}

}  // namespace
}  // namespace widthlab::repro::sd
