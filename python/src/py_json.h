// nlohmann::json -> Python objects (dict / list / str / int / float / bool / None), for the results that the CLI
// prints or writes as JSON: the Python dicts have exactly the CLI's keys and values.
#pragma once
#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>

namespace widthlab::python {

inline pybind11::object json_to_py(const nlohmann::json& j) {
  namespace py = pybind11;
  switch (j.type()) {
    case nlohmann::json::value_t::null: return py::none();
    case nlohmann::json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return py::int_(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: return py::int_(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float: return py::float_(j.get<double>());
    case nlohmann::json::value_t::string: return py::str(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      py::list out;
      for (const auto& v : j) out.append(json_to_py(v));
      return out;
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      for (const auto& [k, v] : j.items()) out[py::str(k)] = json_to_py(v);
      return out;
    }
    default: return py::none();  // binary / discarded: never produced by widthlab
  }
}

}  // namespace widthlab::python
