// `--set key=value` overrides of a config (architecture.md §5): parsing one against the schema's key paths, and
// putting its value into the TOML tree before the config is read. Private to the config module (config_read.cpp).
#pragma once
#include <toml++/toml.h>

#include <string>
#include <vector>

namespace widthlab::config_detail {

// The schema's key paths: "train", "train.lr", "scaling.custom", "scaling.custom.lr", …
const std::vector<std::string>& schema_paths();

struct Override {
  std::string key;
  std::string text;    // the whole argument, for messages
  toml::table holder;  // holds the parsed value under "v"
};

// One `--set` argument: InputError (one line) for a missing '=', an unknown key (with the allowed keys and a likely
// typo), a multi-line value, a value that starts like TOML but is not, or a whole section or sub-table.
Override parse_override(const std::string& arg);
// Puts the override's value at its key path, creating the tables on the way.
void insert_override(toml::table& root, const Override& o);

}  // namespace widthlab::config_detail
