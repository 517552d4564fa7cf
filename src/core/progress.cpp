#include "widthlab/progress.h"

#include <unistd.h>

#include <cstdio>

namespace widthlab {

ProgressDefaults& progress_defaults() {
  static ProgressDefaults d;
  return d;
}

Progress::Progress(std::string label, long total, bool enabled, bool force)
    : label_(std::move(label)),
      total_(total),
      show_(enabled && (force || ::isatty(2))),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { finish(); }

double Progress::eta_seconds(double elapsed, long done, long total) {
  if (done <= 0 || total <= 0) return -1;
  return elapsed * double(total - done) / double(done);
}

void Progress::advance(long n, const std::string& note) {
  done_ += n;
  if (const auto& observer = progress_defaults().observer) observer(label_, done_, total_, note);
  if (!show_) return;
  auto now = std::chrono::steady_clock::now();
  if (done_ < total_ && now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double eta = eta_seconds(elapsed, done_, total_);
  std::fprintf(stderr, "\r\033[K%s %ld/%ld  %.0fs elapsed  ETA %s  %s", label_.c_str(), done_, total_, elapsed,
               eta < 0 ? "?" : (std::to_string(long(eta + 0.5)) + "s").c_str(), note.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (show_) {
    std::fprintf(stderr, "\n");
    show_ = false;
  }
}

}  // namespace widthlab
