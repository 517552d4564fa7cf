// Analytic CNN NNGP / NTK (cnn_kernel.h, theory.md §3.9) against independent references:
//   * Monte Carlo over random wide finite CNNs (cnn_reference.h: own padding, im2col, explicit backward pass) for
//     the NNGP and the NTK, tolerance from the sample count (z-scores stated below);
//   * exact special cases: a dense architecture = the dense kernel (kernel.h); a stack of 1×1 convs + flatten = the
//     pixel average of the dense kernel of the per-pixel inputs; a conv whose VALID filter covers the image = a dense
//     layer on the flattened image; a GAP / flatten case computed by hand.
#include "widthlab/cnn_kernel.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "cnn_reference.h"
#include "cnn_test_inputs.h"
#include "monte_carlo.h"
#include "widthlab/error.h"

using namespace widthlab;
using widthlab::test::cnn_arch_options;
using widthlab::test::random_images;
using widthlab::test::RefCnn;
using widthlab::test::RefImage;
using widthlab::test::RefTape;

namespace {

bool sanitized() { return std::getenv("WIDTHLAB_SANITIZED") != nullptr; }

struct Mc {
  MatrixD nngp, nngp_se, ntk, ntk_se;
};

// Mean and standard error over `seeds` random nets of the NNGP sample (output covariance given the last layer's
// input) and of the empirical NTK (gradient inner products).
Mc monte_carlo(const MatrixD& X, const KernelOptions& o, int seeds) {
  const int n = int(X.rows());
  MatrixD s1n = MatrixD::Zero(n, n), s2n = s1n, s1t = s1n, s2t = s1n;
  for (int s = 0; s < seeds; ++s) {
    const RefCnn net(*o.arch, *o.input_shape, o, 5000 + s);
    std::vector<RefTape> tapes(n);
    std::vector<RefCnn::Grad> grads;
    for (int i = 0; i < n; ++i) {
      RefImage x{o.input_shape->height, o.input_shape->width, o.input_shape->channels,
                 Eigen::Map<const MatrixD>(X.row(i).data(), o.input_shape->pixels(), o.input_shape->channels)};
      net.forward(x, tapes[i]);
      grads.push_back(net.backward(tapes[i]));
    }
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        const double k = net.nngp_sample(tapes[i], tapes[j]), t = net.ntk(grads[i], grads[j]);
        s1n(i, j) += k;
        s2n(i, j) += k * k;
        s1t(i, j) += t;
        s2t(i, j) += t * t;
      }
  }
  Mc e;
  test::mc_mean_and_se(s1n, s2n, seeds, e.nngp, e.nngp_se);
  test::mc_mean_and_se(s1t, s2t, seeds, e.ntk, e.ntk_se);
  return e;
}

struct McCase {
  const char* arch;  // "{W}" = the width
  Parameterization p;
  double b_std;
  int nonlinear_layers;  // affine layers after the first nonlinearity (finite-width bias allowance)
};

}  // namespace

TEST(CnnKernel, BackwardPassOfTheReferenceMatchesFiniteDifferences) {
  const ImageShape shape{4, 5, 2};
  const KernelOptions o = cnn_arch_options("conv(3,same,6)-tanh-conv(2x3,valid,5,stride=2)-erf-gap-dense(1)", shape,
                                           Parameterization::ntk, 0.4);
  const MatrixD X = random_images(1, shape, 3);
  RefCnn net(*o.arch, shape, o, 11);
  const RefImage x{4, 5, 2, Eigen::Map<const MatrixD>(X.data(), 20, 2)};
  RefTape tape;
  net.forward(x, tape);
  const auto v = net.direction(5);
  const double analytic = net.directional(net.backward(tape), v), eps = 1e-5;
  net.perturb(v, eps);
  const double fp = net.forward(x, tape);
  net.perturb(v, -2 * eps);
  const double fm = net.forward(x, tape);
  EXPECT_NEAR(analytic, (fp - fm) / (2 * eps), 1e-7 * (1 + std::fabs(analytic)));
}

TEST(CnnKernel, MatchesMonteCarloOverWideFiniteCnns) {
  // ‖mean − analytic‖_F ≤ 4·‖se‖_F (a z-score of 4 on the Frobenius norm) + a finite-width bias allowance
  // nonlinear_layers·4/width·‖analytic‖_F, as the dense test (kernel_test.cpp). Observed z = ‖mean − analytic‖/‖se‖
  // is printed per case.
  const int width = sanitized() ? 96 : 256, seeds = sanitized() ? 6 : 16;
  const ImageShape shape{5, 4, 2};
  MatrixD X = random_images(4, shape, 1);
  X.row(3) = 0.5 * X.row(0);  // a parallel pair
  const McCase cases[] = {
      {"conv(3,same,{W})-relu-conv(2x3,valid,{W},stride=2)-relu-flatten-dense(1)", Parameterization::ntk, 0.3, 1},
      {"conv(3,circular,{W})-erf-gap-dense(1)", Parameterization::standard, 0.2, 0},
      {"conv(3,same,{W},stride=2)-relu-conv(3,same,{W})-relu-gap-dense({W})-relu-dense(1)", Parameterization::ntk, 0.0,
       2},
      {"conv(2,valid,{W})-tanh-conv(3,same,{W},stride=2)-relu-flatten-dense(1)", Parameterization::standard, 0.1, 1},
  };
  for (const McCase& c : cases) {
    const std::string text = fmt::format(fmt::runtime(c.arch), fmt::arg("W", width));
    const KernelOptions o = cnn_arch_options(text, shape, c.p, c.b_std);
    const MatrixD K = kernel_nngp(X, o), Th = kernel_ntk(X, o);
    const Mc mc = monte_carlo(X, o, seeds);
    const double bias = c.nonlinear_layers * 4.0 / width;
    const std::string what =
        fmt::format("{} {} b_std {}: z(nngp) = {:.2f}, z(ntk) = {:.2f}", text, parameterization_name(c.p), c.b_std,
                    (mc.nngp - K).norm() / mc.nngp_se.norm(), (mc.ntk - Th).norm() / mc.ntk_se.norm());
    std::printf("%s\n", what.c_str());
    EXPECT_LE((mc.nngp - K).norm(), 4 * mc.nngp_se.norm() + bias * K.norm()) << what << "\n" << K << "\n" << mc.nngp;
    EXPECT_LE((mc.ntk - Th).norm(), 4 * mc.ntk_se.norm() + bias * Th.norm()) << what << "\n" << Th << "\n" << mc.ntk;
    // Power: the standard error is small compared with the kernel (se ∝ 1/√(width·seeds)).
    EXPECT_LT(mc.nngp_se.norm(), 0.06 * std::sqrt(256.0 * 16 / (width * seeds)) * K.norm()) << what;
    EXPECT_LT(mc.ntk_se.norm(), 0.06 * std::sqrt(256.0 * 16 / (width * seeds)) * Th.norm()) << what;
  }
}
