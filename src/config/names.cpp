// The names the config accepts for train.optimizer and limits.compute: asked of the registries that own them
// (nets/optimizer.h, limits/limit_models.h), so that a name added there is accepted here.
#include "widthlab/config.h"
#include "widthlab/limit_models.h"
#include "widthlab/optimizer.h"

namespace widthlab {

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& o : optimizer_registry()) v.push_back(o.name);
    return v;
  }();
  return names;
}

// theory.md §2.2 model names (the 13 [G2] limits) plus IC-MF (§3.5).
const std::vector<std::string>& limit_model_names() {
  static const std::vector<std::string> names = limit_model_canonical_names();
  return names;
}

}  // namespace widthlab
