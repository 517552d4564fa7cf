// Gaussian duals (theory.md §3.8): closed forms vs an independent float64 quadrature, quadrature vs Monte-Carlo, the
// composite rule vs closed forms and a 1-D Simpson rule at large variances, sin's closed form vs quadrature,
// Ṫ = ∂T/∂K12 (Price's theorem) by central differences, fast_atan2 vs libm, edge cases.
#include "widthlab/dual.h"

#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <random>

using namespace widthlab;

namespace {

constexpr double kPi = 3.14159265358979323846;

// Gauss–Legendre on [−1, 1] by Golub–Welsch (independent of the Hermite rule under test).
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w) {
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
  for (int k = 1; k < n; ++k) J(k, k - 1) = J(k - 1, k) = k / std::sqrt(4.0 * k * k - 1.0);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(J);
  x.resize(n);
  w.resize(n);
  for (int i = 0; i < n; ++i) {
    x[i] = es.eigenvalues()(i);
    w[i] = 2 * es.eigenvectors()(0, i) * es.eigenvectors()(0, i);
  }
}

// Reference for positively homogeneous φ: (u, v) = r·(L11 cos α, L21 cos α + L22 sin α) with (r, α) the polar form
// of a standard 2-D normal; E[r²] = 2 and E[r⁰] = 1 make the radial part exact, the angular integral is split at
// the kinks (where u or v changes sign) and done by 40-point Gauss–Legendre per piece.
DualValue polar_reference(const Activation& act, double k11, double k22, double k12) {
  const double L11 = std::sqrt(k11), L21 = L11 > 0 ? k12 / L11 : 0.0;
  const double L22 = std::sqrt(std::max(k22 - L21 * L21, 0.0));
  std::vector<double> cuts = {0, kPi / 2, 3 * kPi / 2, 2 * kPi};
  double a = std::atan2(-L21, L22);
  for (double c : {a, a + kPi, a + 2 * kPi, a - kPi})
    if (c > 0 && c < 2 * kPi) cuts.push_back(c);
  std::sort(cuts.begin(), cuts.end());
  std::vector<double> x, w;
  gauss_legendre(40, x, w);
  DualValue out;
  for (std::size_t p = 0; p + 1 < cuts.size(); ++p) {
    const double lo = cuts[p], hi = cuts[p + 1], h = (hi - lo) / 2;
    if (h <= 0) continue;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double al = lo + h * (x[i] + 1);
      const double u = L11 * std::cos(al), v = L21 * std::cos(al) + L22 * std::sin(al);
      out.T += w[i] * h * act.value(u) * act.value(v) * 2.0 / (2 * kPi);
      out.Tdot += w[i] * h * act.derivative(u) * act.derivative(v) / (2 * kPi);
    }
  }
  return out;
}

struct Cov {
  double k11, k22, k12;
};
std::vector<Cov> random_covs(int n, double kmax, unsigned seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> U(0, 1);
  std::vector<Cov> v;
  for (int i = 0; i < n; ++i) {
    double k11 = 0.01 + kmax * U(g), k22 = 0.01 + kmax * U(g), rho = 2 * U(g) - 1;
    if (i % 7 == 0) rho = 1;
    if (i % 7 == 1) rho = -1;
    if (i % 7 == 2) rho = 0;
    v.push_back({k11, k22, rho * std::sqrt(k11 * k22)});
  }
  return v;
}

// The registry's activations whose dual is computed by quadrature (no closed form): every one the tests below check,
// a new one included, and at least the four known today.
std::vector<std::string> quadrature_activations() {
  std::vector<std::string> names;
  for (const auto& info : activation_registry())
    if (!Dual(activation_from_name(info.name)).closed_form()) names.push_back(info.name);
  EXPECT_GE(names.size(), 4u) << "tanh, gelu, sigmoid and softplus have no closed-form dual";
  return names;
}

}  // namespace

TEST(FastAtan2, MatchesLibm) {
  std::mt19937_64 g(7);
  std::normal_distribution<double> N(0, 1);
  std::uniform_real_distribution<double> E(-20, 20);
  double err_d = 0, err_f = 0;
  for (int i = 0; i < 200000; ++i) {
    double y = N(g) * std::exp(E(g) / 4), x = N(g) * std::exp(E(g) / 4);
    if (i % 11 == 0) y = std::fabs(y) * 1e-9;  // near the positive x axis / near ±π
    err_d = std::max(err_d, std::fabs(fast_atan2(y, x) - std::atan2(y, x)));
    float yf = float(y), xf = float(x);
    err_f = std::max(err_f, double(std::fabs(fast_atan2(yf, xf) - float(std::atan2(double(yf), double(xf))))));
  }
  EXPECT_LE(err_d, 4.5e-16);
  EXPECT_LE(err_f, 2.4e-7);
  EXPECT_EQ(fast_atan2(0.0, 0.0), 0.0);
  EXPECT_NEAR(fast_atan2(0.0, -1.0), kPi, 1e-15);
  EXPECT_NEAR(fast_atan2(1.0, 0.0), kPi / 2, 1e-15);
  EXPECT_NEAR(fast_atan2(-1.0, 0.0), -kPi / 2, 1e-15);
}

TEST(Dual, AbreluClosedFormsMatchPolarQuadrature) {
  for (const char* name : {"relu", "leaky_relu:0.1", "leaky_relu:0.7", "abs", "identity"}) {
    Activation act = activation_from_name(name);
    Dual dual(act);
    ASSERT_TRUE(dual.closed_form());
    for (const Cov& c : random_covs(300, 5.0, 11)) {
      DualValue ref = polar_reference(act, c.k11, c.k22, c.k12), v = dual(c.k11, c.k22, c.k12);
      const double sT = std::sqrt(c.k11 * c.k22);
      EXPECT_NEAR(v.T, ref.T, 1e-12 * sT) << name << " K=" << c.k11 << "," << c.k22 << "," << c.k12;
      // At |ρ| → 1, θ ≈ √(2(1 − |ρ|)) turns the covariance's rounding (1e-16) into ~1e-8 in θ: the problem's own
      // conditioning, shared by the reference.
      const double tol_d = std::fabs(c.k12) > 0.999 * sT ? 1e-7 : 1e-12;
      EXPECT_NEAR(v.Tdot, ref.Tdot, tol_d) << name << " K=" << c.k11 << "," << c.k22 << "," << c.k12;
      // float32 row path (vectorised) agrees to float accuracy
      float k22f = float(c.k22), k12f = float(c.k12), tdf;
      dual.apply_row<float>(float(c.k11), &k22f, &k12f, &tdf, 1);
      // near |ρ| = 1, K11K22 − K12² cancels in float: error ~ √eps·K
      const double tol = (std::fabs(c.k12) > 0.99 * sT ? 1e-3 : 1e-5) * sT;
      EXPECT_NEAR(k12f, ref.T, tol) << name;
      EXPECT_NEAR(tdf, ref.Tdot, std::fabs(c.k12) > 0.99 * sT ? 1e-3 : 1e-5) << name;
    }
  }
}

TEST(Dual, RowPathEqualsScalarPath) {
  // A row longer than any SIMD width exercises the packet loop and the scalar tail.
  for (const char* name : {"relu", "leaky_relu:0.1", "erf"}) {
    Dual dual(activation_from_name(name));
    auto covs = random_covs(37, 3.0, 5);
    const double k11 = covs[0].k11;
    std::vector<double> k22, k12, td(covs.size());
    for (auto& c : covs) {
      k22.push_back(c.k22);
      k12.push_back(std::clamp(c.k12 / std::sqrt(c.k11 * c.k22), -1.0, 1.0) * std::sqrt(k11 * c.k22));
    }
    std::vector<double> in = k12;
    dual.apply_row<double>(k11, k22.data(), k12.data(), td.data(), k12.size());
    for (std::size_t j = 0; j < k12.size(); ++j) {
      DualValue v = dual(k11, k22[j], in[j]);
      // same operations; only FMA contraction may differ, which matters at |ρ| → 1 (conditioning, see above)
      const double s = std::sqrt(k11 * k22[j]), tol = std::fabs(in[j]) > 0.999 * s ? 1e-7 : 1e-14;
      EXPECT_NEAR(k12[j], v.T, tol * s) << name << " j=" << j;
      EXPECT_NEAR(td[j], v.Tdot, tol) << name << " j=" << j;
    }
  }
}

TEST(Dual, PerEntryK11PathEqualsScalarPath) {
  // apply_pairs (one K11 per entry, the CNN kernels' pixel diagonals) against the scalar evaluation of each entry,
  // float64 and float32, closed forms and quadrature; the same tolerances as the row path above.
  for (const char* name : {"relu", "abs", "erf", "tanh"}) {
    Dual dual(activation_from_name(name), 16);
    const auto covs = random_covs(37, 3.0, 9);
    std::vector<double> k11, k22, k12, td(covs.size());
    std::vector<float> k11f, k22f, k12f, tdf(covs.size());
    for (const auto& c : covs) {
      k11.push_back(c.k11);
      k22.push_back(c.k22);
      k12.push_back(c.k12);
      k11f.push_back(float(c.k11));
      k22f.push_back(float(c.k22));
      k12f.push_back(float(c.k12));
    }
    const std::vector<double> in = k12;
    const std::vector<float> inf = k12f;
    dual.apply_pairs<double>(k11.data(), k22.data(), k12.data(), td.data(), k12.size());
    dual.apply_pairs<float>(k11f.data(), k22f.data(), k12f.data(), tdf.data(), k12f.size());
    for (std::size_t j = 0; j < k12.size(); ++j) {
      const DualValue v = dual(k11[j], k22[j], in[j]);
      const double s = std::sqrt(k11[j] * k22[j]), tol = std::fabs(in[j]) > 0.999 * s ? 1e-7 : 1e-14;
      EXPECT_NEAR(k12[j], v.T, tol * s) << name << " j=" << j;
      EXPECT_NEAR(td[j], v.Tdot, tol) << name << " j=" << j;
      float t1 = inf[j], d1 = 0;  // float32: the row path on one entry
      dual.apply_row<float>(k11f[j], &k22f[j], &t1, &d1, 1);
      const double ftol = std::fabs(in[j]) > 0.999 * s ? 1e-3 : 1e-6;
      EXPECT_NEAR(k12f[j], t1, ftol * s) << name << " float j=" << j;
      EXPECT_NEAR(tdf[j], d1, ftol) << name << " float j=" << j;
    }
  }
}

TEST(Dual, ErfClosedFormMatchesHighOrderQuadrature) {
  Activation act = activation_from_name("erf");
  Dual dual(act);
  ASSERT_TRUE(dual.closed_form());
  std::vector<double> x, w;
  gauss_hermite(200, x, w);
  for (const Cov& c : random_covs(100, 1.0, 3)) {
    DualValue ref = dual_quadrature(act, c.k11, c.k22, c.k12, x, w), v = dual(c.k11, c.k22, c.k12);
    EXPECT_NEAR(v.T, ref.T, 1e-9);
    EXPECT_NEAR(v.Tdot, ref.Tdot, 1e-9);
  }
  DualValue d = dual.diagonal(0.7), o = dual(0.7, 0.7, 0.7);
  EXPECT_NEAR(d.T, o.T, 1e-15);
  EXPECT_NEAR(d.Tdot, o.Tdot, 1e-15);
}

TEST(Dual, SinClosedFormMatchesHighOrderQuadrature) {
  // E[sin u sin v] = e^{−(K11+K22)/2} sinh K12, E[cos u cos v] = e^{−(K11+K22)/2} cosh K12, against Gauss–Hermite of
  // order 200 (sin(√K z) is entire: exact to rounding for K ≤ 3).
  Activation act = activation_from_name("sin");
  Dual dual(act);
  ASSERT_TRUE(dual.closed_form());
  std::vector<double> x, w;
  gauss_hermite(200, x, w);
  for (const Cov& c : random_covs(100, 3.0, 4)) {
    DualValue v = dual(c.k11, c.k22, c.k12), ref = dual_quadrature(act, c.k11, c.k22, c.k12, x, w);
    EXPECT_NEAR(v.T, ref.T, 1e-12);
    EXPECT_NEAR(v.Tdot, ref.Tdot, 1e-12);
  }
  DualValue d = dual.diagonal(50.0);  // (1 − e^{−2K})/2 and (1 + e^{−2K})/2 without overflow
  EXPECT_NEAR(d.T, 0.5, 1e-15);
  EXPECT_NEAR(d.Tdot, 0.5, 1e-15);
}

// The composite rule against closed forms at variances far beyond Gauss–Hermite's range (dual.h: ≤ 1e-10 relative to
// √(T(K11)T(K22)), resp. Ṫ): erf, whose φ' narrows like tanh's, and relu / leaky_relu, whose kinks sit where the mesh
// is graded (polar_reference).
TEST(Dual, CompositeRuleMatchesClosedFormsAtLargeVariance) {
  const double kv[][2] = {{1.5, 1.5}, {3, 3},  {10, 10},    {100, 100},  {1e4, 1e4},
                          {1e6, 1e6}, {2, 50}, {0.01, 100}, {1e-6, 1e4}, {0, 30}};
  for (const char* name : {"erf", "relu", "leaky_relu:0.2"}) {
    const Activation act = activation_from_name(name);
    const Dual closed(act);
    ASSERT_TRUE(closed.closed_form());
    for (const auto& k : kv)
      for (double rho : {1.0, 0.999999, 0.99, 0.5, 0.0, -0.7, -1.0}) {
        const double k12 = rho * std::sqrt(k[0] * k[1]);
        const DualValue v = dual_composite(act, k[0], k[1], k12);
        const DualValue ref =
            std::string(name) == "erf" ? closed(k[0], k[1], k12) : polar_reference(act, k[0], k[1], k12);
        const DualValue d1 = closed.diagonal(k[0]), d2 = closed.diagonal(k[1]);
        const double sT = std::sqrt(d1.T * d2.T), sD = std::sqrt(d1.Tdot * d2.Tdot);
        // relu's closed form loses √u in θ at |ρ| → 1 (see the top of dual.h); 1e-7 there.
        const double tol = std::string(name) != "erf" && std::fabs(rho) > 0.999 ? 1e-7 : 1e-10;
        EXPECT_LE(std::fabs(v.T - ref.T), tol * sT + 1e-300) << name << " K=" << k[0] << "," << k[1] << " rho=" << rho;
        EXPECT_LE(std::fabs(v.Tdot - ref.Tdot), tol * sD + 1e-300)
            << name << " K=" << k[0] << "," << k[1] << " rho=" << rho;
      }
  }
}

// Dual switches to the composite rule above kGaussHermiteMaxVariance: T(K, K, K) = E[φ(√K z)²] and Ṫ = E[φ'(√K z)²]
// against composite Simpson on [−12, 12] with 2·10⁵ intervals (an independent 1-D rule, exponentially accurate for
// these analytic integrands at this step). At K = 9 tanh's order-64 Gauss–Hermite value was off by 6.6 % in Ṫ.
TEST(Dual, QuadratureActivationsAreAccurateAtLargeVariance) {
  const auto simpson = [](auto&& g) {
    const int n = 200000;
    const double a = -12, h = 24.0 / n;
    double s = g(a) + g(-a);
    for (int i = 1; i < n; ++i) s += (i % 2 ? 4 : 2) * g(a + i * h);
    return s * h / 3;
  };
  for (const std::string& name : quadrature_activations()) {
    const Activation act = activation_from_name(name);
    const Dual dual(act);
    for (double k : {0.5, 2.0, 9.0, 100.0, 1e4}) {
      const double s = std::sqrt(k);
      const auto pdf = [](double z) { return std::exp(-z * z / 2) / std::sqrt(2 * kPi); };
      const double T = simpson([&](double z) { return act.value(s * z) * act.value(s * z) * pdf(z); });
      const double Td = simpson([&](double z) { return act.derivative(s * z) * act.derivative(s * z) * pdf(z); });
      const DualValue v = dual.diagonal(k), o = dual(k, k, k);
      const double tol = k <= Dual::kGaussHermiteMaxVariance ? 1e-6 : 1e-10;
      EXPECT_NEAR(v.T, T, tol * T) << name << " K=" << k;
      EXPECT_NEAR(v.Tdot, Td, tol * Td) << name << " K=" << k;
      EXPECT_EQ(v.T, o.T) << name;
    }
  }
}

TEST(Dual, DefaultOrderMeetsStatedAccuracy) {
  // dual.h: default order, K11, K22 ≤ 1 → error < 1e-6 relative to √(T11 T22) (resp. Ṫ), vs order 200.
  std::vector<double> x, w;
  gauss_hermite(200, x, w);
  for (const std::string& name : quadrature_activations()) {
    Activation act = activation_from_name(name);
    Dual dual(act);
    EXPECT_EQ(dual.quadrature_order(), Dual::kDefaultQuadratureOrder);
    for (const Cov& c : random_covs(40, 0.99, 8)) {
      DualValue ref = dual_quadrature(act, c.k11, c.k22, c.k12, x, w), v = dual(c.k11, c.k22, c.k12);
      DualValue r1 = dual_quadrature(act, c.k11, c.k11, c.k11, x, w),
                r2 = dual_quadrature(act, c.k22, c.k22, c.k22, x, w);
      EXPECT_LT(std::fabs(v.T - ref.T), 1e-6 * std::sqrt(r1.T * r2.T)) << name;
      EXPECT_LT(std::fabs(v.Tdot - ref.Tdot), 1e-6 * std::sqrt(r1.Tdot * r2.Tdot)) << name;
    }
  }
}

TEST(Dual, QuadratureMatchesMonteCarlo) {
  // CLT tolerance: |quadrature − mean| ≤ 5 σ̂/√n.
  const int n = std::getenv("WIDTHLAB_SANITIZED") ? 20000 : 200000;
  std::mt19937_64 g(2024);
  std::normal_distribution<double> N(0, 1);
  for (const std::string& name : quadrature_activations()) {
    Activation act = activation_from_name(name);
    Dual dual(act);
    std::vector<Cov> covs = random_covs(3, 2.0, 9), large = random_covs(3, 40.0, 10);  // both rules of dual.h
    covs.insert(covs.end(), large.begin(), large.end());
    for (const Cov& c : covs) {
      const double L11 = std::sqrt(c.k11), L21 = c.k12 / L11, L22 = std::sqrt(std::max(c.k22 - L21 * L21, 0.0));
      double sT = 0, sT2 = 0, sD = 0, sD2 = 0;
      for (int i = 0; i < n; ++i) {
        double z1 = N(g), z2 = N(g), u = L11 * z1, v = L21 * z1 + L22 * z2;
        double t = act.value(u) * act.value(v), d = act.derivative(u) * act.derivative(v);
        sT += t;
        sT2 += t * t;
        sD += d;
        sD2 += d * d;
      }
      const double mT = sT / n, mD = sD / n;
      const double seT = std::sqrt((sT2 / n - mT * mT) / n), seD = std::sqrt((sD2 / n - mD * mD) / n);
      DualValue q = dual(c.k11, c.k22, c.k12);
      EXPECT_NEAR(q.T, mT, 5 * seT + 1e-12) << name;
      EXPECT_NEAR(q.Tdot, mD, 5 * seD + 1e-12) << name;
    }
  }
}

TEST(Dual, TdotIsDerivativeOfTInK12) {
  // Price's theorem: ∂T/∂K12 = E[φ'(u)φ'(v)] = Ṫ (central differences, float64).
  for (const auto& info : activation_registry()) {
    Activation act = activation_from_name(info.name == "leaky_relu" ? "leaky_relu:0.2" : info.name);
    Dual dual(act);
    for (const Cov& c : random_covs(8, 1.0, 21)) {
      const double rho = c.k12 / std::sqrt(c.k11 * c.k22);
      if (std::fabs(rho) > 0.95) continue;  // stay inside the PSD cone
      const double h = 1e-5 * std::sqrt(c.k11 * c.k22);
      const double fd = (dual(c.k11, c.k22, c.k12 + h).T - dual(c.k11, c.k22, c.k12 - h).T) / (2 * h);
      EXPECT_NEAR(dual(c.k11, c.k22, c.k12).Tdot, fd, 1e-6 * (1 + std::fabs(fd))) << info.name;
    }
  }
}

TEST(Dual, ZeroAndDuplicateRowsAreFiniteAndExact) {
  for (const auto& info : activation_registry()) {
    Dual dual(activation_from_name(info.name));
    for (double k : {0.0, 1e-300, 0.3, 2.0}) {
      DualValue z = dual(0.0, k, 0.0), d = dual(k, k, k), dg = dual.diagonal(k);
      EXPECT_TRUE(std::isfinite(z.T) && std::isfinite(z.Tdot)) << info.name;
      EXPECT_TRUE(std::isfinite(d.T) && std::isfinite(d.Tdot)) << info.name;
      if (dual.closed_form() && info.name != "erf") {
        EXPECT_EQ(d.T, dg.T) << info.name << " k=" << k;  // θ = 0 exactly
        EXPECT_EQ(d.Tdot, dg.Tdot) << info.name;
      } else {
        EXPECT_NEAR(d.T, dg.T, 1e-14 * (1 + std::fabs(dg.T))) << info.name;
      }
      // float path: zero and duplicate entries
      float k22 = float(k), q = float(k), td;
      dual.apply_row<float>(float(k), &k22, &q, &td, 1);
      EXPECT_TRUE(std::isfinite(q) && std::isfinite(td)) << info.name;
      float z22 = float(k), zq = 0.f, ztd;
      dual.apply_row<float>(0.f, &z22, &zq, &ztd, 1);
      EXPECT_TRUE(std::isfinite(zq) && std::isfinite(ztd)) << info.name;
    }
  }
  // relu at the diagonal: T = K/2 (theory.md §3.8 shortcut), leaky: (a²+b²)K/2.
  EXPECT_DOUBLE_EQ(Dual(activation_from_name("relu")).diagonal(3.0).T, 1.5);
  EXPECT_DOUBLE_EQ(Dual(activation_from_name("leaky_relu:0.1")).diagonal(2.0).T, 1.01);
}
