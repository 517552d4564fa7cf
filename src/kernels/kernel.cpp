#include "widthlab/kernel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <mutex>
#include <thread>

#include "widthlab/dual.h"
#include "widthlab/error.h"
#include "widthlab/progress.h"

extern "C" {
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);
}

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
  if (threads < 0 || threads > 4096) return fmt::format("threads = {}: expected 0 (all cores) … 4096", threads);
  if (quadrature_order < 0 || quadrature_order > 1000)
    return fmt::format("quadrature_order = {}: expected 0 (default) … 1000", quadrature_order);
  return "";
}

std::string KernelSummary::brief() const {
  return fmt::format("{}×{} {} kernel, {}, block {}, {} thread{}, {:.3f} s", rows, cols,
                     symmetric ? "symmetric" : "cross", precision == Precision::float32 ? "float32" : "float64", block,
                     threads, threads == 1 ? "" : "s", seconds);
}

namespace {

// Per-layer diagonals K^l(x,x), l = 1..L (the rows a block's layer l needs) plus the output diagonals.
struct Diagonals {
  std::vector<double> k;      // L × n, layer-major
  std::vector<double> nngp;   // K^{L+1}(x,x)
  std::vector<double> ntk;    // Θ^{L+1}(x,x)
};

struct Recursion {
  int L;
  double w2, b2, width, beta;
  bool standard;
  std::vector<double> c;  // L + 1 direct-term weights
  double n0;
};

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
  const MatrixRef<T>* X2;
  const Recursion* R;
  const Dual* dual;
  std::vector<T> d1, d2;  // layer-major diagonals in T
  T* nngp;
  T* ntk;
  std::int64_t ld;
  bool symmetric;
  const Diagonals* D1;
};

// Computes one block: rows [i0, i0+m), cols [j0, j0+n).
template <class T>
void compute_block(const BlockJob<T>& J, std::int64_t i0, std::int64_t m, std::int64_t j0, std::int64_t n,
                   Matrix<T>& kbuf, std::vector<T>& thbuf, std::vector<T>& tdot) {
  using MapS = Eigen::Map<Matrix<T>, 0, Eigen::OuterStride<>>;
  const Recursion& R = *J.R;
  const std::int64_t N1 = J.X1->rows(), N2 = J.symmetric ? N1 : J.X2->rows();
  T* kout;
  std::int64_t kld;
  if (J.nngp) {
    kout = J.nngp + i0 * J.ld + j0;
    kld = J.ld;
  } else {
    if (kbuf.rows() < m || kbuf.cols() < n) kbuf.resize(m, n);
    kout = kbuf.data();
    kld = kbuf.cols();
  }
  const MatrixRef<T>& X2 = J.symmetric ? *J.X1 : *J.X2;
  MapS G(kout, m, n, Eigen::OuterStride<>(kld));
  G.noalias() = J.X1->middleRows(i0, m) * X2.middleRows(j0, n).transpose();

  const T w2 = T(R.w2), b2 = T(R.b2), g2k = T(R.w2 / R.n0), width = T(R.width), beta = T(R.beta);
  tdot.resize(std::size_t(n));
  if (!J.ntk) thbuf.clear();
  for (std::int64_t r = 0; r < m; ++r) {
    T* __restrict k = kout + r * kld;
    T* __restrict th = nullptr;
    if (J.ntk) th = J.ntk + (i0 + r) * J.ld + j0;
    T* __restrict td = tdot.data();
    {
      const T c = T(R.c[0]);
      if (th && R.standard) for (std::int64_t j = 0; j < n; ++j) th[j] = c * (k[j] + beta);
      for (std::int64_t j = 0; j < n; ++j) k[j] = g2k * k[j] + b2;
      if (th && !R.standard) for (std::int64_t j = 0; j < n; ++j) th[j] = c * k[j];
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
  if (J.symmetric) {
    auto fix = [&](T* out, std::int64_t ldo, const std::vector<double>& diag) {
      if (i0 == j0) {  // diagonal block: exact diagonal, exact symmetry
        for (std::int64_t r = 0; r < m; ++r) {
          out[r * ldo + r] = T(diag[std::size_t(i0 + r)]);
          for (std::int64_t c = 0; c < r; ++c) out[r * ldo + c] = out[c * ldo + r];
        }
      }
    };
    if (J.nngp) fix(kout, kld, J.D1->nngp);
    if (J.ntk) fix(J.ntk + i0 * J.ld + j0, J.ld, J.D1->ntk);
    if (i0 != j0) {  // mirror into block (j0, i0), tiled for locality
      auto mirror = [&](const T* src, std::int64_t lds, T* dst) {
        constexpr std::int64_t t = 32;
        for (std::int64_t rb = 0; rb < m; rb += t)
          for (std::int64_t cb = 0; cb < n; cb += t)
            for (std::int64_t c = cb; c < std::min(cb + t, n); ++c)
              for (std::int64_t r = rb; r < std::min(rb + t, m); ++r) dst[c * J.ld + r] = src[r * lds + c];
      };
      if (J.nngp) mirror(kout, kld, J.nngp + j0 * J.ld + i0);
      if (J.ntk) mirror(J.ntk + i0 * J.ld + j0, J.ld, J.ntk + j0 * J.ld + i0);
    }
  }
}

template <class T>
void check_input(const MatrixRef<T>& X, const char* name) {
  if (X.rows() < 1 || X.cols() < 1)
    throw InputError(fmt::format("{}: expected a non-empty (N, d) array, got ({}, {})", name, X.rows(), X.cols()));
  if (!X.allFinite()) {
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      if (!X.row(i).allFinite())
        throw InputError(fmt::format("{}: row {} holds a non-finite value (NaN or inf)", name, i));
  }
}

// Holds OpenBLAS at one thread while our own threads run GEMMs concurrently; restores the setting after.
struct BlasSingleThread {
  int saved;
  BlasSingleThread() : saved(openblas_get_num_threads()) { openblas_set_num_threads(1); }
  ~BlasSingleThread() { openblas_set_num_threads(saved); }
};

}  // namespace

template <class T>
void kernel_check_inputs(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelOptions& opts) {
  if (auto err = opts.validate(); !err.empty()) throw InputError("kernel options: " + err);
  check_input(X1, "X1");
  if (X2) {
    check_input(*X2, "X2");
    if (X2->cols() != X1.cols())
      throw InputError(fmt::format("X2: expected {} columns (as X1), got {}", X1.cols(), X2->cols()));
  }
}

template <class T>
KernelSummary kernel_compute(const MatrixRef<T>& X1, const MatrixRef<T>* X2, const KernelOptions& opts, T* nngp_out,
                             T* ntk_out, std::int64_t ld, const std::vector<double>* layer_weights) {
  kernel_check_inputs(X1, X2, opts);
  if (layer_weights && layer_weights->size() != std::size_t(opts.depth + 1))
    throw InputError(fmt::format("layer weights: expected depth + 1 = {} values, got {}", opts.depth + 1,
                                 layer_weights->size()));
  if (layer_weights)
    for (double c : *layer_weights)
      if (!std::isfinite(c) || c < 0) throw InputError(fmt::format("layer weight {}: expected a finite number ≥ 0", c));
  const std::int64_t N1 = X1.rows(), N2 = X2 ? X2->rows() : N1;
  if (ld < N2) throw InputError(fmt::format("kernel output stride {} < {} columns", ld, N2));
  auto t0 = std::chrono::steady_clock::now();

  Recursion R;
  R.L = opts.depth;
  R.w2 = opts.W_std * opts.W_std;
  R.b2 = opts.b_std * opts.b_std;
  R.width = opts.width;
  R.beta = opts.b_std > 0 ? 1.0 : 0.0;
  R.standard = opts.parameterization == Parameterization::standard;
  R.c = layer_weights ? *layer_weights : std::vector<double>(std::size_t(R.L + 1), 1.0);
  R.n0 = double(X1.cols());
  Dual dual(opts.act, opts.quadrature_order);

  Diagonals D1 = diagonals(X1, R, dual);
  Diagonals D2 = X2 ? diagonals(*X2, R, dual) : Diagonals{};
  BlockJob<T> J;
  J.X1 = &X1;
  J.X2 = X2;
  J.R = &R;
  J.dual = &dual;
  J.d1.assign(D1.k.begin(), D1.k.end());
  J.d2 = X2 ? std::vector<T>(D2.k.begin(), D2.k.end()) : J.d1;
  J.nngp = nngp_out;
  J.ntk = ntk_out;
  J.ld = ld;
  J.symmetric = X2 == nullptr;
  J.D1 = &D1;

  const std::int64_t B = opts.block, nb1 = (N1 + B - 1) / B, nb2 = (N2 + B - 1) / B;
  std::vector<std::pair<std::int64_t, std::int64_t>> blocks;
  for (std::int64_t bi = 0; bi < nb1; ++bi)
    for (std::int64_t bj = J.symmetric ? bi : 0; bj < nb2; ++bj) blocks.emplace_back(bi, bj);
  int threads = opts.threads > 0 ? opts.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  threads = int(std::min<std::size_t>(std::size_t(threads), blocks.size()));

  std::atomic<std::size_t> next{0};
  std::mutex mu;
  Progress progress("kernel", long(blocks.size()), progress_defaults().enabled && blocks.size() > 4,
                    progress_defaults().force);
  auto worker = [&] {
    Matrix<T> kbuf;
    std::vector<T> thbuf, tdot;
    for (std::size_t b; (b = next.fetch_add(1)) < blocks.size();) {
      auto [bi, bj] = blocks[b];
      const std::int64_t i0 = bi * B, j0 = bj * B;
      compute_block(J, i0, std::min(B, N1 - i0), j0, std::min(B, N2 - j0), kbuf, thbuf, tdot);
      std::lock_guard<std::mutex> lock(mu);
      progress.advance(1);
    }
  };
  {
    BlasSingleThread blas_guard;
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& th : pool) th.join();
  }
  progress.finish();

  KernelSummary s;
  s.threads = threads;
  s.block = B;
  s.precision = sizeof(T) == 4 ? Precision::float32 : Precision::float64;
  s.symmetric = J.symmetric;
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

ScalingKernelWeights scaling_kernel_weights(const Scaling& scaling, double width, double lr, std::int64_t input_dim,
                                            double base_variance) {
  const int H = scaling.depth;
  if (H < 1 || scaling.layers.size() != std::size_t(H + 1))
    throw InputError(fmt::format("scaling '{}': expected depth ≥ 1 and depth + 1 = {} layers, got {}", scaling.name,
                                 H + 1, scaling.layers.size()));
  if (!(width > 0) || !(scaling.reference_width > 0) || !(lr > 0) || !(base_variance > 0) || input_dim < 1)
    throw InputError(fmt::format("scaling '{}': width {}, reference width {}, lr {}, base variance {}, input dim {}: "
                                 "expected positive values", scaling.name, width, scaling.reference_width, lr,
                                 base_variance, input_dim));
  const double omega = width / scaling.reference_width;
  ScalingKernelWeights w;
  double sigma2_0 = 0;
  for (int l = 0; l <= H; ++l) {
    const auto& e = scaling.layers[std::size_t(l)];
    const double alpha = std::pow(omega, e.multiplier), init = std::pow(omega, e.init);
    const double fan_in = l == 0 ? double(input_dim) : width;
    const double sigma2 = alpha * alpha * init * init * base_variance;  // fan_in · Var(W_ij)
    const double eta = alpha * alpha * std::pow(omega, e.lr) * lr;
    if (l == 0) sigma2_0 = sigma2;
    else if (std::fabs(sigma2 - sigma2_0) > 1e-12 * sigma2_0)
      throw InputError(fmt::format("scaling '{}' at width {}: layer {} has fan_in·Var = {} but layer 0 has {}; the "
                                   "analytic kernel needs one W_std", scaling.name, width, l, sigma2, sigma2_0));
    w.layer_weights.push_back(eta * fan_in / sigma2);
  }
  w.W_std = std::sqrt(sigma2_0);
  return w;
}

#define WIDTHLAB_KERNEL_INSTANTIATE(T)                                                                             \
  template void kernel_check_inputs<T>(const MatrixRef<T>&, const MatrixRef<T>*, const KernelOptions&);           \
  template KernelSummary kernel_compute<T>(const MatrixRef<T>&, const MatrixRef<T>*, const KernelOptions&, T*, T*,\
                                           std::int64_t, const std::vector<double>*);                            \
  template Matrix<T> kernel_nngp<T>(const Matrix<T>&, const KernelOptions&);                                      \
  template Matrix<T> kernel_nngp<T>(const Matrix<T>&, const Matrix<T>&, const KernelOptions&);                    \
  template Matrix<T> kernel_ntk<T>(const Matrix<T>&, const KernelOptions&);                                       \
  template Matrix<T> kernel_ntk<T>(const Matrix<T>&, const Matrix<T>&, const KernelOptions&);                     \
  template Matrix<T> kernel_ntk_weighted<T>(const Matrix<T>&, const Matrix<T>*, const KernelOptions&,             \
                                            const std::vector<double>&);
WIDTHLAB_KERNEL_INSTANTIATE(float)
WIDTHLAB_KERNEL_INSTANTIATE(double)

}  // namespace widthlab
