// `widthlab reproduce NAME --out DIR [--smoke | --full] [--data CIFAR10_DIR] [--config F] [--set key=value]…
//  [--threads N] [--device cpu|cuda|auto] [--no-plots] [--force]` — a built-in paper experiment with verdicts
// (architecture.md §4; library: widthlab/reproduce.h). `widthlab reproduce --list` prints the cases. Exit 0 when the
// case ran (whatever the verdicts), 2 on bad input.
#include "widthlab/reproduce.h"

#include <fmt/format.h>

#include "config_flags.h"
#include "verb.h"
#include "widthlab/error.h"

namespace {

struct ReproduceVerbOptions {
  widthlab::ReproduceOptions o;
  std::string out, device;
  bool list = false, no_plots = false;
  const CLI::Option* threads_option = nullptr;  // given?
};

// --list prints the cases and runs none: any other flag or a NAME beside it would be ignored, so it is refused.
void refuse_flags_beside_list(const CLI::App& sub) {
  for (const CLI::Option* o : sub.get_options())
    if (o->count() > 0 && o->get_name() != "--list")
      throw widthlab::InputError(fmt::format("{}: not used with --list (it prints the cases and runs none)",
                                             o->get_name() == "name" ? "NAME" : o->get_name()));
}

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto opt = std::make_shared<ReproduceVerbOptions>();
  std::string names;
  for (const auto& r : widthlab::reproduction_registry()) names += (names.empty() ? "" : ", ") + r.name;
  sub.add_option("name", opt->o.name, "Reproduction: " + names);
  sub.add_option("--out", opt->out, "Output directory (report.md, claims.json, CSVs, PNGs, runs.jsonl)");
  sub.add_flag("--list", opt->list, "List the reproductions and exit");
  auto* smoke = sub.add_flag("--smoke", opt->o.smoke, "Small widths, few steps (seconds; the config's [smoke] table)");
  auto* full = sub.add_flag("--full", opt->o.full, "The paper's largest sizes (the config's [full] table)");
  smoke->excludes(full);
  sub.add_option("--data", opt->o.data_dir,
                 "Directory with CIFAR-10 binary files: run image cases on CIFAR-2 instead of fashion-mnist-2");
  sub.add_option("--config", opt->o.config_path, "Reproduction config (default: configs/reproduce/NAME.toml)");
  sub.add_option("--set", opt->o.sets, "Override a config key after --smoke/--full: --set sweep.seeds=[0,1]")
      ->type_name("KEY=VALUE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  opt->threads_option = sub.add_option("--threads", opt->o.threads,
                                       "Worker threads (sets study.threads; default: the config's, 0 = all cores)");
  widthlab::cli::add_device_flag(sub, opt->device);
  sub.add_flag("--no-plots", opt->no_plots, "Do not draw PNGs");
  auto* f =
      sub.add_flag("--force", opt->o.force, "Replace the results widthlab wrote in --out (other files there are kept)");
  auto* r = sub.add_flag(
      "--resume", opt->o.resume,
      "Continue in an output directory holding this case's results (cases that record their runs reuse them)");
  f->excludes(r);
  return [opt, &sub] {
    using namespace widthlab;
    if (opt->list) {
      refuse_flags_beside_list(sub);
      for (const auto& r : reproduction_registry())
        fmt::print("{:<24} {} ({}): {}\n", r.name, r.paper, r.spec, r.description);
      return 0;
    }
    opt->o.out = opt->out;
    // --device, --threads and --no-plots set study.device, study.threads and study.plots, before the --set ones: a
    // --set giving one of them another value would win silently, so it is refused.
    std::vector<FlagOverrides> flags;
    if (!opt->device.empty()) flags.push_back({"--device " + opt->device, {"study.device=" + opt->device}});
    if (opt->threads_option->count() > 0)
      flags.push_back({fmt::format("--threads {}", opt->o.threads), {fmt::format("study.threads={}", opt->o.threads)}});
    if (opt->no_plots) flags.push_back({"--no-plots", {"study.plots=false"}});
    refuse_flag_set_conflicts(flags, opt->o.sets);
    for (const auto& f : flags) opt->o.sets.insert(opt->o.sets.begin(), f.sets.front());
    opt->o.plots = !opt->no_plots;
    if (opt->o.name.empty()) throw InputError("NAME: expected one of the names of `widthlab reproduce --list`");
    reproduction_info(opt->o.name);  // unknown name → InputError before the directory is touched
    ReproduceSummary s = run_reproduction(opt->o);
    fmt::print("{}\n", s.brief());
    return 0;
  };
}

const widthlab::cli::VerbRegistration reg{"reproduce", "Run a built-in paper experiment and judge its claims", setup};

}  // namespace
