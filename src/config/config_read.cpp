// TOML → Config: file checks, UTF-8, syntax, --set overrides, strict key/type checking, validation (architecture.md
// §5).
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "config/config_overrides.h"
#include "config/format.h"
#include "config/schema.h"
#include "config/text_input.h"
#include "widthlab/config.h"
#include "widthlab/error.h"

namespace widthlab {
namespace config_detail {
namespace {

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

// Where values came from, to start every message with the file position or "--set".
struct Context {
  std::string source;                            // file path or "<default config>"
  std::vector<std::string> override_keys;        // key paths set by --set
  std::map<std::string, std::string> origin_of;  // key path → origin of its value (for validate() messages)
  // Integers beyond an int key's 32 bits, read as the nearest bound so that resolve() can ask validate() for the
  // key's own range (overflow_message): key path (with [i] for an array element) → the value as written.
  mutable std::vector<std::pair<std::string, std::int64_t>> overflows;

  bool from_override(const std::string& path) const {
    for (const auto& k : override_keys)
      if (path.compare(0, k.size(), k) == 0 &&
          (path.size() == k.size() || path[k.size()] == '.' || path[k.size()] == '['))
        return true;
    return false;
  }
  std::string origin(const std::string& path, const toml::node* n) const {
    if (from_override(path)) return "--set";
    if (n && n->source().begin)
      return fmt::format("{}:{}:{}", source, n->source().begin.line, n->source().begin.column);
    return source;
  }
  [[noreturn]] void fail(const std::string& path, const toml::node& n, const std::string& rule) const {
    throw InputError(one_line(fmt::format("{}: {} = {}: {}", origin(path, &n), path, node_text(n), rule)));
  }
};

// ---- node → value conversions (types only; ranges are validate()'s job) ----

void convert(const Context& ctx, const toml::node& n, const std::string& path, bool& out) {
  if (auto b = n.as_boolean())
    out = b->get();
  else
    ctx.fail(path, n, fmt::format("expected true or false, not {}", type_name(n)));
}
void convert(const Context& ctx, const toml::node& n, const std::string& path, std::string& out) {
  if (auto s = n.as_string(); s && s->get().find('\0') != std::string::npos)  // "\u0000": a path would end there
    ctx.fail(path, n, "expected a string without NUL characters");
  else if (s)
    out = s->get();
  else
    ctx.fail(path, n, fmt::format("expected a string, not {}", type_name(n)));
}
void convert(const Context& ctx, const toml::node& n, const std::string& path, double& out) {
  if (auto f = n.as_floating_point())
    out = f->get();
  else if (auto i = n.as_integer())
    out = static_cast<double>(i->get());
  else
    ctx.fail(path, n, fmt::format("expected a number, not {}", type_name(n)));
}
void convert(const Context& ctx, const toml::node& n, const std::string& path, int& out) {
  auto i = n.as_integer();
  if (!i) ctx.fail(path, n, fmt::format("expected an integer, not {}", type_name(n)));
  if (i->get() < INT_MIN || i->get() > INT_MAX) ctx.overflows.emplace_back(path, i->get());
  out = static_cast<int>(std::clamp<std::int64_t>(i->get(), INT_MIN, INT_MAX));
}
void convert(const Context& ctx, const toml::node& n, const std::string& path, std::uint64_t& out) {
  auto i = n.as_integer();
  if (!i) ctx.fail(path, n, fmt::format("expected an integer, not {}", type_name(n)));
  if (i->get() < 0) ctx.fail(path, n, "expected an integer >= 0");
  out = static_cast<std::uint64_t>(i->get());
}
void convert(const Context& ctx, const toml::node& n, const std::string& path, BatchConfig& out) {
  if (auto s = n.as_string(); s && s->get() == "full") {
    out = BatchConfig{};
  } else if (auto i = n.as_integer()) {
    out.full = false;
    out.size = i->get();
  } else {
    ctx.fail(path, n, "expected \"full\" or an integer batch size");
  }
}
template <class T>
const char* element_kind() {
  if constexpr (std::is_same_v<T, std::string>)
    return "strings";
  else if constexpr (std::is_same_v<T, double>)
    return "numbers";
  else if constexpr (std::is_same_v<T, std::vector<double>>)
    return "arrays of numbers";
  else
    return "integers";
}
template <class T>
void convert(const Context& ctx, const toml::node& n, const std::string& path, std::vector<T>& out) {
  auto a = n.as_array();
  if (!a) ctx.fail(path, n, fmt::format("expected an array of {}, not {}", element_kind<T>(), type_name(n)));
  std::vector<T> v(a->size());
  for (std::size_t i = 0; i < a->size(); ++i) convert(ctx, *a->get(i), fmt::format("{}[{}]", path, i), v[i]);
  out = std::move(v);
}
// An optional key (sweep.lrs): present in the file → the value.
template <class T>
void convert(const Context& ctx, const toml::node& n, const std::string& path, std::optional<T>& out) {
  T v{};
  convert(ctx, n, path, v);
  out = std::move(v);
}

// Walks the schema reading `root` into a Config; rejects keys and sections the schema does not list.
struct Reader {
  Context& ctx;
  const toml::table& root;
  const toml::table* table = nullptr;  // current table (null: absent → defaults stay)
  std::string path;                    // its key path
  std::vector<std::string> keys;       // keys the schema lists for it
  std::vector<std::string> sections;

  void check_unknown(const std::string& where) {
    if (!table) return;
    for (const auto& [k, node] : *table) {
      std::string key(k.str());
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      std::string rule = fmt::format("unknown key (allowed in [{}]: {})", where, join(keys));
      if (auto near = closest_name(key, keys); !near.empty()) rule += fmt::format("; did you mean '{}'?", near);
      ctx.fail(path + "." + key, node, rule);
    }
  }
  void enter(const toml::table* t, const std::string& p, const std::function<void()>& body) {
    auto saved_table = table;
    auto saved_path = path;
    auto saved_keys = std::move(keys);
    table = t, path = p, keys.clear();
    body();
    check_unknown(p);
    table = saved_table, path = saved_path, keys = std::move(saved_keys);
  }
  void section(const char* name, const std::function<void()>& body) {
    sections.push_back(name);
    const toml::node* n = root.get(name);
    if (n && !n->is_table()) ctx.fail(name, *n, fmt::format("expected a table [{}]", name));
    enter(n ? n->as_table() : nullptr, name, body);
  }
  template <class T, class F>
  void subtable(const char* name, std::optional<T>& out, F body) {
    keys.push_back(name);
    const toml::node* n = table ? table->get(name) : nullptr;
    if (!n) return;
    std::string p = path + "." + name;
    if (!n->is_table()) ctx.fail(p, *n, fmt::format("expected a table [{}]", p));
    ctx.origin_of[p] = ctx.origin(p, n);
    out.emplace();
    enter(n->as_table(), p, [&] { body(*out); });
  }
  template <class T>
  void field(const char* key, T& out) {
    keys.push_back(key);
    const toml::node* n = table ? table->get(key) : nullptr;
    if (!n) return;
    std::string p = path + "." + key;
    ctx.origin_of[p] = ctx.origin(p, n);
    convert(ctx, *n, p, out);
  }
  void finish() {
    for (const auto& [k, node] : root) {
      std::string key(k.str());
      if (std::find(sections.begin(), sections.end(), key) != sections.end()) continue;
      std::string allowed = join(sections);
      std::string near = closest_name(key, sections);
      std::string hint = near.empty() ? "" : fmt::format("; did you mean [{}]?", near);
      if (node.is_table())
        throw InputError(one_line(
            fmt::format("{}: [{}]: unknown section (allowed: {}){}", ctx.origin(key, &node), key, allowed, hint)));
      ctx.fail(key, node, fmt::format("key outside any section (allowed sections: {}){}", allowed, hint));
    }
  }
};

// ---- files and text: src/config/text_input.cpp ----

toml::table parse_toml(const std::string& text, const std::string& source) {
  check_utf8(text, source);
  try {
    return toml::parse(std::string_view(text), std::string_view(source));
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw InputError(
        one_line(fmt::format("{}:{}:{}: TOML syntax error: {}", source, b.line, b.column, e.description())));
  }
}

Config read(const toml::table& root, Context& ctx) {
  Config c;
  Reader reader{ctx, root, nullptr, "", {}, {}};
  visit_config(reader, c);
  reader.finish();
  return c;
}

// validate()'s rule for `key` with the integer at `path` replaced by `probe` ("" when it has none for that key).
std::string rule_at(const toml::table& root, const Context& ctx, const std::string& path, std::int64_t probe) {
  toml::table copy = root;
  copy.at_path(path).as_integer()->get() = probe;
  Context quiet{ctx.source, ctx.override_keys, {}, {}};
  const std::string why = read(copy, quiet).validate();
  const std::string key = path.substr(0, path.find('['));
  if (why.compare(0, key.size() + 1, key + " ") != 0 || why.find(": ") == std::string::npos) return "";
  std::string rule = why.substr(why.find(": ") + 2);
  return rule.substr(0, rule.find(" (got "));  // an array's rule quotes the probe
}

// An integer an int key cannot hold: the message states the key's range, validate()'s rule below 0 plus the 32-bit
// bound, not the C++ type's ("[-2147483648, 2147483647]" would mean nothing to a user).
[[noreturn]] void overflow_message(const toml::table& root, const Context& ctx) {
  const auto& [path, value] = ctx.overflows.front();
  std::string rule = value > 0 ? rule_at(root, ctx, path, INT_MAX) : "";  // an upper bound of the key's own
  if (rule.empty()) {
    const std::string low = rule_at(root, ctx, path, INT_MIN);
    rule = low.empty() ? "expected an integer in [-2147483648, 2147483647]"
           : value > 0 ? low + ", at most 2147483647"
                       : low;
  }
  throw InputError(
      one_line(fmt::format("{}: {} = {}: {}", ctx.origin(path, root.at_path(path).node()), path, value, rule)));
}

Config resolve(const toml::table& root, Context& ctx) {
  Config c = read(root, ctx);
  if (!ctx.overflows.empty()) overflow_message(root, ctx);
  if (std::string why = c.validate(); !why.empty()) {
    std::string key = why.substr(0, why.find_first_of(" =[:"));
    std::string origin = ctx.from_override(key) ? "--set" : ctx.origin_of.count(key) ? ctx.origin_of[key] : ctx.source;
    throw InputError(one_line(origin + ": " + why));
  }
  return c;
}

Config parse_with_overrides(toml::table root, const std::string& source, const std::vector<std::string>& overrides) {
  Context ctx{source, {}, {}, {}};
  for (const auto& arg : overrides) {
    Override o = parse_override(arg);
    try {
      insert_override(root, o);
    } catch (const InputError& e) {  // the file's own node is in the way: the file is named
      throw InputError(one_line(source + ": " + e.what()));
    }
    ctx.override_keys.push_back(o.key);
  }
  return resolve(root, ctx);
}

}  // namespace

std::vector<std::string> schema_keys(const std::string& table) {
  std::vector<std::string> keys;
  for (const auto& p : schema_paths()) {
    auto dot = p.rfind('.');
    if (dot != std::string::npos && p.substr(0, dot) == table) keys.push_back(p.substr(dot + 1));
  }
  return keys;
}

}  // namespace config_detail

const std::vector<std::string>& config_sections() {
  static const std::vector<std::string> sections = [] {
    std::vector<std::string> v;
    for (const auto& p : config_detail::schema_paths())
      if (p.find('.') == std::string::npos) v.push_back(p);
    return v;
  }();
  return sections;
}

std::vector<std::string> config_keys(const std::string& section) { return config_detail::schema_keys(section); }

Config parse_config(const std::string& toml_text, const std::string& source_name,
                    const std::vector<std::string>& overrides) {
  return config_detail::parse_with_overrides(config_detail::parse_toml(toml_text, source_name), source_name, overrides);
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  if (path.empty()) return parse_config(default_config_toml(), "<default config>", overrides);
  return parse_config(config_detail::read_file(path), path, overrides);
}

Config apply_overrides(const Config& base, const std::vector<std::string>& overrides) {
  return parse_config(to_toml(base), "<config>", overrides);
}

}  // namespace widthlab
