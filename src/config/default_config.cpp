// The built-in default config. Its text is configs/default.toml itself, embedded at configure time
// (CMakeLists.txt generates default_config_toml.inc from it), so the file and the binary cannot drift.
#include "widthlab/config.h"

namespace widthlab {

const std::string& default_config_toml() {
  static const std::string text =
#include "default_config_toml.inc"
      ;
  return text;
}

Config default_config() {
  static const Config config = parse_config(default_config_toml(), "<default config>");
  return config;
}

}  // namespace widthlab
