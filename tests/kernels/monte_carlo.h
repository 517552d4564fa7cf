// Monte Carlo moments of the kernel tests: the mean over `seeds` samples and its standard error, elementwise, from
// the running sums s1 = Σ K and s2 = Σ K∘K.
#pragma once
#include "widthlab/tensor.h"

namespace widthlab::test {

inline void mc_mean_and_se(const MatrixD& s1, const MatrixD& s2, int seeds, MatrixD& mean, MatrixD& se) {
  mean = s1 / seeds;
  se = ((s2 / seeds - mean.cwiseProduct(mean)).cwiseMax(0.0) / (seeds - 1)).cwiseSqrt();
}

}  // namespace widthlab::test
