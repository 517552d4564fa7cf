// The compiled part of the `widthlab` Python package (STYLE 17): `widthlab._core`. Each bind_*.cpp adds one family
// of functions; the thin Python layer (python/widthlab/__init__.py) gives them their documented signatures.
// widthlab::InputError becomes ValueError carrying the same one-line message the CLI prints (STYLE 6).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>

#include "bindings.h"
#include "py_json.h"
#include "widthlab/activation.h"
#include "widthlab/error.h"
#include "widthlab/interrupt.h"
#include "widthlab/loss.h"
#include "widthlab/output_dir.h"
#include "widthlab/provenance.h"
#include "widthlab/sweep.h"
#include "widthlab/worker_threads.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "widthlab compiled core (use the `widthlab` package, not this module directly)";
  m.attr("__version__") = WIDTHLAB_VERSION;
  m.attr("MAX_THREADS") = widthlab::kMaxThreads;  // every threads= argument's bound (worker_threads.h)
  // provenance.jsonl's "command": the Python interpreter's argv (the script that drives widthlab).
  std::vector<std::string> argv{"python"};
  if (const py::module_ sys = py::module_::import("sys"); py::hasattr(sys, "argv"))
    for (const py::handle a : sys.attr("argv")) argv.push_back(py::str(a));
  widthlab::set_invocation(std::move(argv));
  // Ctrl-C during a long call (interrupt.h): the engines poll between steps; on this (the importing, normally the
  // main) thread a poll runs Python's signal handlers, whose KeyboardInterrupt stays set while Interrupted unwinds.
  widthlab::set_interrupt_source([] {
    py::gil_scoped_acquire gil;
    return PyErr_CheckSignals() != 0;
  });
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const widthlab::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const widthlab::Interrupted&) {
      widthlab::clear_interrupt();
      if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
    }
  });
  m.def(
      "activations",
      [] {
        py::list out;
        for (const auto& a : widthlab::activation_registry())
          out.append(py::dict(py::arg("name") = a.name, py::arg("parameter") = a.parameter,
                              py::arg("description") = a.description));
        return out;
      },
      "The activation registry: a list of {name, parameter, description}.");
  m.def(
      "losses",
      [] {
        py::list out;
        for (const auto& l : widthlab::loss_registry())
          out.append(py::dict(py::arg("name") = l.name, py::arg("aliases") = l.aliases,
                              py::arg("description") = l.description, py::arg("closed_form") = l.closed_form,
                              py::arg("saturates") = l.saturates));
        return out;
      },
      "The loss registry: a list of {name, aliases, description, closed_form, saturates}.");
  m.def(
      "provenance", [] { return widthlab::python::json_to_py(widthlab::provenance_record()); },
      "This process's provenance record (provenance.h): the fields every output directory's provenance.jsonl gets.");
  // For the Python layer's reading back of a sweep's files: the names the C++ side gives them, and whether widthlab
  // wrote a file (a user's file under such a name is never taken for a result).
  m.def(
      "run_stem",
      [](const std::string& scaling, int width, std::uint64_t seed, std::optional<double> lr) {
        return widthlab::run_stem({scaling, width, seed, lr});
      },
      py::arg("scaling"), py::arg("width"), py::arg("seed"), py::arg("lr") = py::none(),
      "The file stem of a sweep run's curve and logits (sweep.h run_stem); lr only for an lr-axis sweep.");
  m.def(
      "listed_output", [](const std::string& path) { return widthlab::listed_output(path); }, py::arg("path"),
      "True when the output directory's manifest lists `path`: a file widthlab wrote (output_dir.h).");
  widthlab::python::bind_all(m);
}
