// Inputs shared by the CNN kernel tests: N(0, 1) images and the kernel options of an architecture.
#pragma once
#include <string>

#include "widthlab/kernel.h"
#include "widthlab/rng.h"

namespace widthlab::test {

// n images of `shape` (rows of H·W·C values), N(0, 1) entries from `seed`.
inline MatrixD random_images(int n, const ImageShape& s, std::uint64_t seed) {
  Rng g = make_rng(seed, 99);
  std::normal_distribution<double> N(0, 1);
  return MatrixD(n, s.size()).unaryExpr([&](double) { return N(g); });
}

// W_std 1.3, 2 threads and blocks of 3 rows (several blocks, a partial one, off-diagonal mirrors).
inline KernelOptions cnn_arch_options(const std::string& arch, const ImageShape& shape, Parameterization p,
                                      double b_std) {
  KernelOptions o;
  o.arch = parse_architecture(arch);
  o.input_shape = shape;
  o.parameterization = p;
  o.W_std = 1.3;
  o.b_std = b_std;
  o.threads = 2;
  o.block = 3;
  return o;
}

}  // namespace widthlab::test
