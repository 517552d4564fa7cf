// Run metrics of a layered net (train_metrics.h; theory.md §6.0, §10.4), for train_run.cpp's ConvNet runs.
#include <cmath>

#include "nets/train_metrics.h"
#include "widthlab/conv_gradients.h"

namespace widthlab {

template <class T>
void for_each_output_gradient(const ConvNet<T>& net, const Matrix<T>& X, ConvWorkspace<T>& ws,
                              const std::function<void(int i, int o, const MlpGradients<T>& g)>& fn) {
  const int k = net.config().outputs();
  MlpGradients<T> g = net.make_gradients();
  std::vector<T> seed(static_cast<std::size_t>(k), T(0));
  for (int i = 0; i < int(X.rows()); ++i) {
    const T* xi = X.data() + std::size_t(i) * std::size_t(X.cols());
    for (int o = 0; o < k; ++o) {
      net.forward(xi, 1, ws);
      std::fill(seed.begin(), seed.end(), T(0));
      seed[std::size_t(o)] = T(1);
      net.backward(xi, seed.data(), ws, g);
      fn(i, o, g);
    }
  }
}
template void for_each_output_gradient(const ConvNet<float>&, const Matrix<float>&, ConvWorkspace<float>&,
                                       const std::function<void(int, int, const MlpGradients<float>&)>&);
template void for_each_output_gradient(const ConvNet<double>&, const Matrix<double>&, ConvWorkspace<double>&,
                                       const std::function<void(int, int, const MlpGradients<double>&)>&);

}  // namespace widthlab

namespace widthlab::metrics {

template <class T>
std::vector<double> kernel_diagonal(const ConvNet<T>& net, const Matrix<T>& x, std::span<const double> lrs,
                                    ConvWorkspace<T>& ws) {
  const int k = net.config().outputs();
  std::vector<double> diag(static_cast<std::size_t>(x.rows()), 0.0);
  for_each_output_gradient<T>(net, x, ws, [&](int i, int, const MlpGradients<T>& g) {
    for (int l = 0; l < net.num_layers(); ++l)
      diag[std::size_t(i)] += lrs[std::size_t(l)] * (g.w[std::size_t(l)].template cast<double>().squaredNorm() +
                                                     g.b[std::size_t(l)].template cast<double>().squaredNorm());
  });
  for (auto& v : diag) v /= k;
  return diag;
}

template <class T>
std::vector<Matrix<T>> layer_outputs(const ConvNet<T>& net, const Matrix<T>& x, ConvWorkspace<T>& ws) {
  const int rows = int(x.rows());
  const T* logits = net.forward(x, ws);
  std::vector<Matrix<T>> out;
  bool past_first_affine = false;
  for (const ConvStep& s : net.steps()) {
    if (s.affine < 0) continue;
    if (past_first_affine) {  // the input of this affine layer is h^{l−1}
      const Matrix<T>& v = ws.value[std::size_t(s.in_slot)];
      out.emplace_back(v.topRows(rows));
    }
    past_first_affine = true;
  }
  out.emplace_back(Eigen::Map<const Matrix<T>>(logits, rows, net.config().outputs()));
  return out;
}

template <class T>
std::vector<double> weight_increments(const ConvNet<T>& net, const std::vector<Matrix<T>>& w0) {
  std::vector<double> inc;
  for (int l = 0; l < net.num_layers(); ++l) {
    const MatrixD d = double(net.multiplier(l)) *
                      (net.weight(l).template cast<double>() - w0[std::size_t(l)].template cast<double>());
    if (l == 0)
      inc.push_back(d.rows() ? d.rowwise().norm().mean() : 0.0);
    else
      inc.push_back(d.size() ? d.cwiseAbs().mean() : 0.0);
  }
  return inc;
}

#define WIDTHLAB_INSTANTIATE(T)                                                                                 \
  template std::vector<double> kernel_diagonal<T>(const ConvNet<T>&, const Matrix<T>&, std::span<const double>, \
                                                  ConvWorkspace<T>&);                                           \
  template std::vector<Matrix<T>> layer_outputs<T>(const ConvNet<T>&, const Matrix<T>&, ConvWorkspace<T>&);     \
  template std::vector<double> weight_increments<T>(const ConvNet<T>&, const std::vector<Matrix<T>>&);
WIDTHLAB_INSTANTIATE(float)
WIDTHLAB_INSTANTIATE(double)
#undef WIDTHLAB_INSTANTIATE

}  // namespace widthlab::metrics
