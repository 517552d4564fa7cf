// Config → TOML text / JSON, in schema order (the study writes the resolved config next to its results).
#include <fmt/format.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "config/format.h"
#include "config/schema.h"
#include "widthlab/config.h"

namespace widthlab {
namespace config_detail {
namespace {

struct TomlWriter {
  std::string out;
  std::string section_name;
  std::string pending;  // sub-tables, written after the section's own keys
  std::string* sink = &out;

  void section(const char* name, const std::function<void()>& body) {
    if (!out.empty()) out += "\n";
    out += fmt::format("[{}]\n", name);
    section_name = name;
    pending.clear();
    body();
    out += pending;
  }
  template <class T, class F>
  void subtable(const char* name, std::optional<T>& value, F body) {
    if (!value) return;
    std::string text = fmt::format("\n[{}.{}]\n", section_name, name);
    std::string* saved = sink;
    sink = &text;
    body(*value);
    sink = saved;
    pending += text;
  }
  template <class T>
  void field(const char* key, T& value) {
    *sink += fmt::format("{} = {}\n", key, toml_value(value));
  }
  template <class T>
  void field(const char* key, std::optional<T>& value) {  // an optional key: absent → no line
    if (value) field(key, *value);
  }
};

using Json = nlohmann::ordered_json;

Json json_value(const BatchConfig& b) { return b.full ? Json("full") : Json(b.size); }
template <class T>
Json json_value(const T& v) {
  return Json(v);
}

struct JsonWriter {
  Json root = Json::object();
  Json* cur = &root;

  void section(const char* name, const std::function<void()>& body) {
    root[name] = Json::object();
    cur = &root[name];
    body();
  }
  template <class T, class F>
  void subtable(const char* name, std::optional<T>& value, F body) {
    if (!value) return;
    Json* saved = cur;
    (*cur)[name] = Json::object();
    cur = &(*cur)[name];
    body(*value);
    cur = saved;
  }
  template <class T>
  void field(const char* key, T& value) {
    (*cur)[key] = json_value(value);
  }
  template <class T>
  void field(const char* key, std::optional<T>& value) {
    if (value) field(key, *value);
  }
};

}  // namespace
}  // namespace config_detail

std::string to_toml(const Config& config) {
  config_detail::TomlWriter w;
  Config copy = config;  // the visitor takes mutable references
  config_detail::visit_config(w, copy);
  return w.out;
}

std::string to_json(const Config& config, int indent) {
  config_detail::JsonWriter w;
  Config copy = config;
  config_detail::visit_config(w, copy);
  return w.root.dump(indent);
}

}  // namespace widthlab
