// Empirical NTK of a finite Mlp as per-layer Hadamard products of Gram matrices (see widthlab/empirical_ntk.h).
#include "widthlab/empirical_ntk.h"

#include <cblas.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#include "widthlab/error.h"

namespace widthlab {
namespace {

// G (m × n, row stride n) = alpha · A Bᵀ, A: m × k, B: n × k (row-major, contiguous).
inline void gram(int m, int n, int k, float alpha, const float* a, const float* b, float* g) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, alpha, a, k, b, k, 0.0f, g, n);
}
inline void gram(int m, int n, int k, double alpha, const double* a, const double* b, double* g) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, alpha, a, k, b, k, 0.0, g, n);
}
// Upper triangle of G (n × n) = alpha · A Aᵀ.
inline void gram_sym(int n, int k, float alpha, const float* a, float* g) {
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, k, alpha, a, k, 0.0f, g, n);
}
inline void gram_sym(int n, int k, double alpha, const double* a, double* g) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, k, alpha, a, k, 0.0, g, n);
}

// Ask the kernel for transparent huge pages on a fresh, untouched buffer (Linux THP in "madvise" mode; advisory, a
// failure is harmless). Why: every call allocates ≈ (2 + k)·H·N·d + 3·N² values (layer signals, Θ and two Gram
// buffers) and first-touches them; with 4 KiB pages that was ~12 000 page faults per call for N = 1000, d = 1024,
// H = 3 in float32 (23 000 in float64), ≈ 2–4 µs each on the dev VM — the largest non-GEMM cost (1-thread CPU per
// call, mean of 10: 304–315 ms before, 245–280 ms with huge pages; elementwise passes are ≈ 1.3 ms). Now ~25 (46).
void advise_huge(const void* p, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  static const std::uintptr_t page = std::uintptr_t(sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096);
  const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
  // Inward to whole pages (never advise memory outside the buffer); only 2 MiB-aligned ranges can get huge pages,
  // so an Eigen block (Θ) gets about half; Scratch blocks are 2 MiB-aligned and get all.
  const std::uintptr_t lo = (a + page - 1) & ~(page - 1), hi = (a + bytes) & ~(page - 1);
  if (bytes >= (std::size_t(1) << 21) && hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}
template <class T>
void advise_huge(Matrix<T>& m) {
  advise_huge(m.data(), sizeof(T) * std::size_t(m.size()));
}

// Upper triangle → lower triangle of a square row-major matrix, in 64 × 64 tiles (a plain column walk strides N
// values per read).
template <class T>
void mirror_upper(Matrix<T>& a) {
  const Eigen::Index n = a.rows();
  constexpr Eigen::Index B = 64;
  T* p = a.data();
  for (Eigen::Index i0 = 0; i0 < n; i0 += B)
    for (Eigen::Index j0 = 0; j0 <= i0; j0 += B) {
      const Eigen::Index i1 = std::min(n, i0 + B), j1 = std::min(n, j0 + B);
      for (Eigen::Index i = i0; i < i1; ++i) {
        T* row = p + i * n;
        const Eigen::Index jend = std::min(j1, i);
        for (Eigen::Index j = j0; j < jend; ++j) row[j] = p[j * n + i];
      }
    }
}

template <class T>
void check_options(const Mlp<T>& net, const EmpiricalNtkOptions& o) {
  const int k = net.config().outputs;
  if (o.output < -1 || o.output >= k)
    throw InputError(
        fmt::format("empirical_ntk: output = {}: expected −1 (mean over outputs) or 0..{}", o.output, k - 1));
  if (o.nt_parameterization && net.config().bias)
    throw InputError(
        "empirical_ntk: the nt normalization needs a net without biases (model.bias = false): a bias "
        "init has no width-independent b_std");
  if (o.lr_weighted && !o.nt_parameterization && !(std::isfinite(o.lr) && o.lr > 0))
    throw InputError(fmt::format("empirical_ntk: lr = {}: expected a finite number > 0", o.lr));
}

// Fresh scratch memory; from 2 MiB up it is one 2 MiB-aligned block advised for huge pages (all of it can get them,
// unlike an Eigen block whose mapping starts at an arbitrary page). Uninitialised.
template <class T>
class Scratch {
 public:
  Scratch() = default;
  explicit Scratch(std::size_t count) {
    constexpr std::size_t kHuge = std::size_t(1) << 21;
    const std::size_t need = std::max<std::size_t>(1, count) * sizeof(T);
    const std::size_t align = need >= kHuge ? kHuge : 64;
    const std::size_t bytes = (need + align - 1) / align * align;
    p_ = static_cast<T*>(std::aligned_alloc(align, bytes));
    if (!p_) throw std::bad_alloc();
    if (align == kHuge) advise_huge(p_, bytes);
  }
  ~Scratch() { std::free(p_); }
  Scratch(Scratch&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Scratch& operator=(Scratch&& o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* data() const { return p_; }

 private:
  T* p_ = nullptr;
};

// C (m × n, ldc) = alpha · A Bᵀ (trans_b) or alpha · A B, row-major with leading dimensions.
inline void gemm(bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                 float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, 0.0f, c,
              ldc);
}
inline void gemm(bool trans_b, int m, int n, int k, double alpha, const double* a, int lda, const double* b, int ldb,
                 double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, 0.0, c,
              ldc);
}

// Per-sample layer inputs h_{l−1} and signals δ_l = ∂f/∂z^l (l < H) of one input set, in one Scratch block:
// per layer h_l (N × d), φ'(z_l) (N × d) and δ_l (N × k_stack·d; the mean over k > 1 outputs stacks
// [δ_l^(1) | … | δ_l^(k)]). The same math as Mlp::forward / backward_signals with dlogits = e_o (z_l includes α_l
// and the bias), without the logits themselves (not needed) and without Mlp's per-call workspace (which is
// allocated as 3H + 2 separate Eigen blocks that only partly get huge pages).
template <class T>
struct Signals {
  const T* x = nullptr;
  int rows = 0, k_stack = 1;
  std::vector<T*> h, dphi, delta;  // l = 0..H−1
  Scratch<T> mem;

  const T* input(int l) const { return l == 0 ? x : h[l - 1]; }
  const T* delta_of(int l) const { return delta[l]; }
};

template <class T>
Signals<T> compute_signals(const Mlp<T>& net, const Matrix<T>& X, const EmpiricalNtkOptions& opts) {
  const MlpConfig& c = net.config();
  const int H = c.depth, k = c.outputs, N = int(X.rows()), d = c.width;
  Signals<T> s;
  s.x = X.data();
  s.rows = N;
  s.k_stack = (opts.output >= 0 || k == 1) ? 1 : k;
  const int ks = s.k_stack, ld = ks * d;
  const std::size_t nd = std::size_t(N) * d;
  s.mem = Scratch<T>(std::size_t(H) * nd * std::size_t(2 + ks));
  for (int l = 0; l < H; ++l) {
    s.h.push_back(s.mem.data() + std::size_t(l) * nd);
    s.dphi.push_back(s.mem.data() + std::size_t(H + l) * nd);
    s.delta.push_back(s.mem.data() + std::size_t(2 * H) * nd + std::size_t(l) * nd * ks);
  }
  // Forward, layers 0..H−1: z_l = α_l(θ_l h_{l−1} + b_l) into the φ' buffer, h_l = φ(z_l), then φ'(z_l) in place.
  std::vector<T> ab(static_cast<std::size_t>(d));
  const T* in = X.data();
  for (int l = 0; l < H; ++l) {
    const int fi = c.fan_in(l);
    const T a = net.multiplier(l);
    T* z = s.dphi[l];
    gemm(true, N, d, fi, a, in, fi, net.weight(l).data(), fi, z, d);
    if (c.bias)
      for (int j = 0; j < d; ++j) ab[j] = a * net.bias(l)[j];
    for (int i = 0; i < N; ++i) {
      T* zr = z + std::size_t(i) * d;
      if (c.bias)
        for (int j = 0; j < d; ++j) zr[j] += ab[j];
      c.activation.apply(zr, s.h[l] + std::size_t(i) * d, std::size_t(d));
      c.activation.apply_derivative(zr, zr, std::size_t(d));
    }
    in = s.h[l];
  }
  // Backward per output block: δ_{H−1} = α_H θ_H[o, :] ∘ φ'(z_{H−1}), δ_{l−1} = α_l (δ_l θ_l) ∘ φ'(z_{l−1}).
  for (int b = 0; b < ks; ++b) {
    const int o = opts.output >= 0 ? opts.output : b;
    const T aH = net.multiplier(H);
    const T* w = net.weight(H).data() + std::size_t(o) * d;
    for (int i = 0; i < N; ++i) {
      T* __restrict dr = s.delta[H - 1] + std::size_t(i) * ld + std::size_t(b) * d;
      const T* __restrict pr = s.dphi[H - 1] + std::size_t(i) * d;
      for (int j = 0; j < d; ++j) dr[j] = aH * w[j] * pr[j];
    }
    for (int l = H - 1; l >= 1; --l) {
      T* prev = s.delta[l - 1] + std::size_t(b) * d;
      gemm(false, N, d, d, net.multiplier(l), s.delta[l] + std::size_t(b) * d, ld, net.weight(l).data(), d, prev, ld);
      for (int i = 0; i < N; ++i) {
        T* __restrict pr = prev + std::size_t(i) * ld;
        const T* __restrict q = s.dphi[l - 1] + std::size_t(i) * d;
        for (int j = 0; j < d; ++j) pr[j] *= q[j];
      }
    }
  }
  return s;
}

}  // namespace

template <class T>
void empirical_ntk_check_inputs(const Mlp<T>& net, const Matrix<T>& X, const char* what) {
  const int n0 = net.config().input_dim;
  if (X.rows() < 1) throw InputError(fmt::format("empirical_ntk: {} has no rows: expected an (N, {}) array", what, n0));
  if (X.cols() != n0)
    throw InputError(
        fmt::format("empirical_ntk: {} has {} columns: expected {} (the net's input_dim)", what, X.cols(), n0));
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    if (!X.row(i).allFinite())
      throw InputError(fmt::format("empirical_ntk: {} row {} holds a non-finite value (NaN or inf)", what, i));
}

template <class T>
std::vector<double> empirical_ntk_layer_weights(const Mlp<T>& net, const EmpiricalNtkOptions& opts) {
  check_options(net, opts);
  const int L = net.num_layers();
  std::vector<double> w(L);
  if (opts.nt_parameterization) {
    const double unit = net.config().init == InitKind::uniform ? 1.0 / std::sqrt(3.0) : 1.0;
    for (int l = 0; l < L; ++l) {
      const double sigma = net.factors()[l].multiplier * net.factors()[l].init * unit;
      w[l] = sigma * sigma / net.config().fan_in(l);
    }
    return w;
  }
  std::vector<double> lrs = opts.lr_weighted ? net.layer_lrs(opts.lr) : std::vector<double>(L, 1.0);
  for (int l = 0; l < L; ++l) {
    const double a = net.factors()[l].multiplier;
    w[l] = lrs[l] * a * a;
  }
  return w;
}

template <class T>
Matrix<T> empirical_ntk(const Mlp<T>& net, const Matrix<T>& X1, const std::type_identity_t<Matrix<T>>* X2,
                        const EmpiricalNtkOptions& opts) {
  empirical_ntk_check_inputs(net, X1, "X1");
  if (X2) empirical_ntk_check_inputs(net, *X2, "X2");
  const std::vector<double> cw = empirical_ntk_layer_weights(net, opts);
  const MlpConfig& c = net.config();
  const int H = c.depth;
  const bool sym = X2 == nullptr;
  const T beta = c.bias ? T(1) : T(0);

  Signals<T> s1 = compute_signals(net, X1, opts);
  Signals<T> s2;
  if (!sym) s2 = compute_signals(net, *X2, opts);
  const Signals<T>& b = sym ? s1 : s2;
  const int N1 = s1.rows, N2 = b.rows;

  // Θ starts as the output layer's term c_H·H_{H−1}H'_{H−1}ᵀ (GEMM straight into Θ, no zero fill; its c_H·β goes
  // into the first Hadamard pass). Then per layer l < H: two Grams into gh, gd (λ_l α_l²/k folded into gd's alpha)
  // and one fused pass Θ += gd ∘ (gh + β) over the computed triangle / rectangle.
  Matrix<T> theta(N1, N2);
  advise_huge(theta);
  const T cH = static_cast<T>(cw[H]);
  if (sym)
    gram_sym(N1, c.fan_in(H), cH, s1.input(H), theta.data());
  else
    gram(N1, N2, c.fan_in(H), cH, s1.input(H), b.input(H), theta.data());
  T pending = cH * beta;  // added by the first pass (H ≥ 1: MlpConfig::validate)
  const std::size_t nn = std::size_t(N1) * N2;
  Scratch<T> grams(2 * nn);
  T* gh = grams.data();
  T* gd = grams.data() + nn;
  for (int l = 0; l < H; ++l) {
    const int fi = c.fan_in(l), kd = c.fan_out(l) * s1.k_stack;
    const T scale = static_cast<T>(cw[l]) / T(s1.k_stack);
    if (sym) {
      gram_sym(N1, fi, T(1), s1.input(l), gh);
      gram_sym(N1, kd, scale, s1.delta_of(l), gd);
    } else {
      gram(N1, N2, fi, T(1), s1.input(l), b.input(l), gh);
      gram(N1, N2, kd, scale, s1.delta_of(l), b.delta_of(l), gd);
    }
    const T add = pending;
    pending = T(0);
    for (int i = 0; i < N1; ++i) {
      const std::size_t off = std::size_t(i) * N2;
      const int j0 = sym ? i : 0;
      T* __restrict t = theta.data() + off;
      const T* __restrict h = gh + off;
      const T* __restrict d = gd + off;
      for (int j = j0; j < N2; ++j) t[j] += d[j] * (h[j] + beta) + add;
    }
  }
  if (sym) mirror_upper(theta);
  return theta;
}

template <class T>
Vector<T> empirical_ntk_diagonal(const Mlp<T>& net, const Matrix<T>& X, const EmpiricalNtkOptions& opts) {
  empirical_ntk_check_inputs(net, X, "X");
  const std::vector<double> cw = empirical_ntk_layer_weights(net, opts);
  const MlpConfig& c = net.config();
  const int H = c.depth;
  const T beta = c.bias ? T(1) : T(0);
  Signals<T> s = compute_signals(net, X, opts);
  const int N = s.rows;
  Vector<T> out = Vector<T>::Zero(N);
  for (int l = 0; l <= H; ++l) {
    const int fi = c.fan_in(l);
    const T cl = static_cast<T>(cw[l]);
    Eigen::Map<const Matrix<T>> h(s.input(l), N, fi);
    Vector<T> hh = h.rowwise().squaredNorm();
    if (l == H) {
      out.array() += cl * (hh.array() + beta);
      continue;
    }
    const int kd = c.fan_out(l) * s.k_stack;
    Eigen::Map<const Matrix<T>> d(s.delta_of(l), N, kd);
    Vector<T> dd = d.rowwise().squaredNorm() / T(s.k_stack);
    out.array() += cl * dd.array() * (hh.array() + beta);
  }
  return out;
}

template void empirical_ntk_check_inputs(const Mlp<float>&, const Matrix<float>&, const char*);
template void empirical_ntk_check_inputs(const Mlp<double>&, const Matrix<double>&, const char*);
template std::vector<double> empirical_ntk_layer_weights(const Mlp<float>&, const EmpiricalNtkOptions&);
template std::vector<double> empirical_ntk_layer_weights(const Mlp<double>&, const EmpiricalNtkOptions&);
template Matrix<float> empirical_ntk(const Mlp<float>&, const Matrix<float>&, const Matrix<float>*,
                                     const EmpiricalNtkOptions&);
template Matrix<double> empirical_ntk(const Mlp<double>&, const Matrix<double>&, const Matrix<double>*,
                                      const EmpiricalNtkOptions&);
template Vector<float> empirical_ntk_diagonal(const Mlp<float>&, const Matrix<float>&, const EmpiricalNtkOptions&);
template Vector<double> empirical_ntk_diagonal(const Mlp<double>&, const Matrix<double>&, const EmpiricalNtkOptions&);

}  // namespace widthlab
