// TOML spelling of config values, shared by error messages (validate), the TOML writer and the reader.
#pragma once
#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "widthlab/config.h"

namespace widthlab::config_detail {

std::string toml_string(std::string_view s);  // "…" with TOML escapes
std::string toml_number(double x);            // shortest round-trip form, always a TOML float (1.0, 1e-10, inf)

inline std::string toml_value(const std::string& s) { return toml_string(s); }
inline std::string toml_value(double x) { return toml_number(x); }
inline std::string toml_value(int x) { return std::to_string(x); }
inline std::string toml_value(std::int64_t x) { return std::to_string(x); }
inline std::string toml_value(std::uint64_t x) { return std::to_string(x); }
inline std::string toml_value(bool b) { return b ? "true" : "false"; }
inline std::string toml_value(const BatchConfig& b) { return b.full ? "\"full\"" : std::to_string(b.size); }
template <class T>
std::string toml_value(const std::vector<T>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + toml_value(v[i]);
  return s + "]";
}

// "a, b, c"
std::string join(const std::vector<std::string>& names, std::string_view sep = ", ");
// The allowed name closest to `name` by edit distance, when close enough to be a likely typo; "" otherwise.
std::string closest_name(std::string_view name, const std::vector<std::string>& allowed);

// One line: newlines in embedded text become spaces.
std::string one_line(std::string s);
// The value of a TOML node spelled as TOML (for messages).
std::string node_text(const toml::node& n);

}  // namespace widthlab::config_detail
