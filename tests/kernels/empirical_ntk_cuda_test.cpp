// The empirical NTK on the GPU (empirical_ntk_cuda.h) against the float64 CPU kernel (empirical_ntk.h, itself tested
// against a finite-difference Jacobian). The GPU comparisons GTEST_SKIP with cuda_status() where no GPU is usable (CI
// has none); the input checks and the refusal without a GPU run everywhere.
// Tolerance: each entry is a sum of Hadamard products of float32 Grams with inner dimension ≤ k·d = 144 here; the
// float32 rounding of such a Gram is ≤ 144·2^-24 ≈ 9e-6 of Σ|terms| at worst, so 2e-5 of the largest |Θ| holds every
// correct result and fails a missing or mis-weighted layer term (≥ 1e-2 of Θ).
#include "widthlab/empirical_ntk_cuda.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/rng.h"

namespace widthlab {
namespace {

MatrixD normal_rows(int n, int d, std::uint64_t seed) {
  Rng g = make_rng(seed, 41);
  std::normal_distribution<double> N(0, 1);
  MatrixD m(n, d);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = N(g);
  return m;
}

template <class T>
Mlp<T> small_net(bool bias, const std::string& activation) {
  MlpConfig c;
  c.input_dim = 6, c.width = 48, c.depth = 2, c.outputs = 3, c.bias = bias;
  c.activation = activation_from_name(activation);
  Mlp<T> net(c, {{0.9, 1.2, 2.0}, {1.1, 0.8, 0.5}, {0.7, 1.4, 1.5}});
  net.init(5);
  return net;
}

TEST(EmpiricalNtkCuda, ChecksInputsAndSaysWhyWithoutAGpu) {
  const Mlp<float> net = small_net<float>(false, "relu");
  const MatrixF bad = MatrixF::Zero(4, 5);
  EXPECT_THROW(empirical_ntk_cuda(net, bad), InputError);
  EmpiricalNtkOptions o;
  o.output = 3;
  EXPECT_THROW(empirical_ntk_cuda(net, MatrixF::Zero(4, 6), nullptr, o), InputError);
  if (!cuda_available()) {
    try {
      empirical_ntk_cuda(net, MatrixF::Zero(4, 6));
      FAIL() << "no GPU: must be refused";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("CUDA is not available"), std::string::npos) << e.what();
    }
  }
}

TEST(EmpiricalNtkCuda, MatchesFloat64Cpu) {
  if (!cuda_available()) GTEST_SKIP() << cuda_status();
  const MatrixD x1 = normal_rows(13, 6, 1), x2 = normal_rows(9, 6, 2);
  struct Case {
    bool bias;
    const char* act;
    int output;
    bool lr_weighted, nt;
  };
  for (const Case& c : {Case{false, "relu", -1, false, false}, Case{true, "tanh", -1, true, false},
                        Case{false, "leaky_relu:0.1", 1, false, true}, Case{true, "gelu", 2, false, false}}) {
    const std::string what = std::string(c.act) + (c.bias ? " bias" : "") + " output " + std::to_string(c.output);
    EmpiricalNtkOptions o;
    o.output = c.output;
    o.lr_weighted = c.lr_weighted;
    o.lr = 0.3;
    o.nt_parameterization = c.nt;
    const Mlp<double> ref = small_net<double>(c.bias, c.act);
    const Mlp<float> net = small_net<float>(c.bias, c.act);
    const MatrixF x1f = x1.cast<float>(), x2f = x2.cast<float>();
    const MatrixD want_sym = empirical_ntk(ref, x1, nullptr, o), want = empirical_ntk(ref, x1, &x2, o);
    const MatrixF got_sym = empirical_ntk_cuda(net, x1f, nullptr, o), got = empirical_ntk_cuda(net, x1f, &x2f, o);
    const double tol = 2e-5 * want_sym.cwiseAbs().maxCoeff();
    EXPECT_LT((got_sym.cast<double>() - want_sym).cwiseAbs().maxCoeff(), tol) << what;
    EXPECT_LT((got.cast<double>() - want).cwiseAbs().maxCoeff(), 2e-5 * want.cwiseAbs().maxCoeff()) << what;
    EXPECT_EQ(got_sym, got_sym.transpose()) << what;  // mirrored: exactly symmetric
  }
}

}  // namespace
}  // namespace widthlab
