// Names the config accepts for train.optimizer (= nets/optimizer.h registry) and limits.compute (= limits/
// limit_models.h canonical names); kept here because the config module sits below nets and limits.
// tests/study/config_names_test.cpp (linked against every module) checks that they equal the registries.
#include "widthlab/config.h"

namespace widthlab {

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"gd", "sgd", "rmsprop", "adam"};
  return names;
}

// SPEC §2.2 model names (the 13 [G2] limits) plus IC-MF (§3.5).
const std::vector<std::string>& limit_model_names() {
  static const std::vector<std::string> names = {
      "mf",       "ntk",       "sym-default",   "intermediate", "ntk-sym-default", "sym-default-mf",
      "post-mf",  "pre-sym-default", "post-ntk", "pre-ntk",      "triangle",        "post-mf-ntk",
      "pre-ntk-sym-default", "ic-mf"};
  return names;
}

}  // namespace widthlab
