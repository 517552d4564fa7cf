#include "widthlab/run_dir.h"

#include <fmt/format.h>

#include "widthlab/error.h"
#include "widthlab/results_io.h"

namespace widthlab {
namespace {

std::string comparable(Config c, ResumeRule rule) {
  c.study = StudyConfig{};  // threads, plots, time budget: how a run is carried out, not what it computes
  if (rule == ResumeRule::grid_may_grow) {
    c.sweep.widths = {1};
    c.sweep.seeds = {0};
    c.sweep.few_seeds_from.reset();
    c.sweep.few_seeds.reset();
  }
  return to_toml(c);
}

}  // namespace

void check_run_dir(const std::filesystem::path& dir, OutputMode mode, const Config& config, ResumeRule rule) {
  check_output_dir(dir, mode);
  const std::filesystem::path cfg = dir / "config.toml";
  std::error_code ec;
  if (mode != OutputMode::resume || !std::filesystem::exists(cfg, ec)) return;
  if (comparable(load_config(cfg.string()), rule) != comparable(config, rule))
    throw InputError(
        fmt::format("{}: --resume with a different config than the one these results were made with{}; "
                    "use the same config, another --out, or --force",
                    printable_path(cfg),
                    rule == ResumeRule::grid_may_grow ? " (only sweep.widths / seeds / few_seeds* may change)" : ""));
}

bool open_run_dir(const std::filesystem::path& dir, OutputMode mode, const Config& config) {
  check_run_dir(dir, mode, config);
  const bool resumed = mode == OutputMode::resume && std::filesystem::exists(dir / "config.toml");
  prepare_output_dir(dir, mode);
  write_file_atomic(dir / "config.toml", to_toml(config));
  return resumed;
}

}  // namespace widthlab
