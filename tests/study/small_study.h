// Runs a small study for a test: `cfg` in a fresh temporary directory named by `tag`, one thread, no plots, few
// bootstrap resamples. The caller reads what it needs from the returned directory and removes it.
#pragma once
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "widthlab/config.h"
#include "widthlab/output_dir.h"
#include "widthlab/run_dir.h"
#include "widthlab/study.h"

namespace widthlab {

// A tiny one-hidden-layer MF study: tanh nets on 32 + 32 five-dimensional Gaussians, widths 16, 32, 64, seeds 0, 1, 2,
// 2 GD steps, the mf limit simulated with limit seed 0; `overrides` (KEY=VALUE) on top, e.g. limits.mf_particles.
inline Config tiny_mf_study_config(const std::string& name, const std::vector<std::string>& overrides) {
  return parse_config(R"toml(
[data]
dataset = "gaussians"
train_size = 32
test_size = 32
gaussians_dim = 5
[model]
activation = "tanh"
[scaling]
presets = ["mf"]
reference_width = 16
[train]
steps = 2
log_every = 0
[sweep]
widths = [16, 32, 64]
seeds = [0, 1, 2]
[limits]
compute = ["mf"]
seeds = [0]
[study]
plots = false
)toml",
                      name, overrides);
}

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
