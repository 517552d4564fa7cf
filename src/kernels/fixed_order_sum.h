// A sum that vectorises yet gives the same bits on every run: eight interleaved partial sums, added in a fixed order
// (the CNN kernels' pooling sums, cnn_kernel.cpp and cnn_kernel_planes.cpp).
#pragma once
#include <cstddef>

namespace widthlab {

struct FixedOrderSum {
  double part[8] = {};

  void add(const double* v, std::size_t n) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (std::size_t j = 0; j < 8; ++j) part[j] += v[i + j];
    for (; i < n; ++i) part[0] += v[i];
  }
  double total() const {
    double sum = 0;
    for (double x : part) sum += x;
    return sum;
  }
};

}  // namespace widthlab
