#include "widthlab/run_dir.h"

#include <fmt/format.h>

#include "widthlab/error.h"
#include "widthlab/results_io.h"

namespace widthlab {
namespace {

std::string comparable(Config c) {
  c.study = StudyConfig{};  // threads, plots, time budget: how a run is carried out, not what it computes
  return to_toml(c);
}

}  // namespace

void check_run_dir(const std::filesystem::path& dir, OutputMode mode, const Config& config) {
  check_output_dir(dir, mode);
  const std::filesystem::path cfg = dir / "config.toml";
  std::error_code ec;
  if (mode != OutputMode::resume || !std::filesystem::exists(cfg, ec)) return;
  if (comparable(load_config(cfg.string())) != comparable(config))
    throw InputError(
        fmt::format("{}: --resume with a different config than the one these results were made with; "
                    "use the same config, another --out, or --force",
                    printable_path(cfg)));
}

bool open_run_dir(const std::filesystem::path& dir, OutputMode mode, const Config& config) {
  check_run_dir(dir, mode, config);
  const bool resumed = mode == OutputMode::resume && std::filesystem::exists(dir / "config.toml");
  prepare_output_dir(dir, mode);
  write_file_atomic(dir / "config.toml", to_toml(config));
  return resumed;
}

}  // namespace widthlab
