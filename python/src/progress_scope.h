// The `progress=` argument of long Python calls (train, study): None shows nothing, True shows the CLI's progress
// line on stderr, a callable is called as progress(label, done, total, note) on every advance (progress.h observer).
// The scope sets the process-wide progress defaults for the call and restores them after.
#pragma once
#include <pybind11/pybind11.h>

#include "widthlab/progress.h"

namespace widthlab::python {

class ProgressScope {
 public:
  explicit ProgressScope(const pybind11::object& progress) : saved_(progress_defaults()) {
    auto& d = progress_defaults();
    d.enabled = !progress.is_none();
    d.force = !progress.is_none() && pybind11::isinstance<pybind11::bool_>(progress) && progress.cast<bool>();
    if (!progress.is_none() && !pybind11::isinstance<pybind11::bool_>(progress)) {
      if (!PyCallable_Check(progress.ptr())) throw pybind11::type_error("progress: expected None, True or a callable");
      d.enabled = false;  // the callback replaces the line
      d.observer = [progress](const std::string& label, long done, long total, const std::string& note) {
        pybind11::gil_scoped_acquire gil;
        try {
          progress(label, done, total, note);
        } catch (pybind11::error_already_set& e) {
          e.discard_as_unraisable("widthlab progress callback");  // a failing callback must not stop the runs
        }
      };
    }
  }
  ~ProgressScope() { progress_defaults() = saved_; }
  ProgressScope(const ProgressScope&) = delete;
  ProgressScope& operator=(const ProgressScope&) = delete;

 private:
  ProgressDefaults saved_;
};

}  // namespace widthlab::python
