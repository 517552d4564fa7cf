// A run directory: an output directory (output_dir.h) whose DIR/config.toml is the resolved config its results were
// made with. The one implementation of fresh / resume / force for config-driven runs, used by the CLI verbs (train,
// study, limit) and by the Python module alike.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "widthlab/config.h"
#include "widthlab/output_dir.h"

namespace widthlab {

// What a resumed run may change besides [study] (threads, plots, budget: how runs are carried out). grid: also
// sweep.widths / seeds / few_seeds* — for runs keyed by (label, width, seed), where a grown grid runs only the new ones
// (reproduce).
enum class ResumeRule { same_config, grid_may_grow };

// Writes nothing. InputError when DIR cannot be used with `mode` (check_output_dir, with the run-dir verbs' fixed names
// plus `writes`: the names this verb will write, e.g. "distances.csv" or "curves/sp_w16_s0.csv", so that a user's
// file under one of them is refused here, before any work), on resume when a record it will read back lacks its
// contract keys (results_io.h read_checked_records), when there is nothing to resume (no DIR, or no widthlab results
// in it), when DIR holds results but no config.toml to compare with, or when DIR/config.toml differs from `config`
// beyond what `rule` allows (resuming would mix results of two configs).
void check_run_dir(const std::filesystem::path& dir, OutputMode mode, const Config& config,
                   ResumeRule rule = ResumeRule::same_config, const std::vector<std::string>& writes = {});

// check_run_dir, then prepare_output_dir and DIR/config.toml. Returns true when earlier results are resumed.
bool open_run_dir(const std::filesystem::path& dir, OutputMode mode, const Config& config);

}  // namespace widthlab
