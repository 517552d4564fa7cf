#include "config/format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace widthlab::config_detail {

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f)
          out += fmt::format("\\u{:04X}", c);
        else
          out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string toml_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", x);  // shortest representation that reads back exactly
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string join(const std::vector<std::string>& names, std::string_view sep) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) s += sep;
    s += names[i];
  }
  return s;
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t next = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string closest_name(std::string_view name, const std::vector<std::string>& allowed) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& a : allowed) {
    std::size_t d = edit_distance(name, a);
    if (d < best_d) best_d = d, best = a;
  }
  // A typo: at most 2 edits, and fewer than half the name's letters.
  if (best_d == 0 || best_d > 2 || 2 * best_d >= std::max<std::size_t>(name.size(), 2)) return "";
  return best;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string node_text(const toml::node& n) {
  if (auto s = n.as_string()) return toml_string(s->get());
  if (auto i = n.as_integer()) return std::to_string(i->get());
  if (auto f = n.as_floating_point()) return toml_number(f->get());
  if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
  if (auto a = n.as_array()) {
    std::string s = "[";
    for (std::size_t i = 0; i < a->size(); ++i) s += (i ? ", " : "") + node_text(*a->get(i));
    return s + "]";
  }
  if (auto t = n.as_table()) {
    std::string s = "{";
    bool first = true;
    for (const auto& [k, v] : *t) {
      s += (first ? "" : ", ") + std::string(k.str()) + " = " + node_text(v);
      first = false;
    }
    return s + "}";
  }
  std::ostringstream os;  // dates and times
  if (auto d = n.as_date())
    os << *d;
  else if (auto t = n.as_time())
    os << *t;
  else if (auto dt = n.as_date_time())
    os << *dt;
  return os.str();
}

}  // namespace widthlab::config_detail
