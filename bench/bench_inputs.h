// What several benchmarks share: the problem size N (WIDTHLAB_BENCH_N overrides the benchmark's default), the BLAS
// thread count (WIDTHLAB_BENCH_THREADS), N(0, 1) inputs drawn from make_rng(0, 0) row by row, so that every benchmark
// times the same data, and the training benchmarks' data set.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "widthlab/loss.h"
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

// One step of run_training's inner loop as the training benchmarks time it (mlp_bench, conv_bench, gpu_train_bench):
// gather the next mini-batch of a reshuffle (make_rng(0, batches), reshuffled when fewer than `batch` rows are left;
// the whole set, ungathered, when batch ≥ its rows), forward, copy the logits (one per row), ∂loss/∂logits, fused
// backward + update. Works for any net with Mlp's forward / backward_sgd (Mlp, ConvNet, CudaMlp).
class MiniBatchStep {
 public:
  MiniBatchStep(const TrainingData& data, int batch)
      : d_(data),
        n_(int(data.x.rows())),
        batch_(std::min(batch, n_)),
        full_(batch >= n_),
        xb_(full_ ? 0 : batch_, data.x.cols()),
        logits_(batch_, 1),
        dlogits_(batch_, 1),
        yb_(full_ ? 0 : batch_),
        perm_(std::size_t(n_)),
        rng_(make_rng(0, rng_stream::batches)),
        pos_(n_) {
    std::iota(perm_.begin(), perm_.end(), 0);
  }

  // Returns the loss of the batch (keep it alive with benchmark::DoNotOptimize).
  template <class Net, class Workspace>
  double operator()(Net& net, Workspace& ws, const std::vector<double>& lrs, const Loss& loss) {
    const float* x = d_.x.data();
    const VectorD* y = &d_.y;
    if (!full_) {
      if (pos_ + batch_ > n_) {
        std::shuffle(perm_.begin(), perm_.end(), rng_);
        pos_ = 0;
      }
      for (int t = 0; t < batch_; ++t) {
        xb_.row(t) = d_.x.row(perm_[std::size_t(pos_ + t)]);
        yb_[t] = d_.y[perm_[std::size_t(pos_ + t)]];
      }
      pos_ += batch_;
      x = xb_.data();
      y = &yb_;
    }
    const float* out = net.forward(x, batch_, ws);
    std::copy(out, out + batch_, logits_.data());
    const double l = loss.gradient(logits_, *y, dlogits_);
    net.backward_sgd(x, dlogits_.data(), ws, lrs);
    return l;
  }

 private:
  const TrainingData& d_;
  int n_, batch_;
  bool full_;
  MatrixF xb_, logits_, dlogits_;
  VectorD yb_;
  std::vector<int> perm_;
  Rng rng_;
  int pos_;
};

}  // namespace widthlab::bench
