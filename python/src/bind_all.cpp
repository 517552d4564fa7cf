// The list of bound families (one bind_<family>.cpp each).
#include "bindings.h"

namespace widthlab::python {

void bind_all(pybind11::module_& m) {}

}  // namespace widthlab::python
