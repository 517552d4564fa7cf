// Stratified random subsets (theory.md §6.0: equal counts per class, drawn by the seed).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "widthlab/dataset.h"
#include "widthlab/error.h"

namespace widthlab {

std::vector<std::int64_t> stratified_subset(const std::vector<double>& labels, std::int64_t n, Rng& rng,
                                            const std::string& what,
                                            const std::function<std::string(double)>& class_name) {
  std::map<double, std::vector<std::int64_t>> groups;
  for (std::size_t i = 0; i < labels.size(); ++i) groups[labels[i]].push_back(std::int64_t(i));
  const std::int64_t k = std::int64_t(groups.size());
  if (k == 0) throw InputError(fmt::format("{}: no samples to draw from", what));
  if (n < k) throw InputError(fmt::format("{}: {} samples cannot cover the {} classes", what, n, k));
  const std::int64_t per = n / k, extra = n % k;
  std::vector<std::int64_t> out;
  out.reserve(std::size_t(n));
  std::int64_t g = 0;
  for (auto& [label, idx] : groups) {
    const std::int64_t need = per + (g++ < extra ? 1 : 0);
    if (std::int64_t(idx.size()) < need)
      throw InputError(fmt::format("{}: class {} has {} samples, {} needed for equal counts per class", what,
                                   class_name ? class_name(label) : fmt::format("with label {}", label), idx.size(),
                                   need));
    // Partial Fisher–Yates: the first `need` entries become a uniform random subset.
    for (std::int64_t i = 0; i < need; ++i) {
      std::uniform_int_distribution<std::int64_t> pick(i, std::int64_t(idx.size()) - 1);
      std::swap(idx[std::size_t(i)], idx[std::size_t(pick(rng))]);
    }
    out.insert(out.end(), idx.begin(), idx.begin() + need);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace widthlab
