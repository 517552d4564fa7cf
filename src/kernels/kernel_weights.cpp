// scaling_kernel_weights (kernel.h): Golikov's per-layer kernel weights of a widthlab Scaling (theory.md §3.2, §3.8).
#include <fmt/format.h>

#include <cmath>

#include "widthlab/error.h"
#include "widthlab/kernel.h"

namespace widthlab {

ScalingKernelWeights scaling_kernel_weights(const Scaling& scaling, double width, double lr, std::int64_t input_dim,
                                            double base_variance) {
  const int H = scaling.depth;
  if (H < 1 || scaling.layers.size() != std::size_t(H + 1))
    throw InputError(fmt::format("scaling '{}': expected depth ≥ 1 and depth + 1 = {} layers, got {}", scaling.name,
                                 H + 1, scaling.layers.size()));
  if (!(width > 0) || !(scaling.reference_width > 0) || !(lr > 0) || !(base_variance > 0) || input_dim < 1)
    throw InputError(
        fmt::format("scaling '{}': width {}, reference width {}, lr {}, base variance {}, input dim {}: "
                    "expected positive values",
                    scaling.name, width, scaling.reference_width, lr, base_variance, input_dim));
  const double omega = width / scaling.reference_width;
  ScalingKernelWeights w;
  double sigma2_0 = 0;
  for (int l = 0; l <= H; ++l) {
    const auto& e = scaling.layers[std::size_t(l)];
    const double alpha = std::pow(omega, e.multiplier), init = std::pow(omega, e.init);
    const double fan_in = l == 0 ? double(input_dim) : width;
    const double sigma2 = alpha * alpha * init * init * base_variance;  // fan_in · Var(W_ij)
    const double eta = alpha * alpha * std::pow(omega, e.lr) * lr;
    if (l == 0)
      sigma2_0 = sigma2;
    else if (std::fabs(sigma2 - sigma2_0) > 1e-12 * sigma2_0)
      throw InputError(
          fmt::format("scaling '{}' at width {}: layer {} has fan_in·Var = {} but layer 0 has {}; the "
                      "analytic kernel needs one W_std",
                      scaling.name, width, l, sigma2, sigma2_0));
    w.layer_weights.push_back(eta * fan_in / sigma2);
  }
  w.W_std = std::sqrt(sigma2_0);
  return w;
}

}  // namespace widthlab
