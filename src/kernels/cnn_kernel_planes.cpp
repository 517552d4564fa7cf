// The padded-plane schedule of the full-mode CNN kernel recursion (cnn_kernel_planes.h, theory.md §3.9).
#include "cnn_kernel_planes.h"

#include <algorithm>

#include "fixed_order_sum.h"

namespace widthlab::cnn_planes {

namespace {

// dst[i] = Σ_s src[s][i] for i < n; up to three sources in one pass (the 3×3 filters), more in further passes.
void sum_of(double* __restrict dst, const double* const* src, int count, std::size_t n) {
  switch (count) {
    case 1: std::copy(src[0], src[0] + n, dst); return;
    case 2: {
      const double* __restrict a = src[0], * __restrict b = src[1];
      for (std::size_t i = 0; i < n; ++i) dst[i] = a[i] + b[i];
      return;
    }
    default: {
      const double* __restrict a = src[0], * __restrict b = src[1], * __restrict c = src[2];
      for (std::size_t i = 0; i < n; ++i) dst[i] = a[i] + b[i] + c[i];
      for (int s = 3; s < count; ++s) {
        const double* __restrict d = src[s];
        for (std::size_t i = 0; i < n; ++i) dst[i] += d[i];
      }
    }
  }
}

// Plain stores: the runs are 1–3 long, too short for the memset calls GCC would otherwise make of the loops.
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void zero_pad_columns(double* plane, const Geometry& g) {
  const std::int64_t Wp = g.Wp();
  for (std::int64_t r = g.ph; r < g.ph + g.H; ++r) {
    double* row = plane + r * Wp;
    for (std::int64_t j = 0; j < g.pw; ++j) row[j] = 0;
    for (std::int64_t j = g.pw + g.W; j < Wp; ++j) row[j] = 0;
  }
}

double* take_spare(CnnPlaneArray& a) {
  double* p = a.spare.back();
  a.spare.pop_back();
  return p;
}

// U[w] = Σ_a shift(rows[h1 + a − lo_h] plane w, (a − lo_h)·Wp) over the interior rows, for every w.
void sum_row_taps(const std::vector<double*>& rows, std::int64_t h1, const Geometry& g, const Taps& taps, double* U) {
  const std::size_t S = g.plane(), first = g.first(), len = g.length();
  std::vector<const double*> src;
  src.reserve(std::size_t(taps.kh));
  for (std::int64_t w = 0; w < g.W; ++w) {
    src.clear();
    for (int a = 0; a < taps.kh; ++a) {
      const std::int64_t h = h1 + a - taps.lo_h;
      if (h >= 0 && h < g.H)
        src.push_back(rows[std::size_t(h)] + std::size_t(w) * S + first + (a - taps.lo_h) * g.Wp());
    }
    sum_of(U + std::size_t(w) * S + first, src.data(), int(src.size()), len);
    zero_pad_columns(U + std::size_t(w) * S, g);  // the column pass reads them as SAME's zeros
  }
}

// dst = Σ_b shift(U[w1 + b − lo_w], b − lo_w) over the interior rows of one output plane.
void sum_column_taps(const double* U, std::int64_t w1, const Geometry& g, const Taps& taps, double* dst) {
  const std::size_t S = g.plane(), first = g.first();
  const double* src[16];
  std::vector<const double*> many;
  const double** s = taps.kw <= 16 ? src : (many.resize(std::size_t(taps.kw)), many.data());
  int count = 0;
  for (int b = 0; b < taps.kw; ++b) {
    const std::int64_t w = w1 + b - taps.lo_w;
    if (w >= 0 && w < g.W) s[count++] = U + std::size_t(w) * S + first + (b - taps.lo_w);
  }
  sum_of(dst + first, s, count, g.length());
}

// The affine map (Affine) on one output plane pair over the interior rows; A(K) in k, A(Θ) in t (t == nullptr: no
// NTK; A(Θ) is ignored when theta_zero).
void affine_plane(double* __restrict k, double* __restrict t, bool theta_zero, const Geometry& g, const Affine& a) {
  const std::size_t first = g.first(), end = first + g.length();
  if (t && theta_zero) {  // t holds stale values; they are not read
    for (std::size_t i = first; i < end; ++i) t[i] = a.standard ? a.sn * k[i] + a.beta : a.sk * k[i] + a.b2;
  } else if (t) {
    for (std::size_t i = first; i < end; ++i)
      t[i] = a.sk * t[i] + (a.standard ? a.sn * k[i] + a.beta : a.sk * k[i] + a.b2);
  }
  for (std::size_t i = first; i < end; ++i) k[i] = a.sk * k[i] + a.b2;
}

// The activation on the output plane of pixel p = (h1, w1): K ← T, Θ ← Ṫ·Θ (t == nullptr: no NTK). s.v2 holds the
// padded variances of the second image (prepare_activation).
void activate_plane(double* pk, double* pt, std::int64_t h1, std::int64_t w1, const Geometry& g, const Activate& act,
                    CnnPlaneScratch& s) {
  const std::size_t first = g.first(), len = g.length(), me = g.at(h1, w1);
  const double v1 = act.v1[h1 * g.W + w1];
  act.dual->apply_row<double>(v1, s.v2.data() + first, pk + first, s.td.data() + first, len);
  if (act.self) {
    const DualValue d = act.dual->diagonal(v1);  // exact, as the pairwise schedule
    pk[me] = d.T;
    s.td[me] = d.Tdot;
  }
  if (!pt) return;
  const double* __restrict td = s.td.data();
  for (std::size_t i = first; i < first + len; ++i) pt[i] *= td[i];
}

// The border of v2 is 1 so that the dual stays finite there; its values are re-zeroed.
void prepare_activation(const Activate& act, const Geometry& g, CnnPlaneScratch& s) {
  s.v2.assign(g.plane(), 1.0);
  for (std::int64_t h2 = 0; h2 < g.H; ++h2)
    std::copy(act.v2 + h2 * g.W, act.v2 + (h2 + 1) * g.W, s.v2.data() + g.at(h2, 0));
  s.td.assign(g.plane(), 0.0);
}

}  // namespace

void reset(CnnPlaneArray& a, const Geometry& g, int extra) {
  const std::size_t slots = std::size_t(g.H + extra);
  if (a.slots.size() != slots * g.row()) a.slots.assign(slots * g.row(), 0.0);
  a.row.resize(std::size_t(g.H));
  a.spare.clear();
  for (std::size_t h = 0; h < slots; ++h) {
    double* p = a.slots.data() + h * g.row();
    if (h < std::size_t(g.H))
      a.row[h] = p;
    else
      a.spare.push_back(p);
  }
}

void load_input(const double* x1, const double* x2, std::int64_t C, const Geometry& g, CnnPlaneArray& k,
                CnnPlaneScratch& s) {
  const std::int64_t P = g.H * g.W;
  s.xt.resize(std::size_t(C * P));  // x2 channel-major, so that each plane row is a run over pixels
  for (std::int64_t q = 0; q < P; ++q)
    for (std::int64_t c = 0; c < C; ++c) s.xt[std::size_t(c * P + q)] = x2[q * C + c] / double(C);
  for (std::int64_t h1 = 0; h1 < g.H; ++h1)
    for (std::int64_t w1 = 0; w1 < g.W; ++w1) {
      const double* a = x1 + (h1 * g.W + w1) * C;
      double* plane = k.row[std::size_t(h1)] + std::size_t(w1) * g.plane();
      for (std::int64_t h2 = 0; h2 < g.H; ++h2) {
        double* __restrict dst = plane + g.at(h2, 0);
        for (std::int64_t w2 = 0; w2 < g.W; ++w2) dst[w2] = a[0] * s.xt[std::size_t(h2 * g.W + w2)];
        for (std::int64_t c = 1; c < C; ++c) {
          const double* __restrict src = s.xt.data() + c * P + h2 * g.W;
          for (std::int64_t w2 = 0; w2 < g.W; ++w2) dst[w2] += a[c] * src[w2];
        }
      }
    }
}

void conv(CnnPlaneArray& k, CnnPlaneArray* t, bool theta_zero, const Geometry& g, const Taps& taps, const Affine& a,
          const Activate* act, CnnPlaneScratch& s) {
  const std::size_t S = g.plane(), n = std::size_t(g.W) * S;
  if (act) prepare_activation(*act, g, s);
  const bool sum_t = t && !theta_zero;
  if (s.uk.size() != n) s.uk.assign(n, 0.0);
  if (sum_t && s.ut.size() != n) s.ut.assign(n, 0.0);
  const std::vector<double*> in_k = k.row, in_t = t ? t->row : std::vector<double*>{};  // the rows before this layer
  auto recycle = [&](std::int64_t h) {
    k.spare.push_back(in_k[std::size_t(h)]);
    if (t) t->spare.push_back(in_t[std::size_t(h)]);
  };
  for (std::int64_t h1 = 0; h1 < g.H; ++h1) {
    sum_row_taps(in_k, h1, g, taps, s.uk.data());
    if (sum_t) sum_row_taps(in_t, h1, g, taps, s.ut.data());
    double *out_k = take_spare(k), *out_t = t ? take_spare(*t) : nullptr;
    for (std::int64_t w1 = 0; w1 < g.W; ++w1) {
      double *pk = out_k + std::size_t(w1) * S, *pt = t ? out_t + std::size_t(w1) * S : nullptr;
      sum_column_taps(s.uk.data(), w1, g, taps, pk);
      if (sum_t) sum_column_taps(s.ut.data(), w1, g, taps, pt);
      affine_plane(pk, pt, theta_zero, g, a);
      if (act) activate_plane(pk, pt, h1, w1, g, *act, s);
    }
    k.row[std::size_t(h1)] = out_k;
    if (t) t->row[std::size_t(h1)] = out_t;
    if (h1 >= taps.lo_h) recycle(h1 - taps.lo_h);  // later output rows read input rows ≥ h1 + 1 − lo_h only
  }
  for (std::int64_t h = std::max<std::int64_t>(g.H - taps.lo_h, 0); h < g.H; ++h) recycle(h);
}

void pointwise_affine(CnnPlaneArray& k, CnnPlaneArray* t, bool theta_zero, const Geometry& g, const Affine& a,
                      const Activate* act, CnnPlaneScratch& s) {
  const std::size_t S = g.plane();
  if (act) prepare_activation(*act, g, s);
  for (std::int64_t h1 = 0; h1 < g.H; ++h1)
    for (std::int64_t w1 = 0; w1 < g.W; ++w1) {
      const std::size_t at = std::size_t(w1) * S;
      double *pk = k.row[std::size_t(h1)] + at, *pt = t ? t->row[std::size_t(h1)] + at : nullptr;
      affine_plane(pk, pt, theta_zero, g, a);
      if (act) activate_plane(pk, pt, h1, w1, g, *act, s);
    }
}

void activation(CnnPlaneArray& k, CnnPlaneArray* t, bool theta_zero, const Geometry& g, const Activate& act,
                CnnPlaneScratch& s) {
  prepare_activation(act, g, s);
  CnnPlaneArray* nt = theta_zero ? nullptr : t;
  for (std::int64_t h1 = 0; h1 < g.H; ++h1)
    for (std::int64_t w1 = 0; w1 < g.W; ++w1) {
      const std::size_t at = std::size_t(w1) * g.plane();
      activate_plane(k.row[std::size_t(h1)] + at, nt ? nt->row[std::size_t(h1)] + at : nullptr, h1, w1, g, act, s);
    }
}

void diagonal(const CnnPlaneArray& k, const Geometry& g, double* out) {
  for (std::int64_t h = 0; h < g.H; ++h)
    for (std::int64_t w = 0; w < g.W; ++w)
      out[h * g.W + w] = k.row[std::size_t(h)][std::size_t(w) * g.plane() + g.at(h, w)];
}

double collapse(CnnPlaneArray& k, const Geometry& g, bool gap) {
  const double P = double(g.H * g.W);
  if (!gap) {
    double sum = 0;
    for (std::int64_t h = 0; h < g.H; ++h)
      for (std::int64_t w = 0; w < g.W; ++w) sum += k.row[std::size_t(h)][std::size_t(w) * g.plane() + g.at(h, w)];
    return sum / P;
  }
  // The pad columns are zeroed first (they hold garbage), then eight partial sums run over the interior rows, so
  // that the reduction vectorises; the order is fixed, so the result is reproducible.
  FixedOrderSum sum;
  for (std::int64_t h = 0; h < g.H; ++h)
    for (std::int64_t w = 0; w < g.W; ++w) {
      double* plane = k.row[std::size_t(h)] + std::size_t(w) * g.plane();
      zero_pad_columns(plane, g);
      sum.add(plane + g.first(), g.length());
    }
  return sum.total() / (P * P);
}

}  // namespace widthlab::cnn_planes
