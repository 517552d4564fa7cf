#include "widthlab/kernel.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "widthlab/cnn_kernel.h"
#include "widthlab/dual.h"
#include "widthlab/error.h"
#include "widthlab/interrupt.h"
#include "widthlab/kernel_diagonals.h"
#include "widthlab/mlp.h"  // ScopedBlasThreads
#include "widthlab/progress.h"
#include "widthlab/transpose.h"
#include "widthlab/worker_threads.h"

namespace widthlab {

Parameterization parameterization_from_name(std::string_view name) {
  if (name == "ntk") return Parameterization::ntk;
  if (name == "standard") return Parameterization::standard;
  throw InputError(fmt::format("parameterization '{}': unknown (allowed: ntk, standard)", name));
}

const char* parameterization_name(Parameterization p) { return p == Parameterization::ntk ? "ntk" : "standard"; }

std::string KernelOptions::validate() const {
  auto finite_ge = [](double v, double lo) { return std::isfinite(v) && v >= lo; };
  if (depth < 1 || depth > 10000) return fmt::format("depth = {}: expected an integer in [1, 10000]", depth);
  if (!finite_ge(W_std, 0.0)) return fmt::format("W_std = {}: expected a finite number ≥ 0", W_std);
  if (!finite_ge(b_std, 0.0)) return fmt::format("b_std = {}: expected a finite number ≥ 0", b_std);
  if (!std::isfinite(width) || width <= 0) return fmt::format("width = {}: expected a finite number > 0", width);
  if (block < 1) return fmt::format("block = {}: expected ≥ 1", block);
  if (threads < 0 || threads > kMaxThreads)
    return fmt::format("threads = {}: expected 0 (all cores) … {}", threads, kMaxThreads);
  if (quadrature_order < 0 || quadrature_order > 1000)
    return fmt::format("quadrature_order = {}: expected 0 (default) … 1000", quadrature_order);
  return "";
}

std::string KernelSummary::brief() const {
  return fmt::format("{}×{} {} kernel, {}, block {}, {} thread{}, {:.3f} s", rows, cols,
                     symmetric ? "symmetric" : "cross", precision_name(precision), block, threads,
                     threads == 1 ? "" : "s", seconds);
}

namespace {

// Per-layer diagonals K^l(x,x), l = 1..L (the rows a block's layer l needs) plus the output diagonals.
struct Diagonals {
  std::vector<double> k;     // L × n, layer-major
  std::vector<double> nngp;  // K^{L+1}(x,x)
  std::vector<double> ntk;   // Θ^{L+1}(x,x)
};

struct Recursion {
  int L;
  double w2, b2, width, beta;
  bool standard;
  std::vector<double> c;  // L + 1 direct-term weights
  double n0;
};

Recursion make_recursion(const KernelOptions& opts, const std::vector<double>* layer_weights, std::int64_t n0) {
  const double w2 = opts.W_std * opts.W_std, b2 = opts.b_std * opts.b_std;
  return {opts.depth,
          w2,
          b2,
          opts.width,
          opts.b_std > 0 ? 1.0 : 0.0,
          opts.parameterization == Parameterization::standard,
          layer_weights ? *layer_weights : std::vector<double>(std::size_t(opts.depth + 1), 1.0),
          double(n0)};
}

template <class T>
Diagonals diagonals(const MatrixRef<T>& X, const Recursion& R, const Dual& dual) {
  const std::int64_t n = X.rows();
  Diagonals D;
  D.k.resize(std::size_t(R.L) * n);
  D.nngp.resize(n);
  D.ntk.resize(n);
  for (std::int64_t i = 0; i < n; ++i) {
    double g = X.row(i).template cast<double>().squaredNorm();
    double k = R.w2 * g / R.n0 + R.b2;
    double th = R.c[0] * (R.standard ? g + R.beta : k);
    for (int l = 1; l <= R.L; ++l) {
      D.k[std::size_t(l - 1) * n + i] = k;
      DualValue v = dual.diagonal(k);
      double kn = R.w2 * v.T + R.b2;
      th = R.c[l] * (R.standard ? R.width * v.T + R.beta : kn) + R.w2 * v.Tdot * th;
      k = kn;
    }
    D.nngp[i] = k;
    D.ntk[i] = th;
  }
  return D;
}

template <class T>
struct BlockJob {
  const MatrixRef<T>* X1;
  const MatrixRef<T>* X2;  // null: symmetric (X2 = X1)
  const Recursion* R;
  const Dual* dual;
  std::vector<T> d1, d2;  // layer-major diagonals in T
  const Diagonals* D1;
  const CnnKernel* cnn = nullptr;  // set: an architecture's kernel (cnn_kernel.h), v1 / v2 its per-row variances
  std::vector<double> v1, v2;
  bool symmetric() const { return X2 == nullptr; }
};

// Computes block rows [i0, i0+m) × cols [j0, j0+n) into nngp / ntk (either may be null), which point at the block's
// first element, row stride ld. A symmetric job's diagonal block gets the exact diagonal and exact symmetry.
template <class T>
void compute_block(const BlockJob<T>& J, std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n, T* nngp,
                   T* ntk, std::int64_t ld, Matrix<T>& kbuf, std::vector<T>& tdot) {
  if (J.cnn)
    return cnn_kernel_block<T>(*J.cnn, *J.X1, J.X2, J.v1, J.symmetric() ? J.v1 : J.v2, i0, m, j0, n, nngp, ntk, ld);
  using MapS = Eigen::Map<Matrix<T>, 0, Eigen::OuterStride<>>;
  const Recursion& R = *J.R;
  const std::int64_t N1 = J.X1->rows(), N2 = J.symmetric() ? N1 : J.X2->rows();
  T* kout = nngp;
  std::int64_t kld = ld;
  if (!nngp) {
    if (kbuf.rows() < m || kbuf.cols() < n) kbuf.resize(m, n);
    kout = kbuf.data();
    kld = kbuf.cols();
  }
  const MatrixRef<T>& X2 = J.symmetric() ? *J.X1 : *J.X2;
  MapS G(kout, m, n, Eigen::OuterStride<>(kld));
  G.noalias() = J.X1->middleRows(i0, m) * X2.middleRows(j0, n).transpose();

  const T w2 = T(R.w2), b2 = T(R.b2), g2k = T(R.w2 / R.n0), width = T(R.width), beta = T(R.beta);
  tdot.resize(std::size_t(n));
  for (std::int64_t r = 0; r < m; ++r) {
    poll_interrupt();  // a row of a quadrature activation's block can take seconds
    T* __restrict k = kout + r * kld;
    T* __restrict th = ntk ? ntk + r * ld : nullptr;
    T* __restrict td = tdot.data();
    {
      const T c = T(R.c[0]);
      if (th && R.standard)
        for (std::int64_t j = 0; j < n; ++j) th[j] = c * (k[j] + beta);
      for (std::int64_t j = 0; j < n; ++j) k[j] = g2k * k[j] + b2;
      if (th && !R.standard)
        for (std::int64_t j = 0; j < n; ++j) th[j] = c * k[j];
    }
    for (int l = 1; l <= R.L; ++l) {
      const T k11 = J.d1[std::size_t(l - 1) * N1 + (i0 + r)];
      const T* k22 = J.d2.data() + std::size_t(l - 1) * N2 + j0;
      J.dual->template apply_row<T>(k11, k22, k, td, std::size_t(n));  // k ← T, td ← Ṫ
      const T c = T(R.c[l]);
      if (th) {
        if (R.standard) {
          for (std::int64_t j = 0; j < n; ++j) th[j] = c * (width * k[j] + beta) + w2 * td[j] * th[j];
        } else {
          for (std::int64_t j = 0; j < n; ++j) th[j] = c * (w2 * k[j] + b2) + w2 * td[j] * th[j];
        }
      }
      for (std::int64_t j = 0; j < n; ++j) k[j] = w2 * k[j] + b2;
    }
  }
  if (J.symmetric() && i0 == j0) {  // diagonal block: exact diagonal, exact symmetry
    auto fix = [&](T* out, std::int64_t ldo, const std::vector<double>& diag) {
      for (std::int64_t r = 0; r < m; ++r) {
        out[r * ldo + r] = T(diag[std::size_t(i0 + r)]);
        for (std::int64_t c = 0; c < r; ++c) out[r * ldo + c] = out[c * ldo + r];
      }
    };
    if (nngp) fix(nngp, ld, J.D1->nngp);
    if (ntk) fix(ntk, ld, J.D1->ntk);
  }
}

}  // namespace

template <class T>
struct KernelPlan<T>::Impl {
  Recursion R;
  std::optional<Dual> dual;  // made after the options are checked
  std::optional<CnnKernel> cnn;
  Diagonals D1;
  BlockJob<T> J;
  std::int64_t B;
  int threads;

  Impl(const MatrixRef<T>& x1, const MatrixRef<T>* x2, const KernelOptions& opts,
       const std::vector<double>* layer_weights)
      : B(opts.block) {
    kernel_check_inputs(x1, x2, opts);
    threads = opts.threads > 0 ? opts.threads : int(std::max(1u, std::thread::hardware_concurrency()));
    J.X1 = &x1;
    J.X2 = x2;
    if (opts.arch) {
      if (layer_weights) throw InputError("layer weights: not supported for an architecture (arch)");
      cnn.emplace(opts, x1.cols());
      J.cnn = &*cnn;
      const ScopedBlasThreads blas_guard(1);  // per-image GEMMs are small: OpenBLAS threads would only spin
      J.v1 = cnn_kernel_variances<T>(*cnn, x1);
      if (x2) J.v2 = cnn_kernel_variances<T>(*cnn, *x2);
      return;
    }
    if (layer_weights && layer_weights->size() != std::size_t(opts.depth + 1))
      throw InputError(
          fmt::format("layer weights: expected depth + 1 = {} values, got {}", opts.depth + 1, layer_weights->size()));
    if (layer_weights)
      for (double c : *layer_weights)
        if (!std::isfinite(c) || c < 0)
          throw InputError(fmt::format("layer weight {}: expected a finite number ≥ 0", c));
    R = make_recursion(opts, layer_weights, x1.cols());
    dual.emplace(opts.act, opts.quadrature_order);
    D1 = diagonals(x1, R, *dual);
    J.R = &R;
    J.dual = &*dual;
    J.d1.assign(D1.k.begin(), D1.k.end());
    if (x2) {
      const Diagonals D2 = diagonals(*x2, R, *dual);
      J.d2.assign(D2.k.begin(), D2.k.end());
    } else {
      J.d2 = J.d1;
    }
    J.D1 = &D1;
  }

  // Runs job(b) for b in [0, count) on up to `threads` threads (the caller's included), OpenBLAS held at one thread;
  // each thread has its own scratch.
  template <class Job>
  void parallel(std::size_t count, const Job& job) const {
    const int used = int(std::min<std::size_t>(std::size_t(threads), count));
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      Matrix<T> kbuf;
      std::vector<T> tdot, tk, tt;
      for (std::size_t b; (b = next.fetch_add(1)) < count;) {
        poll_interrupt();
        job(b, kbuf, tdot, tk, tt);
      }
    };
    const ScopedBlasThreads blas_guard(1);  // our threads run the GEMMs concurrently
    run_worker_threads(used, worker);
  }
};

template <class T>
KernelPlan<T>::KernelPlan(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelOptions& opts,
                          const std::vector<double>* layer_weights)
    : impl_(std::make_unique<Impl>(X1, X2, opts, layer_weights)) {}
template <class T>
KernelPlan<T>::~KernelPlan() = default;
template <class T>
KernelPlan<T>::KernelPlan(KernelPlan&&) noexcept = default;
template <class T>
std::int64_t KernelPlan<T>::rows() const {
  return impl_->J.X1->rows();
}
template <class T>
std::int64_t KernelPlan<T>::cols() const {
  return symmetric() ? rows() : impl_->J.X2->rows();
}
template <class T>
bool KernelPlan<T>::symmetric() const {
  return impl_->J.symmetric();
}
template <class T>
std::int64_t KernelPlan<T>::block() const {
  return impl_->B;
}
template <class T>
int KernelPlan<T>::threads() const {
  return impl_->threads;
}

template <class T>
void KernelPlan<T>::compute(std::int64_t r0, std::int64_t m, std::int64_t c0, std::int64_t n, T* nngp, T* ntk,
                            std::int64_t ld, Progress* progress) const {
  const Impl& P = *impl_;
  const std::int64_t N1 = rows(), N2 = cols(), B = P.B;
  auto aligned = [B](std::int64_t start, std::int64_t len, std::int64_t end) {
    return start >= 0 && len >= 0 && start % B == 0 && start + len <= end && (len % B == 0 || start + len == end);
  };
  if (!aligned(r0, m, N1) || !aligned(c0, n, N2) || ld < n)
    throw std::invalid_argument(
        fmt::format("KernelPlan::compute: rows [{}, +{}) cols [{}, +{}), ld {} are not "
                    "whole blocks of {} inside {} × {}",
                    r0, m, c0, n, ld, B, N1, N2));
  if (m == 0 || n == 0 || (!nngp && !ntk)) return;
  const bool sym = symmetric();
  // Blocks of the rectangle on the global block grid. In a symmetric plan a block below the diagonal is the
  // transpose of its mirror block: copied after the first pass when the mirror is inside the rectangle, else the
  // mirror is computed into scratch (the same compute_block call, so the same bits) and transposed in.
  struct Blk {
    std::int64_t i0, m, j0, n;
  };
  std::vector<Blk> direct, copied;
  auto inside = [&](std::int64_t i, std::int64_t j) { return i >= r0 && i < r0 + m && j >= c0 && j < c0 + n; };
  for (std::int64_t i0 = r0; i0 < r0 + m; i0 += B)
    for (std::int64_t j0 = c0; j0 < c0 + n; j0 += B) {
      const Blk b{i0, std::min(B, N1 - i0), j0, std::min(B, N2 - j0)};
      (sym && j0 < i0 && inside(j0, i0) ? copied : direct).push_back(b);
    }
  auto at = [&](T* out, std::int64_t i, std::int64_t j) { return out ? out + (i - r0) * ld + (j - c0) : nullptr; };
  std::mutex progress_mutex;
  auto done = [&] {
    if (!progress) return;
    std::lock_guard<std::mutex> lock(progress_mutex);
    progress->advance(1);
  };
  P.parallel(direct.size(), [&](std::size_t k, Matrix<T>& kbuf, std::vector<T>& tdot, std::vector<T>& tk,
                                std::vector<T>& tt) {
    const Blk& b = direct[k];
    if (!sym || b.j0 >= b.i0) {
      compute_block(P.J, b.i0, b.m, b.j0, b.n, at(nngp, b.i0, b.j0), at(ntk, b.i0, b.j0), ld, kbuf, tdot);
      done();
      return;
    }
    if (nngp) tk.resize(std::size_t(b.n * b.m));
    if (ntk) tt.resize(std::size_t(b.n * b.m));
    compute_block(P.J, b.j0, b.n, b.i0, b.m, nngp ? tk.data() : nullptr, ntk ? tt.data() : nullptr, b.m, kbuf, tdot);
    if (nngp) transpose_tiled(tk.data(), b.m, b.n, b.m, at(nngp, b.i0, b.j0), ld);
    if (ntk) transpose_tiled(tt.data(), b.m, b.n, b.m, at(ntk, b.i0, b.j0), ld);
    done();
  });
  P.parallel(copied.size(), [&](std::size_t k, Matrix<T>&, std::vector<T>&, std::vector<T>&, std::vector<T>&) {
    const Blk& b = copied[k];
    if (nngp) transpose_tiled(at(nngp, b.j0, b.i0), ld, b.n, b.m, at(nngp, b.i0, b.j0), ld);
    if (ntk) transpose_tiled(at(ntk, b.j0, b.i0), ld, b.n, b.m, at(ntk, b.i0, b.j0), ld);
    done();
  });
}

template <class T>
DenseDiagonals dense_diagonals(const MatrixRef<T>& X, const KernelOptions& opts,
                               const std::vector<double>* layer_weights) {
  if (opts.arch) throw std::invalid_argument("dense_diagonals: an architecture (arch) has no Dense-stack diagonals");
  Diagonals D = diagonals(X, make_recursion(opts, layer_weights, X.cols()), Dual(opts.act, opts.quadrature_order));
  return {std::move(D.k), std::move(D.nngp), std::move(D.ntk)};
}

template <class T>
KernelSummary kernel_compute(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelOptions& opts, T* nngp_out,
                             T* ntk_out, std::int64_t ld, const std::vector<double>* layer_weights) {
  auto t0 = std::chrono::steady_clock::now();
  const KernelPlan<T> plan(X1, X2, opts, layer_weights);
  const std::int64_t N1 = plan.rows(), N2 = plan.cols(), B = plan.block();
  if (ld < N2) throw InputError(fmt::format("kernel output stride {} < {} columns", ld, N2));
  const long blocks = long((N1 + B - 1) / B) * long((N2 + B - 1) / B);
  Progress progress("kernel", blocks, progress_defaults().enabled && blocks > 4, progress_defaults().force);
  plan.compute(0, N1, 0, N2, nngp_out, ntk_out, ld, &progress);
  progress.finish();
  KernelSummary s;
  s.threads = int(std::min<long>(plan.threads(), blocks));
  s.block = B;
  s.precision = sizeof(T) == 4 ? Precision::float32 : Precision::float64;
  s.symmetric = plan.symmetric();
  s.rows = N1;
  s.cols = N2;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

template <class T>
Matrix<T> kernel_nngp(const Matrix<T>& X1, const KernelOptions& opts) {
  Matrix<T> K(X1.rows(), X1.rows());
  kernel_compute<T>(X1, nullptr, opts, K.data(), nullptr, K.cols());
  return K;
}
template <class T>
Matrix<T> kernel_nngp(const Matrix<T>& X1, const Matrix<T>& X2, const KernelOptions& opts) {
  Matrix<T> K(X1.rows(), X2.rows());
  kernel_compute<T>(X1, &X2, opts, K.data(), nullptr, K.cols());
  return K;
}
template <class T>
Matrix<T> kernel_ntk(const Matrix<T>& X1, const KernelOptions& opts) {
  Matrix<T> K(X1.rows(), X1.rows());
  kernel_compute<T>(X1, nullptr, opts, nullptr, K.data(), K.cols());
  return K;
}
template <class T>
Matrix<T> kernel_ntk(const Matrix<T>& X1, const Matrix<T>& X2, const KernelOptions& opts) {
  Matrix<T> K(X1.rows(), X2.rows());
  kernel_compute<T>(X1, &X2, opts, nullptr, K.data(), K.cols());
  return K;
}
template <class T>
Matrix<T> kernel_ntk_weighted(const Matrix<T>& X1, const Matrix<T>* X2, const KernelOptions& opts,
                              const std::vector<double>& layer_weights) {
  Matrix<T> K(X1.rows(), X2 ? X2->rows() : X1.rows());
  kernel_compute<T>(X1, X2, opts, nullptr, K.data(), K.cols(), &layer_weights);
  return K;
}

#define WIDTHLAB_KERNEL_INSTANTIATE(T)                                                                               \
  template class KernelPlan<T>;                                                                                      \
  template DenseDiagonals dense_diagonals<T>(const MatrixRef<T>&, const KernelOptions&, const std::vector<double>*); \
  template KernelSummary kernel_compute<T>(const MatrixRef<T>&, const MatrixRef<T>*, const KernelOptions&, T*, T*,   \
                                           std::int64_t, const std::vector<double>*);                                \
  template Matrix<T> kernel_nngp<T>(const Matrix<T>&, const KernelOptions&);                                         \
  template Matrix<T> kernel_nngp<T>(const Matrix<T>&, const Matrix<T>&, const KernelOptions&);                       \
  template Matrix<T> kernel_ntk<T>(const Matrix<T>&, const KernelOptions&);                                          \
  template Matrix<T> kernel_ntk<T>(const Matrix<T>&, const Matrix<T>&, const KernelOptions&);                        \
  template Matrix<T> kernel_ntk_weighted<T>(const Matrix<T>&, const Matrix<T>*, const KernelOptions&,                \
                                            const std::vector<double>&);
WIDTHLAB_KERNEL_INSTANTIATE(float)
WIDTHLAB_KERNEL_INSTANTIATE(double)

}  // namespace widthlab
