// Where a Python call's config comes from. The Python layer turns a dict into TOML text and decides whether a str is
// a path or TOML text; C++ sees (path, toml, overrides) and resolves them exactly like the CLI's --config/--set.
#pragma once
#include <string>
#include <vector>

#include "widthlab/config.h"

namespace widthlab::python {

struct ConfigSource {
  std::string path;                    // a TOML file (load_config), or ""
  std::string toml;                    // TOML text (parse_config), or ""
  std::string toml_name = "<config>";  // prefix of error messages about `toml`
  std::vector<std::string> overrides;  // "key.path=value", as --set
  bool given() const { return !path.empty() || !toml.empty(); }
};

// The resolved, validated Config (the built-in default + overrides when neither path nor toml is given).
Config resolve_config(const ConfigSource& src);

}  // namespace widthlab::python
