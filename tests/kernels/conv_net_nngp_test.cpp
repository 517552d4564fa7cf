// Wide finite ConvNets (nets/conv_net.h) at init sample the analytic NNGP of CnnKernel (cnn_kernel.h, theory.md
// §3.9): the Monte Carlo second moments of the logits of two 6×6×2 images over 200 independent inits of a
// 256-channel net, against kernel_compute with the same architecture.
//
// Parameterization: InitKind::gaussian draws θ ~ N(0, 1/fan_in) with fan_in = KH·KW·C_in and factors 1, which is
// neural-tangents' NTK parameterization with σ_w = 1, σ_b = 0 (no bias). (The PyTorch-uniform init would be
// σ_w² = 1/3.)
//
// Tolerance: each of the three moments E[f(x)f(x')] is compared through the z-score (mean − NNGP) / se, se the
// standard error of the mean from the sample variance of the 200 products; |z| < 4 (two-sided probability 6e-5 per
// entry for a Gaussian mean). The finite-width bias of the moments is O(1/C) ≈ 0.4 % relative at C = 256, well
// inside one standard error (≈ 10 % relative with 200 draws), so it does not enter the tolerance.
#include <gtest/gtest.h>

#include "monte_carlo.h"
#include "widthlab/cnn_kernel.h"
#include "widthlab/conv_net.h"
#include "widthlab/rng.h"

using namespace widthlab;

namespace {

void check_against_nngp(const std::string& arch_text) {
  const ImageShape shape{6, 6, 2};
  const int draws = 200;
  Rng g = make_rng(7, 99);
  std::normal_distribution<double> N(0, 1);
  const MatrixD X = MatrixD(2, shape.size()).unaryExpr([&](double) { return N(g); });

  KernelOptions opts;
  opts.arch = parse_architecture(arch_text);
  opts.input_shape = shape;
  opts.W_std = 1.0;
  opts.b_std = 0.0;
  opts.parameterization = Parameterization::ntk;
  MatrixD K(2, 2);
  const MatrixD* same = nullptr;  // X against itself
  kernel_compute<double>(X, same, opts, K.data(), nullptr, 2);

  ConvNetConfig cfg;
  cfg.arch = *opts.arch;
  cfg.input = shape;
  cfg.init = InitKind::gaussian;
  ConvNet<double> net(cfg, std::vector<LayerFactors>(cfg.num_layers()));
  auto ws = net.make_workspace(2, false);
  MatrixD s1 = MatrixD::Zero(2, 2), s2 = MatrixD::Zero(2, 2);
  for (int d = 0; d < draws; ++d) {
    net.init(1000 + d);
    const double* f = net.forward(X, ws);
    const MatrixD prod = (MatrixD(2, 2) << f[0] * f[0], f[0] * f[1], f[1] * f[0], f[1] * f[1]).finished();
    s1 += prod;
    s2 += prod.cwiseProduct(prod);
  }
  MatrixD mean, se;
  test::mc_mean_and_se(s1, s2, draws, mean, se);
  for (int i = 0; i < 2; ++i)
    for (int j = i; j < 2; ++j) {
      const double z = (mean(i, j) - K(i, j)) / se(i, j);
      EXPECT_LT(std::abs(z), 4.0) << arch_text << " (" << i << "," << j << "): Monte Carlo " << mean(i, j) << " ± "
                                  << se(i, j) << ", NNGP " << K(i, j);
    }
  // The kernel is not trivially small: the moments are resolved (se well below the values).
  EXPECT_LT(se(0, 0), 0.3 * K(0, 0));
}

}  // namespace

TEST(ConvNetNngp, FlattenReadoutMatchesMonteCarlo) {
  check_against_nngp("conv(3x3,same,256)-relu-conv(3x3,same,256)-relu-flatten-dense(1)");
}

TEST(ConvNetNngp, GapReadoutMatchesMonteCarlo) {
  check_against_nngp("conv(3x3,same,256)-relu-conv(3x3,valid,256,stride=2)-erf-gap-dense(1)");
}
