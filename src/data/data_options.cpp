// DataOptions::validate (STYLE 1: key path, value, rule).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "widthlab/dataset.h"
#include "widthlab/output_dir.h"

namespace widthlab {

namespace {

// "data.gaussians_dim = 8" when a dataset other than gaussians is given a gaussians_* value other than the default
// (which a resolved config.toml writes for every dataset), "" otherwise.
std::string unread_gaussians_key(const DataOptions& o) {
  if (o.dataset == "gaussians") return "";
  const DataOptions defaults;
  if (o.gaussians_delta != defaults.gaussians_delta) return fmt::format("data.gaussians_delta = {}", o.gaussians_delta);
  if (o.gaussians_dim != defaults.gaussians_dim) return fmt::format("data.gaussians_dim = {}", o.gaussians_dim);
  return "";
}

}  // namespace

std::string DataOptions::validate() const {
  static const std::vector<std::string> kDatasets = {"fashion-mnist-2", "fashion-mnist", "mnist", "cifar-2",
                                                     "gaussians",       "npy",           "csv"};
  static const std::vector<std::string> kStandardize = {"scalar", "feature", "none"};
  auto one_of = [](const std::string& v, const std::vector<std::string>& allowed) {
    return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
  };
  if (!one_of(dataset, kDatasets))
    return fmt::format("data.dataset = \"{}\": expected one of {}", printable_text(dataset),
                       fmt::join(kDatasets, ", "));
  const std::string cls = fmt::format("data.classes = [{}]", fmt::join(classes, ", "));
  if (std::set<int>(classes.begin(), classes.end()).size() != classes.size())
    return cls + ": expected distinct class ids";
  if (dataset == "gaussians" && !classes.empty())
    return cls + ": the gaussians task has fixed labels ±1; expected no data.classes";
  if ((dataset == "fashion-mnist-2" || dataset == "cifar-2") && !classes.empty() && classes.size() != 2)
    return cls + fmt::format(": {} is a binary task; expected two class ids 0–9", dataset);
  if (dataset != "gaussians" && classes.size() == 1) return cls + ": expected at least two class ids";
  if (dataset == "fashion-mnist-2" || dataset == "fashion-mnist" || dataset == "cifar-2" || dataset == "mnist")
    for (int c : classes)
      if (c < 0 || c > 9) return cls + ": expected class ids 0–9";
  if (train_size < 2) return fmt::format("data.train_size = {}: expected an integer ≥ 2", train_size);
  if (test_size < 1) return fmt::format("data.test_size = {}: expected an integer ≥ 1", test_size);
  if (!one_of(standardize, kStandardize))
    return fmt::format("data.standardize = \"{}\": expected one of {}", printable_text(standardize),
                       fmt::join(kStandardize, ", "));
  if (path.empty() && (dataset == "mnist" || dataset == "cifar-2" || dataset == "npy" || dataset == "csv"))
    return fmt::format("data.path = \"\": expected the directory holding the {} files", dataset);
  if (dataset == "gaussians" && !path.empty())
    return fmt::format("data.path = \"{}\": the gaussians task is drawn, not read from files; expected no data.path",
                       printable_text(path));
  if (!std::isfinite(gaussians_delta) || gaussians_delta < 0 || gaussians_delta >= 1)
    return fmt::format("data.gaussians_delta = {}: expected a number in [0, 1)", gaussians_delta);
  if (gaussians_dim < 1) return fmt::format("data.gaussians_dim = {}: expected an integer ≥ 1", gaussians_dim);
  if (std::string key = unread_gaussians_key(*this); !key.empty())
    return fmt::format("{}: read by the gaussians task only (data.dataset = \"{}\"); expected it left out", key,
                       printable_text(dataset));
  return "";
}

}  // namespace widthlab
