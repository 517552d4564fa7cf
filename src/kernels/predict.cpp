// Infinite-width predictions (theory.md §3.2; see include/widthlab/predict.h for the formulas and conventions).
#include "widthlab/predict.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>

#include "widthlab/error.h"
#include "widthlab/interrupt.h"
#include "widthlab/memory_guard.h"
#include "widthlab/progress.h"

namespace widthlab {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Matrix function of the regularized training kernel in its eigenbasis: A ↦ V diag(f(λ)) Vᵀ A.
struct EigenOp {
  MatrixD V;
  VectorD lambda;
  EigenOp(const MatrixD& K) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es{Eigen::MatrixXd(K)};
    V = es.eigenvectors();
    lambda = es.eigenvalues();
  }
  // f(λ) = (1 − e^{−c·λ·τ}) / λ  (λ clipped at 0; the λ → 0 limit is c·τ).
  MatrixD apply(const MatrixD& A, double tau, double c) const {
    VectorD f(lambda.size());
    for (Eigen::Index i = 0; i < lambda.size(); ++i) {
      double l = std::max(lambda[i], 0.0);
      f[i] = l > 0 ? -std::expm1(-c * l * tau) / l : c * tau;
    }
    MatrixD VtA = V.transpose() * A;
    return V * (f.asDiagonal() * VtA);
  }
};

// Solve (K) X = B for PSD K (Cholesky, LDLT when Cholesky fails).
MatrixD psd_solve(const MatrixD& K, const MatrixD& B) {
  Eigen::MatrixXd Kc = K;
  Eigen::LLT<Eigen::MatrixXd> llt(Kc);
  if (llt.info() == Eigen::Success) return llt.solve(Eigen::MatrixXd(B));
  Eigen::LDLT<Eigen::MatrixXd> ldlt(Kc);
  return ldlt.solve(Eigen::MatrixXd(B));
}

void check_finite(const MatrixD& M, const char* what) {
  if (!M.allFinite()) throw InputError(fmt::format("{}: holds a non-finite value (NaN or inf)", what));
}

}  // namespace

double predict_diag_reg(const MatrixD& k, double diag_reg, bool absolute_scale) {
  if (diag_reg == 0) return 0.0;
  const double reg = absolute_scale ? diag_reg : diag_reg * k.trace() / double(k.rows());
  if (!std::isfinite(reg))  // 1e308 × a mean diagonal > 1: every prediction would be NaN
    throw InputError(
        fmt::format("diag_reg = {:g}: times the train kernel's mean diagonal {:g} it is {:g}; expected a "
                    "regulariser whose scaled value is finite",
                    diag_reg, k.trace() / double(k.rows()), reg));
  return reg;
}

PredictResult predict_mse(const MatrixD& ntk_dd, const MatrixD& ntk_td, const MatrixD& nngp_dd, const MatrixD& nngp_td,
                          const MatrixD& nngp_tt, const MatrixD& y, const PredictOptions& o) {
  const bool use_ntk = o.kernel == PredictKernel::ntk;
  const MatrixD& Kdd = use_ntk ? ntk_dd : nngp_dd;
  const MatrixD& Ktd = use_ntk ? ntk_td : nngp_td;
  PredictResult r;
  r.summary.outputs = int(y.cols());
  r.summary.reg = predict_diag_reg(Kdd, o.diag_reg, o.diag_reg_absolute_scale);
  MatrixD Kreg = Kdd;
  Kreg.diagonal().array() += r.summary.reg;
  const double N = double(y.size());  // neural-tangents' normalization y_train.size
  const double tau = o.lr * o.time;   // absolute time
  const bool inf = std::isinf(o.time);

  std::unique_ptr<EigenOp> eig;
  if (!inf) {
    eig = std::make_unique<EigenOp>(Kreg);
    r.summary.eig_min = eig->lambda.minCoeff();
    r.summary.eig_max = eig->lambda.maxCoeff();
  } else {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(Eigen::MatrixXd(Kreg), Eigen::EigenvaluesOnly);
    r.summary.eig_min = es.eigenvalues().minCoeff();
    r.summary.eig_max = es.eigenvalues().maxCoeff();
  }
  // O(A) = Kreg⁻¹(I − e^{−Kreg·τ/N}) A; `twice` doubles the exponent (NNGP covariance).
  auto op = [&](const MatrixD& A, bool twice = false) -> MatrixD {
    if (inf) return psd_solve(Kreg, A);
    return eig->apply(A, tau, (twice ? 2.0 : 1.0) / N);
  };
  r.mean = Ktd * op(y);
  if (o.cov) {
    if (use_ntk) {
      MatrixD T1 = op(ntk_td.transpose());  // n × m
      MatrixD cov = T1.transpose() * nngp_dd * T1;
      MatrixD T2 = ntk_td * op(nngp_td.transpose());  // m × m
      cov -= T2 + T2.transpose();
      cov += nngp_tt;
      r.cov = cov;
    } else {
      r.cov = nngp_tt - nngp_td * op(nngp_td.transpose(), true);
    }
    r.cov = 0.5 * (r.cov + r.cov.transpose()).eval();
  }
  return r;
}

MatrixD gp_sample(const MatrixD& K, int columns, Rng& rng, double* jitter_used) {
  const Eigen::Index N = K.rows();
  MatrixD Z(N, columns);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (Eigen::Index i = 0; i < N; ++i)
    for (int c = 0; c < columns; ++c) Z(i, c) = normal(rng);
  const double scale = N > 0 ? std::max(K.diagonal().mean(), 1e-300) : 1.0;
  double jitter = 0.0;
  Eigen::MatrixXd Kj = K;
  for (;;) {
    Eigen::LLT<Eigen::MatrixXd> llt(Kj);
    if (llt.info() == Eigen::Success) {
      if (jitter_used) *jitter_used = jitter;
      return MatrixD(llt.matrixL() * Eigen::MatrixXd(Z));
    }
    double next = jitter == 0 ? 1e-12 * scale : jitter * 10;
    if (next > 1e-2 * scale) break;
    Kj.diagonal().array() += next - jitter;
    jitter = next;
  }
  // Eigen factor with clipped negative eigenvalues: K ≈ V diag(max(λ,0)) Vᵀ = (V√Λ)(V√Λ)ᵀ.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es{Eigen::MatrixXd(K)};
  Eigen::VectorXd s = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  if (jitter_used) *jitter_used = 0.0;
  return MatrixD(es.eigenvectors() * s.asDiagonal() * Eigen::MatrixXd(Z));
}

MatrixD function_space_gd(const MatrixD& k_all_train, MatrixD u, const Loss& loss, const VectorD& y, double lr,
                          std::int64_t steps) {
  const Eigen::Index n = k_all_train.cols();
  // Up to 2^31 steps run one by one: a progress line (in about a thousand advances, so that a Python observer is not
  // called per step) says how far they are.
  const std::int64_t chunk = std::max<std::int64_t>(1, steps / 1000);
  const auto& pd = progress_defaults();
  Progress progress("predict: function-space GD steps", long(steps), pd.enabled && steps > 1000, pd.force);
  MatrixD g;
  std::int64_t reported = 0;
  for (std::int64_t k = 0; k < steps; ++k) {
    poll_interrupt();
    MatrixD u_train = u.topRows(n);
    loss.gradient(u_train, y, g);  // ℓ'/n
    u.noalias() -= lr * (k_all_train * g);
    if ((k + 1) % chunk == 0 || k + 1 == steps) {
      progress.advance(long(k + 1 - reported));
      reported = k + 1;
    }
  }
  progress.finish();
  return u;
}

namespace {

// The kernels of (A, B), sized here, from `source`, or from kernel_compute<double> when it is empty (predict.h
// KernelSource).
void kernels_of(const KernelSource& source, const MatrixD& A, const MatrixD* B, const KernelOptions& kopts,
                MatrixD* nngp, MatrixD* ntk) {
  const Eigen::Index n = B ? B->rows() : A.rows();
  if (nngp) nngp->resize(A.rows(), n);
  if (ntk) ntk->resize(A.rows(), n);
  if (source) return source(A, B, nngp, ntk);
  kernel_compute<double>(A, B, kopts, nngp ? nngp->data() : nullptr, ntk ? ntk->data() : nullptr, n);
}

// A lower bound on the bytes predict holds at once for n train and m test inputs (float64): the kernels it computes
// and the n × n factorisation's copies (a closed-form loss), or the (n + m) × n kernel and the init sample's (n + m)²
// kernel and its Cholesky copy (function-space GD).
double predict_bytes_lower_bound(double n, double m, const PredictOptions& o) {
  if (loss_from_kind(o.loss).closed_form()) {
    const double kernels = o.cov && o.kernel == PredictKernel::ntk ? 2 : 1;
    return 8 * (kernels * (n * n + m * n) + 2 * n * n + (o.cov ? m * m : 0));
  }
  return 8 * ((n + m) * n + (o.init_sample ? 2 * (n + m) * (n + m) : 0));
}

// A prediction is written only when every number of it is finite: an overflowing kernel or step (huge lr, time or
// inputs) is reported, not written as NaN.
PredictResult checked_finite(PredictResult r) {
  if (!r.mean.allFinite() || (r.cov.size() > 0 && !r.cov.allFinite()))
    throw InputError(
        fmt::format("the prediction is not finite (train kernel eigenvalues [{:g}, {:g}], regulariser "
                    "{:g}); expected inputs, lr and time at which it stays in range",
                    r.summary.eig_min, r.summary.eig_max, r.summary.reg));
  return r;
}

}  // namespace

PredictResult predict(const MatrixD& X, const MatrixD& Y, const MatrixD& T, const KernelOptions& kopts,
                      const PredictOptions& o, const KernelSource& kernels) {
  if (X.rows() < 1 || X.cols() < 1) throw InputError("train inputs: expected a non-empty (n, d) array");
  if (T.rows() < 1) throw InputError("test inputs: expected a non-empty (m, d) array");
  if (T.cols() != X.cols())
    throw InputError(fmt::format("test inputs: expected {} columns (as the train inputs), got {}", X.cols(), T.cols()));
  check_fits_in_memory(predict_bytes_lower_bound(double(X.rows()), double(T.rows()), o),
                       fmt::format("train inputs ({} rows) and test inputs ({} rows): the kernel matrices of predict",
                                   X.rows(), T.rows()));
  check_finite(X, "train inputs");
  check_finite(T, "test inputs");
  check_finite(Y, "labels");
  if (Y.rows() != X.rows())
    throw InputError(fmt::format("labels: expected {} rows (one per train input), got {}", X.rows(), Y.rows()));
  if (Y.cols() < 1) throw InputError("labels: expected at least one column");
  if (std::isnan(o.time) || o.time < 0) throw InputError(fmt::format("time = {}: expected ≥ 0 or inf", o.time));
  if (!(o.lr > 0) || !std::isfinite(o.lr)) throw InputError(fmt::format("lr = {}: expected > 0", o.lr));
  if (!(o.diag_reg >= 0) || !std::isfinite(o.diag_reg))
    throw InputError(fmt::format("diag_reg = {}: expected ≥ 0", o.diag_reg));
  if (auto err = kopts.validate(); !err.empty()) throw InputError(err);

  const Loss loss = loss_from_kind(o.loss);
  if (loss.closed_form()) {
    MatrixD nngp_dd, nngp_td, nngp_tt, ntk_dd, ntk_td;
    const bool need_nngp = o.kernel == PredictKernel::nngp || o.cov, need_ntk = o.kernel == PredictKernel::ntk;
    kernels_of(kernels, X, nullptr, kopts, need_nngp ? &nngp_dd : nullptr, need_ntk ? &ntk_dd : nullptr);
    kernels_of(kernels, T, &X, kopts, need_nngp ? &nngp_td : nullptr, need_ntk ? &ntk_td : nullptr);
    if (o.cov) kernels_of(kernels, T, nullptr, kopts, &nngp_tt, nullptr);
    return checked_finite(predict_mse(ntk_dd, ntk_td, nngp_dd, nngp_td, nngp_tt, Y, o));
  }

  // No closed form (logistic, cross-entropy): function-space GD.
  const char* lname = loss.name.c_str();
  if (std::isinf(o.time))
    throw InputError(fmt::format("time = inf: loss {} has no t = ∞ prediction; give a finite step count", lname));
  if (std::abs(o.time - std::round(o.time)) > 1e-9 * std::max(1.0, o.time))
    throw InputError(fmt::format("time = {}: loss {} needs an integer number of steps", o.time, lname));
  // Function-space GD runs the steps one by one; the cap is train.steps' (and keeps llround from overflowing: a
  // time of 1e19 came back as the t = 0 prediction).
  if (o.time > double(std::numeric_limits<int>::max()))
    throw InputError(fmt::format("time = {}: loss {} runs its steps one by one; expected at most {}", o.time, lname,
                                 std::numeric_limits<int>::max()));
  if (o.cov) throw InputError(fmt::format("cov: only available for loss mse, not {}", lname));
  if (Y.cols() != 1) throw InputError(fmt::format("labels: expected one label per row for loss {}", lname));
  VectorD y = Y.col(0);
  // The loss's label rule, with class ids up to 1e6; a multi-logit loss gets the largest id + 1 classes (≥ 2).
  int classes = 2;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (auto expected = loss.label_error(y[i], 1'000'001); !expected.empty())
      throw InputError(fmt::format("labels: row {} = {}: expected {} for loss {}", i, y[i], expected, lname));
    if (loss.multi_logit()) classes = std::max(classes, int(y[i]) + 1);
  }
  const int outputs = loss.outputs(classes);
  MatrixD XA(X.rows() + T.rows(), X.cols());
  XA << X, T;
  MatrixD k_all_train;
  const bool use_ntk = o.kernel == PredictKernel::ntk;
  kernels_of(kernels, XA, &X, kopts, use_ntk ? nullptr : &k_all_train, use_ntk ? &k_all_train : nullptr);
  PredictResult r;
  r.summary.outputs = outputs;
  r.summary.steps = std::llround(o.time);
  MatrixD u0 = MatrixD::Zero(XA.rows(), outputs);
  if (o.init_sample) {
    Rng rng = make_rng(o.seed, rng_stream::gp_sample);
    MatrixD k_all;
    kernels_of(kernels, XA, nullptr, kopts, &k_all, nullptr);
    u0 = gp_sample(k_all, outputs, rng, &r.summary.jitter);
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(Eigen::MatrixXd(k_all_train.topRows(X.rows())),
                                                    Eigen::EigenvaluesOnly);
  r.summary.eig_min = es.eigenvalues().minCoeff();
  r.summary.eig_max = es.eigenvalues().maxCoeff();
  MatrixD u = function_space_gd(k_all_train, u0, loss, y, o.lr, r.summary.steps);
  r.mean = u.bottomRows(T.rows());
  return checked_finite(std::move(r));
}

}  // namespace widthlab
