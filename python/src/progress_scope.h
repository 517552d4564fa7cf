// The `progress=` argument of long Python calls (train, study, limit, transfer, reproduce): None shows nothing, True
// shows the CLI's progress line on stderr, a callable is called as progress(label, done, total, note) on every advance
// (progress.h observer). The scope sets the process-wide progress defaults for the call and restores them after.
//
// Those defaults are process-wide, and so is the OpenBLAS thread count the sweeps set: one long call runs at a time.
// A second one, from another Python thread, waits for the first (without the GIL, so the first one's callbacks run).
#pragma once
#include <pybind11/pybind11.h>

#include <mutex>

#include "widthlab/interrupt.h"
#include "widthlab/progress.h"

namespace widthlab::python {

class ProgressScope {
 public:
  explicit ProgressScope(const pybind11::object& progress) : turn_(one_call_at_a_time(), std::defer_lock) {
    if (!progress.is_none() && !pybind11::isinstance<pybind11::bool_>(progress) && !PyCallable_Check(progress.ptr()))
      throw pybind11::type_error("progress: expected None, True or a callable");
    {
      pybind11::gil_scoped_release wait;
      turn_.lock();
    }
    saved_ = progress_defaults();
    clear_interrupt();
    auto& d = progress_defaults();
    d.enabled = !progress.is_none();
    d.force = !progress.is_none() && pybind11::isinstance<pybind11::bool_>(progress) && progress.cast<bool>();
    if (!progress.is_none() && !pybind11::isinstance<pybind11::bool_>(progress)) {
      d.enabled = false;  // the callback replaces the line
      d.observer = [progress](const std::string& label, long done, long total, const std::string& note) {
        pybind11::gil_scoped_acquire gil;
        try {
          progress(label, done, total, note);
        } catch (pybind11::error_already_set& e) {
          if (e.matches(PyExc_KeyboardInterrupt))
            request_interrupt();  // Ctrl-C while the callback ran: the call stops at its next poll
          else
            e.discard_as_unraisable("widthlab progress callback");  // a failing callback must not stop the runs
        }
      };
    }
  }
  ~ProgressScope() {
    progress_defaults() = saved_;
    clear_interrupt();
  }
  ProgressScope(const ProgressScope&) = delete;
  ProgressScope& operator=(const ProgressScope&) = delete;

 private:
  static std::mutex& one_call_at_a_time() {
    static std::mutex m;
    return m;
  }
  std::unique_lock<std::mutex> turn_;
  ProgressDefaults saved_;
};

}  // namespace widthlab::python
