#include "widthlab/dual.h"

// Eigen packet types carry alignment attributes that GCC reports as ignored in template arguments; harmless here.
#pragma GCC diagnostic ignored "-Wignored-attributes"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

namespace widthlab {
namespace {

constexpr double kPi = 3.14159265358979323846;

namespace ei = Eigen::internal;

// fast_atan2 (dual.h) on SIMD packets through Eigen's packet primitives: the same operations in the same order, so
// packet and scalar results agree. (Plain loops over the scalar form do not vectorise under GCC's default
// -ftrapping-math / -fmath-errno, which block if-conversion of the selects and the sqrt.)
template <class P>
P patan2(const P& y, const P& x) {
  using S = typename ei::unpacket_traits<P>::type;
  const P zero = ei::pset1<P>(S(0)), one = ei::pset1<P>(S(1));
  const P ax = ei::pabs(x), ay = ei::pabs(y);
  const P swap = ei::pcmp_lt(ax, ay);
  const P mx = ei::pselect(swap, ay, ax), mn = ei::pselect(swap, ax, ay);
  const P den = ei::pselect(ei::pcmp_lt(zero, mx), mx, one);
  const P big = ei::pcmp_lt(ei::pmul(ei::pset1<P>(S(0.41421356237309504880)), den), mn);
  const P r = ei::pdiv(ei::pselect(big, ei::psub(mn, mx), mn), ei::pselect(big, ei::padd(mn, mx), den));
  const P z = ei::pmul(r, r);
  P p;
  if constexpr (sizeof(S) == 4) {
    P q = ei::pset1<P>(S(8.05374449538e-2));
    q = ei::padd(ei::pmul(q, z), ei::pset1<P>(S(-1.38776856032e-1)));
    q = ei::padd(ei::pmul(q, z), ei::pset1<P>(S(1.99777106478e-1)));
    q = ei::padd(ei::pmul(q, z), ei::pset1<P>(S(-3.33329491539e-1)));
    p = ei::padd(ei::pmul(ei::pmul(q, z), r), r);
  } else {
    P Pn = ei::pset1<P>(S(-8.750608600031904122785e-1));
    Pn = ei::padd(ei::pmul(Pn, z), ei::pset1<P>(S(-1.615753718733365076637e1)));
    Pn = ei::padd(ei::pmul(Pn, z), ei::pset1<P>(S(-7.500855792314704667340e1)));
    Pn = ei::padd(ei::pmul(Pn, z), ei::pset1<P>(S(-1.228866684490136173410e2)));
    Pn = ei::padd(ei::pmul(Pn, z), ei::pset1<P>(S(-6.485021904942025371773e1)));
    P Qd = ei::padd(z, ei::pset1<P>(S(2.485846490142306297962e1)));
    Qd = ei::padd(ei::pmul(Qd, z), ei::pset1<P>(S(1.650270098316988542046e2)));
    Qd = ei::padd(ei::pmul(Qd, z), ei::pset1<P>(S(4.328810604912902668951e2)));
    Qd = ei::padd(ei::pmul(Qd, z), ei::pset1<P>(S(4.853903996359136964868e2)));
    Qd = ei::padd(ei::pmul(Qd, z), ei::pset1<P>(S(1.945506571482613964425e2)));
    p = ei::padd(r, ei::pmul(ei::pmul(r, z), ei::pdiv(Pn, Qd)));
  }
  const P a0 = ei::padd(ei::pselect(big, ei::pset1<P>(S(0.78539816339744830962)), zero), p);
  const P a1 = ei::pselect(swap, ei::psub(ei::pset1<P>(S(1.57079632679489661923)), a0), a0);
  const P a2 = ei::pselect(ei::pcmp_lt(x, zero), ei::psub(ei::pset1<P>(S(3.14159265358979323846)), a1), a1);
  return ei::pselect(ei::pcmp_lt(y, zero), ei::pnegate(a2), a2);
}

// The row functions read K11 as one value for the whole row (kPerEntry = false: k11[0]) or one per entry
// (kPerEntry = true: k11[j]); the arithmetic per entry is the same either way.
template <bool kPerEntry, class P, class S>
P k11_packet(const S* k11, std::size_t j) {
  return kPerEntry ? ei::ploadu<P>(k11 + j) : ei::pset1<P>(k11[0]);
}

template <class S, bool kPerEntry>
void abrelu_row(double a, double b, const S* __restrict k11, const S* __restrict k22, S* __restrict k12,
                S* __restrict tdot, std::size_t n) {
  using P = typename ei::packet_traits<S>::type;
  constexpr std::size_t W = ei::unpacket_traits<P>::size;
  const S c0 = S((a * a + b * b) / 2), c1 = S((a - b) * (a - b) / (2 * kPi));
  std::size_t j = 0;
  if constexpr (W > 1) {
    const P pc0 = ei::pset1<P>(c0), pc1 = ei::pset1<P>(c1), zero = ei::pset1<P>(S(0));
    for (; j + W <= n; j += W) {
      const P q = ei::ploadu<P>(k12 + j);
      const P pk11 = k11_packet<kPerEntry, P>(k11, j);
      const P d = ei::pmax(ei::psub(ei::pmul(pk11, ei::ploadu<P>(k22 + j)), ei::pmul(q, q)), zero);
      const P s = ei::psqrt(d);
      const P td = ei::psub(pc0, ei::pmul(pc1, patan2(s, q)));
      ei::pstoreu(tdot + j, td);
      ei::pstoreu(k12 + j, ei::padd(ei::pmul(pc1, s), ei::pmul(td, q)));
    }
  }
  for (; j < n; ++j) {
    const S q = k12[j];
    S d = k11[kPerEntry ? j : 0] * k22[j] - q * q;
    d = d > S(0) ? d : S(0);
    const S s = std::sqrt(d);
    const S td = c0 - c1 * fast_atan2(s, q);
    tdot[j] = td;
    k12[j] = c1 * s + td * q;
  }
}

template <class S, bool kPerEntry>
void erf_row(const S* __restrict k11, const S* __restrict k22, S* __restrict k12, S* __restrict tdot, std::size_t n) {
  using P = typename ei::packet_traits<S>::type;
  constexpr std::size_t W = ei::unpacket_traits<P>::size;
  const S two_pi = S(2 / kPi), four_pi = S(4 / kPi);
  std::size_t j = 0;
  if constexpr (W > 1) {
    const P one = ei::pset1<P>(S(1)), two = ei::pset1<P>(S(2)), four = ei::pset1<P>(S(4)), p2 = ei::pset1<P>(two_pi),
            p4 = ei::pset1<P>(four_pi);
    for (; j + W <= n; j += W) {
      const P q = ei::ploadu<P>(k12 + j), k2 = ei::ploadu<P>(k22 + j);
      const P pk11 = k11_packet<kPerEntry, P>(k11, j), pa = ei::padd(one, ei::pmul(two, pk11));
      const P e = ei::psub(ei::pmul(pa, ei::padd(one, ei::pmul(two, k2))),
                           ei::pmul(four, ei::pmin(ei::pmul(q, q), ei::pmul(pk11, k2))));
      const P r = ei::psqrt(e);
      ei::pstoreu(tdot + j, ei::pdiv(p4, r));
      ei::pstoreu(k12 + j, ei::pmul(p2, patan2(ei::pmul(two, q), r)));
    }
  }
  for (; j < n; ++j) {
    const S q = k12[j], p = k11[kPerEntry ? j : 0] * k22[j], q2 = q * q, a = S(1) + S(2) * k11[kPerEntry ? j : 0];
    const S e = a * (S(1) + S(2) * k22[j]) - S(4) * (q2 < p ? q2 : p);  // ≥ 1 + 2K11 + 2K22 ≥ 1
    const S r = std::sqrt(e);
    tdot[j] = four_pi / r;
    k12[j] = two_pi * fast_atan2(S(2) * q, r);  // asin(2q / √((1+2K11)(1+2K22)))
  }
}

}  // namespace

void gauss_hermite(int n, std::vector<double>& nodes, std::vector<double>& weights) {
  // Jacobi matrix of the monic probabilists' Hermite recurrence: off-diagonal √k.
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
  for (int k = 1; k < n; ++k) J(k, k - 1) = J(k - 1, k) = std::sqrt(double(k));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(J);
  nodes.resize(n);
  weights.resize(n);
  for (int i = 0; i < n; ++i) {
    nodes[i] = es.eigenvalues()(i);
    weights[i] = es.eigenvectors()(0, i) * es.eigenvectors()(0, i);
  }
  // Symmetrise (the rule is exactly symmetric; this removes eigen-solver noise).
  for (int i = 0; i < n / 2; ++i) {
    double x = 0.5 * (nodes[n - 1 - i] - nodes[i]), w = 0.5 * (weights[i] + weights[n - 1 - i]);
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = weights[n - 1 - i] = w;
  }
  if (n % 2) nodes[n / 2] = 0.0;
  double sum = 0;
  for (double w : weights) sum += w;
  for (double& w : weights) w /= sum;
}

namespace {

// The composite rule of dual_composite (dual.h): kPanelPoints-point Gauss–Legendre on panels of [−kTail, kTail]
// (the N(0,1) mass beyond 8 is 1.2e-15), kUniformPanels equal panels refined geometrically toward the point where φ
// or φ' changes on the scale h. Chosen as the cheapest of the meshes tried (step 2–4, 8–14 points, tail 8–9) that
// keeps the error against erf's closed form below 1e-11 for K from 1.1 to 1e6: about 11 000 activation calls per
// entry at K ≈ 1 (order-64 Gauss–Hermite: 4096).
constexpr int kPanelPoints = 10, kUniformPanels = 6;
constexpr double kTail = 8.0, kStep = 2 * kTail / kUniformPanels, kMinScale = 1e-12;
// v's conditional spread s2·c below which the inner integral is φ(s2·ρ·z1) itself: its effect, ~(s2·c)²·φ'', is below
// float64 rounding, and a pair whose ρ is 1 up to rounding then gets exactly the diagonal's rule.
constexpr double kNegligibleSpread = 1e-7;
constexpr int kMaxBreakpoints = kUniformPanels + 2 + 2 * 42;  // uniform + p + 2 · log2(kStep / kMinScale)

struct LegendreRule {
  double x[kPanelPoints], w[kPanelPoints];
};

// Golub–Welsch for the Legendre recurrence (off-diagonal k/√(4k²−1)) on [−1, 1], weights summing to 2.
const LegendreRule& legendre_rule() {
  static const LegendreRule rule = [] {
    Eigen::MatrixXd J = Eigen::MatrixXd::Zero(kPanelPoints, kPanelPoints);
    for (int k = 1; k < kPanelPoints; ++k) J(k, k - 1) = J(k - 1, k) = k / std::sqrt(4.0 * k * k - 1);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(J);
    LegendreRule r;
    for (int i = 0; i < kPanelPoints; ++i) {
      r.x[i] = es.eigenvalues()(i);
      r.w[i] = 2 * es.eigenvectors()(0, i) * es.eigenvectors()(0, i);
    }
    return r;
  }();
  return rule;
}

// Σ over the graded rule's nodes z of w(z)·g(z) ≈ E[g(Z)], Z ~ N(0, 1) (w includes the density): breakpoints at the
// uniform mesh, at p and at p ± h·2^k below kStep, so a panel near p is as wide as its distance to p.
template <class G>
void graded_gaussian_sum(double p, double h, G&& g) {
  double bp[kMaxBreakpoints];
  int n = 0;
  for (int i = 0; i <= kUniformPanels; ++i) bp[n++] = -kTail + i * kStep;
  h = std::max(h, kMinScale);
  if (std::fabs(p) < kTail) bp[n++] = p;
  for (double d = h; d < kStep; d *= 2)
    for (double x : {p - d, p + d})
      if (std::fabs(x) < kTail) bp[n++] = x;
  std::sort(bp, bp + n);
  const LegendreRule& r = legendre_rule();
  const double inv_sqrt_2pi = 1 / std::sqrt(2 * kPi);
  for (int i = 0; i + 1 < n; ++i) {
    const double half = (bp[i + 1] - bp[i]) / 2, mid = (bp[i + 1] + bp[i]) / 2;
    if (half <= 0) continue;
    for (int k = 0; k < kPanelPoints; ++k) {
      const double z = mid + half * r.x[k];
      g(z, half * r.w[k] * inv_sqrt_2pi * std::exp(-z * z / 2));
    }
  }
}

}  // namespace

DualValue dual_composite(const Activation& act, double k11, double k22, double k12) {
  if (k11 > k22) std::swap(k11, k22);  // symmetric in (K11, K22) bit for bit, as dual_quadrature
  const double s1 = std::sqrt(std::max(k11, 0.0)), s2 = std::sqrt(std::max(k22, 0.0));
  const double rho = s1 * s2 > 0 ? std::clamp(k12 / (s1 * s2), -1.0, 1.0) : 0.0;
  const double c = std::sqrt(std::max(1.0 - rho * rho, 0.0));
  // u = s1·z1 changes at z1 = 0 on the scale 1/s1. The inner integral over z2 is φ(v) smoothed over a width s2·c in v,
  // so it changes at z1 = 0 on the scale (c + 1/s2)/|ρ| ≥ min(c, 1/s2): c for a kink of φ or φ' (relu, a saturated
  // tanh), 1/s2 for a smooth φ. (A negligible spread: no inner integral.)
  const double h1 =
      std::min({1.0, s1 > 0 ? 1 / s1 : 1.0, s2 > 0 ? 1 / s2 : 1.0, c * s2 >= kNegligibleSpread ? c : 1.0});
  DualValue out;
  graded_gaussian_sum(0.0, h1, [&](double z1, double w1) {
    const double u = s1 * z1;
    double fu, du;
    activation_formula::value_and_derivative(act.kind, act.param, u, fu, du);
    double sf = 0, sd = 0;
    if (c * s2 < kNegligibleSpread) {  // v = s2·ρ·z1 (+ a spread whose effect, ~(s2·c)², is below rounding)
      activation_formula::value_and_derivative(act.kind, act.param, s2 * rho * z1, sf, sd);
    } else {  // v = s2(ρ z1 + c z2) crosses 0 at z2 = −ρ z1 / c, on the scale 1/(s2 c)
      graded_gaussian_sum(-rho * z1 / c, std::min(1.0, 1 / (s2 * c)), [&](double z2, double w2) {
        double fv, dv;
        activation_formula::value_and_derivative(act.kind, act.param, s2 * (rho * z1 + c * z2), fv, dv);
        sf += w2 * fv;
        sd += w2 * dv;
      });
    }
    out.T += w1 * fu * sf;
    out.Tdot += w1 * du * sd;
  });
  return out;
}

DualValue dual_quadrature(const Activation& act, double k11, double k22, double k12, const std::vector<double>& nodes,
                          const std::vector<double>& weights) {
  // T and Ṫ are symmetric in (K11, K22); a canonical order makes the quadrature exactly symmetric too, so that
  // kernel(x, x') == kernel(x', x) bit for bit.
  if (k11 > k22) std::swap(k11, k22);
  const double s1 = std::sqrt(std::max(k11, 0.0)), s2 = std::sqrt(std::max(k22, 0.0));
  double rho = s1 * s2 > 0 ? std::clamp(k12 / (s1 * s2), -1.0, 1.0) : 0.0;
  const double c = std::sqrt(std::max(1.0 - rho * rho, 0.0));
  const std::size_t n = nodes.size();
  DualValue out;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = s1 * nodes[i];
    double fu, du;
    activation_formula::value_and_derivative(act.kind, act.param, u, fu, du);
    double sf = 0, sd = 0;
    for (std::size_t j = 0; j < n; ++j) {
      double fv, dv;
      activation_formula::value_and_derivative(act.kind, act.param, s2 * (rho * nodes[i] + c * nodes[j]), fv, dv);
      sf += weights[j] * fv;
      sd += weights[j] * dv;
    }
    out.T += weights[i] * fu * sf;
    out.Tdot += weights[i] * du * sd;
  }
  return out;
}

Dual::Dual(const Activation& act, int quadrature_order) : act_(act) {
  if (act.abrelu(&a_, &b_)) {
    mode_ = Mode::abrelu;
  } else if (act.kind == ActivationKind::erf) {
    mode_ = Mode::erf;
  } else if (act.kind == ActivationKind::sin) {
    mode_ = Mode::sin;
  } else {
    mode_ = Mode::quadrature;
    gauss_hermite(quadrature_order > 0 ? quadrature_order : kDefaultQuadratureOrder, nodes_, weights_);
  }
}

DualValue Dual::scalar(double k11, double k22, double k12) const {
  if (mode_ == Mode::sin) {  // E[sin u sin v] = e^{−(K11+K22)/2} sinh K12, E[cos u cos v] = … cosh K12
    const double m = -(k11 + k22) / 2;
    return {(std::exp(m + k12) - std::exp(m - k12)) / 2, (std::exp(m + k12) + std::exp(m - k12)) / 2};
  }
  if (std::max(k11, k22) > kGaussHermiteMaxVariance) return dual_composite(act_, k11, k22, k12);
  return dual_quadrature(act_, k11, k22, k12, nodes_, weights_);
}

DualValue Dual::operator()(double k11, double k22, double k12) const {
  DualValue v;
  if (mode_ == Mode::quadrature || mode_ == Mode::sin) return scalar(k11, k22, k12);
  double q = k12;
  apply_row<double>(k11, &k22, &q, &v.Tdot, 1);
  v.T = q;
  return v;
}

DualValue Dual::diagonal(double k) const {
  switch (mode_) {
    case Mode::abrelu: return {(a_ * a_ + b_ * b_) / 2 * k, (a_ * a_ + b_ * b_) / 2};
    case Mode::erf: {
      const double e = 1 + 4 * k;  // (1+2k)² − 4k²
      return {2 / kPi * std::asin(2 * k / (1 + 2 * k)), 4 / kPi / std::sqrt(e)};
    }
    case Mode::quadrature:
    case Mode::sin: return scalar(k, k, k);
  }
  return {};
}

template <class S, bool kPerEntry>
void Dual::apply(const S* k11, const S* k22, S* k12, S* tdot, std::size_t n) const {
  switch (mode_) {
    case Mode::abrelu: abrelu_row<S, kPerEntry>(a_, b_, k11, k22, k12, tdot, n); return;
    case Mode::erf: erf_row<S, kPerEntry>(k11, k22, k12, tdot, n); return;
    case Mode::quadrature:
    case Mode::sin:
      for (std::size_t j = 0; j < n; ++j) {
        const double v11 = double(k11[kPerEntry ? j : 0]);
        const DualValue v = scalar(v11, double(k22[j]), double(k12[j]));
        k12[j] = S(v.T);
        tdot[j] = S(v.Tdot);
      }
      return;
  }
}

template <class S>
void Dual::apply_row(S k11, const S* k22, S* k12, S* tdot, std::size_t n) const {
  apply<S, false>(&k11, k22, k12, tdot, n);
}

template <class S>
void Dual::apply_pairs(const S* k11, const S* k22, S* k12, S* tdot, std::size_t n) const {
  apply<S, true>(k11, k22, k12, tdot, n);
}

template void Dual::apply_row<float>(float, const float*, float*, float*, std::size_t) const;
template void Dual::apply_row<double>(double, const double*, double*, double*, std::size_t) const;
template void Dual::apply_pairs<float>(const float*, const float*, float*, float*, std::size_t) const;
template void Dual::apply_pairs<double>(const double*, const double*, double*, double*, std::size_t) const;

}  // namespace widthlab
