// A dataset given as two .npy arrays: X (n × d), or a stack of images (n, H, W, C) / (n, H, W) with C = 1, flattened
// to rows of H·W·C values with C fastest (numpy's C order, the layout the CNNs read); and y (n).
#include <fmt/format.h>

#include <cmath>

#include "widthlab/error.h"
#include "widthlab/loaders.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"

namespace widthlab {

LabeledTable read_npy_pair(const std::string& x_path, const std::string& y_path) {
  LabeledTable t;
  if (const NpyHeader h = npy_read_header(x_path); h.shape.size() == 3 || h.shape.size() == 4) {
    t.image = {h.shape[1], h.shape[2], h.shape.size() == 4 ? h.shape[3] : 1};
    const std::vector<double> flat = npy_read_flat(x_path);
    t.x = Eigen::Map<const Matrix<double>>(flat.data(), h.shape[0], t.image[0] * t.image[1] * t.image[2]);
  } else {
    t.x = npy_read_matrix<double>(x_path);
  }
  std::vector<std::int64_t> shape;
  t.y = npy_read_flat(y_path, &shape);
  const std::string xs = printable_path(x_path), ys = printable_path(y_path);
  if (shape.empty() || shape.size() > 2 || (shape.size() == 2 && shape[1] != 1)) {
    std::string sh;
    for (auto s : shape) sh += fmt::format("{}{}", sh.empty() ? "" : ", ", s);
    throw InputError(fmt::format("{}: labels of shape ({}); expected (n,) or (n, 1)", ys, sh));
  }
  if (std::int64_t(t.y.size()) != t.x.rows())
    throw InputError(fmt::format("{}: {} labels, but {} has {} samples (rows)", ys, t.y.size(), xs, t.x.rows()));
  if (t.x.rows() == 0) throw InputError(fmt::format("{}: no samples (0 rows)", xs));
  for (std::int64_t i = 0; i < t.x.rows(); ++i)
    for (std::int64_t j = 0; j < t.x.cols(); ++j)
      if (!std::isfinite(t.x(i, j)))
        throw InputError(fmt::format("{}: non-finite value {} at [{}, {}]", xs, t.x(i, j), i, j));
  for (std::size_t i = 0; i < t.y.size(); ++i)
    if (!std::isfinite(t.y[i])) throw InputError(fmt::format("{}: non-finite label {} at [{}]", ys, t.y[i], i));
  return t;
}

}  // namespace widthlab
