// A one-line progress indicator with ETA on stderr for long work (architecture.md §4). Shown when enabled and stderr is
// a terminal, or when forced (--progress); never written to stdout so results stay machine-readable.
#pragma once
#include <chrono>
#include <functional>
#include <string>

namespace widthlab {

class Progress {
 public:
  // enabled=false (--quiet) silences it; force=true (--progress) shows it even when stderr is not a terminal.
  Progress(std::string label, long total, bool enabled = true, bool force = false);
  ~Progress();
  void advance(long n = 1, const std::string& note = "");
  void finish();
  static double eta_seconds(double elapsed, long done, long total);  // linear extrapolation; <0 when unknown

 private:
  std::string label_;
  long total_, done_ = 0;
  bool show_;
  std::chrono::steady_clock::time_point start_, last_;
};

// Told of every advance of every Progress (label, done, total, note), whether or not a line is shown: the Python
// module's progress callback. Called on the thread that advances.
using ProgressObserver = std::function<void(const std::string&, long, long, const std::string&)>;

// Process-wide defaults set by the CLI's --quiet / --progress (library code calls Progress with these).
struct ProgressDefaults {
  bool enabled = true;
  bool force = false;
  ProgressObserver observer;  // empty: none
};
ProgressDefaults& progress_defaults();

}  // namespace widthlab
