// Scaling::factors_at, custom scalings and the optimizer-family names (theory.md §1.2, §1.5).
#include "widthlab/scaling.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "scaling/parse_util.h"
#include "widthlab/error.h"

namespace widthlab {

std::vector<double> layer_lrs(const std::vector<LayerFactors>& factors, double lr) {
  std::vector<double> v;
  for (const auto& f : factors) v.push_back(lr * f.lr);
  return v;
}

std::vector<LayerFactors> Scaling::factors_at(double width) const {
  if (!std::isfinite(width) || width <= 0)
    throw InputError(fmt::format("scaling '{}': width = {}: expected a finite number > 0", name, width));
  if (!std::isfinite(reference_width) || reference_width <= 0)
    throw InputError(
        fmt::format("scaling '{}': reference_width = {}: expected a finite number > 0", name, reference_width));
  if (depth < 1 || layers.size() != static_cast<std::size_t>(depth) + 1)
    throw InputError(
        fmt::format("scaling '{}': {} layer entries for depth {}: expected depth + 1", name, layers.size(), depth));
  const double omega = width / reference_width;
  std::vector<LayerFactors> out;
  out.reserve(layers.size());
  for (const auto& l : layers)
    out.push_back({std::pow(omega, l.init), std::pow(omega, l.multiplier), std::pow(omega, l.lr)});
  return out;
}

Scaling scaling_custom(std::vector<LayerExponents> layers, double reference_width, OptimizerFamily family,
                       std::string name) {
  if (layers.size() < 2)
    throw InputError(
        fmt::format("scaling '{}': {} layer entries: expected at least 2 (input and output)", name, layers.size()));
  detail::check_reference_width(reference_width);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    if (!std::isfinite(l.init) || !std::isfinite(l.multiplier) || !std::isfinite(l.lr))
      throw InputError(
          fmt::format("scaling '{}': layer {} exponents (init {}, multiplier {}, lr {}): expected finite "
                      "numbers",
                      name, i, l.init, l.multiplier, l.lr));
  }
  Scaling s;
  s.name = std::move(name);
  s.depth = static_cast<int>(layers.size()) - 1;
  s.reference_width = reference_width;
  s.family = family;
  s.layers = std::move(layers);
  detail::fill_golikov_fields(s);
  return s;
}

const char* to_string(OptimizerFamily family) { return family == OptimizerFamily::sgd ? "sgd" : "adaptive"; }

}  // namespace widthlab
