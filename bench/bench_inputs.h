// What several benchmarks share: the problem size N (WIDTHLAB_BENCH_N overrides the benchmark's default), the BLAS
// thread count (WIDTHLAB_BENCH_THREADS), N(0, 1) inputs drawn from make_rng(0, 0) row by row, so that every benchmark
// times the same data, and the training benchmarks' data set.
#pragma once
#include <cstdint>
#include <cstdlib>

#include "widthlab/mlp.h"  // set_blas_threads
#include "widthlab/rng.h"
#include "widthlab/tensor.h"

namespace widthlab::bench {

inline std::int64_t bench_n(std::int64_t default_n) {
  const char* s = std::getenv("WIDTHLAB_BENCH_N");
  return s ? std::atoll(s) : default_n;
}

// WIDTHLAB_BENCH_THREADS, when set, becomes OpenBLAS's thread count (which oneDNN follows).
inline void apply_thread_override() {
  if (const char* t = std::getenv("WIDTHLAB_BENCH_THREADS")) set_blas_threads(std::atoi(t));
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

// The training benchmarks' data (mlp_bench, conv_bench and their PyTorch peers): n rows of d float32 N(0, 1) values
// drawn in order from make_rng(0, 0), labels ±1 alternating (values do not affect speed).
struct TrainingData {
  MatrixF x;
  VectorD y;
};

inline TrainingData normal_training_data(int n, int d) {
  TrainingData t;
  Rng rng = make_rng(0, 0);
  std::normal_distribution<float> normal(0.f, 1.f);
  t.x.resize(n, d);
  for (Eigen::Index i = 0; i < t.x.size(); ++i) t.x.data()[i] = normal(rng);
  t.y.resize(n);
  for (int i = 0; i < n; ++i) t.y[i] = i % 2 ? 1.0 : -1.0;
  return t;
}

}  // namespace widthlab::bench
