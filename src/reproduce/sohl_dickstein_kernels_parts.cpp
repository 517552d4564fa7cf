// Pieces of the sohl-dickstein2020-kernels case (sohl_dickstein_kernels.h): pooling, the validation split, kernel
// blocks, improved SP's NTK as an affine function of the base widths, kernel regression and the accuracy claims.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "reproduce/sohl_dickstein_kernels.h"
#include "widthlab/predict.h"

namespace widthlab::repro::sdk {

MatrixD average_pool(const MatrixD& X, int height, int width, int f) {
  if (f < 1 || height % f != 0 || width % f != 0 || X.cols() != Eigen::Index(height) * width)
    throw std::invalid_argument(
        fmt::format("average_pool: {}×{} images in {} columns, pool {}", height, width, X.cols(), f));
  const int h = height / f, w = width / f;
  MatrixD out = MatrixD::Zero(X.rows(), Eigen::Index(h) * w);
  const double scale = 1.0 / (double(f) * f);
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    for (int r = 0; r < height; ++r)
      for (int c = 0; c < width; ++c) out(i, (r / f) * w + c / f) += scale * X(i, Eigen::Index(r) * width + c);
  return out;
}

TrainValSplit validation_split(const VectorD& labels, int k) {
  if (k < 2) throw std::invalid_argument("validation_split: k must be ≥ 2");
  TrainValSplit s;
  std::map<double, int> seen;
  for (Eigen::Index i = 0; i < labels.size(); ++i) (++seen[labels[i]] % k == 0 ? s.val : s.train).push_back(i);
  return s;
}

KernelPair kernel_pair(const KernelOptions& opts, const MatrixD& X_train, const MatrixD& X_other) {
  KernelPair p;
  const Eigen::Index n = X_train.rows(), m = X_other.rows();
  p.nngp.dd.resize(n, n);
  p.ntk.dd.resize(n, n);
  p.nngp.td.resize(m, n);
  p.ntk.td.resize(m, n);
  const KernelSummary a = kernel_compute<double>(X_train, nullptr, opts, p.nngp.dd.data(), p.ntk.dd.data(), n);
  const KernelSummary b = kernel_compute<double>(X_other, &X_train, opts, p.nngp.td.data(), p.ntk.td.data(), n);
  p.seconds = a.seconds + b.seconds;
  p.pairs = std::int64_t(n) * (n + 1) / 2 + std::int64_t(m) * n;
  return p;
}

int width_count(const Architecture& arch) {
  int n = 0;
  for (const Layer& l : arch.layers) n += l.affine() ? 1 : 0;
  return std::max(0, n - 1);
}

Architecture with_widths(const Architecture& arch, const std::vector<std::int64_t>& widths) {
  if (int(widths.size()) != width_count(arch))
    throw std::invalid_argument(fmt::format("with_widths: {} widths for {} layers", widths.size(), width_count(arch)));
  Architecture a = arch;
  std::size_t j = 0;
  for (Layer& l : a.layers)
    if (l.affine() && j < widths.size()) l.width = std::max<std::int64_t>(1, widths[j++]);
  return a;
}

SpComponents sp_components(const Architecture& arch, const KernelOptions& opts, const MatrixD& X_train,
                           const MatrixD& X_other) {
  const int m = width_count(arch);
  KernelOptions ko = opts;
  ko.parameterization = Parameterization::standard;
  SpComponents c;
  std::vector<std::int64_t> w(std::size_t(m), 1);
  ko.arch = with_widths(arch, w);
  KernelPair base = kernel_pair(ko, X_train, X_other);
  c.seconds.push_back(base.seconds);
  c.pairs = base.pairs;
  c.nngp = std::move(base.nngp);
  c.c.push_back(base.ntk);  // C_0 = Θ(1) − Σ_j C_j, completed below
  for (int j = 0; j < m; ++j) {
    w.assign(std::size_t(m), 1);
    w[std::size_t(j)] = 2;
    ko.arch = with_widths(arch, w);
    KernelPair e = kernel_pair(ko, X_train, X_other);
    c.seconds.push_back(e.seconds);
    e.ntk.dd -= base.ntk.dd;
    e.ntk.td -= base.ntk.td;
    c.c[0].dd -= e.ntk.dd;
    c.c[0].td -= e.ntk.td;
    c.c.push_back(std::move(e.ntk));
  }
  return c;
}

KernelBlocks sp_ntk_at(const SpComponents& c, const std::vector<double>& widths) {
  if (widths.size() + 1 != c.c.size())
    throw std::invalid_argument(fmt::format("sp_ntk_at: {} widths for {} components", widths.size(), c.c.size()));
  KernelBlocks k = c.c[0];
  for (std::size_t j = 0; j < widths.size(); ++j) {
    k.dd += widths[j] * c.c[j + 1].dd;
    k.td += widths[j] * c.c[j + 1].td;
  }
  return k;
}

MatrixD kernel_ridge(const MatrixD& K_dd, const MatrixD& K_td, const MatrixD& Y, double diag_reg) {
  Eigen::MatrixXd A = K_dd;
  A.diagonal().array() += predict_diag_reg(K_dd, diag_reg, false);
  const Eigen::MatrixXd y = Y;
  Eigen::LLT<Eigen::MatrixXd> llt(A);
  const Eigen::MatrixXd alpha = llt.info() == Eigen::Success
                                    ? Eigen::MatrixXd(llt.solve(y))
                                    : Eigen::MatrixXd(Eigen::LDLT<Eigen::MatrixXd>(A).solve(y));
  return MatrixD(K_td * alpha);
}

MatrixD one_hot(const VectorD& y, int classes) {
  MatrixD Y = MatrixD::Zero(y.size(), classes);
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    const int c = int(std::lround(y[i]));
    if (c < 0 || c >= classes) throw std::invalid_argument(fmt::format("one_hot: label {} of {}", y[i], classes));
    Y(i, c) = 1;
  }
  return Y;
}

std::vector<double> correct(const MatrixD& f, const VectorD& y) {
  std::vector<double> c;
  for (Eigen::Index i = 0; i < f.rows(); ++i) {
    Eigen::Index arg = 0;
    f.row(i).maxCoeff(&arg);
    c.push_back(double(arg) == y[i] ? 1.0 : 0.0);
  }
  return c;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? NAN : s / double(v.size());
}

std::size_t choose_on_validation(const std::vector<double>& val_acc) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < val_acc.size(); ++i)
    if (val_acc[i] > val_acc[best]) best = i;
  return best;
}

namespace {
VerdictResult judge_accuracy(const std::vector<double>& a, const std::vector<double>& b, const ClaimRegion& region,
                             const std::string& what) {
  VerdictResult r = verdict_in_region(bootstrap_paired_difference(a, b), region, what);
  r.detail =
      fmt::format("accuracies {:.4f} vs {:.4f} on {} test examples; {}", mean_of(a), mean_of(b), a.size(), r.detail);
  return r;
}
}  // namespace

VerdictResult judge_similar_accuracy(const std::vector<double>& a, const std::vector<double>& b, double tol,
                                     const std::string& what, const std::string& source) {
  return judge_accuracy(a, b, {-tol, tol, source}, what);
}

VerdictResult judge_better_accuracy(const std::vector<double>& a, const std::vector<double>& b, double margin,
                                    const std::string& what, const std::string& source) {
  return judge_accuracy(a, b, {margin, INFINITY, source}, what);
}

double rel_max_diff(const KernelBlocks& a, const KernelBlocks& b) {
  const double scale = std::max(b.dd.cwiseAbs().maxCoeff(), b.td.size() ? b.td.cwiseAbs().maxCoeff() : 0.0);
  const double d =
      std::max((a.dd - b.dd).cwiseAbs().maxCoeff(), a.td.size() ? (a.td - b.td).cwiseAbs().maxCoeff() : 0.0);
  return scale > 0 ? d / scale : d;
}

}  // namespace widthlab::repro::sdk
