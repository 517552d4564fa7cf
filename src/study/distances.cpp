#include "widthlab/distances.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "widthlab/error.h"

namespace widthlab {

double logit_rms(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.empty())
    throw InputError(fmt::format("logit_rms: expected two non-empty logit vectors of the same size, got {} and {}",
                                 a.size(), b.size()));
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s / double(a.size()));
}

double gaussian_kl(double mu_p, double var_p, double mu_q, double var_q) {
  return 0.5 * std::log(var_q / var_p) + (var_p + (mu_p - mu_q) * (mu_p - mu_q)) / (2 * var_q) - 0.5;
}

namespace {
void column_moments(const MatrixD& m, Eigen::Index j, double* mean, double* var) {
  double s = 0;
  for (Eigen::Index r = 0; r < m.rows(); ++r) s += m(r, j);
  double mu = s / double(m.rows());
  double ss = 0;
  for (Eigen::Index r = 0; r < m.rows(); ++r) ss += (m(r, j) - mu) * (m(r, j) - mu);
  *mean = mu;
  *var = ss / double(m.rows() - 1);
}
}  // namespace

SeedKl seed_gaussian_kl(const MatrixD& finite, const MatrixD& limit, double sigma_floor) {
  if (finite.rows() < 2 || limit.rows() < 2 || finite.cols() != limit.cols() || finite.cols() == 0)
    throw InputError(
        fmt::format("seed KL: expected ≥ 2 seeds on each side and the same number of test points, got {}×{} and {}×{}",
                    finite.rows(), finite.cols(), limit.rows(), limit.cols()));
  if (!(sigma_floor > 0)) throw InputError(fmt::format("seed KL: sigma_floor = {}: expected > 0", sigma_floor));
  SeedKl out;
  out.sigma_floor = sigma_floor;
  out.points = std::size_t(finite.cols());
  const double var_floor = sigma_floor * sigma_floor;
  double total = 0;
  for (Eigen::Index j = 0; j < finite.cols(); ++j) {
    double mp, vp, mq, vq;
    column_moments(finite, j, &mp, &vp);
    column_moments(limit, j, &mq, &vq);
    if (vp < var_floor) vp = var_floor, ++out.floored;
    if (vq < var_floor) vq = var_floor, ++out.floored;
    total += gaussian_kl(mp, vp, mq, vq);
  }
  out.kl = total / double(finite.cols());
  return out;
}

double sign_probability_gap(const MatrixD& finite, const MatrixD& limit) {
  if (finite.rows() < 1 || limit.rows() < 1 || finite.cols() != limit.cols() || finite.cols() == 0)
    throw InputError(
        fmt::format("sign gap: expected ≥ 1 seed on each side and the same test points, got {}×{} and {}×{}",
                    finite.rows(), finite.cols(), limit.rows(), limit.cols()));
  double total = 0;
  for (Eigen::Index j = 0; j < finite.cols(); ++j) {
    double pf = (finite.col(j).array() > 0).cast<double>().mean();
    double pl = (limit.col(j).array() > 0).cast<double>().mean();
    total += std::abs(pf - pl);
  }
  return total / double(finite.cols());
}

Estimate sign_gap_log_ratio(const MatrixD& narrow, const MatrixD& wide, const MatrixD& limit) {
  if (narrow.rows() != wide.rows() || narrow.cols() != wide.cols())
    throw InputError(
        fmt::format("sign gap change: expected the same seeds and test points at both widths, got {}×{} "
                    "and {}×{}",
                    narrow.rows(), narrow.cols(), wide.rows(), wide.cols()));
  auto rows = [](const MatrixD& m, const std::vector<std::size_t>& idx) {
    MatrixD out(Eigen::Index(idx.size()), m.cols());
    for (std::size_t i = 0; i < idx.size(); ++i) out.row(Eigen::Index(i)) = m.row(Eigen::Index(idx[i]));
    return out;
  };
  return jackknife_two_samples(
      std::size_t(wide.rows()), std::size_t(limit.rows()),
      [&](const std::vector<std::size_t>& seeds, const std::vector<std::size_t>& limit_seeds) {
        const MatrixD lim = rows(limit, limit_seeds);
        return std::log(sign_probability_gap(rows(wide, seeds), lim) / sign_probability_gap(rows(narrow, seeds), lim));
      });
}

double default_sigma_floor(const MatrixD& finite, const MatrixD& limit, double rel, double abs_min) {
  double ss = finite.squaredNorm() + limit.squaredNorm();
  double n = double(finite.size() + limit.size());
  double rms = n > 0 ? std::sqrt(ss / n) : 0.0;
  return std::max(abs_min, rel * rms);
}

}  // namespace widthlab
