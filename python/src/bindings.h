// One registration function per bound family; module.cpp calls bind_all(), which calls the families that exist.
#pragma once
#include <pybind11/pybind11.h>

namespace widthlab::python {

void bind_all(pybind11::module_& m);

}  // namespace widthlab::python
