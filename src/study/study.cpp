#include "widthlab/study.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "study/study_phases.h"
#include "widthlab/classification.h"
#include "widthlab/coord_check.h"
#include "widthlab/distances.h"
#include "widthlab/error.h"
#include "widthlab/limit_models.h"
#include "widthlab/limit_run.h"
#include "widthlab/loss.h"
#include "widthlab/optimizer.h"
#include "widthlab/output_dir.h"
#include "widthlab/plot_script.h"
#include "widthlab/progress.h"
#include "widthlab/provenance.h"
#include "widthlab/rate_fit.h"
#include "widthlab/report.h"
#include "widthlab/results_io.h"
#include "widthlab/sweep.h"
#include "widthlab/text.h"
#include "widthlab/train_run.h"

namespace widthlab {

std::string StudySummary::brief() const {
  return fmt::format(
      "{} runs ({} ok{}, {} diverged, {} failed), {} limits ({} failed); {:.1f} s (sweep {:.1f} s, "
      "limits {:.1f} s); plots: {}",
      runs, runs_ok,
      runs_above_init ? fmt::format(" — {} of them above their train loss at init", runs_above_init) : "",
      runs_diverged, runs_failed, limits, limits_failed, seconds, sweep_seconds, limit_seconds,
      plots_drawn ? "drawn" : plot_message);
}

namespace {

namespace fs = std::filesystem;
using study::json;

// The figures widthlab_plots.py draws for a study (architecture.md §8), each saved through name.tmp.
const std::vector<std::string> kStudyFigures = {"metrics_vs_width.png", "distance_vs_width.png", "training_curves.png",
                                                "coord_check.png"};

// Bad scaling names are reported and left out; the study goes on with the rest.
Config without_bad_scalings(const Config& config_in, StudySummary& summary) {
  Config config = config_in;
  std::vector<std::string> good;
  const auto family = optimizer_family(config.train.optimizer);
  for (const auto& p : config.scaling.presets) {
    try {
      scaling_from_name(p, config.model.depth, config.scaling.reference_width, family);
      good.push_back(p);
    } catch (const InputError& e) {
      std::string msg = fmt::format("scaling '{}' left out: {}", p, e.what());
      std::fprintf(stderr, "widthlab study: %s\n", msg.c_str());
      summary.errors.push_back(msg);
    }
  }
  if (good.empty() && config.scaling.q.empty() && !config.scaling.custom)
    throw InputError(fmt::format("scaling.presets: no valid scaling left ({})", fmt::join(summary.errors, "; ")));
  config.scaling.presets = good;
  return config;
}

// The runs of runs.jsonl with their final test logits. Only a finished run's logits are read (a diverged run's final
// columns are NaN by design, sweep.h), each checked by read_logits_back; its initial-logit columns are all NaN when
// the run kept none (train.log_every = 0).
std::map<SweepRunKey, study::RunData> load_runs(const study::Context& ctx) {
  std::map<SweepRunKey, study::RunData> runs;
  for (auto& r : read_jsonl(ctx.options.out / "runs.jsonl", true)) {
    SweepRunKey key{r["scaling"], r["width"], r["seed"]};
    study::RunData d;
    const study::LogitsFile file{ctx.options.out / "logits" / (run_stem(key) + ".npy"),
                                 ctx.setup.data.x_test.rows(),
                                 2 * Eigen::Index(ctx.outputs),
                                 ctx.outputs,
                                 "the run's initial and final test logits",
                                 "its run's line in runs.jsonl"};
    if (r.value("status", "") == "ok")
      if (const MatrixD both = study::read_logits_back(file); both.size() > 0)
        d.final_logits = both.rightCols(ctx.outputs);
    d.record = std::move(r);
    runs[key] = std::move(d);
  }
  return runs;
}

void count_runs(const std::map<SweepRunKey, study::RunData>& runs, const SweepSummary& sweep, StudySummary& summary) {
  for (const auto& [key, d] : runs) {
    ++summary.runs;
    (d.record.value("status", "") == "ok" ? summary.runs_ok : summary.runs_diverged) += 1;
    if (record_trained_above_initial_loss(d.record)) ++summary.runs_above_init;
  }
  summary.runs_failed = sweep.failed;
  summary.sweep_seconds = sweep.seconds;
  for (const auto& e : sweep.errors) summary.errors.push_back("run " + e);
}

// Before any work on resume: every logits file the study will read back is what its run wrote (read_logits_back), so
// that a tampered or truncated one stops the study with exit 2 instead of a crash or a silently wrong distance after
// the sweep and the limits have run.
void check_logits_read_back(const study::Context& ctx) {
  (void)load_runs(ctx);
  (void)study::load_limits(ctx);
}

// Phase 1: the finite nets (the caller's runner: in-process or distributed).
SweepSummary run_finite_nets(const study::Context& ctx, StudySummary& summary, ReportData& report) {
  const SweepOptions so = study_sweep_options(ctx.config, ctx.options);
  const SweepSummary sweep =
      ctx.options.sweep_runner ? ctx.options.sweep_runner(ctx.setup, so) : run_sweep(ctx.setup, so);
  if (sweep.skipped_budget)
    summary.errors.push_back(fmt::format("{} runs skipped: study.max_seconds = {} spent", sweep.skipped_budget,
                                         ctx.config.study.max_seconds));
  report.threads =
      sweep.ran == 0
          ? fmt::format("finite nets: none run by this invocation ({} read back from runs.jsonl); limits: {}",
                        count_noun(sweep.already_done, "run"), count_noun(ctx.threads, "OpenBLAS thread"))
          : fmt::format(
                "finite nets: {} of width ≤ 1024 with 1 OpenBLAS thread each, wider runs one at a "
                "time with {}; limits: {}",
                count_noun(sweep.worker_threads, "concurrent run"),
                count_noun(sweep.blas_threads_large, "OpenBLAS thread"), count_noun(ctx.threads, "OpenBLAS thread"));
  return sweep;
}

// Phase 2: every scaling's limit, simulated where it can be (runs already in limits.jsonl are reused).
std::map<std::string, study::LimitData> run_limits(const study::Context& ctx,
                                                   const std::vector<study::LimitPlan>& plans, StudySummary& summary) {
  const auto t0 = std::chrono::steady_clock::now();
  study::simulate_limits(ctx, plans, study::load_limits(ctx), summary);
  auto limits = study::load_limits(ctx);
  summary.limits = int(limits.size());
  summary.limit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return limits;
}

// Phase 3: distances, fits and convergence evidence per scaling → distances.csv, rates.json, the report's sections.
void measure(const study::Context& ctx, const std::vector<study::LimitPlan>& plans,
             const std::map<SweepRunKey, study::RunData>& runs, const std::map<std::string, study::LimitData>& limits,
             ReportData& report) {
  TextTable distances{study::kDistanceColumns, {}};
  json rates = json::object();
  for (const auto& p : plans) {
    study::Measurement m = study::measure_scaling(ctx, p, runs, limits);
    distances.rows.insert(distances.rows.end(), m.csv_rows.begin(), m.csv_rows.end());
    rates[p.scaling->name] = std::move(m.rates);
    report.scalings.push_back(std::move(m.report));
  }
  write_csv(ctx.options.out / "distances.csv", distances);
  write_file_atomic(ctx.options.out / "rates.json", rates.dump(2) + "\n");
}

std::vector<std::string> prefixed(const std::string& first, std::vector<std::string> row) {
  row.insert(row.begin(), first);
  return row;
}

// Phase 3b: the coordinate check of every scaling (theory.md §10.4) → coord_check.csv, coord_fit.csv and the
// report's tables.
void coordinate_check(const study::Context& ctx, const std::vector<study::LimitPlan>& plans,
                      const std::map<SweepRunKey, study::RunData>& runs, ReportData& report) {
  TextTable values{{"scaling"}, {}}, fits{{"scaling"}, {}};
  values.columns.insert(values.columns.end(), kCoordValueColumns.begin(), kCoordValueColumns.end());
  fits.columns.insert(fits.columns.end(), kCoordFitColumns.begin(), kCoordFitColumns.end());
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const std::string& name = plans[i].scaling->name;
    std::vector<CoordRun> coord;
    for (const auto& [key, d] : runs)
      if (key.scaling == name) coord.push_back(coord_run(d.record));  // diverged too: the steps before (coord_check.h)
    for (const auto& r : coord)
      for (auto& row : coord_value_rows(r)) values.rows.push_back(prefixed(name, std::move(row)));
    ReportScaling& rs = report.scalings.at(i);
    rs.coord = fit_coord_check(plans[i].cls, coord, ctx.widths, ctx.setup.seeds, ctx.options.bootstrap);
    rs.depth = ctx.config.model.depth;
    for (const auto& f : rs.coord) fits.rows.push_back(prefixed(name, coord_fit_cells(f)));
  }
  write_csv(ctx.options.out / "coord_check.csv", values);
  write_csv(ctx.options.out / "coord_fit.csv", fits);
  report.coord_steps = kStudyCoordSteps;
}

std::string setup_line(const study::Context& ctx) {
  const Config& c = ctx.config;
  return fmt::format(
      "Data: {} ({} train / {} test, standardize = {}). Model: depth {}, {}, bias {}, {} init. "
      "Training: {} lr {} for {} steps, {} loss, {}. Widths {} (d* = {}), seeds {} ({}). "
      "Limit seeds {}, MF particles {}{}.",
      ctx.setup.data.name, ctx.setup.data.x_train.rows(), ctx.setup.data.x_test.rows(), c.data.standardize,
      c.model.depth, c.model.activation, c.model.bias ? "on" : "off", c.model.init, c.train.optimizer, c.train.lr,
      c.train.steps, c.train.loss, c.train.precision, fmt::join(ctx.widths, ", "), c.scaling.reference_width,
      fmt::join(ctx.setup.seeds, ", "), ctx.setup.seeds_text(), fmt::join(c.limits.seeds, ", "), c.limits.mf_particles,
      c.limits.coupled_particles_per_width > 0
          ? fmt::format(" (coupled runs: at most {}·d)", c.limits.coupled_particles_per_width)
          : "");
}

// Phase 4: plots (a failing plot is a warning with its reason) and the report.
void draw_and_report(const study::Context& ctx, StudySummary& summary, ReportData& report) {
  if (ctx.options.plots && ctx.config.study.plots) {
    std::string msg = draw_plots(ctx.options.out, ctx.options.python);
    const DrawnFigures figures = drawn_figures(ctx.options.out, kStudyFigures);
    if (msg.empty() && !figures.kept.empty()) msg = figures.not_drawn();
    summary.plots_drawn = msg.empty();
    summary.plot_message = msg.empty() ? "drawn" : msg;
    if (!msg.empty()) std::fprintf(stderr, "widthlab study: warning: %s\n", msg.c_str());
    report.plots = figures.drawn;
  } else {
    summary.plot_message = "plots off (study.plots = false)";
  }
  report.plot_message = summary.plot_message;
  report.setup = setup_line(ctx);
  report.notes.push_back(
      fmt::format("This invocation took {:.1f} s (finite nets {:.1f} s, limits {:.1f} s); runs "
                  "already present in runs.jsonl / limits.jsonl were reused.",
                  summary.seconds, summary.sweep_seconds, summary.limit_seconds));
  if (const std::string note = provenance_note(ctx.options.out); !note.empty()) report.notes.push_back(note);
  report.errors = summary.errors;
  write_file_atomic(ctx.options.out / "report.md", render_report(report));
}

}  // namespace

DrawnFigures drawn_figures(const fs::path& dir, const std::vector<std::string>& figures) {
  DrawnFigures f;
  std::error_code ec;
  for (const auto& name : figures) {
    if (listed_output(dir / name) && fs::is_regular_file(fs::symlink_status(dir / name, ec)))
      f.drawn.push_back(name);
    else if (fs::exists(fs::symlink_status(dir / name, ec)))
      f.kept.push_back(name);
  }
  return f;
}

std::string DrawnFigures::not_drawn() const {
  return fmt::format(
      "{} not drawn ({}): a file widthlab did not write has that name; it is kept, and the report "
      "does not show it",
      count_noun(kept.size(), "figure"), fmt::join(kept, ", "));
}

std::vector<std::string> study_output_names(const Config& config, const SweepSetup& setup, bool plots) {
  std::vector<std::string> names = {"distances.csv",   "distances.csv.tmp",   "rates.json",    "rates.json.tmp",
                                    "coord_check.csv", "coord_check.csv.tmp", "coord_fit.csv", "coord_fit.csv.tmp",
                                    "report.md.tmp",   "config.toml.tmp"};
  const std::vector<std::string> runs = sweep_output_names(sweep_grid(setup), /*curves=*/true, /*logits=*/true);
  names.insert(names.end(), runs.begin(), runs.end());
  std::vector<int> widths = setup.widths;
  std::sort(widths.begin(), widths.end());
  const StudyOptions options;
  const study::Context ctx{config, options, setup, widths, 1, 1};
  const std::vector<std::string> limits = study::limit_output_names(ctx, study::plan_limits(ctx));
  names.insert(names.end(), limits.begin(), limits.end());
  if (plots && config.study.plots) {
    names.push_back("plots.log");
    for (const auto& f : kStudyFigures) names.insert(names.end(), {f, f + ".tmp"});
  }
  return names;
}

std::string draw_plots(const fs::path& dir, const std::string& python) {
  return draw_dir_plots("widthlab_plots.py", dir, python);
}

SweepSetup study_sweep_setup(const Config& config) {
  SweepSetup setup = make_sweep_setup(config);
  setup.train.coord_track_steps = kStudyCoordSteps;
  return setup;
}

SweepOptions study_sweep_options(const Config& config, const StudyOptions& options) {
  SweepOptions so;
  so.out = options.out;
  so.threads = options.threads;
  so.save_test_logits = true;
  so.max_seconds = config.study.max_seconds;
  so.progress_label = "study: finite nets";
  return so;
}

study::Context make_context(const Config& config, const StudyOptions& options, const SweepSetup& setup) {
  std::vector<int> widths = setup.widths;
  std::sort(widths.begin(), widths.end());
  const int threads = options.threads > 0 ? options.threads : std::max(1, int(std::thread::hardware_concurrency()));
  return {config, options, setup, widths, loss_from_name(config.train.loss).outputs(setup.data.classes), threads};
}

void check_study_resume(const Config& config, const StudyOptions& options) {
  const SweepSetup setup = study_sweep_setup(config);
  check_logits_read_back(make_context(config, options, setup));
}

StudySummary run_study(const Config& config_in, const StudyOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  StudySummary summary;
  ReportData report;
  report.notes = options.notes;
  const Config config = without_bad_scalings(config_in, summary);
  const SweepSetup setup = study_sweep_setup(config);
  const study::Context ctx = make_context(config, options, setup);

  check_logits_read_back(ctx);
  const SweepSummary sweep = run_finite_nets(ctx, summary, report);
  const auto runs = load_runs(ctx);
  count_runs(runs, sweep, summary);
  const std::vector<study::LimitPlan> plans = study::plan_limits(ctx);
  const auto limits = run_limits(ctx, plans, summary);
  measure(ctx, plans, runs, limits, report);
  coordinate_check(ctx, plans, runs, report);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  draw_and_report(ctx, summary, report);
  return summary;
}

}  // namespace widthlab
