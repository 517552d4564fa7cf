// report.md of a study (architecture.md §8): per scaling a table of width, mean ± std over seeds of test loss /
// accuracy, distance to the limit, KL over seeds; the limit's own metrics; the fitted exponent of the distance with its
// 95 % bootstrap interval next to the classifier's theoretical value; the classifier's verdict; and a plain-language
// summary generated from the numbers.
#pragma once
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "widthlab/coord_check.h"
#include "widthlab/rate_fit.h"

namespace widthlab {

struct MeanStd {
  double mean = RateFit::nan, std = RateFit::nan;
  int n = 0;
};
MeanStd mean_std(const std::vector<double>& values);  // ignores NaN; std is the sample std (NaN for n < 2)

// Width rows of a study are below; this rule is theirs: a width has a distance when at least half of its runs (ok,
// diverged or failed) have one. Below that, the mean over the rest is a survivors' mean, no distance of the width (the
// reproductions' rule, "more than half diverged ⇒ diverged", reproduce/common.h): the rate fits leave such a width
// out and the convergence statement names it.
struct ReportWidthRow;
bool has_distance_for_half_its_runs(const ReportWidthRow& row);

struct ReportWidthRow {
  int width = 0;
  int ok = 0, diverged = 0, failed = 0;
  int logits_missing = 0;  // ok runs whose final-logits file (DIR/logits/) is absent: no distance for them
  int above_init = 0;      // ok runs that ended above their train loss at init (trained_above_initial_loss)
  MeanStd test_loss, test_acc, train_loss, distance, abs_dloss, abs_dacc;
  double kl = RateFit::nan, sign_gap = RateFit::nan;
  int kl_floored = 0;
};

// Whether the finite nets are shown to approach their limit (theory.md §8.7). All three must hold:
//   (a) the fitted exponent of the distance has its 95 % interval below zero, over at least 3 widths (judged on the
//       interval widened by its Monte Carlo band, RateFit::mc_high; theory.md §8.7; so is (c)'s);
//   (b) the last doubling does not plateau: its local exponent log(D_last/D_prev)/log(d_last/d_prev) is not flatter
//       than the interval allows (a distance that stops falling is floored, whatever the fit says);
//   (c) a normalisation-free metric shrinks too: |Δ test loss| has its fitted interval below zero, or the sign gap
//       falls from the narrowest to the widest net: the jackknife interval of log(gap_widest / gap_narrowest) below
//       zero (SignGapChange; logits that merely stay O(1) while being divided by ω^{max(A,B)} would pass (a) and (b)
//       alone); and neither grows (its interval above zero): nets whose test loss moves away from the limit's do not
//       approach it, whatever their sign gap does.
// and every swept width has a distance for at least half of its runs (has_distance_for_half_its_runs: the fit leaves
// the others out, so without this a sweep whose widest runs all diverged would be judged on narrower nets alone, and
// one whose middle widths mostly diverged would be called convergent on the widths that survived).
// Otherwise the statement says what is seen and, from the theory exponent, the width at which the distance would
// halve.
struct Convergence {
  bool approaches = false;
  bool interval_below_zero = false, plateau = false, free_metric_shrinks = false;
  bool free_metric_grows = false;         // |Δ test loss|'s widened interval or the sign gap's above zero
  bool widest_measured = false;           // the widest swept width has a distance for ≥ half of its seeds
  std::vector<int> undermeasured_widths;  // every width with a distance for fewer than half of its runs
  double local_exponent = RateFit::nan;   // of the last doubling
  std::string statement;                  // one sentence for the report's summary
};

// The sign gap's change from the narrowest to the widest width that has one (sign_gap_log_ratio, distances.h): paired
// over the net seeds both widths have, against the independent limit runs.
struct SignGapChange {
  int from_width = 0, to_width = 0;
  std::size_t seeds = 0, limit_seeds = 0;
  Estimate log_ratio;  // log(gap at to_width / gap at from_width), two-sample jackknife 95 % interval
  bool falls() const { return std::isfinite(log_ratio.hi) && log_ratio.hi < 0; }
  bool rises() const { return std::isfinite(log_ratio.lo) && log_ratio.lo > 0; }
};

struct ReportScaling {
  std::string name;
  std::string verdict;           // classifier: regime, region, model, properties
  std::string limit_kind;        // "limit" | "limit proxy" | "no stable limit"
  std::string limit_label;       // e.g. "ntk kernel dynamics (coupled GP init)" or "finite net at d = 2048 (proxy)"
  std::string distance_name;     // "logit RMS" | "KL over seeds"
  std::optional<double> theory;  // theoretical exponent of the distance
  std::string theory_note;
  MeanStd limit_test_loss, limit_test_acc;
  int limit_ok = 0, limit_diverged = 0;  // independent limit seeds by status (simulated limits only)
  std::vector<ReportWidthRow> rows;
  RateFit rate;                   // fit of the primary distance
  RateFit rate_rms;               // logit RMS fit (always)
  RateFit rate_dloss;             // |Δ test loss| to the target: a normalisation-free distance
  SignGapChange sign_gap_change;  // the other normalisation-free evidence of (c)
  Convergence convergence;
  std::vector<std::string> notes;
  std::vector<CoordFit> coord;  // the coordinate check (coord_check.h), per layer and t
  int depth = 0;                // of the net (the coordinate check's last layer is the logits)
};

struct ReportData {
  std::string title = "widthlab study";
  std::string setup;    // data / model / training line
  std::string threads;  // thread use
  std::vector<std::string> notes;
  std::vector<std::string> errors;
  std::vector<ReportScaling> scalings;
  std::vector<std::string> plots;  // PNG file names drawn
  std::string plot_message;
  int coord_steps = 0;  // the coordinate check's steps t = 1..coord_steps
};

Convergence convergence_statement(const ReportScaling& s);
// One phrase: the sign gap's ratio with its interval and what it is paired over (report.md, the statement's reasons).
std::string sign_gap_change_text(const SignGapChange& g);
nlohmann::json sign_gap_change_json(const SignGapChange& g);  // rates.json's "sign_gap_change"
nlohmann::json convergence_json(const Convergence& c);
nlohmann::json rate_fit_json(const RateFit& f);

// Whether a fitted interval is consistent with the theory ("consistent", "steeper than", "shallower than", "n/a");
// steeper / shallower only when the Monte Carlo-widened interval misses the theory too, else "consistent (within the
// bootstrap's Monte Carlo error: …)" (theory.md §8.7).
std::string rate_verdict(const RateFit& fit, std::optional<double> theory);
std::string summary_paragraph(const ReportData& data);
std::string render_report(const ReportData& data);

}  // namespace widthlab
