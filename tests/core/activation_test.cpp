#include "widthlab/activation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "widthlab/error.h"

using namespace widthlab;

// φ' against float64 central differences, away from kinks (STYLE 10).
TEST(Activation, DerivativeMatchesFiniteDifferences) {
  for (const auto& info : activation_registry()) {
    Activation act = activation_from_name(info.name == "leaky_relu" ? "leaky_relu:0.1" : info.name);
    for (double z : {-2.3, -0.7, -0.11, 0.13, 0.5, 1.9}) {
      const double h = 1e-6;
      double fd = (act.value(z + h) - act.value(z - h)) / (2 * h);
      EXPECT_NEAR(act.derivative(z), fd, 1e-7) << act.name << " at " << z;
    }
  }
}

// The registry's `bounded` column (read by classify's exponent rules) against φ itself: a bounded φ stays below 2 on
// a grid out to |z| = 1e8; an unbounded one passes 1e3 there (each of them grows at least like |z|/100).
TEST(Activation, BoundedColumnMatchesTheFunction) {
  for (const auto& info : activation_registry()) {
    const Activation act = activation_from_name(info.name);
    double sup = 0;
    for (double z = 1; z <= 1e8; z *= 1.7) sup = std::max({sup, std::abs(act.value(z)), std::abs(act.value(-z))});
    EXPECT_EQ(act.bounded(), sup < 2) << act.name << ": sup |φ| on the grid = " << sup;
    if (!act.bounded()) EXPECT_GT(sup, 1e3) << act.name;
  }
}

// The fused form the quadrature duals use gives value() and derivative() bit for bit (here; inlined into dual.cpp the
// compiler may contract a multiply-add differently: kernels moved by ≤ 5e-16 relative when the duals adopted it).
TEST(Activation, ValueAndDerivativeTogetherEqualEachAlone) {
  for (const auto& info : activation_registry()) {
    const Activation act = activation_from_name(info.name == "leaky_relu" ? "leaky_relu:0.1" : info.name);
    for (double z = -40; z <= 40; z += 0.173) {
      double f = 0, d = 0;
      activation_formula::value_and_derivative(act.kind, act.param, z, f, d);
      EXPECT_EQ(f, act.value(z)) << act.name << " at " << z;
      EXPECT_EQ(d, act.derivative(z)) << act.name << " at " << z;
    }
  }
}

TEST(Activation, ArrayApplyMatchesScalar) {
  for (const auto& info : activation_registry()) {
    Activation act = activation_from_name(info.name);
    double z[5] = {-1.5, -0.2, 0.0, 0.3, 2.0}, out[5], dout[5];
    act.apply(z, out, 5);
    act.apply_derivative(z, dout, 5);
    for (int i = 0; i < 5; ++i) {
      EXPECT_DOUBLE_EQ(out[i], act.value(z[i])) << act.name;
      EXPECT_DOUBLE_EQ(dout[i], act.derivative(z[i])) << act.name;
    }
  }
}

// The vectorised leaky ReLU (max(z,0) + a·min(z,0)) equals `z > 0 ? z : a·z` in T exactly, over long arrays (the
// vector body, not only the scalar tail) with special values at every position mod 8.
template <class T>
void expect_leaky_matches_branch_form() {
  const Activation act = activation_from_name("leaky_relu:0.1");
  const T a = static_cast<T>(act.param);
  std::vector<T> z(1003), out(z.size());
  const T specials[] = {T(0),
                        -T(0),
                        std::numeric_limits<T>::infinity(),
                        -std::numeric_limits<T>::infinity(),
                        std::numeric_limits<T>::denorm_min(),
                        -std::numeric_limits<T>::denorm_min(),
                        std::numeric_limits<T>::quiet_NaN(),
                        std::numeric_limits<T>::max()};
  for (std::size_t i = 0; i < z.size(); ++i)
    z[i] =
        i % 9 == 0 ? specials[(i / 9) % 8] : static_cast<T>(std::sin(double(i) * 1.7) * std::exp(double(i % 13) - 6));
  act.apply(z.data(), out.data(), z.size());
  for (std::size_t i = 0; i < z.size(); ++i) {
    const T want = z[i] > T(0) ? z[i] : a * z[i];
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(out[i])) << i;
    } else {
      EXPECT_EQ(out[i], want) << "z = " << z[i] << " at " << i;
    }
  }
}

TEST(Activation, VectorLeakyReluMatchesBranchForm) {
  expect_leaky_matches_branch_form<float>();
  expect_leaky_matches_branch_form<double>();
}

TEST(Activation, ParsesParameterAndRejectsBadNames) {
  Activation a = activation_from_name("leaky_relu:0.1");
  EXPECT_DOUBLE_EQ(a.param, 0.1);
  EXPECT_DOUBLE_EQ(a.value(-2.0), -0.2);
  double lo, hi;
  ASSERT_TRUE(a.abrelu(&lo, &hi));
  EXPECT_DOUBLE_EQ(lo, 0.1);
  EXPECT_THROW(activation_from_name("swish"), InputError);
  EXPECT_THROW(activation_from_name("leaky_relu:abc"), InputError);
  EXPECT_THROW(activation_from_name("leaky_relu:2"), InputError);
  EXPECT_THROW(activation_from_name("relu:0.1"), InputError);
  try {
    activation_from_name("swish");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("allowed"), std::string::npos);
  }
}
