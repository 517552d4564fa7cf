// The names the config accepts for train.optimizer and limits.compute: asked of the registries that own them
// (nets/optimizer.h, limits/limit_models.h), so that a name added there is accepted here; and for reproduce.name, a
// copy of the reproduction registry's (it lives in src/reproduce, above this module).
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

// reproduce.name: `widthlab reproduce` runs the case it is given by NAME and refuses a config naming another one
// (src/reproduce/reproduce.cpp), so a config.toml never records a case that did not run.
const std::vector<std::string>& reproduction_names() {
  static const std::vector<std::string> names = {"golikov2020-width",
                                                 "golikov2020-curves",
                                                 "golikov2020-small-lr",
                                                 "golikov2020-long",
                                                 "golikov2020-fmnist10",
                                                 "golikov2020-deep",
                                                 "golikov2021-limits",
                                                 "golikov2021-regions",
                                                 "sohl-dickstein2020-sp",
                                                 "sohl-dickstein2020-properties",
                                                 "sohl-dickstein2020-kernels",
                                                 "sohl-dickstein2020-cnn",
                                                 "nguyen2019-gaussians",
                                                 "nguyen2019-fmnist",
                                                 "nguyen2019-cnn",
                                                 "classify-grid"};
  return names;
}

}  // namespace widthlab
