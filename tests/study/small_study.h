// Runs a small study for a test: `cfg` in a fresh temporary directory named by `tag`, one thread, no plots, few
// bootstrap resamples. The caller reads what it needs from the returned directory and removes it.
#pragma once
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "widthlab/config.h"
#include "widthlab/output_dir.h"
#include "widthlab/run_dir.h"
#include "widthlab/study.h"

namespace widthlab {

inline std::filesystem::path run_small_study(const Config& cfg, const std::string& tag, int bootstrap,
                                             StudySummary* summary = nullptr) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("widthlab_{}_{}", tag, ::getpid());
  std::filesystem::remove_all(dir);
  open_run_dir(dir, OutputMode::fresh, cfg);
  StudyOptions so;
  so.out = dir;
  so.threads = 1;
  so.plots = false;
  so.bootstrap = bootstrap;
  const StudySummary s = run_study(cfg, so);
  if (summary) *summary = s;
  return dir;
}

}  // namespace widthlab
