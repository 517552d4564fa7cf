// Driver of `widthlab reproduce` (reproduce.h): registry, config loading, report and plots.
#include "widthlab/reproduce.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reproduce/cases.h"
#include "widthlab/config_mapping.h"
#include "widthlab/dataset.h"
#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/output_dir.h"
#include "widthlab/plot_script.h"
#include "widthlab/provenance.h"
#include "widthlab/results_io.h"
#include "widthlab/run_dir.h"

namespace widthlab {

std::string ReproduceOptions::validate() const {
  if (name.empty()) return "NAME: expected a reproduction name";
  if (out.empty()) return "--out: expected an output directory";
  if (smoke && full) return "--smoke and --full: expected at most one of them";
  if (threads < 0) return fmt::format("--threads = {}: expected ≥ 0", threads);
  if (force && resume) return "--force and --resume: expected at most one of them";
  return "";
}

const std::vector<ReproductionInfo>& reproduction_registry() {
  static const std::vector<ReproductionInfo> reg = {
      {"golikov2020-width", "Golikov 2020 [G1], main Fig. 1 left/center, supp. Figs 1–2", "theory.md §6.1 R1, R2",
       "1 hidden layer, GD lr 0.02, 50 steps: MF flat in width, NTK/intermediate drift, SP blows up; R2 exponents",
       repro::run_golikov2020_width},
      {"golikov2020-curves", "Golikov 2020 [G1], main Fig. 1 right, supp. Fig. 4 rows 2–3", "theory.md §6.1 R3, R5, R6",
       "lr 0.02: MF tracks the reference's training curves more closely than NTK (full batch, SGD batch 100, 10 000 "
       "examples with batch 1000)",
       repro::run_golikov2020_curves},
      {"golikov2020-small-lr", "Golikov 2020 [G1], supp. Fig. 3 bottom", "theory.md §6.1 R4",
       "lr 0.0002: NTK tracks the reference net, MF does not (MF lacks the random init logits)",
       repro::run_golikov2020_small_lr},
      {"golikov2020-long", "Golikov 2020 [G1], supp. Fig. 4 row 4", "theory.md §6.1 R7",
       "500 full-batch steps: MF reproduces the reference's train loss, NTK/intermediate fit slower",
       repro::run_golikov2020_long},
      {"golikov2020-fmnist10", "Golikov 2020 [G1], supp. Fig. 5 rows 2–3", "theory.md §6.1 R8, R9",
       "10-class cross-entropy on fashion-mnist (the paper: MNIST): MF flat in width, NTK drifting, full batch and SGD",
       repro::run_golikov2020_fmnist10},
      {"golikov2020-deep", "Golikov 2020 [G1], main Fig. 2", "theory.md §6.1 R10–R12, §5",
       "2 and 3 hidden layers: MF with GD collapses to f ≡ 0 at 3 hidden layers, not at 2, not with RMSProp",
       repro::run_golikov2020_deep},
      {"golikov2021-limits", "Golikov 2021 [G2], main Figs 1 right, 2", "theory.md §6.2 R13, R14",
       "MF, NTK, sym-default, IC-MF, SP at a large width vs the reference: logit KL over seeds and kernels",
       repro::run_golikov2021_limits},
      {"golikov2021-regions", "theory target (no paper figure), from Golikov 2021 [G2]",
       "theory.md §6.5 R29, §2.2, §3.4",
       "one point in each of the 13 regions: finite nets vs the simulated limit model, fitted distance exponent vs "
       "theory",
       repro::run_golikov2021_regions, /*every_seed_at_every_width=*/true},
      {"sohl-dickstein2020-sp", "Sohl-Dickstein et al. 2020 [SP], introduction", "theory.md §6.3 R21, R24",
       "empirical NTK of improved-SP nets → analytic kernel; naive SP kernel ∝ width; largest stable lr",
       repro::run_sohl_dickstein2020_sp, /*every_seed_at_every_width=*/true},
      {"sohl-dickstein2020-properties", "Sohl-Dickstein et al. 2020 [SP], abstract and introduction",
       "theory.md §6.3 properties, R24",
       "what improved SP keeps and the NTK parameterization loses: relative layer widths, weight vs bias speed, lr "
       "scale",
       repro::run_sohl_dickstein2020_properties, /*every_seed_at_every_width=*/true},
      {"sohl-dickstein2020-kernels", "Sohl-Dickstein et al. 2020 [SP], abstract and kernel experiments",
       "theory.md §6.3 R22",
       "NTK and NNGP regression accuracy of NTK-parameterization vs improved-SP kernels (FC, CNN-flatten, CNN-GAP) "
       "on fashion-mnist, with improved SP's base widths swept and chosen on a validation split",
       repro::run_sohl_dickstein2020_kernels},
      {"sohl-dickstein2020-cnn", "Sohl-Dickstein et al. 2020 [SP], introduction and Fig. 3", "theory.md §6.3 R23",
       "finite CNNs, NTK parameterization vs SP, each at its validation-selected lr: no consistent winner",
       repro::run_sohl_dickstein2020_cnn},
      {"nguyen2019-gaussians", "Nguyen 2019 [N], isotropic-Gaussian experiment", "theory.md §6.4 R25",
       "multilayer MF nets on two isotropic Gaussians: loss curves collapse as the width grows",
       repro::run_nguyen2019_gaussians},
      {"nguyen2019-fmnist", "Nguyen 2019 [N], real-data experiment (fashion-mnist-2 for MNIST/CIFAR-10)",
       "theory.md §6.4 R26",
       "2- and 3-hidden-layer MF nets with SGD: loss/accuracy curves and neuron-level distributions collapse as the "
       "width grows",
       repro::run_nguyen2019_fmnist, /*every_seed_at_every_width=*/true},
      {"nguyen2019-cnn", "Nguyen 2019 [N], \"CNN-like\" nets (channels as width; fashion-mnist-2)",
       "theory.md §6.4 R27",
       "MF conv nets (2 conv layers, gap) with SGD: loss/accuracy curves and per-channel distributions collapse as the "
       "channel count grows",
       repro::run_nguyen2019_cnn, /*every_seed_at_every_width=*/true},
      {"classify-grid", "theory target (no paper figure)", "theory.md §6.5 R28, §2.2",
       "grid over (q_σ, q̃): measured exponents of init logits, kernel and weight steps vs A, B, C; 13 regions",
       repro::run_classify_grid, /*every_seed_at_every_width=*/true},
  };
  return reg;
}

const ReproductionInfo& reproduction_info(const std::string& name) {
  for (const auto& r : reproduction_registry())
    if (r.name == name) return r;
  std::string names;
  for (const auto& r : reproduction_registry()) names += (names.empty() ? "" : ", ") + r.name;
  throw InputError(fmt::format("reproduce '{}': unknown reproduction; expected one of: {}", name, names));
}

std::filesystem::path reproduce_config_path(const std::string& name) {
  return std::filesystem::path(WIDTHLAB_SOURCE_DIR) / "configs" / "reproduce" / (name + ".toml");
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(fmt::format("{}: cannot read the reproduction config", printable_path(path)));
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Lines of the [smoke] / [full] tables blanked (line numbers of the rest stay), and their `set` arrays.
struct SplitConfig {
  std::string widthlab_text;
  std::vector<std::string> smoke, full;
};

SplitConfig split_config(const std::string& text, const std::string& path) {
  SplitConfig s;
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    throw InputError(fmt::format("{}:{}:{}: {}", printable_path(path), src.begin.line, src.begin.column,
                                 std::string(e.description())));
  }
  auto read_sets = [&](const char* table, std::vector<std::string>& out) {
    const toml::node* n = root.get(table);
    if (!n) return;
    const toml::table* t = n->as_table();
    if (!t) throw InputError(fmt::format("{}: {}: expected a table with key set = [\"key=value\", …]", path, table));
    for (const auto& [k, v] : *t) {
      if (k.str() != "set")
        throw InputError(fmt::format("{}: {}.{}: unknown key; expected set = [\"key=value\", …]", path, table,
                                     std::string(k.str())));
      const toml::array* a = v.as_array();
      if (!a) throw InputError(fmt::format("{}: {}.set: expected an array of strings", path, table));
      for (const auto& e : *a) {
        auto str = e.value<std::string>();
        if (!str) throw InputError(fmt::format("{}: {}.set: expected an array of strings", path, table));
        out.push_back(*str);
      }
    }
  };
  read_sets("smoke", s.smoke);
  read_sets("full", s.full);
  std::istringstream in(text);
  std::string line;
  bool skipping = false;
  while (std::getline(in, line)) {
    std::string t = line;
    t.erase(0, t.find_first_not_of(" \t"));
    if (!t.empty() && t[0] == '[') {
      std::string head = t.substr(0, t.find(']') + 1);
      skipping = head == "[smoke]" || head == "[full]";
    }
    s.widthlab_text += (skipping ? "" : line) + "\n";
  }
  return s;
}

}  // namespace

Config load_reproduce_config(const std::string& path, bool smoke, bool full, const std::vector<std::string>& sets,
                             const std::string& data_dir) {
  SplitConfig s = split_config(slurp(path), path);
  Config c = parse_config(s.widthlab_text, path, smoke ? s.smoke : full ? s.full : std::vector<std::string>{});
  if (!data_dir.empty() && c.data.dataset == "fashion-mnist-2") {
    c.data.dataset = "cifar-2";
    c.data.path = data_dir;
    c.data.classes = {};
    std::string why = c.validate();
    if (!why.empty()) throw InputError("--data " + printable_path(data_dir) + ": " + why);
  }
  if (!sets.empty()) c = apply_overrides(c, sets);
  return c;
}

std::string ReportTable::markdown() const {
  std::string s;
  if (!title.empty()) s += "**" + title + "**\n\n";
  s += "|";
  for (const auto& c : columns) s += " " + c + " |";
  s += "\n|";
  for (std::size_t i = 0; i < columns.size(); ++i) s += "---|";
  s += "\n";
  for (const auto& r : rows) {
    s += "|";
    for (const auto& c : r) s += " " + c + " |";
    s += "\n";
  }
  return s;
}

std::string reproduce_report_markdown(const ReproductionInfo& info, const CaseOutput& out, double seconds,
                                      const std::string& mode) {
  int h = 0, f = 0, n = 0, sanity = 0, uninformative = 0;
  for (const auto& c : out.claims) {
    sanity += c.sanity, uninformative += c.uninformative;
    if (c.counted()) (c.result.verdict == Verdict::holds ? h : c.result.verdict == Verdict::fails ? f : n) += 1;
  }
  std::string s = fmt::format("# Reproduction: {}\n\n", info.name);
  s += fmt::format("*{}* — {}. {}.\n\n", info.paper, info.spec, info.description);
  s += fmt::format("**Verdicts: {} hold, {} do not hold, {} inconclusive** (mode: {}; wall time {:.1f} s).\n\n", h, f,
                   n, mode, seconds);
  s += "## Setup\n\n" + out.setup + "\n\n";
  auto claim_table = [&](auto in_table) {
    std::string t = "| id | claim | published | measured | verdict |\n|---|---|---|---|---|\n";
    for (const auto& c : out.claims)
      if (in_table(c))
        t += fmt::format("| {} | {} | {} | {} | **{}** |\n", c.id, c.claim, c.published, c.result.detail,
                         verdict_name(c.result.verdict));
    return t + "\n";
  };
  s += "## Claims\n\n" + claim_table([](const ClaimCheck& c) { return c.counted(); });
  if (uninformative > 0)
    s += "## Measurements that cannot decide their claim\n\nThe same statistic would behave so without the claimed "
         "effect, or repeats another claim's statistic (each row says which); shown for what they measure, not "
         "counted among the verdicts above.\n\n" +
         claim_table([](const ClaimCheck& c) { return c.uninformative; });
  if (sanity > 0)
    s += "## Sanity checks\n\nThese follow from the parameterisation alone (exponents of one shared init draw, the "
         "first update, kernels at init); they check the implementation and are not counted among the verdicts "
         "above.\n\n" +
         claim_table([](const ClaimCheck& c) { return c.sanity; });
  if (!out.notes.empty()) {
    s += "## Findings and notes\n\n";
    for (const auto& n : out.notes) s += n + "\n\n";
  }
  if (!out.tables.empty()) {
    s += "## Tables\n\n";
    for (const auto& t : out.tables) s += t.markdown() + "\n";
  }
  if (!out.plots.empty()) {
    s += "## Plots\n\n";
    for (const auto& p : out.plots) s += fmt::format("![{}]({})\n\n", p, p);
  }
  s += "Reproduce with `widthlab reproduce " + info.name + (mode == "default" ? "" : " --" + mode) +
       " --out DIR` (config: `configs/reproduce/" + info.name +
       ".toml`; the run's resolved config is in "
       "`config.toml`).\n";
  return s;
}

std::string ReproduceSummary::brief() const {
  return fmt::format("{}: {} hold, {} do not hold, {} inconclusive ({:.1f} s) → {}", name, holds, fails, inconclusive,
                     seconds, printable_path(report));
}

namespace {
// A smoke run checks the plumbing at a size where no claim can be judged: every verdict is inconclusive, with what
// the rule gives at this size kept in the detail.
void mark_smoke_inconclusive(CaseOutput& co) {
  for (auto& c : co.claims) {
    c.result.detail = fmt::format("smoke size, not a test of the claim (the rule gives '{}' here): {}",
                                  verdict_name(c.result.verdict), c.result.detail);
    c.result.verdict = Verdict::inconclusive;
  }
}

// Draws a case's plots (python/plots/reproduce_plots.py); returns the ones drawn, a note on any that were not.
std::vector<std::string> draw_reproduction_plots(const std::string& name, const std::filesystem::path& out,
                                                 const std::vector<std::string>& expected,
                                                 std::vector<std::string>& notes) {
  PlotScriptResult r;
  try {
    r = run_plot_script(python_interpreter(), plot_script("reproduce_plots.py"), {name, out.string()},
                        out / "plots.log");
  } catch (const InputError& e) {
    r.message = e.what();
  }
  std::vector<std::string> drawn;
  for (const auto& p : expected)
    if (std::filesystem::exists(out / p)) drawn.push_back(p);
  if (!r.message.empty() || drawn.size() != expected.size())
    notes.push_back(fmt::format("Plots: {} of {} drawn ({}).", drawn.size(), expected.size(),
                                r.message.empty() ? "see plots.log" : r.message));
  return drawn;
}
// Where the finite nets of runs.jsonl trained (its "device" key; absent = cpu), as one note, or "" when the case
// records no runs. Generated from the records, so a resumed run counts its earlier runs where they ran.
std::string device_note(const std::filesystem::path& out) {
  long cpu = 0, cuda = 0;
  for (const nlohmann::json& j : read_jsonl(out / "runs.jsonl", /*missing_ok=*/true))
    if (j.is_object()) (j.value("device", std::string("cpu")) == "cuda" ? cuda : cpu) += 1;
  if (cpu + cuda == 0) return "";
  std::string s =
      fmt::format("Devices: {} of the {} recorded runs trained on a CUDA GPU, {} on the CPU", cuda, cpu + cuda, cpu);
  if (cuda > 0 && cuda_available()) s += fmt::format(" (this invocation: {})", cuda_status());
  return s + ".";
}

}  // namespace

ReproduceSummary run_reproduction(const ReproduceOptions& options) {
  if (std::string why = options.validate(); !why.empty()) throw InputError(why);
  const ReproductionInfo& info = reproduction_info(options.name);
  const std::string path =
      options.config_path.empty() ? reproduce_config_path(options.name).string() : options.config_path;
  Config config = load_reproduce_config(path, options.smoke, options.full, options.sets, options.data_dir);
  // NAME chooses the case; reproduce.name records it in config.toml, so a config naming another case is refused and
  // "" (a config of one's own) takes NAME.
  if (config.reproduce.name.empty()) config.reproduce.name = info.name;
  if (config.reproduce.name != info.name) {
    bool from_set = false;
    for (const auto& s : options.sets) from_set |= s.rfind("reproduce.name", 0) == 0;
    throw InputError(
        fmt::format("{}: reproduce.name = \"{}\": this is reproduce {}; expected \"{}\" or \"\" (NAME "
                    "chooses the case)",
                    from_set ? "--set" : printable_path(path), config.reproduce.name, info.name, info.name));
  }
  if (info.every_seed_at_every_width && config.sweep.few_seeds)
    throw InputError(
        fmt::format("sweep.few_seeds = {}: reproduce {} runs every seed at every width (its statistics "
                    "pair seeds across widths); remove sweep.few_seeds and sweep.few_seeds_from",
                    *config.sweep.few_seeds, info.name));
  const OutputMode out_mode = options.force    ? OutputMode::force
                              : options.resume ? OutputMode::resume
                                               : OutputMode::fresh;
  // Runs are keyed by (label, width, seed): a grown grid runs only the new ones, any other change is refused.
  check_run_dir(options.out, out_mode, config, ResumeRule::grid_may_grow);
  check_study_device(config);          // --device cuda without a CUDA path or a GPU: refused before anything is written
  load_dataset(data_options(config));  // the data (a --data folder, data.path) loads: checked before writing too
  std::filesystem::path out = prepare_output_dir(options.out, out_mode);
  write_file_atomic(out / "config.toml", to_toml(config));

  auto t0 = std::chrono::steady_clock::now();
  ReproduceContext ctx{options, config, out};
  CaseOutput co = info.run(ctx);
  if (options.smoke) mark_smoke_inconclusive(co);
  if (ctx.resumed_runs > 0)
    co.notes.push_back(fmt::format(
        "Resumed: {} runs were read back from runs.jsonl, not rerun (their recorded run times sum to {:.0f} s of "
        "worker time); the wall time above covers only the invocation that judged them.",
        ctx.resumed_runs, ctx.resumed_run_seconds));
  if (const std::string note = device_note(out); !note.empty()) co.notes.push_back(note);
  if (const std::string note = provenance_note(out); !note.empty()) co.notes.push_back(note);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (options.plots && !co.plots.empty()) {
    co.plots = draw_reproduction_plots(info.name, out, co.plots, co.notes);
  } else {
    co.plots.clear();
  }

  const std::string mode = options.smoke ? "smoke" : options.full ? "full" : "default";
  write_file_atomic(out / "report.md", reproduce_report_markdown(info, co, seconds, mode));
  ReproduceSummary s;
  s.name = info.name;
  s.claims = co.claims;
  s.seconds = seconds;
  s.report = out / "report.md";
  nlohmann::json claims = nlohmann::json::array();
  for (const auto& c : co.claims) {
    if (c.counted())
      (c.result.verdict == Verdict::holds   ? s.holds
       : c.result.verdict == Verdict::fails ? s.fails
                                            : s.inconclusive) += 1;
    claims.push_back({{"id", c.id},
                      {"claim", c.claim},
                      {"published", c.published},
                      {"measured", c.result.detail},
                      {"verdict", verdict_name(c.result.verdict)},
                      {"sanity", c.sanity},
                      {"uninformative", c.uninformative}});
  }
  write_file_atomic(out / "claims.json", nlohmann::json{{"name", info.name},
                                                        {"paper", info.paper},
                                                        {"spec", info.spec},
                                                        {"description", info.description},
                                                        {"mode", mode},
                                                        {"seconds", seconds},
                                                        {"resumed_runs", ctx.resumed_runs},
                                                        {"resumed_run_seconds", ctx.resumed_run_seconds},
                                                        {"claims", claims}}
                                                 .dump(2) +
                                             "\n");
  return s;
}

}  // namespace widthlab
