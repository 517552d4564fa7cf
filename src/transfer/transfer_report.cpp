// report.md of `widthlab transfer` (transfer.h): setup, summary, per scaling the optimal lr per width, its exponent
// against the prediction with a verdict, the coordinate check; every number is also in the CSV/JSON files.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "widthlab/asymptotic_verdict.h"
#include "widthlab/train_run.h"
#include "widthlab/transfer.h"

namespace widthlab {
namespace {

// 4 significant digits; −0 prints as 0.
std::string g(double x) {
  return std::isfinite(x) ? fmt::format("{:.4g}", x + 0.0) : std::isinf(x) ? (x < 0 ? "-inf" : "inf") : "n/a";
}
std::string interval(double lo, double hi) { return fmt::format("[{}, {}]", g(lo), g(hi)); }

// The test inputs the coordinate check averages over: the first TrainOptions::coord_points of the test set.
int coord_inputs(const Config& c) { return std::min(TrainOptions{}.coord_points, c.data.test_size); }

std::string setup_text(const Config& c, double coord_lr, int coord_steps) {
  return fmt::format(
      "Data {} ({} train / {} test examples, classes {}), depth {} {}, init {}, {} on {} loss for {} steps "
      "({}), reference width d* = {}; widths {}; base lrs {}; seeds {}. Coordinate check at the grid lr "
      "nearest train.lr = {} (lr {}), after t = 1..{} steps, on the first {} test inputs.",
      c.data.dataset, c.data.train_size, c.data.test_size,
      c.data.classes.empty() ? std::string("the dataset's default")
                             : fmt::format("{}", fmt::join(c.data.classes, ", ")),
      c.model.depth, c.model.activation, c.model.init, c.train.optimizer, c.train.loss, c.train.steps,
      c.train.batch.full ? "full batch" : fmt::format("batch {}", c.train.batch.size), c.scaling.reference_width,
      fmt::join(c.sweep.widths, ", "), fmt::join(*c.sweep.lrs, ", "), fmt::join(c.sweep.seeds, ", "), c.train.lr,
      g(coord_lr), coord_steps, coord_inputs(c));
}

// "; change c [lo, hi]": the drift from the narrowest to the widest widths that theory.md §10.3's verdict bounds (""
// when either re-fit is unusable).
std::string change_text(const Estimate& change) {
  if (std::isnan(change.value)) return "";
  return fmt::format("; change {} {}", g(change.value), interval(change.lo, change.hi));
}

std::string exponent_text(const MetricTransfer& m) {
  if (!m.fit.ok) return "no fit (" + m.fit.note + ")";
  if (m.fit.few_widths())  // a line through two points: no rate, no interval (rate_fit.h)
    return fmt::format("slope {} through 2 widths only (the others have no optimum inside the lr grid): no rate",
                       g(m.fit.slope));
  std::string t =
      fmt::format("{} {} over {} widths", g(m.fit.slope), interval(m.fit.ci_low, m.fit.ci_high), m.fit.widths_used);
  if (m.widest.ok)
    t += fmt::format(" ({} {} over the narrowest {}, {} {} over the widest {}{})", g(m.narrowest.slope),
                     interval(m.narrowest.ci_low, m.narrowest.ci_high), m.narrowest.widths_used, g(m.widest.slope),
                     interval(m.widest.ci_low, m.widest.ci_high), m.widest.widths_used,
                     change_text(exponent_change(m.narrowest, m.widest)));
  if (m.fit.resamples_used < m.fit.resamples)
    t += fmt::format(
        "; in {} of {} resamples a fitted width had no optimum inside the lr grid (at its edge, a flat curve or "
        "no finite loss), and those count as unknown exponents (theory.md §10.3)",
        m.fit.resamples - m.fit.resamples_used, m.fit.resamples);
  return t;
}

std::string summary_line(const ScalingTransfer& s) {
  return fmt::format(
      "- **{}** ({}; {}): optimal lr ~ d^e with e = {} (train loss), {} (test loss); predicted e* = {} "
      "→ **{}** (train), **{}** (test).",
      s.scaling, s.limit, s.regime, exponent_text(s.train), exponent_text(s.test), g(s.prediction.exponent),
      verdict_name(s.train.verdict.verdict), verdict_name(s.test.verdict.verdict));
}

std::string optimum_table(const ScalingTransfer& s) {
  std::string t =
      "| width | lr* (train loss) | 95 % interval | status | train loss at best grid lr | lr* (test loss) | 95 % "
      "interval | status | test loss at best grid lr |\n|---|---|---|---|---|---|---|---|---|\n";
  for (std::size_t w = 0; w < s.widths.size(); ++w) {
    const auto& a = s.train.optima[w].estimate;
    const auto& b = s.test.optima[w].estimate;
    t += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", s.widths[w], g(a.point.lr),
                     interval(a.lo, a.hi), optimum_status_name(a.point.status), g(a.point.loss), g(b.point.lr),
                     interval(b.lo, b.hi), optimum_status_name(b.point.status), g(b.point.loss));
  }
  return t;
}

// The prediction rests on the first logit increment ~ d^B (theory.md §10.2); the coordinate check measures it (the
// logits' change after one step), so the report puts the two next to each other.
std::string first_step_note(const ScalingTransfer& s, int depth) {
  for (const auto& c : s.coord)
    if (c.layer == depth && c.quantity == "delta" && c.t == 1)
      return fmt::format(
          "- first-step logit change (coordinate check, lr {}): ~ d^{} {}{}, predicted d^{} (the B of the "
          "prediction): {}\n",
          g(s.coord_lr), g(c.fit.slope), interval(c.fit.ci_low, c.fit.ci_high),
          c.widest.ok
              ? fmt::format(", over the narrowest {} widths d^{} {} and the widest d^{} {}{}", c.widest.widths_used,
                            g(c.narrowest.slope), interval(c.narrowest.ci_low, c.narrowest.ci_high), g(c.widest.slope),
                            interval(c.widest.ci_low, c.widest.ci_high),
                            change_text(exponent_change(c.narrowest, c.widest)))
              : "",
          g(c.predicted), verdict_name(c.verdict.verdict));
  return "";
}

std::string scaling_section(const ScalingTransfer& s, int depth) {
  std::string out =
      fmt::format("## {}\n\nClassifier: {} ({}); {}. Runs: {} ok, {} unstable, {} diverged{}.\n\n", s.scaling, s.limit,
                  s.regime, s.properties, s.runs_ok, s.runs_unstable, s.runs_diverged,
                  s.runs_missing == 0 ? std::string()
                                      : fmt::format(", {} missing (not run: the time budget, or failed: errors.jsonl; "
                                                    "their widths have no optimum)",
                                                    s.runs_missing));
  out += fmt::format("Prediction (theory.md §10.2): {}. Region for the verdict: [{}, {}] — {}.\n\n", s.prediction.rule,
                     g(s.region.lo), g(s.region.hi), s.region.source);
  out += optimum_table(s) + "\n";
  for (const auto* m : {&s.train, &s.test})
    out += fmt::format("- {}: fitted exponent {} → **{}** ({})\n", m->metric, exponent_text(*m),
                       verdict_name(m->verdict.verdict), m->verdict.detail);
  out += first_step_note(s, depth);
  out += fmt::format("\nCoordinate check (theory.md §10.4) at lr {}: exponents of the RMS vs width — {}.\n\n",
                     g(s.coord_lr), coord_verdict_counts(s.coord));
  out += coord_table_markdown(s.coord, depth) + "\n";
  return out;
}

}  // namespace

std::string render_transfer_report(const Config& config, const std::vector<ScalingTransfer>& scalings,
                                   const TransferSummary& summary, const std::vector<std::string>& notes,
                                   const std::vector<std::string>& plots, const std::string& plot_message,
                                   int coord_steps) {
  const double coord_lr = scalings.empty() ? NAN : scalings.front().coord_lr;
  std::string r = "# Will the learning rate transfer across width? (widthlab transfer)\n\n";
  r += setup_text(config, coord_lr, coord_steps) + "\n\n## Summary\n\n";
  for (const auto& s : scalings) r += summary_line(s) + "\n";
  std::vector<CoordFit> every_coord;
  for (const auto& s : scalings) every_coord.insert(every_coord.end(), s.coord.begin(), s.coord.end());
  r += fmt::format("\nCoordinate check, every scaling: {}.\n\n## Notes\n\n", coord_verdict_counts(every_coord));
  for (const auto& n : notes) r += "- " + n + "\n";
  r += fmt::format("- This invocation took {:.1f} s ({}).\n", summary.seconds, summary.sweep.brief());
  if (!summary.provenance.empty()) r += "- " + summary.provenance + "\n";
  for (const auto& e : summary.errors) r += "- failed run: " + e + "\n";
  r += "\n";
  for (const auto& s : scalings) r += scaling_section(s, config.model.depth);
  r += fmt::format("## Plots\n\nPlots: {}.\n\n", plot_message);
  for (const auto& p : plots) r += fmt::format("![{}]({})\n\n", p, p);
  int resamples = 0;  // as the estimates record it (--bootstrap)
  for (const auto& s : scalings)
    for (const auto& o : s.train.optima) resamples = std::max(resamples, o.estimate.resamples);
  r +=
      "## Definitions\n\n"
      "- **lr**: the base learning rate at the reference width; each layer uses lr × its scaling's lr factor at width "
      "d (scaling.h), so all scalings coincide at d = d*.\n"
      "- **lr\\***: the minimum of the parabola in log lr through the best grid point of the seed-mean loss and its "
      "two "
      "neighbours (theory.md §10.1); *next to diverged*: the best grid lr when a neighbour diverged; *unstable*: a run "
      "whose final train loss, though finite, lies above its loss at init (by more than 10⁻³ · max(1, |init|)) — it "
      "counts as diverged; *no interior optimum*: the best point is at the grid's edge (its interval then runs "
      "beyond that edge, to 0 or ∞) or the curve is flat; *runs missing*: a run of the width is not in runs.jsonl "
      "(time budget, error), so it has no optimum. 95 % interval: " +
      (resamples > 0 ? "percentiles over " + std::to_string(resamples) + " seed resamples"
                     : std::string("none (fewer than 3 seeds, theory.md §8.7)")) +
      ".\n"
      "- **exponent**: OLS slope of log lr\\* on log d over the widths with an optimum inside the grid, 95 % interval "
      "from a seed bootstrap (rate_fit.h), and the same over the narrowest and the widest widths (in parentheses); "
      "verdict *holds* when the whole interval lies in the region, *does not hold* when it lies outside, else "
      "*inconclusive* (verdicts.h verdict_in_region) — and *inconclusive* as well when the widest widths "
      "contradict it or the sweep does not bound how fast the exponent still moves (for *holds*: out of the region; "
      "for *does not hold*: toward it) from the narrowest to the widest widths, since the predicted exponent is "
      "asymptotic (asymptotic_verdict.h, theory.md §10.3).\n"
      "- **coordinate check**: RMS over " +
      std::to_string(coord_inputs(config)) +
      " test inputs and units of each hidden activation h^l and of the logits, "
      "at init and its change after t steps, at one lr for every width; exponent = OLS slope of log RMS on log d, "
      "also over the narrowest and the widest widths, judged as the exponent above, and an unstable scaling's "
      "changes after t > 1 steps are not judged (theory.md §10.4).\n"
      "- Files: losses.csv, optimum.csv, exponents.csv, coord_check.csv, coord_fit.csv, transfer.json, runs.jsonl.\n";
  return r;
}

}  // namespace widthlab
