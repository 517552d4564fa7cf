// What several benchmarks share: the problem size N (WIDTHLAB_BENCH_N overrides the benchmark's default) and
// N(0, 1) inputs drawn from make_rng(0, 0) row by row, so that every benchmark times the same data.
#pragma once
#include <cstdint>
#include <cstdlib>

#include "widthlab/rng.h"
#include "widthlab/tensor.h"

namespace widthlab::bench {

inline std::int64_t bench_n(std::int64_t default_n) {
  const char* s = std::getenv("WIDTHLAB_BENCH_N");
  return s ? std::atoll(s) : default_n;
}

template <class T>
Matrix<T> normal_inputs(std::int64_t n, std::int64_t d) {
  Rng g = make_rng(0, 0);
  std::normal_distribution<double> N(0, 1);
  Matrix<T> X(n, d);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < d; ++j) X(i, j) = T(N(g));
  return X;
}

}  // namespace widthlab::bench
