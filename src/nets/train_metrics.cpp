#include "nets/train_metrics.h"

#include <cmath>

namespace widthlab::metrics {

template <class T>
std::vector<double> kernel_diagonal(const Mlp<T>& net, const Matrix<T>& x, std::span<const double> lrs,
                                    MlpWorkspace<T>& ws) {
  const auto& cfg = net.config();
  const int P = int(x.rows()), k = cfg.outputs;
  std::vector<double> diag(P, 0.0);
  if (P == 0) return diag;
  net.forward(x, ws);
  Matrix<T> seed(P, k);
  for (int c = 0; c < k; ++c) {
    seed.setZero();
    seed.col(c).setOnes();
    net.backward_signals(seed.data(), ws);
    for (int l = 0; l < net.num_layers(); ++l) {
      const int fi = cfg.fan_in(l), fo = cfg.fan_out(l);
      const T* in = l == 0 ? x.data() : ws.h[l - 1].data();
      const double a = double(net.multiplier(l));
      for (int i = 0; i < P; ++i) {
        double hn = cfg.bias ? 1.0 : 0.0, dn = 0.0;
        for (int j = 0; j < fi; ++j) hn += double(in[std::size_t(i) * fi + j]) * double(in[std::size_t(i) * fi + j]);
        const T* d = ws.delta[l].data() + std::size_t(i) * fo;
        for (int j = 0; j < fo; ++j) dn += double(d[j]) * double(d[j]);
        diag[i] += lrs[l] * a * a * dn * hn;
      }
    }
  }
  for (auto& v : diag) v /= k;
  return diag;
}

template <class T>
std::vector<Matrix<T>> layer_outputs(const Mlp<T>& net, const Matrix<T>& x, MlpWorkspace<T>& ws) {
  const int rows = int(x.rows());
  net.forward(x, ws);
  std::vector<Matrix<T>> out;
  for (int l = 0; l < net.num_layers(); ++l) {
    const Matrix<T>& src = l < net.config().depth ? ws.h[l] : ws.z[l];
    out.emplace_back(src.topRows(rows));
  }
  return out;
}

double rms(const MatrixD& a) { return a.size() == 0 ? 0.0 : std::sqrt(a.squaredNorm() / double(a.size())); }

template <class T>
std::vector<double> weight_increments(const Mlp<T>& net, const std::vector<Matrix<T>>& w0) {
  std::vector<double> inc;
  for (int l = 0; l < net.num_layers(); ++l) {
    const MatrixD d =
        double(net.multiplier(l)) * (net.weight(l).template cast<double>() - w0[l].template cast<double>());
    if (l == 0)
      inc.push_back(d.rows() ? d.rowwise().norm().mean() : 0.0);
    else
      inc.push_back(d.size() ? d.cwiseAbs().mean() : 0.0);
  }
  return inc;
}

namespace {
double mean_column_variance(const MatrixD& f) {
  if (f.rows() == 0) return 0.0;
  double v = 0;
  for (Eigen::Index c = 0; c < f.cols(); ++c) {
    const double mean = f.col(c).mean();
    v += (f.col(c).array() - mean).square().mean();
  }
  return v / double(f.cols());
}
}  // namespace

template <class T>
std::optional<LogitDecomposition> logit_decomposition(const Mlp<T>& net, const std::vector<Matrix<T>>& w0,
                                                      const std::vector<Vector<T>>& b0, const Matrix<T>& x_test,
                                                      int chunk) {
  const auto& cfg = net.config();
  double lo, hi;
  if (cfg.depth != 1 || !cfg.activation.abrelu(&lo, &hi)) return std::nullopt;
  const int m = int(x_test.rows()), k = cfg.outputs;
  const T a0 = net.multiplier(0), a1 = net.multiplier(1);
  const Matrix<T> dW = net.weight(0) - w0[0];
  const Matrix<T> da = net.weight(1) - w0[1];
  MatrixD F0(m, k), Fa(m, k), Fw(m, k), Faw(m, k), F(m, k);
  for (int s = 0; s < m; s += chunk) {
    const int c = std::min(chunk, m - s);
    const auto X = x_test.middleRows(s, c);
    Matrix<T> U0 = a0 * (X * w0[0].transpose());
    Matrix<T> DU = a0 * (X * dW.transpose());
    if (cfg.bias) {
      U0.rowwise() += (a0 * b0[0]).transpose();
      DU.rowwise() += (a0 * (net.bias(0) - b0[0])).transpose();
    }
    // Masks of the trained net: m = φ'(u⁰ + δu); φ(u) = m·u exactly for an ABReLU.
    Matrix<T> M = U0 + DU;
    cfg.activation.apply_derivative(M.data(), M.data(), std::size_t(M.size()));
    const Matrix<T> MU0 = M.cwiseProduct(U0), MDU = M.cwiseProduct(DU);
    Matrix<T> f0 = a1 * (MU0 * w0[1].transpose()), fa = a1 * (MU0 * da.transpose());
    Matrix<T> fw = a1 * (MDU * w0[1].transpose()), faw = a1 * (MDU * da.transpose());
    if (cfg.bias) {
      f0.rowwise() += (a1 * b0[1]).transpose();
      fa.rowwise() += (a1 * (net.bias(1) - b0[1])).transpose();
    }
    // The trained net's own output f(θ) on the chunk, for the self-check.
    Matrix<T> U = a0 * (X * net.weight(0).transpose());
    if (cfg.bias) U.rowwise() += (a0 * net.bias(0)).transpose();
    cfg.activation.apply(U.data(), U.data(), std::size_t(U.size()));
    Matrix<T> f = a1 * (U * net.weight(1).transpose());
    if (cfg.bias) f.rowwise() += (a1 * net.bias(1)).transpose();
    F0.middleRows(s, c) = f0.template cast<double>();
    Fa.middleRows(s, c) = fa.template cast<double>();
    Fw.middleRows(s, c) = fw.template cast<double>();
    Faw.middleRows(s, c) = faw.template cast<double>();
    F.middleRows(s, c) = f.template cast<double>();
  }
  LogitDecomposition d;
  d.var_f0 = mean_column_variance(F0);
  d.var_fa = mean_column_variance(Fa);
  d.var_fw = mean_column_variance(Fw);
  d.var_faw = mean_column_variance(Faw);
  d.max_abs_residual = m ? (F - (F0 + Fa + Fw + Faw)).cwiseAbs().maxCoeff() : 0.0;
  return d;
}

#define WIDTHLAB_INSTANTIATE(T)                                                                             \
  template std::vector<double> kernel_diagonal<T>(const Mlp<T>&, const Matrix<T>&, std::span<const double>, \
                                                  MlpWorkspace<T>&);                                        \
  template std::vector<Matrix<T>> layer_outputs<T>(const Mlp<T>&, const Matrix<T>&, MlpWorkspace<T>&);      \
  template std::vector<double> weight_increments<T>(const Mlp<T>&, const std::vector<Matrix<T>>&);          \
  template std::optional<LogitDecomposition> logit_decomposition<T>(                                        \
      const Mlp<T>&, const std::vector<Matrix<T>>&, const std::vector<Vector<T>>&, const Matrix<T>&, int);
WIDTHLAB_INSTANTIATE(float)
WIDTHLAB_INSTANTIATE(double)
#undef WIDTHLAB_INSTANTIATE

}  // namespace widthlab::metrics
