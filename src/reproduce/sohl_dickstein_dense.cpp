// The per-layer-width dense net of the [SP] properties case (sohl_dickstein_dense.h; theory.md §3.8, §6.3).
#include "reproduce/sohl_dickstein_dense.h"

#include <cmath>
#include <random>

#include "widthlab/rng.h"

namespace widthlab::repro::sd {

const char* param_name(Param p) { return p == Param::improved_sp ? "improved-sp" : "ntk-param"; }

DenseNet dense_net(Param p, int input_dim, const std::vector<int>& base, int s, const Activation& act, double W_std,
                   double b_std, std::uint64_t seed) {
  DenseNet net;
  net.act = act;
  net.n.push_back(input_dim);
  for (int N : base) net.n.push_back(s * N);
  net.n.push_back(1);
  Rng rng = make_rng(seed, rng_stream::init);
  std::normal_distribution<double> g(0.0, 1.0);
  const int L1 = int(net.n.size()) - 1;  // Dense layers 0..L
  for (int l = 0; l < L1; ++l) {
    const double fan_in = net.n[l], s_l = l == 0 ? 1.0 : double(s), N_l = fan_in / s_l;
    const bool sp = p == Param::improved_sp;
    const double w_sd = sp ? W_std / std::sqrt(N_l) : 1.0;
    net.alpha.push_back(sp ? 1.0 / std::sqrt(s_l) : W_std / std::sqrt(fan_in));
    net.beta.push_back(sp ? 1.0 : b_std);
    MatrixD W(net.n[l + 1], net.n[l]);
    for (Eigen::Index i = 0; i < W.size(); ++i) W.data()[i] = w_sd * g(rng);
    net.W.push_back(std::move(W));
  }
  if (b_std > 0)
    for (int l = 0; l < L1; ++l) {
      VectorD b(net.n[l + 1]);
      for (Eigen::Index i = 0; i < b.size(); ++i) b[i] = (p == Param::improved_sp ? b_std : 1.0) * g(rng);
      net.b.push_back(std::move(b));
    }
  return net;
}

namespace {

// Forward over the rows of X: H[l] = inputs of Dense layer l (H[0] = X), Z[l] = its pre-activation output; the
// last Z is f (m × 1).
struct Pass {
  std::vector<MatrixD> H, Z;
};

Pass forward(const DenseNet& net, const MatrixD& X) {
  Pass p;
  p.H.push_back(X);
  for (int l = 0; l < net.layers(); ++l) {
    MatrixD z = net.alpha[l] * (p.H[l] * net.W[l].transpose());
    if (net.bias()) z.rowwise() += net.beta[l] * net.b[l].transpose();
    if (l + 1 < net.layers()) {
      MatrixD h(z.rows(), z.cols());
      net.act.apply(z.data(), h.data(), std::size_t(z.size()));
      p.H.push_back(std::move(h));
    }
    p.Z.push_back(std::move(z));
  }
  return p;
}

// D[l] = ∂(Σ_i out_i·f(x_i))/∂z^{l+1} per input row, from the output signal `out` (m × 1).
std::vector<MatrixD> backward(const DenseNet& net, const Pass& p, const MatrixD& out) {
  std::vector<MatrixD> D(std::size_t(net.layers()));
  D.back() = out;
  for (int l = net.layers() - 1; l > 0; --l) {
    MatrixD d = net.alpha[l] * (D[l] * net.W[l]);
    MatrixD dphi(d.rows(), d.cols());
    net.act.apply_derivative(p.Z[l - 1].data(), dphi.data(), std::size_t(d.size()));
    D[l - 1] = d.cwiseProduct(dphi);
  }
  return D;
}

}  // namespace

MatrixD NtkParts::total() const {
  MatrixD t = MatrixD::Zero(weight[0].rows(), weight[0].cols());
  for (std::size_t l = 0; l < weight.size(); ++l) {
    t += weight[l];
    if (bias[l].size()) t += bias[l];
  }
  return t;
}

NtkParts dense_ntk_parts(const DenseNet& net, const MatrixD& X) {
  const Pass p = forward(net, X);
  const std::vector<MatrixD> D = backward(net, p, MatrixD::Ones(X.rows(), 1));
  NtkParts parts;
  for (int l = 0; l < net.layers(); ++l) {
    const MatrixD DD = D[l] * D[l].transpose();
    parts.weight.push_back(net.alpha[l] * net.alpha[l] * DD.cwiseProduct(p.H[l] * p.H[l].transpose()));
    parts.bias.push_back(net.bias() ? MatrixD(net.beta[l] * net.beta[l] * DD) : MatrixD());
  }
  return parts;
}

VectorD train_centred(DenseNet net, const MatrixD& X, const VectorD& y, const MatrixD& X_test, double lr, int steps) {
  const MatrixD f0 = forward(net, X).Z.back(), f0_test = forward(net, X_test).Z.back();
  const double m = double(X.rows());
  for (int t = 0; t < steps; ++t) {
    const Pass p = forward(net, X);
    const MatrixD r = (p.Z.back() - f0 - MatrixD(y)) / m;  // ∂loss/∂f per input
    if (!r.allFinite()) return VectorD::Constant(X_test.rows(), NAN);
    const std::vector<MatrixD> D = backward(net, p, r);
    for (int l = 0; l < net.layers(); ++l) {
      net.W[l] -= lr * net.alpha[l] * (D[l].transpose() * p.H[l]);
      if (net.bias()) net.b[l] -= lr * net.beta[l] * D[l].colwise().sum().transpose();
    }
  }
  const MatrixD g = forward(net, X_test).Z.back() - f0_test;
  return g.col(0);
}

VectorD linearised_centred(const MatrixD& theta, int m, const VectorD& y, double lr, int steps) {
  const Eigen::Index k = theta.rows() - m;
  const MatrixD Ktt = theta.topLeftCorner(m, m), Kst = theta.bottomLeftCorner(k, m);
  // g_{t+1} = g_t − (lr/m) Θ_{·X} (g_t(X) − y) on train and test points alike, from g_0 = 0.
  VectorD g_train = VectorD::Zero(m), g_test = VectorD::Zero(k);
  for (int t = 0; t < steps; ++t) {
    const VectorD r = (g_train - y) * (lr / double(m));
    g_train -= Ktt * r;
    g_test -= Kst * r;
  }
  return g_test;
}

}  // namespace widthlab::repro::sd
