// Small synthetic binary tasks for the limits tests: x ~ N(0, I_n0) scaled by `scale`, y = sign of a fixed
// nonlinear teacher (so neither the kernel nor the features solve it trivially), drawn from a fixed seed.
#pragma once
#include <cmath>
#include <cstdlib>
#include <random>

#include "widthlab/dataset.h"
#include "widthlab/rng.h"

namespace widthlab::test {

inline Dataset teacher_task(int n0, int n_train, int n_test, uint64_t seed, double scale = 1.0) {
  Rng rng = make_rng(seed, 99);
  std::normal_distribution<double> normal(0.0, 1.0);
  Dataset d;
  auto fill = [&](Matrix<double>& x, Vector<double>& y, int n) {
    x.resize(n, n0);
    y.resize(n);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n0; ++j) x(i, j) = normal(rng);
      const double t = x(i, 0) + 0.8 * x(i, 1 % n0) * x(i, 2 % n0) - 0.3;
      y[i] = t > 0 ? 1.0 : -1.0;
      x.row(i) *= scale;
    }
  };
  fill(d.x_train, d.y_train, n_train);
  fill(d.x_test, d.y_test, n_test);
  d.classes = 2;
  d.name = "teacher";
  return d;
}

inline bool sanitized() { return std::getenv("WIDTHLAB_SANITIZED") != nullptr; }

}  // namespace widthlab::test
