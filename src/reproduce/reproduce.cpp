// Driver of `widthlab reproduce` (reproduce.h): registry, config loading, report and plots.
#include "widthlab/reproduce.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reproduce/cases.h"
#include "reproduce/claim_json.h"
#include "widthlab/config_mapping.h"
#include "widthlab/dataset.h"
#include "widthlab/device.h"
#include "widthlab/error.h"
#include "widthlab/output_dir.h"
#include "widthlab/plot_script.h"
#include "widthlab/provenance.h"
#include "widthlab/results_io.h"
#include "widthlab/run_dir.h"
#include "widthlab/study.h"

namespace widthlab {

std::string ReproduceOptions::validate() const {
  if (name.empty()) return "NAME: expected a reproduction name";
  if (out.empty()) return "--out: expected an output directory";
  if (smoke && full) return "--smoke and --full: expected at most one of them";
  if (threads < 0 || threads > kMaxThreads)
    return fmt::format("--threads = {}: expected an integer in [0, {}] (0 = all cores)", threads, kMaxThreads);
  if (force && resume) return "--force and --resume: expected at most one of them";
  return "";
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
  bool has_smoke = false, has_full = false;  // the file has the table
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
  auto read_sets = [&](const char* table, std::vector<std::string>& out, bool& has) {
    const toml::node* n = root.get(table);
    if (!n) return;
    has = true;
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
  read_sets("smoke", s.smoke, s.has_smoke);
  read_sets("full", s.full, s.has_full);
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
  for (const auto& [flag, has] : {std::pair{"--smoke", smoke && !s.has_smoke}, {"--full", full && !s.has_full}})
    if (has)  // the run would be the unreduced (or unenlarged) grid, labelled as the mode it is not
      throw InputError(fmt::format("{} {}: no [{}] table (set = [\"key=value\", …]) to apply; expected one, or no {}",
                                   flag, printable_path(path), flag + 2, flag));
  // Both tables are checked whichever mode runs: a bad key in [full] would otherwise surface only in a --full run.
  auto with = [&](const char* table, const std::vector<std::string>& table_sets) {
    try {
      return parse_config(s.widthlab_text, path, table_sets);
    } catch (const InputError& e) {
      const std::string m = e.what();  // "--set: train.lr = 0.0: …" → "PATH [smoke] set: train.lr = 0.0: …"
      throw InputError(m.rfind("--set", 0) == 0 ? fmt::format("{} [{}] set{}", printable_path(path), table, m.substr(5))
                                                : m);
    }
  };
  const Config with_smoke = with("smoke", s.smoke), with_full = with("full", s.full);
  Config c = smoke ? with_smoke : full ? with_full : parse_config(s.widthlab_text, path, {});
  if (!data_dir.empty() && c.data.dataset != "fashion-mnist-2")  // a case on other data would ignore it
    throw InputError(fmt::format(
        "--data {}: {} runs on data.dataset = \"{}\", not on fashion-mnist-2, which --data replaces by CIFAR-2; "
        "expected no --data",
        printable_path(data_dir), c.reproduce.name.empty() ? printable_path(path) : "reproduce " + c.reproduce.name,
        c.data.dataset));
  if (!data_dir.empty()) {
    c.data.dataset = "cifar-2";
    c.data.path = data_dir;
    c.data.classes = {};
    std::string why = c.validate();
    if (!why.empty()) throw InputError("--data " + printable_path(data_dir) + ": " + why);
  }
  if (!sets.empty()) c = apply_overrides(c, sets);
  return c;
}

const char* source_kind_name(SourceKind k) { return k == SourceKind::derived ? "derived" : "paper"; }

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
  int h = 0, f = 0, n = 0, sanity = 0, uninformative = 0, derived = 0;
  for (const auto& c : out.claims) {
    sanity += c.sanity, uninformative += c.uninformative;
    derived += c.counted() && c.source_kind == SourceKind::derived;
    if (c.counted()) (c.result.verdict == Verdict::holds ? h : c.result.verdict == Verdict::fails ? f : n) += 1;
  }
  std::string s = fmt::format("# Reproduction: {}\n\n", info.name);
  s += fmt::format("*{}* — {}. {}.\n\n", info.paper, info.spec, info.description);
  s += fmt::format("**Verdicts: {} hold, {} do not hold, {} inconclusive** (mode: {}; wall time {:.1f} s).\n\n", h, f,
                   n, mode, seconds);
  if (derived > 0)
    s += fmt::format(
        "{} of the counted claims are *derived*: the paper's own figure for them was not seen, so what "
        "they expect is derived from the theory (theory.md §0 tag [derived]); their published column "
        "begins *derived:*.\n\n",
        derived);
  s += "## Setup\n\n" + out.setup + "\n\n";
  auto claim_table = [&](auto in_table) {
    std::string t = "| id | claim | published | measured | verdict |\n|---|---|---|---|---|\n";
    for (const auto& c : out.claims)
      if (in_table(c))
        t += fmt::format("| {} | {} | {}{} | {} | **{}** |\n", c.id, c.claim,
                         c.source_kind == SourceKind::derived ? "*derived:* " : "", c.published, c.result.detail,
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
  // Drawn = written by widthlab (listed in the manifest): a user's file of a figure's name is kept and not shown.
  const DrawnFigures figures = drawn_figures(out, expected);
  std::string why = r.message.empty() ? "see plots.log" : r.message;
  if (!figures.kept.empty()) why = figures.not_drawn();
  if (!r.message.empty() || figures.drawn.size() != expected.size()) {
    notes.push_back(fmt::format("Plots: {} of {} drawn ({}).", figures.drawn.size(), expected.size(), why));
    std::fprintf(stderr, "widthlab reproduce: warning: plots: %zu of %zu drawn (%s)\n", figures.drawn.size(),
                 expected.size(), why.c_str());
  }
  return figures.drawn;
}

// The names the case writes beyond the run-dir verbs' fixed ones (ReproductionInfo::outputs, each file with the .tmp
// it is written through; figures and plots.log only when plots are drawn), checked before anything is written.
std::vector<std::string> case_output_names(const ReproductionInfo& info, bool plots) {
  std::vector<std::string> names = {"report.md.tmp", "claims.json.tmp", "config.toml.tmp"};
  if (plots) names.push_back("plots.log");
  for (const auto& name : info.outputs) {
    if (name.ends_with(".png") && !plots) continue;
    names.push_back(name);
    if (!name.ends_with("/")) names.push_back(name + ".tmp");
  }
  return names;
}

// A figure the case expects must be declared in the registry, or the up-front check would not have covered it.
void check_declared_plots(const ReproductionInfo& info, const CaseOutput& co) {
  for (const auto& p : co.plots)
    if (std::find(info.outputs.begin(), info.outputs.end(), p) == info.outputs.end())
      throw std::logic_error(fmt::format("reproduce {}: figure {} is not in the registry's outputs", info.name, p));
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

// DIR/claims.json (architecture.md §4) and the summary: verdict counts over the counted claims.
ReproduceSummary write_claims(const ReproductionInfo& info, const CaseOutput& co, const ReproduceContext& ctx,
                              double seconds, const std::string& mode) {
  const std::filesystem::path& out = ctx.out;
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
    claims.push_back(claim_json(c));
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

// A user's file inside a folder the case writes into (curves/, a sub-study's folder): a case with several sweeps knows
// its later runs' names only when it reaches them, so such a file is refused here, before --force removes anything or
// a run trains, rather than by claim_output after an earlier sweep.
void refuse_foreign_files_in_folders(const std::filesystem::path& out, const ReproductionInfo& info) {
  std::vector<std::string> folders = {"curves/"};
  for (const auto& name : info.outputs)
    if (!name.empty() && name.back() == '/') folders.push_back(name);
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!std::filesystem::is_directory(out / folder, ec) ||
        std::filesystem::is_symlink(out / folder.substr(0, folder.size() - 1), ec))
      continue;  // a link in place of a folder is check_run_dir's to refuse
    for (const auto& e : std::filesystem::recursive_directory_iterator(out / folder, ec))
      if (!e.is_directory() && foreign_output(e.path()))
        throw InputError(
            fmt::format("{}: exists and was not written by widthlab, inside {} which reproduce {} writes "
                        "into; refusing to run (move it; widthlab never overwrites or deletes a file it "
                        "did not write)",
                        printable_path(e.path()), folder, info.name));
  }
}

// A case's claims, report and figures name its scalings (the paper's): a config or --set that swapped them would
// have other nets reported as the paper's, so scaling.presets, scaling.q and [scaling.custom] must be those of the
// case's own config (configs/reproduce/NAME.toml, with the same --smoke / --full).
void check_case_scalings(const ReproductionInfo& info, const Config& config, const ReproduceOptions& o,
                         const std::string& path) {
  const std::filesystem::path own = reproduce_config_path(info.name);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(own, ec)) return;  // outside the source tree: nothing to compare with
  const ScalingConfig& want = load_reproduce_config(own.string(), o.smoke, o.full, {}, o.data_dir).scaling;
  const ScalingConfig& got = config.scaling;
  if (got.presets == want.presets && got.q == want.q && got.custom == want.custom) return;
  bool from_set = false;
  for (const auto& s : o.sets) from_set |= s.rfind("scaling.", 0) == 0;
  const std::string where = from_set ? "--set" : printable_path(path);
  if (got.presets != want.presets && want.presets.empty())
    throw InputError(
        fmt::format("{}: scaling.presets = [{}]: reproduce {} measures no preset (its scalings, which its "
                    "claims and report name, are scaling.q's points or [scaling.custom]); expected none",
                    where, fmt::join(got.presets, ", "), info.name));
  if (got.presets != want.presets)
    throw InputError(
        fmt::format("{}: scaling.presets = [{}]: reproduce {} measures [{}], the scalings its claims and "
                    "report name; expected them unchanged",
                    where, fmt::join(got.presets, ", "), info.name, fmt::join(want.presets, ", ")));
  throw InputError(
      fmt::format("{}: scaling.q / [scaling.custom] differ from {}'s: reproduce {} measures the scalings "
                  "its claims and report name; expected them unchanged",
                  where, printable_path(own), info.name));
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
  check_case_scalings(info, config, options, path);
  if (info.every_seed_at_every_width && config.sweep.few_seeds)
    throw InputError(
        fmt::format("sweep.few_seeds = {}: reproduce {} runs every seed at every width (its statistics "
                    "pair seeds across widths); remove sweep.few_seeds and sweep.few_seeds_from",
                    *config.sweep.few_seeds, info.name));
  const OutputMode out_mode = options.force    ? OutputMode::force
                              : options.resume ? OutputMode::resume
                                               : OutputMode::fresh;
  if (std::string why = reproduction_requirements(info, config, options.resume); !why.empty()) throw InputError(why);
  // Runs are keyed by (label, width, seed): a grown grid runs only the new ones, any other change is refused.
  check_run_dir(options.out, out_mode, config, ResumeRule::grid_may_grow, case_output_names(info, options.plots));
  refuse_foreign_files_in_folders(options.out, info);
  check_study_device(config);          // --device cuda without a CUDA path or a GPU: refused before anything is written
  load_dataset(data_options(config));  // the data (a --data folder, data.path) loads: checked before writing too
  std::filesystem::path out =
      prepare_output_dir(options.out, out_mode, /*resumable=*/true, {}, {std::filesystem::path(config.data.path)});
  write_file_atomic(out / "config.toml", to_toml(config));

  auto t0 = std::chrono::steady_clock::now();
  ReproduceOptions used = options;  // threads 0 (all cores, the default) leaves the choice to study.threads
  if (used.threads == 0) used.threads = config.study.threads;
  ReproduceContext ctx{used, config, out};
  CaseOutput co = info.run(ctx);
  check_declared_plots(info, co);
  if (options.smoke) mark_smoke_inconclusive(co);
  if (ctx.resumed_runs > 0)
    co.notes.push_back(fmt::format(
        "Resumed: {} runs were read back from runs.jsonl, not rerun (their recorded run times sum to {:.0f} s of "
        "worker time); the wall time above covers only the invocation that judged them.",
        ctx.resumed_runs, ctx.resumed_run_seconds));
  if (const std::string note = device_note(out); !note.empty()) co.notes.push_back(note);
  if (const std::string note = provenance_note(out); !note.empty()) co.notes.push_back(note);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  co.plots = options.plots && !co.plots.empty() ? draw_reproduction_plots(info.name, out, co.plots, co.notes)
                                                : std::vector<std::string>{};

  const std::string mode = options.smoke ? "smoke" : options.full ? "full" : "default";
  write_file_atomic(out / "report.md", reproduce_report_markdown(info, co, seconds, mode));
  return write_claims(info, co, ctx, seconds, mode);
}

}  // namespace widthlab
