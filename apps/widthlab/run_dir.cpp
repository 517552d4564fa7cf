#include "run_dir.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "widthlab/error.h"
#include "widthlab/output_dir.h"
#include "widthlab/results_io.h"

namespace widthlab::cli {

void add_run_dir_flags(CLI::App& sub, RunDirFlags& flags, bool out_required) {
  add_config_flags(sub, flags);
  auto* out = sub.add_option("--out", flags.out, "Output directory");
  if (out_required) out->required();
  auto* r = sub.add_flag("--resume", flags.resume, "Continue in an existing output directory (finished runs are kept)");
  auto* f = sub.add_flag("--force", flags.force, "Delete the output directory's contents first");
  r->excludes(f);
}

namespace {
std::string comparable(Config c) {
  c.study = StudyConfig{};
  return to_toml(c);
}
}  // namespace

ResolvedRunDir resolve_run_dir(const RunDirFlags& flags, const std::string& default_out) {
  ResolvedRunDir r;
  r.config = resolve_config(flags);
  std::string out = flags.out.empty() ? default_out : flags.out;
  if (out.empty()) throw InputError("--out: expected an output directory");
  OutputMode mode = flags.resume ? OutputMode::resume : flags.force ? OutputMode::force : OutputMode::fresh;
  r.out = prepare_output_dir(out, mode);
  std::filesystem::path cfg = r.out / "config.toml";
  if (flags.resume && std::filesystem::exists(cfg)) {
    Config old = load_config(cfg.string());
    if (comparable(old) != comparable(r.config))
      throw InputError(fmt::format("{}: --resume with a different config than the one these results were made with; "
                                   "use the same config, another --out, or --force",
                                   printable_path(cfg)));
    r.resumed = true;
  }
  write_file_atomic(cfg, to_toml(r.config));
  return r;
}

}  // namespace widthlab::cli
