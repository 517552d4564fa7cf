// `widthlab reproduce NAME --out DIR` (theory.md §6; architecture.md §4; STYLE 14): the seed papers' experiments built
// in. Each case is a config (configs/reproduce/NAME.toml, the experiment's setup), code that runs it, the published
// numbers or claims it is judged against (stored in the case's source file next to the verdict code, with their
// theory.md section), and DIR/report.md: setup, time taken, a claim table with a verdict per claim (verdicts.h: an
// estimate with its 95 % interval against a region fixed in code; holds / does not
// hold / inconclusive, with the numbers), the tables of the paper's figure and PNG plots
// (python/plots/reproduce_plots.py).
//
// CIFAR-10 is not bundled: image cases run on fashion-mnist-2 by default and on CIFAR-2 (airplane vs automobile)
// when `data_dir` points at CIFAR-10 binary files. Claims are about shape (flat / drifting / diverging / trivial),
// which is what transfers between the two datasets; published loss values are CIFAR-2's and shown for reference.
//
// Sizes: the config holds the paper's sizes; `smoke` applies the config's [smoke] overrides (small widths, few
// steps: seconds, used by the tests), `full` its [full] overrides (the paper's largest sizes where the config's
// default is reduced). `sets` (--set key=value) apply last.
#pragma once
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "widthlab/config.h"
#include "widthlab/verdicts.h"

namespace widthlab {

// ---- Report pieces --------------------------------------------------------------------------------------------

enum class SourceKind { paper, derived };
const char* source_kind_name(SourceKind k);  // "paper" | "derived"

struct ClaimCheck {
  std::string id;         // e.g. "R1.mf-flat"
  std::string claim;      // the paper's claim in words
  std::string published;  // the published number / statement and its theory.md source
  VerdictResult result;   // our numbers and the verdict
  // A sanity check follows from the parameterisation alone (e.g. step-0 logit or kernel-size exponents of one shared
  // init draw): reported in its own section, not counted among the reproduction's verdicts.
  bool sanity = false;
  // An uninformative measurement cannot decide its claim: the same statistic behaves so without the claimed effect
  // (a distance between finite samples that shrinks where nothing differs, e.g. at init), or it repeats another
  // claim's statistic. Reported in its own section with the reason in result.detail, not counted (theory.md §8.7).
  bool uninformative = false;
  // Where the expected outcome comes from: a figure or table of the paper that was seen (theory.md §0 tags [plot],
  // [code]), or derived here from the theory (tag [derived]; possibly from a sentence of the paper's abstract, [abs])
  // where the paper's own figure was not seen. claims.json's "source_kind" ("paper" | "derived"; absent = paper).
  SourceKind source_kind = SourceKind::paper;
  bool counted() const { return !sanity && !uninformative; }
};

struct ReportTable {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::string markdown() const;
};

// What a case hands back to the driver.
struct CaseOutput {
  std::string setup;  // markdown: data, sizes actually used
  std::vector<ClaimCheck> claims;
  std::vector<ReportTable> tables;
  std::vector<std::string> plots;  // PNG file names expected in DIR (drawn by reproduce_plots.py)
  std::vector<std::string> notes;  // findings, reductions, caveats (markdown paragraphs)
};

// ---- Options, registry, driver --------------------------------------------------------------------------------

struct ReproduceOptions {
  std::string name;                    // a reproduction_registry() name
  std::filesystem::path out;           // output directory (prepared by the caller or run_reproduction)
  std::string config_path;             // "" = configs/reproduce/NAME.toml of the source tree
  std::vector<std::string> sets;       // --set overrides, applied after smoke/full
  bool smoke = false;                  // [smoke] overrides: seconds
  bool full = false;                   // [full] overrides: the paper's largest sizes
  std::string data_dir;                // CIFAR-10 binary directory → cifar-2 instead of fashion-mnist-2
  int threads = 0;                     // worker threads (0 = the config's study.threads; its 0 = all cores)
  bool plots = true;                   // draw PNGs (python3 + matplotlib; skipped with a note when missing)
  bool force = false, resume = false;  // output directory mode (fresh otherwise)

  std::string validate() const;  // "" when valid
};

struct ReproduceContext {
  const ReproduceOptions& options;
  Config config;  // resolved (smoke/full/sets/data applied)
  std::filesystem::path out;
  // With --resume: the runs read back from DIR/runs.jsonl instead of rerun, and the sum of their recorded run times
  // (the report says so: its wall time then covers only the invocation that judged them).
  mutable int resumed_runs = 0;
  mutable double resumed_run_seconds = 0;
};

using CaseFunction = std::function<CaseOutput(const ReproduceContext&)>;

struct ReproductionInfo {
  std::string name;         // "golikov2020-width"
  std::string paper;        // "Golikov 2020 [G1], Fig. 1 / supp. Figs 1–2"
  std::string spec;         // "theory.md §6.1 R1, R2"
  std::string description;  // one line
  CaseFunction run;
  // The case's statistics pair every seed across all widths, so it refuses sweep.few_seeds (InputError before
  // anything is written); the others take fewer seeds at the widest nets.
  bool every_seed_at_every_width = false;
  // The names the case writes in DIR besides config.toml, report.md, claims.json, runs.jsonl, curves/, errors.jsonl
  // and plots.log (its CSVs, summaries, sub-study folders ending in '/', and figures): a user's file under one of them
  // is refused before the case runs (architecture.md §4). A figure the case expects (CaseOutput::plots) must be listed
  // (run_reproduction checks).
  std::vector<std::string> outputs = {};
  // What the case needs of sweep.widths, checked before anything is written (reproduction_requirements).
  enum class Widths { any, above_reference, include_reference } widths = Widths::any;
  // The case's verdicts need only what runs.jsonl keeps, so --resume reuses its runs; otherwise (per-step curves or
  // logits) --resume is refused before anything is written. Off unless a case says so: a resumed run is rebuilt from
  // its record (common.cpp) without curves, and a case judged on curves would judge empty ones.
  bool resumable = false;
};
const std::vector<ReproductionInfo>& reproduction_registry();
// "" when `config` (and --resume) meet the case's declared needs (ReproductionInfo::widths, resumable), else the
// one-line reason; run_reproduction refuses before anything is written.
std::string reproduction_requirements(const ReproductionInfo& info, const Config& config, bool resume);
const ReproductionInfo& reproduction_info(const std::string& name);  // InputError listing the names

// configs/reproduce/NAME.toml: a widthlab config plus optional tables [smoke] and [full], each `set = ["key=value",
// …]`. A `data_dir` switches a fashion-mnist-2 config to cifar-2 and is refused for any other dataset (it would change
// nothing). Returns the resolved Config (InputError naming the file/key on any problem).
Config load_reproduce_config(const std::string& path, bool smoke, bool full, const std::vector<std::string>& sets,
                             const std::string& data_dir);
std::filesystem::path reproduce_config_path(const std::string& name);  // <source>/configs/reproduce/NAME.toml

struct ReproduceSummary {
  std::string name;
  std::vector<ClaimCheck> claims;
  int holds = 0, fails = 0, inconclusive = 0;
  double seconds = 0;
  std::filesystem::path report;
  std::string brief() const;  // one line: "golikov2020-width: 5 hold, 1 does not hold, 0 inconclusive (12.3 s)"
};

// Runs one case: resolves the config, writes DIR/config.toml, runs, draws the plots, writes DIR/report.md and
// DIR/claims.json. InputError for bad options/config/data.
ReproduceSummary run_reproduction(const ReproduceOptions& options);

// The report text (exposed for tests): title, paper, setup, time, claim table, tables, plots, notes.
std::string reproduce_report_markdown(const ReproductionInfo& info, const CaseOutput& out, double seconds,
                                      const std::string& mode);

}  // namespace widthlab
