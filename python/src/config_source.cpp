#include "config_source.h"

#include "widthlab/error.h"

namespace widthlab::python {

Config resolve_config(const ConfigSource& src) {
  if (!src.path.empty() && !src.toml.empty()) throw InputError("config: give a path or TOML text, not both");
  if (!src.toml.empty()) return parse_config(src.toml, src.toml_name, src.overrides);
  return load_config(src.path, src.overrides);
}

}  // namespace widthlab::python
