// `--set key=value` overrides (config_overrides.h).
#include "config/config_overrides.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>

#include "config/format.h"
#include "config/schema.h"
#include "widthlab/config.h"
#include "widthlab/error.h"

namespace widthlab::config_detail {
namespace {

// Collects the schema's key paths by visiting a Config (schema.h visit_config).
struct KeyLister {
  std::vector<std::string> paths;
  std::string prefix;
  void section(const char* name, const std::function<void()>& body) {
    paths.push_back(name);
    prefix = name;
    body();
  }
  template <class T, class F>
  void subtable(const char* name, std::optional<T>&, F body) {
    std::string saved = prefix;
    prefix += std::string(".") + name;
    paths.push_back(prefix);
    T scratch{};
    body(scratch);
    prefix = saved;
  }
  template <class T>
  void field(const char* key, T&) {
    paths.push_back(prefix + "." + key);
  }
};

std::string trim(std::string s) {
  const char* ws = " \t";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

// "12", "-3", "+.5", "1e400": digits with a sign, point, exponent or '_' only (a bare word such as "5,8,1" or a
// commit name is a string).
bool looks_like_a_number(const std::string& value) {
  std::size_t i = value[0] == '+' || value[0] == '-' ? 1 : 0;
  if (i < value.size() && value[i] == '.') ++i;
  return i < value.size() && std::isdigit(static_cast<unsigned char>(value[i])) &&
         value.find_first_not_of("0123456789+-._eE") == std::string::npos;
}

// A --set names one key: a section or sub-table (train, scaling.custom) given whole — `train={lr=0.1}` — would replace
// every key of it that the file and earlier --set flags gave, silently, so it is refused. The example is
// the user's own first key when the value is a table.
void refuse_whole_table(const Override& o, const std::string& value) {
  std::string first_key;  // the table's first key in the schema; none: a leaf key, whose converter names a table
  for (const auto& p : schema_paths())  // value as the wrong type
    if (first_key.empty() && p.size() > o.key.size() + 1 && p.compare(0, o.key.size() + 1, o.key + ".") == 0)
      first_key = p.substr(o.key.size() + 1);
  if (first_key.empty()) return;
  std::string example = o.key + "." + first_key + "=...";
  std::string path = o.key;  // down the user's own first keys to a value (`scaling={custom={lr=[1, -1]}}`)
  for (const toml::node* n = o.holder.get("v"); n && n->is_table() && !n->as_table()->empty();) {
    const auto first = n->as_table()->cbegin();  // its proxy pair lives in the iterator
    path += "." + std::string(first->first.str());
    n = &first->second;
    if (!n->is_table()) example = path + "=" + node_text(*n);
  }
  throw InputError(
      one_line(fmt::format("--set {}={}: expected key=value for one key, e.g. {} (a --set never "
                           "replaces a whole table)",
                           o.key, value, example)));
}

}  // namespace

const std::vector<std::string>& schema_paths() {
  static const std::vector<std::string> paths = [] {
    KeyLister lister;
    Config c;
    visit_config(lister, c);
    return lister.paths;
  }();
  return paths;
}

Override parse_override(const std::string& arg) {
  auto eq = arg.find('=');
  if (eq == std::string::npos)
    throw InputError(fmt::format("--set {}: expected key=value (e.g. --set train.lr=0.1)", arg));
  Override o;
  o.text = arg;
  o.key = trim(arg.substr(0, eq));
  std::string value = trim(arg.substr(eq + 1));
  if (o.key.empty()) throw InputError(fmt::format("--set {}: missing key before '=': expected key=value", arg));
  const auto& paths = schema_paths();
  if (std::find(paths.begin(), paths.end(), o.key) == paths.end()) {
    // Name the table the key was looked up in and its keys.
    std::string parent = o.key.rfind('.') == std::string::npos ? "" : o.key.substr(0, o.key.rfind('.'));
    std::vector<std::string> allowed;
    for (const auto& p : paths) {
      auto dot = p.rfind('.');
      std::string p_parent = dot == std::string::npos ? "" : p.substr(0, dot);
      if (p_parent == parent) allowed.push_back(dot == std::string::npos ? p : p.substr(dot + 1));
    }
    if (allowed.empty() && std::find(paths.begin(), paths.end(), parent) != paths.end())
      throw InputError(
          one_line(fmt::format("--set: {} = {}: unknown key ({} is a value, not a table)", o.key, value, parent)));
    if (allowed.empty()) {  // parent itself unknown: list the sections
      for (const auto& p : paths)
        if (p.find('.') == std::string::npos) allowed.push_back(p);
      parent = "";
    }
    std::string leaf = o.key.substr(parent.empty() ? 0 : parent.size() + 1);
    leaf = leaf.substr(0, leaf.find('.'));
    std::string near = closest_name(leaf, allowed);
    throw InputError(one_line(fmt::format("--set: {} = {}: unknown key (allowed {}: {}){}", o.key, value,
                                          parent.empty() ? "sections" : "in [" + parent + "]", join(allowed),
                                          near.empty() ? "" : "; did you mean '" + near + "'?")));
  }
  if (value.find_first_of("\r\n") != std::string::npos)
    throw InputError(fmt::format("--set {}: expected a one-line value", o.key));
  bool parsed = false;
  if (!value.empty()) {
    try {
      const std::string doc = "v = " + value;
      auto t = toml::parse(std::string_view(doc), std::string_view("--set"));
      if (t.size() == 1 && t.contains("v")) {
        o.holder = std::move(t);
        parsed = true;
      }
      // TOML reads a float below float64's range as 0 (1e-400 became train.lr = 0.0 in the message): refused as
      // 1e400 is, naming the value written.
      const auto* f = o.holder.get_as<double>("v");
      const std::string mantissa = value.substr(0, value.find_first_of("eE"));
      if (parsed && f && f->get() == 0.0 && mantissa.find_first_of("123456789") != std::string::npos)
        throw InputError(
            fmt::format("--set: {} = {}: a number below float64's range (it would read as 0)", o.key, value));
    } catch (const toml::parse_error& e) {
      // A bare word (sgd, leaky_relu:0.2, /data/dir) is a string; anything that starts like a TOML value must be
      // one: an array, a table, a quoted string, or a number (99999999999999999999 and 1e400 are out of range, not
      // strings).
      if (std::string("[{\"'").find(value[0]) != std::string::npos || looks_like_a_number(value))
        throw InputError(
            one_line(fmt::format("--set: {} = {}: not a TOML value ({}): expected a number, true/false, "
                                 "\"string\", [array] or a bare word",
                                 o.key, value, e.description())));
    }
  }
  if (!parsed) o.holder.insert_or_assign("v", value);
  refuse_whole_table(o, value);
  return o;
}

void insert_override(toml::table& root, const Override& o) {
  toml::table* t = &root;
  std::string rest = o.key;
  for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
    std::string comp = rest.substr(0, dot);
    rest = rest.substr(dot + 1);
    toml::node* n = t->get(comp);
    if (n && !n->is_table()) {  // `train = 5` or `[[train]]` in the file: replacing it would drop what it holds
      const std::string path = o.key.substr(0, o.key.size() - rest.size() - 1);
      throw InputError(
          fmt::format("{} = {}: expected a table [{}] (--set {} goes into it)", path, node_text(*n), path, o.text));
    }
    if (!n) {
      t->insert_or_assign(comp, toml::table{});
      n = t->get(comp);
    }
    t = n->as_table();
  }
  t->insert_or_assign(rest, *o.holder.get("v"));
}

}  // namespace widthlab::config_detail

namespace widthlab {

void refuse_flag_set_conflicts(const std::vector<FlagOverrides>& flags, const std::vector<std::string>& sets) {
  using config_detail::Override;
  for (const auto& set : sets) {
    const Override o = config_detail::parse_override(set);
    for (const auto& f : flags)
      for (const auto& flag_set : f.sets) {
        const Override by_flag = config_detail::parse_override(flag_set);
        if (by_flag.key == o.key && !(by_flag.holder == o.holder))
          throw InputError(config_detail::one_line(
              fmt::format("--set {}: {} sets {} = {}; expected the key given once, or the same value in both", o.text,
                          f.flag, o.key, config_detail::node_text(*by_flag.holder.get("v")))));
      }
  }
}

}  // namespace widthlab
