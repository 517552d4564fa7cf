// Shared flags of the verbs that write a results directory from a config (train, study): --config, --set, --out,
// --resume, --force; resolving them into a validated Config and a prepared output directory with DIR/config.toml.
#pragma once
#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "config_flags.h"
#include "widthlab/config.h"

namespace widthlab::cli {

// --config and --set are the shared config flags of config_flags.h (config, sets).
struct RunDirFlags : ConfigFlags {
  std::string out;
  bool resume = false, force = false;
};
void add_run_dir_flags(CLI::App& sub, RunDirFlags& flags, bool out_required = true);

struct ResolvedRunDir {
  Config config;
  std::filesystem::path out;
  bool resumed = false;
};
// Loads the config, prepares the directory (fresh / resume / force) and writes DIR/config.toml (the resolved config).
// On --resume of a directory whose config.toml differs (outside [study]) from the resolved config: InputError.
ResolvedRunDir resolve_run_dir(const RunDirFlags& flags, const std::string& default_out);

}  // namespace widthlab::cli
