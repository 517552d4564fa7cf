// `widthlab transfer`: the lr × width sweep, its analysis, files, plots and report (transfer.h; theory.md §10).
#include "widthlab/transfer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "widthlab/asymptotic_verdict.h"
#include "widthlab/classification.h"
#include "widthlab/error.h"
#include "widthlab/output_dir.h"
#include "widthlab/plot_script.h"
#include "widthlab/provenance.h"
#include "widthlab/results_io.h"
#include "widthlab/study.h"

namespace widthlab {
namespace fs = std::filesystem;

namespace {
// The figures transfer_plots.py draws (architecture.md §8), each saved through name.tmp.
const std::vector<std::string> kTransferFigures = {"transfer_train_loss.png", "transfer_test_loss.png",
                                                   "optimal_lr.png", "coord_check_transfer.png"};
}  // namespace

std::vector<std::string> transfer_output_names(const Config& config, bool plots) {
  std::vector<std::string> names = {"transfer.json.tmp", "report.md.tmp", "config.toml.tmp"};
  for (const char* f : {"losses.csv", "optimum.csv", "exponents.csv", "coord_check.csv", "coord_fit.csv"})
    names.insert(names.end(), {f, std::string(f) + ".tmp"});
  if (plots && config.study.plots) {
    names.push_back("plots.log");
    for (const auto& f : kTransferFigures) names.insert(names.end(), {f, f + ".tmp"});
  }
  return names;
}

std::string validate_transfer_config(const Config& config) {
  if (!config.sweep.lrs)
    return "sweep.lrs: missing: widthlab transfer needs a learning-rate axis (e.g. --set 'sweep.lrs=[0.01, 0.1, 1]')";
  if (config.sweep.lrs->size() < 3)
    return fmt::format("sweep.lrs = [{}]: expected at least 3 learning rates (a parabola needs 3 points)",
                       fmt::join(*config.sweep.lrs, ", "));
  if (config.sweep.widths.size() < 2)
    return fmt::format("sweep.widths = [{}]: expected at least 2 widths (an exponent needs 2)",
                       fmt::join(config.sweep.widths, ", "));
  if (config.train.steps < 1)  // every lr would leave the init's loss: every optimum "flat"
    return fmt::format("train.steps = {}: widthlab transfer compares the loss each lr trains to; expected ≥ 1",
                       config.train.steps);
  if (config.sweep.few_seeds)  // the optimum's paired seed bootstrap needs every seed at every width
    return fmt::format(
        "sweep.few_seeds = {}: widthlab transfer runs every seed at every width; remove "
        "sweep.few_seeds and sweep.few_seeds_from",
        *config.sweep.few_seeds);
  return "";
}

std::string TransferSummary::brief() const {
  return fmt::format(
      "transfer: {}; optimal-lr verdicts (train loss): {} hold, {} do not hold, {} inconclusive ({:.1f} s)",
      sweep.brief(), holds, fails, inconclusive, seconds);
}

namespace {

std::string num(double x) { return std::isfinite(x) || std::isinf(x) ? fmt::format("{}", x + 0.0) : "nan"; }  // −0 → 0

// The grid lr nearest train.lr in log: the coordinate check's lr (theory.md §10.4).
double coordinate_lr(const Config& c) {
  const auto& lrs = *c.sweep.lrs;
  return *std::min_element(lrs.begin(), lrs.end(), [&](double a, double b) {
    return std::abs(std::log(a / c.train.lr)) < std::abs(std::log(b / c.train.lr));
  });
}

// The runs in the sweep's order (scaling as configured, then width, lr, seed), whatever order concurrent runs
// finished in: the CSV files of two runs of one config are then byte for byte the same.
std::vector<TransferRun> in_sweep_order(std::vector<TransferRun> runs, const SweepSetup& setup) {
  auto rank = [&](const std::string& name) {
    for (std::size_t i = 0; i < setup.scalings.size(); ++i)
      if (setup.scalings[i].name == name) return i;
    return setup.scalings.size();
  };
  std::stable_sort(runs.begin(), runs.end(), [&](const TransferRun& a, const TransferRun& b) {
    return std::make_tuple(rank(a.scaling), a.width, a.lr, a.seed) <
           std::make_tuple(rank(b.scaling), b.width, b.lr, b.seed);
  });
  return runs;
}

// losses.csv's status: ok, unstable (finite, above the loss at init: counted as diverged, theory.md §10.1), diverged,
// missing (planned, not in runs.jsonl: the time budget stopped it or it failed, errors.jsonl).
const char* run_status(const TransferRun& r) {
  return r.missing ? "missing" : !r.ok ? "diverged" : r.unstable ? "unstable" : "ok";
}

// `runs` with a `missing` run for every cell of the grid (scaling × width × lr × seed) that runs.jsonl does not hold,
// in the sweep's order: a missing run is counted and shown, never read as diverged.
std::vector<TransferRun> with_missing_runs(std::vector<TransferRun> runs, const SweepSetup& setup) {
  std::set<std::tuple<std::string, int, double, std::uint64_t>> present;
  for (const auto& r : runs) present.insert({r.scaling, r.width, r.lr, r.seed});
  for (const auto& s : setup.scalings)
    for (int w : setup.widths)
      for (double lr : setup.lrs)
        for (std::uint64_t seed : setup.seeds)
          if (!present.count({s.name, w, lr, seed})) {
            TransferRun m;
            m.scaling = s.name, m.width = w, m.lr = lr, m.seed = seed, m.missing = true;
            runs.push_back(std::move(m));
          }
  return in_sweep_order(std::move(runs), setup);
}

void write_losses(const fs::path& out, const std::vector<TransferRun>& runs) {
  TextTable t;
  t.columns = {"scaling", "width", "lr", "seed", "status", "train_loss", "test_loss"};
  for (const auto& r : runs)
    t.rows.push_back({r.scaling, std::to_string(r.width), num(r.lr), std::to_string(r.seed), run_status(r),
                      num(r.train_loss), num(r.test_loss)});
  write_csv(out / "losses.csv", t);
}

void write_optima(const fs::path& out, const std::vector<ScalingTransfer>& all) {
  TextTable t;
  t.columns = {"scaling",  "metric", "width",   "lr_opt",          "lr_lo",
               "lr_hi",    "status", "grid_lr", "loss_at_grid_lr", "resamples_with_optimum",
               "resamples"};
  for (const auto& s : all)
    for (const auto* m : {&s.train, &s.test})
      for (const auto& o : m->optima)
        t.rows.push_back({s.scaling, m->metric, std::to_string(o.width), num(o.estimate.point.lr), num(o.estimate.lo),
                          num(o.estimate.hi), optimum_status_name(o.estimate.point.status),
                          num(o.estimate.point.grid_lr), num(o.estimate.point.loss),
                          std::to_string(o.estimate.resamples_with_optimum), std::to_string(o.estimate.resamples)});
  write_csv(out / "optimum.csv", t);
}

void write_exponents(const fs::path& out, const std::vector<ScalingTransfer>& all) {
  TextTable t;
  t.columns = {"scaling", "metric", "exponent", "ci_lo", "ci_hi", "widths_used", "resamples_used"};
  for (const char* part : {"narrowest", "widest"})
    for (const char* c : {"exponent", "ci_lo", "ci_hi", "widths", "resamples_used"})
      t.columns.push_back(fmt::format("{}_{}", c, part));
  for (const char* c : {"change", "change_lo", "change_hi", "predicted", "region_lo", "region_hi", "verdict"})
    t.columns.push_back(c);
  for (const auto& s : all)
    for (const auto* m : {&s.train, &s.test}) {
      std::vector<std::string> row = {s.scaling, m->metric};
      for (const RateFit* f : {&m->fit, &m->narrowest, &m->widest})
        for (std::string c : {num(f->slope), num(f->ci_low), num(f->ci_high), std::to_string(f->widths_used),
                              std::to_string(f->resamples_used)})
          row.push_back(std::move(c));
      const Estimate change = exponent_change(m->narrowest, m->widest);
      for (std::string c : {num(change.value), num(change.lo), num(change.hi), num(s.prediction.exponent),
                            num(s.region.lo), num(s.region.hi), std::string(verdict_name(m->verdict.verdict))})
        row.push_back(std::move(c));
      t.rows.push_back(std::move(row));
    }
  write_csv(out / "exponents.csv", t);
}

void write_coord(const fs::path& out, const std::vector<TransferRun>& runs, const std::vector<ScalingTransfer>& all) {
  TextTable t;
  t.columns = {"scaling"};
  t.columns.insert(t.columns.end(), kCoordValueColumns.begin(), kCoordValueColumns.end());
  for (const auto& s : all)
    for (const auto& r : runs) {
      if (r.scaling != s.scaling || r.lr != s.coord_lr || r.missing) continue;
      for (auto& row : coord_value_rows(r.coord)) {
        row.insert(row.begin(), r.scaling);
        t.rows.push_back(std::move(row));
      }
    }
  write_csv(out / "coord_check.csv", t);
  TextTable f;
  f.columns = {"scaling", "lr"};
  f.columns.insert(f.columns.end(), kCoordFitColumns.begin(), kCoordFitColumns.end());
  for (const auto& s : all)
    for (const auto& c : s.coord) {
      std::vector<std::string> row = {s.scaling, num(s.coord_lr)};
      for (auto& cell : coord_fit_cells(c)) row.push_back(std::move(cell));
      f.rows.push_back(std::move(row));
    }
  write_csv(out / "coord_fit.csv", f);
}

nlohmann::json fit_json(const RateFit& f) {
  return {{"exponent", f.slope},
          {"ci_lo", f.ci_low},
          {"ci_hi", f.ci_high},
          {"widths_used", f.widths_used},
          {"resamples_used", f.resamples_used}};
}

// The change from the narrowest to the widest widths' exponent (asymptotic_verdict.h exponent_change).
nlohmann::json change_json(const Estimate& e) { return {{"value", e.value}, {"lo", e.lo}, {"hi", e.hi}}; }

nlohmann::json verdict_json(const VerdictResult& v) {
  return {{"verdict", verdict_name(v.verdict)}, {"detail", v.detail}};
}

void write_json(const fs::path& out, const std::vector<ScalingTransfer>& all) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& s : all) {
    nlohmann::json e = {{"scaling", s.scaling},
                        {"limit", s.limit},
                        {"regime", s.regime},
                        {"properties", s.properties},
                        {"predicted_exponent", s.prediction.exponent},
                        {"divergence_exponent", s.prediction.divergence_exponent},
                        {"rule", s.prediction.rule},
                        {"region", {{"lo", s.region.lo}, {"hi", s.region.hi}, {"source", s.region.source}}},
                        {"coord_lr", s.coord_lr},
                        {"runs_ok", s.runs_ok},
                        {"runs_unstable", s.runs_unstable},
                        {"runs_diverged", s.runs_diverged},
                        {"runs_missing", s.runs_missing}};
    for (const auto* m : {&s.train, &s.test})
      e[m->metric] = {{"exponent", m->fit.slope},
                      {"ci_lo", m->fit.ci_low},
                      {"ci_hi", m->fit.ci_high},
                      {"widths_used", m->fit.widths_used},
                      {"resamples_used", m->fit.resamples_used},
                      {"narrowest", fit_json(m->narrowest)},
                      {"widest", fit_json(m->widest)},
                      {"change", change_json(exponent_change(m->narrowest, m->widest))},
                      {"verdict", verdict_json(m->verdict)}};
    j.push_back(e);
  }
  write_file_atomic(out / "transfer.json", j.dump(2) + "\n");
}

std::string draw_transfer_plots(const fs::path& dir, const std::string& python) {
  return draw_dir_plots("transfer_plots.py", dir, python);
}

}  // namespace

std::string transfer_resume_problem(const fs::path& dir, int coord_steps) {
  const auto records = read_jsonl(dir / "runs.jsonl", /*missing_ok=*/true, /*warn_partial=*/false);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    if (r.value("status", "") != "ok") continue;  // a diverged run tracked only the steps before it diverged
    if (!r.contains("train_loss_init"))
      return fmt::format(
          "{}: record {} has no train_loss_init (written before transfer checked each run's loss against its loss "
          "at init): rerun into a new directory",
          printable_path(dir / "runs.jsonl"), i + 1);
    const auto track = r.contains("coord_check") ? r["coord_check"].value("act_delta_track", nlohmann::json::array())
                                                 : nlohmann::json::array();
    if (track.empty())  // --coord-steps is ≥ 1: no count resumes it
      return fmt::format(
          "{}: record {} tracked no coordinate check (a run of another verb? transfer tracks one on every run): "
          "rerun into a new directory",
          printable_path(dir / "runs.jsonl"), i + 1);
    if (int(track.size()) != coord_steps)
      return fmt::format(
          "{}: record {} tracked the coordinate check over {} steps, this run asks for {}: pass "
          "--coord-steps {} to resume it (one directory, one coordinate check)",
          printable_path(dir / "runs.jsonl"), i + 1, track.size(), coord_steps, track.size());
  }
  return "";
}

std::string transfer_coord_steps_problem(const Config& config, int coord_steps, const std::string& name) {
  if (coord_steps <= config.train.steps) return "";
  return fmt::format(
      "{} {} > train.steps = {}: the coordinate check tracks t = 1..{} steps of runs that take {}; expected at most "
      "train.steps",
      name, coord_steps, config.train.steps, coord_steps, config.train.steps);
}

TransferSummary run_transfer(const Config& config, const TransferOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  if (auto why = validate_transfer_config(config); !why.empty()) throw InputError(why);
  if (auto why = transfer_coord_steps_problem(config, options.coord_steps, "coord_steps ="); !why.empty())
    throw InputError(why);
  if (auto why = transfer_resume_problem(options.out, options.coord_steps); !why.empty()) throw InputError(why);
  TransferSummary summary;
  SweepSetup setup = make_sweep_setup(config);
  setup.train.coord_track_steps = options.coord_steps;
  SweepOptions so;
  so.out = options.out;
  so.threads = options.threads;
  so.save_curves = false;  // the transfer needs the final losses only; 10^3 curve files would swamp DIR
  so.max_seconds = config.study.max_seconds;
  so.progress_label = "transfer";
  summary.sweep = options.sweep_runner ? options.sweep_runner(setup, so) : run_sweep(setup, so);
  summary.errors = summary.sweep.errors;

  const std::vector<TransferRun> runs =
      with_missing_runs(transfer_runs(read_jsonl(options.out / "runs.jsonl", true)), setup);
  std::vector<int> widths = setup.widths;
  std::sort(widths.begin(), widths.end());
  std::vector<double> lrs = setup.lrs;
  std::sort(lrs.begin(), lrs.end());
  std::vector<ScalingTransfer> all;
  for (const auto& s : setup.scalings) {
    const Classification c = classify(s, setup.model.activation);
    all.push_back(analyse_scaling(c, runs, widths, lrs, setup.seeds, coordinate_lr(config), options.bootstrap));
    const Verdict v = all.back().train.verdict.verdict;
    (v == Verdict::holds ? summary.holds : v == Verdict::fails ? summary.fails : summary.inconclusive) += 1;
  }
  write_losses(options.out, runs);
  write_optima(options.out, all);
  write_exponents(options.out, all);
  write_coord(options.out, runs, all);
  write_json(options.out, all);

  std::string plot_message = "plots off";
  std::vector<std::string> plots;  // only figures widthlab drew: never a user's file of the same name
  if (options.plots && config.study.plots) {
    std::string msg = draw_transfer_plots(options.out, options.python);
    const DrawnFigures figures = drawn_figures(options.out, kTransferFigures);
    if (msg.empty() && !figures.kept.empty()) msg = figures.not_drawn();
    plot_message = msg.empty() ? "drawn" : msg;
    if (!msg.empty()) std::fprintf(stderr, "widthlab transfer: warning: %s\n", msg.c_str());
    plots = figures.drawn;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  summary.provenance = provenance_note(options.out);
  std::vector<std::string> notes = options.notes;
  if (widths.size() < 4)  // said up front: the verdicts below cannot be anything else
    notes.insert(
        notes.begin(),
        fmt::format("sweep.widths holds {} widths: a verdict needs at least 4 (the exponent re-fitted over the "
                    "narrowest and the widest of them must agree, theory.md §10.3), so every verdict here is "
                    "inconclusive",
                    widths.size()));
  write_file_atomic(options.out / "report.md",
                    render_transfer_report(config, all, summary, notes, plots, plot_message, options.coord_steps));
  return summary;
}

}  // namespace widthlab
