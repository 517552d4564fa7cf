// The study's logits read back from DIR/logits/ (study_phases.h): a finished run's or limit run's test logits as the
// sweep (sweep.h) and simulate_limits wrote them, or an InputError naming the file before any of it is used.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "study/study_phases.h"
#include "widthlab/error.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"
#include "widthlab/text.h"

namespace widthlab::study {
namespace {

namespace fs = std::filesystem;

// numpy's text of a shape: "(5,)", "(32, 2)".
std::string shape_text(const std::vector<std::int64_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

std::string recompute(const LogitsFile& f) { return fmt::format("delete it (and {}) to recompute", f.record); }

[[noreturn]] void refuse(const LogitsFile& f, const std::string& found, const std::string& expected) {
  throw InputError(
      fmt::format("{}: {}, expected {} ({}); {}", printable_path(f.path), found, expected, f.what, recompute(f)));
}

// "" when the block holds only finite numbers (or, with `all_nan_ok`, only NaN); else the first offending entry.
std::string non_finite(const MatrixD& block, Eigen::Index col0, bool all_nan_ok) {
  if (block.size() == 0 || block.allFinite()) return "";
  if (all_nan_ok && block.array().isNaN().all()) return "";
  const Eigen::Index n = block.size() - block.array().isFinite().count();
  for (Eigen::Index i = 0; i < block.rows(); ++i)
    for (Eigen::Index j = 0; j < block.cols(); ++j)
      if (!std::isfinite(block(i, j)))
        return fmt::format("{} ({} at row {}, column {})", count_noun(std::size_t(n), "non-finite value"), block(i, j),
                           i, col0 + j);
  return "";
}

// The header, then the data; an unreadable or truncated file is npy's InputError with what to do about it.
MatrixD read_checked_shape(const LogitsFile& f) {
  NpyHeader h;
  try {
    h = npy_read_header(f.path.string());
  } catch (const InputError& e) {
    throw InputError(fmt::format("{} ({}); {}", e.what(), f.what, recompute(f)));
  }
  if (h.dtype != "<f8") refuse(f, "dtype " + h.dtype, "float64 <f8");
  if (h.shape != std::vector<std::int64_t>{f.rows, f.cols})
    refuse(f, "shape " + shape_text(h.shape), shape_text({f.rows, f.cols}));
  try {
    return npy_read_matrix<double>(f.path.string());
  } catch (const InputError& e) {
    throw InputError(fmt::format("{} ({}); {}", e.what(), f.what, recompute(f)));
  }
}

}  // namespace

MatrixD read_logits_back(const LogitsFile& f) {
  std::error_code ec;
  if (!fs::exists(f.path, ec)) return {};
  MatrixD m = read_checked_shape(f);
  std::string bad = non_finite(m.leftCols(f.nan_cols), 0, /*all_nan_ok=*/true);
  if (bad.empty()) bad = non_finite(m.rightCols(f.cols - f.nan_cols), f.nan_cols, false);
  if (!bad.empty()) refuse(f, bad, "finite numbers");
  return m;
}

}  // namespace widthlab::study
