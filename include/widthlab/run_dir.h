// A run directory: an output directory (output_dir.h) whose DIR/config.toml is the resolved config its results were
// made with. The one implementation of fresh / resume / force for config-driven runs, used by the CLI verbs (train,
// study, limit) and by the Python module alike.
#pragma once
#include <filesystem>

#include "widthlab/config.h"
#include "widthlab/output_dir.h"

namespace widthlab {

// What a resumed run may change besides [study] (threads, plots, budget: how runs are carried out). grid: also
// sweep.widths / seeds / few_seeds* — for runs keyed by (label, width, seed), where a grown grid runs only the new ones
// (reproduce).
enum class ResumeRule { same_config, grid_may_grow };

// Writes nothing. InputError when DIR cannot be used with `mode` (check_output_dir), or on resume when
// DIR/config.toml exists and differs from `config` beyond what `rule` allows (resuming would mix results of two
// configs).
void check_run_dir(const std::filesystem::path& dir, OutputMode mode, const Config& config,
                   ResumeRule rule = ResumeRule::same_config);

// check_run_dir, then prepare_output_dir and DIR/config.toml. Returns true when earlier results are resumed.
bool open_run_dir(const std::filesystem::path& dir, OutputMode mode, const Config& config);

}  // namespace widthlab
