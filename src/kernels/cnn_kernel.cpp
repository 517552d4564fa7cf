// The CNN NNGP / NTK recursion of cnn_kernel.h (theory.md §3.9).
#include "widthlab/cnn_kernel.h"

#include <fmt/format.h>

#include <algorithm>

#include "cnn_box_filter.h"
#include "cnn_kernel_planes.h"
#include "fixed_order_sum.h"
#include "widthlab/error.h"
#include "widthlab/interrupt.h"

namespace widthlab {

CnnKernel::CnnKernel(const KernelOptions& opts, std::int64_t input_dim, CnnSchedule schedule) {
  if (!opts.arch) throw std::invalid_argument("CnnKernel: KernelOptions::arch is not set");
  const ImageShape in = opts.input_shape.value_or(ImageShape{1, 1, input_dim});
  if (in.size() != input_dim)
    throw InputError(fmt::format("input shape ({}, {}, {}) holds {} values, but the inputs have {} columns", in.height,
                                 in.width, in.channels, in.size(), input_dim));
  shapes_ = architecture_shapes_to_vector(*opts.arch, in);
  w2_ = opts.W_std * opts.W_std;
  b2_ = opts.b_std * opts.b_std;
  beta_ = opts.b_std > 0 ? 1.0 : 0.0;
  standard_ = opts.parameterization == Parameterization::standard;
  full_ = schedule == CnnSchedule::full_pairwise;
  for (const Layer& l : opts.arch->layers) full_ = full_ || l.kind == LayerKind::global_avg_pool;
  for (std::size_t i = 0; i < opts.arch->layers.size(); ++i) {
    const Layer& l = opts.arch->layers[i];
    const ImageShape &a = shapes_[i], &b = shapes_[i + 1];
    Step s;
    s.kind = l.kind;
    s.in_h = a.height;
    s.in_w = a.width;
    s.out_h = b.height;
    s.out_w = b.width;
    if (l.kind == LayerKind::conv) {
      s.kh = l.filter_h;
      s.kw = l.filter_w;
      s.sw = l.stride_w;
      s.identity = l.filter_h == 1 && l.filter_w == 1 && l.stride_h == 1 && l.stride_w == 1;
      std::int64_t n = 0;
      s.src_h = conv_axis_sources(a.height, l.filter_h, l.stride_h, l.padding, &n);
      s.src_w = conv_axis_sources(a.width, l.filter_w, l.stride_w, l.padding, &n);
    }
    s.fan_in = double(a.channels) * s.kh * s.kw;
    if (l.kind == LayerKind::activation) {
      s.dual_index = duals_.size();
      s.var_offset = var_size_;
      var_size_ += std::size_t(a.pixels());
      duals_.emplace_back(l.act, opts.quadrature_order);
    }
    steps_.push_back(std::move(s));
  }
  planes_ = full_ && schedule == CnnSchedule::automatic;
  for (std::size_t i = 0; planes_ && i < steps_.size(); ++i) {
    const Layer& l = opts.arch->layers[i];
    Step& s = steps_[i];
    if (l.kind == LayerKind::flatten || l.kind == LayerKind::global_avg_pool) break;
    if (l.kind != LayerKind::conv || s.identity) continue;
    planes_ = plane_eligible(l, i, &s.lo_h, &s.lo_w);
    pad_h_ = std::max({pad_h_, s.lo_h, s.kh - 1 - s.lo_h});
    pad_w_ = std::max({pad_w_, s.lo_w, s.kw - 1 - s.lo_w});
  }
}

namespace {

// For a stride-1 axis map (conv_axis_sources) of n pixels: true and *lo when tap t of output o reads o + t − lo
// wherever that lies in [0, n) and nothing elsewhere (SAME padding; CIRCULAR wraps and fails the check).
bool zero_padded_axis(const std::vector<int>& src, std::int64_t n, int k, int* lo) {
  bool found = false;
  for (std::int64_t o = 0; o < n && !found; ++o)
    for (int t = 0; t < k && !found; ++t)
      if (const int from = src[std::size_t(o * k + t)]; from >= 0) {
        *lo = int(o + t - from);
        found = true;
      }
  if (!found) return false;
  for (std::int64_t o = 0; o < n; ++o)
    for (int t = 0; t < k; ++t) {
      const std::int64_t from = o + t - *lo;
      if (src[std::size_t(o * k + t)] != (from >= 0 && from < n ? int(from) : -1)) return false;
    }
  return true;
}

}  // namespace

bool CnnKernel::plane_eligible(const Layer& l, std::size_t i, int* lo_h, int* lo_w) const {
  const ImageShape &a = shapes_[i], &b = shapes_[i + 1];
  const Step& s = steps_[i];
  return l.stride_h == 1 && l.stride_w == 1 && a.height == b.height && a.width == b.width &&
         zero_padded_axis(s.src_h, a.height, s.kh, lo_h) && zero_padded_axis(s.src_w, a.width, s.kw, lo_w);
}

void CnnKernel::affine(const Step& s, Workspace& ws, bool want_ntk, bool full) const {
  if (!s.identity) {
    cnn_box::box_filter(ws.k, ws.tk, ws.td, full, s.in_h, s.in_w, s.out_h, s.out_w, s.kh, s.kw, s.sw, s.src_h, s.src_w);
    if (want_ntk)
      cnn_box::box_filter(ws.th, ws.tt, ws.td, full, s.in_h, s.in_w, s.out_h, s.out_w, s.kh, s.kw, s.sw, s.src_h,
                          s.src_w);
    std::swap(ws.k, ws.tk);  // k = A(K), th = A(Θ)
    if (want_ntk) std::swap(ws.th, ws.tt);
  }
  // K ← w²·A(K) + b², Θ ← w²·A(Θ) + (standard ? n·A(K) + β : K_new); one branch-free loop per case (vectorised).
  const std::size_t n = ws.k.size();
  double* __restrict k = ws.k.data();
  double* __restrict th = ws.th.data();
  const double w2 = w2_, b2 = b2_, fan_in = s.fan_in, beta = beta_;
  if (want_ntk && standard_) {
    for (std::size_t i = 0; i < n; ++i) th[i] = w2 * th[i] + (fan_in * k[i] + beta);
  } else if (want_ntk) {
    for (std::size_t i = 0; i < n; ++i) th[i] = w2 * th[i] + (w2 * k[i] + b2);
  }
  for (std::size_t i = 0; i < n; ++i) k[i] = w2 * k[i] + b2;
}

void CnnKernel::activation(const Step& s, const double* v1, const double* v2, bool self, Workspace& ws, bool want_ntk,
                           bool full) const {
  const Dual& dual = duals_[s.dual_index];
  const std::int64_t P = s.in_h * s.in_w;
  ws.td.resize(std::size_t(P));
  if (!full) {
    if (self) {
      for (std::int64_t p = 0; p < P; ++p) {
        const DualValue d = dual.diagonal(v1[p]);  // exact: the pair formula's K11·K22 − K12² need not round to 0
        ws.k[std::size_t(p)] = d.T;
        ws.td[std::size_t(p)] = d.Tdot;
      }
    } else {
      dual.apply_pairs<double>(v1, v2, ws.k.data(), ws.td.data(), std::size_t(P));
    }
    if (want_ntk)
      for (std::int64_t p = 0; p < P; ++p) ws.th[std::size_t(p)] *= ws.td[std::size_t(p)];
    return;
  }
  for (std::int64_t p = 0; p < P; ++p) {
    double* k = ws.k.data() + p * P;
    dual.apply_row<double>(v1[p], v2, k, ws.td.data(), std::size_t(P));
    if (self) {
      const DualValue d = dual.diagonal(v1[p]);
      k[p] = d.T;
      ws.td[std::size_t(p)] = d.Tdot;
    }
    if (!want_ntk) continue;
    double* th = ws.th.data() + p * P;
    for (std::int64_t q = 0; q < P; ++q) th[q] *= ws.td[std::size_t(q)];
  }
}

void CnnKernel::collapse(const Step& s, Workspace& ws, bool want_ntk, bool full) const {
  const std::int64_t P = s.in_h * s.in_w;
  auto reduce = [&](std::vector<double>& v) {
    if (!full) {
      FixedOrderSum sum;
      sum.add(v.data(), v.size());
      v.assign(1, sum.total() / double(P));
    } else if (s.kind == LayerKind::flatten) {
      double sum = 0;
      for (std::int64_t p = 0; p < P; ++p) sum += v[std::size_t(p * P + p)];
      v.assign(1, sum / double(P));
    } else {
      double sum = 0;
      for (double x : v) sum += x;
      v.assign(1, sum / (double(P) * double(P)));
    }
  };
  reduce(ws.k);
  if (want_ntk) reduce(ws.th);
}

void CnnKernel::input_covariance(const double* x1, const double* x2, bool full, std::vector<double>& k) const {
  const ImageShape& in = shapes_.front();
  const std::int64_t P = in.pixels(), C = in.channels;
  using Map = Eigen::Map<const Matrix<double>>;
  const Map a(x1, P, C), b(x2, P, C);
  if (full) {
    k.resize(std::size_t(P * P));
    Eigen::Map<Matrix<double>>(k.data(), P, P).noalias() = (a * b.transpose()) / double(C);
  } else {
    k.assign(std::size_t(P), 0.0);  // Σ_c x1[p, c]·x2[p, c] / C, channel by channel (vectorised over pixels)
    double* __restrict out = k.data();
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t p = 0; p < P; ++p) out[p] += x1[p * C + c] * x2[p * C + c];
    for (std::int64_t p = 0; p < P; ++p) out[p] /= double(C);
  }
}

// The layers up to the first pooling on padded planes (cnn_kernel_planes.h); leaves the pooled scalars in ws.k /
// ws.th and returns the index of the next layer.
std::size_t CnnKernel::run_planes(const double* x1, const double* x2, const double* v1, const double* v2, bool self,
                                  double* record, Workspace& ws, bool want_ntk) const {
  const ImageShape& in = shapes_.front();
  const cnn_planes::Geometry g{in.height, in.width, pad_h_, pad_w_};
  cnn_planes::reset(ws.pk, g, pad_h_ + 1);
  if (want_ntk) cnn_planes::reset(ws.pt, g, pad_h_ + 1);
  cnn_planes::load_input(x1, x2, in.channels, g, ws.pk, ws.ps);
  CnnPlaneArray* t = want_ntk ? &ws.pt : nullptr;
  bool theta_zero = true;
  auto activate = [&](const Step& s) {
    return cnn_planes::Activate{&duals_[s.dual_index], v1 + s.var_offset, v2 + s.var_offset, self};
  };
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    switch (s.kind) {
      case LayerKind::dense:
      case LayerKind::conv: {
        const double taps = double(s.kh) * s.kw;
        const cnn_planes::Affine a{w2_ / taps, b2_, s.fan_in / taps, beta_, standard_};
        // The next activation joins this pass unless its variances are being recorded (they need the whole layer).
        const bool fuse = !record && i + 1 < steps_.size() && steps_[i + 1].kind == LayerKind::activation;
        const cnn_planes::Activate act = fuse ? activate(steps_[i + 1]) : cnn_planes::Activate{};
        if (s.identity)
          cnn_planes::pointwise_affine(ws.pk, t, theta_zero, g, a, fuse ? &act : nullptr, ws.ps);
        else
          cnn_planes::conv(ws.pk, t, theta_zero, g, {s.kh, s.kw, s.lo_h, s.lo_w}, a, fuse ? &act : nullptr, ws.ps);
        theta_zero = false;
        i += fuse ? 1 : 0;
        break;
      }
      case LayerKind::activation:
        if (record) {
          cnn_planes::diagonal(ws.pk, g, record + s.var_offset);
          v1 = v2 = record;
        }
        cnn_planes::activation(ws.pk, t, theta_zero, g, activate(s), ws.ps);
        break;
      case LayerKind::flatten:
      case LayerKind::global_avg_pool: {
        const bool gap = s.kind == LayerKind::global_avg_pool;
        ws.k.assign(1, cnn_planes::collapse(ws.pk, g, gap));
        if (want_ntk) ws.th.assign(1, theta_zero ? 0.0 : cnn_planes::collapse(ws.pt, g, gap));
        return i + 1;
      }
    }
  }
  throw std::logic_error("CnnKernel::run_planes: a full-mode architecture without pooling");
}

void CnnKernel::run(const double* x1, const double* x2, const double* v1, const double* v2, bool self, double* record,
                    Workspace& ws, bool want_ntk, bool full) const {
  std::size_t start = 0;
  if (full && planes_) {
    start = run_planes(x1, x2, v1, v2, self, record, ws, want_ntk);
  } else {
    input_covariance(x1, x2, full, ws.k);
    if (want_ntk) ws.th.assign(ws.k.size(), 0.0);
  }
  for (std::size_t i = start; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    switch (s.kind) {
      case LayerKind::dense:
      case LayerKind::conv: affine(s, ws, want_ntk, full); break;
      case LayerKind::activation: {
        if (record) {
          const std::int64_t Pa = s.in_h * s.in_w;
          for (std::int64_t p = 0; p < Pa; ++p)
            record[s.var_offset + std::size_t(p)] = ws.k[std::size_t(full ? p * Pa + p : p)];
          v1 = v2 = record;
        }
        activation(s, v1 + s.var_offset, v2 + s.var_offset, self, ws, want_ntk, full);
        break;
      }
      case LayerKind::flatten:
      case LayerKind::global_avg_pool: collapse(s, ws, want_ntk, full); break;
    }
  }
}

void CnnKernel::variances(const double* x, double* out, Workspace& ws) const {
  run(x, x, out, out, /*self=*/true, out, ws, /*want_ntk=*/false, full_);
}

void CnnKernel::pair(const double* x1, const double* x2, const double* v1, const double* v2, bool self, double* nngp,
                     double* ntk, Workspace& ws) const {
  run(x1, x2, v1, v2, self, nullptr, ws, ntk != nullptr, full_);
  if (nngp) *nngp = ws.k[0];
  if (ntk) *ntk = ws.th[0];
}

template <class T>
std::vector<double> cnn_kernel_variances(const CnnKernel& kernel, const MatrixRef<T>& X) {
  const std::size_t vs = kernel.variance_size();
  std::vector<double> out(vs * std::size_t(X.rows()));
  CnnKernel::Workspace ws;
  Vector<double> x;
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    x = X.row(i).template cast<double>().transpose();
    kernel.variances(x.data(), out.data() + vs * std::size_t(i), ws);
  }
  return out;
}

template <class T>
void cnn_kernel_block(const CnnKernel& kernel, const MatrixRef<T>& X1, const MatrixRef<T>* X2,
                      const std::vector<double>& var1, const std::vector<double>& var2, std::int64_t i0, std::int64_t m,
                      std::int64_t j0, std::int64_t n, T* nngp, T* ntk, std::int64_t ld) {
  const MatrixRef<T>& Y = X2 ? *X2 : X1;
  const bool diagonal_block = !X2 && i0 == j0;
  const std::size_t vs = kernel.variance_size();
  const Matrix<double> A = X1.middleRows(i0, m).template cast<double>(),
                       B = Y.middleRows(j0, n).template cast<double>();
  CnnKernel::Workspace ws;
  double k = 0, t = 0;
  for (std::int64_t r = 0; r < m; ++r)
    for (std::int64_t c = diagonal_block ? r : 0; c < n; ++c) {
      poll_interrupt();  // one pair of a full-covariance architecture can take milliseconds (≈ 30 ns per poll)
      kernel.pair(A.row(r).data(), B.row(c).data(), var1.data() + vs * std::size_t(i0 + r),
                  var2.data() + vs * std::size_t(j0 + c), diagonal_block && r == c, nngp ? &k : nullptr,
                  ntk ? &t : nullptr, ws);
      if (nngp) nngp[r * ld + c] = T(k);
      if (ntk) ntk[r * ld + c] = T(t);
    }
  if (!diagonal_block) return;
  for (std::int64_t r = 0; r < m; ++r)
    for (std::int64_t c = 0; c < r; ++c) {
      if (nngp) nngp[r * ld + c] = nngp[c * ld + r];
      if (ntk) ntk[r * ld + c] = ntk[c * ld + r];
    }
}

#define WIDTHLAB_CNN_KERNEL_INSTANTIATE(T)                                                                \
  template std::vector<double> cnn_kernel_variances<T>(const CnnKernel&, const MatrixRef<T>&);            \
  template void cnn_kernel_block<T>(const CnnKernel&, const MatrixRef<T>&, const MatrixRef<T>*,           \
                                    const std::vector<double>&, const std::vector<double>&, std::int64_t, \
                                    std::int64_t, std::int64_t, std::int64_t, T*, T*, std::int64_t);
WIDTHLAB_CNN_KERNEL_INSTANTIATE(float)
WIDTHLAB_CNN_KERNEL_INSTANTIATE(double)

}  // namespace widthlab
