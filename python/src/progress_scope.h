// The `progress=` argument of long Python calls (train, study, limit, transfer, reproduce): None shows nothing, True
// shows the CLI's progress line on stderr, a callable is called as progress(label, done, total, note) on every advance
// (progress.h observer). The scope sets the process-wide progress defaults for the call and restores them after.
//
// Those defaults are process-wide, and so is the OpenBLAS thread count the sweeps set: one call that computes runs at a
// time. A second one, from another Python thread, waits for the first (without the GIL, so the first one's callbacks
// run); the short calls (kernel, predict, empirical_ntk, train_net) take their turn too, with progress None, so that
// their workers never read another call's callback. A call made from inside a progress callback would wait for the
// call that is calling it: it is refused (RuntimeError) instead.
#pragma once
#include <pybind11/pybind11.h>

#include <mutex>
#include <stdexcept>

#include "widthlab/interrupt.h"
#include "widthlab/progress.h"

namespace widthlab::python {

class ProgressScope {
 public:
  explicit ProgressScope(const pybind11::object& progress) : turn_(one_call_at_a_time(), std::defer_lock) {
    if (!progress.is_none() && !pybind11::isinstance<pybind11::bool_>(progress) && !PyCallable_Check(progress.ptr()))
      throw pybind11::type_error("progress: expected None, True or a callable");
    if (in_callback())
      throw std::runtime_error(
          "widthlab: called from inside a progress callback, whose call holds widthlab until it returns (calls run "
          "one at a time); call it after that call returns");
    {
      pybind11::gil_scoped_release wait;
      turn_.lock();
    }
    saved_ = progress_defaults();
    clear_interrupt();
    auto& d = progress_defaults();
    d.enabled = !progress.is_none();
    d.force = !progress.is_none() && pybind11::isinstance<pybind11::bool_>(progress) && progress.cast<bool>();
    d.observer = {};  // none but this call's own
    if (!progress.is_none() && !pybind11::isinstance<pybind11::bool_>(progress)) {
      d.enabled = false;  // the callback replaces the line
      d.observer = [progress](const std::string& label, long done, long total, const std::string& note) {
        pybind11::gil_scoped_acquire gil;
        struct Flag {  // set while this thread runs the callback (a nested widthlab call is refused)
          Flag() { in_callback() = true; }
          ~Flag() { in_callback() = false; }
        } flag;
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
  static bool& in_callback() {
    thread_local bool inside = false;
    return inside;
  }
  static std::mutex& one_call_at_a_time() {
    static std::mutex m;
    return m;
  }
  std::unique_lock<std::mutex> turn_;
  ProgressDefaults saved_;
};

}  // namespace widthlab::python
