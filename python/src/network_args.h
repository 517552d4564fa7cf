// Which network the kernel functions of widthlab._core compute (kernel(), predict()): an architecture (arch=,
// input_shape=; architecture.h, cnn_kernel.h) or the Dense stack (depth=, activation=, width=). The Python side of
// apps/widthlab/kernel_flags.h, with the argument names in place of the flags.
#pragma once
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "widthlab/architecture.h"
#include "widthlab/error.h"
#include "widthlab/kernel.h"

namespace widthlab::python {

namespace py = pybind11;

// "H,W,C" or a sequence of three integers → an image shape (InputError naming `input_shape` otherwise).
inline ImageShape input_shape_from(const py::object& obj) {
  if (py::isinstance<py::str>(obj)) return parse_input_shape(obj.cast<std::string>(), "input_shape");
  std::vector<std::string> parts;
  try {
    for (const auto& item : obj) parts.push_back(std::to_string(item.cast<long long>()));
  } catch (const py::error_already_set&) {
    parts.clear();
  } catch (const py::cast_error&) {
    parts.clear();
  }
  const std::string text = fmt::format("{}", fmt::join(parts, ","));
  if (parts.size() != 3) throw InputError("input_shape: expected (H, W, C), three integers ≥ 1");
  return parse_input_shape(text, "input_shape");
}

// Sets the network of `o` (InputError as the CLI; a TypeError naming `function` when depth / activation are missing
// without arch).
inline void network_args(KernelOptions& o, const py::object& depth, const py::object& activation, double width,
                         const py::object& arch, const py::object& input_shape, const char* function) {
  if (!arch.is_none()) {
    if (!depth.is_none() || !activation.is_none() || width != 1.0)
      throw InputError(
          "arch: depth, activation and width are not used with an architecture (it states its layers "
          "and widths)");
    if (!py::isinstance<py::str>(arch))
      throw InputError("arch: expected a string such as 'conv(3,same,64)-relu-gap-dense(1)'");
    o.arch = parse_architecture(arch.cast<std::string>());
    if (!input_shape.is_none()) o.input_shape = input_shape_from(input_shape);
    return;
  }
  if (!input_shape.is_none()) throw InputError("input_shape: only used with arch");
  // A missing required argument is a TypeError in Python, as it was before arch= made these two optional.
  if (depth.is_none() || activation.is_none())
    throw py::type_error(std::string(function) + "(): depth and activation: required (or give arch)");
  if (!py::isinstance<py::int_>(depth)) throw InputError("depth: expected an integer");
  if (!py::isinstance<py::str>(activation)) throw InputError("activation: expected a name such as \"relu\"");
  o.depth = depth.cast<int>();
  o.act = activation_from_name(activation.cast<std::string>());
  o.width = width;
}

}  // namespace widthlab::python
