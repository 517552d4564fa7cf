#include "widthlab/config_scalings.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "widthlab/error.h"
#include "widthlab/optimizer.h"

namespace widthlab {

std::vector<Scaling> config_scalings(const Config& config) {
  const int depth = config.model.depth;
  const double ref = config.scaling.reference_width;
  const OptimizerFamily family = optimizer_family(config.train.optimizer);
  std::vector<Scaling> out;
  for (const auto& name : config.scaling.presets) out.push_back(scaling_from_name(name, depth, ref, family));
  for (const auto& q : config.scaling.q) {
    if (q.size() == 2)
      out.push_back(scaling_from_golikov(q[0], q[1], q[1], depth, ref, family));
    else if (q.size() == 3)
      out.push_back(scaling_from_golikov(q[0], q[1], q[2], depth, ref, family));
    else
      throw InputError(fmt::format("scaling.q = [{}]: expected [q_sigma, q_lr] or [q_sigma, q_lr_out, q_lr_in]",
                                   fmt::join(q, ", ")));
  }
  if (config.scaling.custom) {
    const auto& c = *config.scaling.custom;
    std::vector<LayerExponents> layers(std::size_t(depth + 1));
    // Each list is absent (all 0) or gives every layer: a short list would silently leave layers at 0.
    auto fill = [&](const std::vector<double>& v, double LayerExponents::*field, const char* key) {
      if (v.empty()) return;
      if (v.size() != layers.size())
        throw InputError(fmt::format("scaling.custom.{} has {} values: expected model.depth + 1 = {}", key, v.size(),
                                     layers.size()));
      for (std::size_t l = 0; l < v.size(); ++l) layers[l].*field = v[l];
    };
    fill(c.init, &LayerExponents::init, "init");
    fill(c.multiplier, &LayerExponents::multiplier, "multiplier");
    fill(c.lr, &LayerExponents::lr, "lr");
    out.push_back(scaling_custom(layers, ref, family, "custom"));
  }
  std::set<std::string> names;
  for (const auto& s : out)
    if (!names.insert(s.name).second)
      throw InputError(fmt::format("scaling.presets: '{}' appears twice (after resolving aliases)", s.name));
  return out;
}

}  // namespace widthlab
