// Reference kernels of the SP reference net (NNGP, normalised NTK), GP sampling and the logit normaliser
// (limit_run.h "pieces").
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "widthlab/dual.h"
#include "widthlab/error.h"
#include "widthlab/limit_run.h"

namespace widthlab {

double limit_init_variance(InitKind init) { return init == InitKind::uniform ? 1.0 / 3.0 : 1.0; }

namespace {

bool same_row(const MatrixD& x1, Eigen::Index i, const MatrixD& x2, Eigen::Index j) {
  for (Eigen::Index c = 0; c < x1.cols(); ++c)
    if (x1(i, c) != x2(j, c)) return false;
  return true;
}

// The entries (i, j) that pair a point with itself: equal rows, found among the entries whose K1 and both squared
// norms agree to 1e-12 relative. Such a pair takes the dual's diagonal formula (θ = 0), as kernel.h's symmetric path
// does: the general formula's K11·K22 − K12² is not exactly 0 there (x·x from the GEMM rounds unlike |x|², and a
// contracted multiply-add keeps the rounding error of K12²), and θ ≈ √u would put Θ̄(x, x) ~1e-10 off for the ReLUs.
std::vector<std::pair<Eigen::Index, Eigen::Index>> self_pairs(const MatrixD& x1, const MatrixD& x2, const VectorD& d1,
                                                              const VectorD& d2, const MatrixD& k1) {
  std::vector<std::pair<Eigen::Index, Eigen::Index>> pairs;
  for (Eigen::Index i = 0; i < k1.rows(); ++i)
    for (Eigen::Index j = 0; j < k1.cols(); ++j)
      if (std::abs(d2[j] - d1[i]) <= 1e-12 * d1[i] && std::abs(k1(i, j) - d1[i]) <= 1e-12 * d1[i] &&
          same_row(x1, i, x2, j))
        pairs.emplace_back(i, j);
  return pairs;
}

// T(K1) and Ṫ(K1) for K1 = v_in·x1·x2ᵀ/n0, row by row through the vectorised dual.
void dual_blocks(const Activation& act, InitKind init, const MatrixD& x1, const MatrixD& x2, MatrixD& t, MatrixD& tdot,
                 MatrixD& dot) {
  if (x1.cols() != x2.cols())
    throw InputError(fmt::format("kernel inputs: {} and {} features, expected equal", x1.cols(), x2.cols()));
  const double scale = limit_init_variance(init) / double(std::max<Eigen::Index>(1, x1.cols()));
  dot.noalias() = x1 * x2.transpose();
  t = dot * scale;
  tdot.resize(t.rows(), t.cols());
  const VectorD d1 = x1.rowwise().squaredNorm() * scale;
  const VectorD d2 = x2.rowwise().squaredNorm() * scale;
  const auto same_point = self_pairs(x1, x2, d1, d2, t);
  const Dual dual(act);
  for (Eigen::Index i = 0; i < t.rows(); ++i)
    dual.apply_row<double>(d1[i], d2.data(), t.row(i).data(), tdot.row(i).data(), std::size_t(t.cols()));
  for (const auto& [i, j] : same_point) {
    const DualValue v = dual.diagonal(d1[i]);
    t(i, j) = v.T, tdot(i, j) = v.Tdot;
  }
}

}  // namespace

MatrixD limit_nngp(const Activation& act, InitKind init, const MatrixD& x1, const MatrixD& x2) {
  MatrixD t, tdot, dot;
  dual_blocks(act, init, x1, x2, t, tdot, dot);
  return t * limit_init_variance(init);
}

MatrixD limit_ntk(const Activation& act, InitKind init, double lr, double reference_width, const MatrixD& x1,
                  const MatrixD& x2, double weight_out, double weight_in) {
  MatrixD t, tdot, dot;
  dual_blocks(act, init, x1, x2, t, tdot, dot);
  const double v_out = limit_init_variance(init);
  return lr * (weight_out * reference_width * t + weight_in * v_out * tdot.cwiseProduct(dot));
}

GpSample sample_gp(const MatrixD& K, int columns, double rel_jitter, Rng& rng) {
  if (K.rows() != K.cols())
    throw InputError(fmt::format("GP kernel: shape {}x{}, expected square", K.rows(), K.cols()));
  if (!(rel_jitter >= 0) || !std::isfinite(rel_jitter))
    throw InputError(fmt::format("limits.gp_jitter = {}: expected a finite number >= 0", rel_jitter));
  const Eigen::Index n = K.rows();
  GpSample s;
  MatrixD z(n, columns);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int c = 0; c < columns; ++c)
    for (Eigen::Index i = 0; i < n; ++i) z(i, c) = normal(rng);
  if (n == 0) {
    s.values = z;
    s.method = "cholesky";
    return s;
  }
  const double mean_diag = std::max(K.diagonal().mean(), 1e-300);
  double rel = rel_jitter;
  using ColMajor = Eigen::MatrixXd;
  for (;;) {
    ColMajor A = K;
    A.diagonal().array() += rel * mean_diag;
    Eigen::LLT<ColMajor> llt(A);
    if (llt.info() == Eigen::Success) {
      s.values = llt.matrixL() * z;
      s.jitter = rel * mean_diag;
      s.method = "cholesky";
      return s;
    }
    rel = rel == 0 ? 1e-12 : rel * 10;
    if (rel > 1e-4) break;
  }
  const ColMajor Kc = K;
  Eigen::SelfAdjointEigenSolver<ColMajor> eig(Kc);
  const Eigen::VectorXd root = eig.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  s.values = eig.eigenvectors() * root.asDiagonal() * eig.eigenvectors().transpose() * z;
  s.jitter = 0;
  s.method = "eigen";
  return s;
}

double limit_logit_normaliser(double q_sigma, double q_lr_out, double q_lr_in, double width, double reference_width) {
  const double A = q_sigma + 0.5, B = 1 + 2 * q_sigma + std::max(q_lr_out, q_lr_in);
  return std::pow(width / reference_width, std::max(A, B));
}

}  // namespace widthlab
