// theory.md R25: two isotropic Gaussians N(0, (1 ± Δ)² I_d) (Mei, Montanari & Nguyen 2018; Nguyen & Pham).
#include <fmt/format.h>

#include <algorithm>

#include "widthlab/dataset.h"
#include "widthlab/error.h"

namespace widthlab {
namespace {

void draw(int dim, double delta, int n, Rng& rng, Matrix<double>* x, Vector<double>* y) {
  y->resize(n);
  const int n_plus = (n + 1) / 2;
  for (int i = 0; i < n; ++i) (*y)(i) = i < n_plus ? 1.0 : -1.0;
  std::shuffle(y->data(), y->data() + n, rng);
  std::normal_distribution<double> normal(0.0, 1.0);
  x->resize(n, dim);
  for (int i = 0; i < n; ++i) {
    const double scale = 1.0 + (*y)(i)*delta;
    for (int j = 0; j < dim; ++j) (*x)(i, j) = scale * normal(rng);
  }
}

}  // namespace

Dataset make_gaussians(int dim, double delta, int n_train, int n_test, std::uint64_t seed) {
  if (dim < 1) throw InputError(fmt::format("data.gaussians_dim = {}: expected an integer ≥ 1", dim));
  if (!(delta >= 0 && delta < 1)) throw InputError(fmt::format("data.gaussians_delta = {}: expected 0 ≤ Δ < 1", delta));
  if (n_train < 1) throw InputError(fmt::format("data.train_size = {}: expected an integer ≥ 1", n_train));
  if (n_test < 1) throw InputError(fmt::format("data.test_size = {}: expected an integer ≥ 1", n_test));
  Rng rng = make_rng(seed, rng_stream::synthetic_data);
  Dataset ds;
  draw(dim, delta, n_train, rng, &ds.x_train, &ds.y_train);
  draw(dim, delta, n_test, rng, &ds.x_test, &ds.y_test);
  ds.classes = 2;
  ds.name = fmt::format("gaussians (d={}, Δ={})", dim, delta);
  ds.class_ids = {1, -1};
  ds.standardize = "none";
  return ds;
}

}  // namespace widthlab
