// The coordinate check (theory.md §10.4): for a width sweep of one scaling, per layer the RMS of its output at init
// and the RMS of its change after t = 1..T training steps, each fitted as ~ d^p over the widths (seed bootstrap,
// rate_fit.h), next to the exponent the scaling's classification predicts, with a verdict per layer and step against
// a region fixed here before any run. `study` and `transfer` both report it.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "widthlab/asymptotic_verdict.h"
#include "widthlab/classification.h"
#include "widthlab/rate_fit.h"
#include "widthlab/results_io.h"
#include "widthlab/verdicts.h"

namespace widthlab {

// theory.md §10.4: per coordinate-check layer k = 0..H (k < H: the hidden activation h^{k+1}; k = H: the logits), the
// exponent of its RMS at init and of the RMS of its change after a fixed number of steps.
struct CoordPrediction {
  std::vector<double> act_init, delta;
};
CoordPrediction predict_coord_exponents(const Classification& c);

// The coordinate-check region: predicted ± kCoordTolerance (theory.md §10.4).
constexpr double kCoordTolerance = 0.2;
ClaimRegion coord_region(double predicted, const std::string& quantity);

// One run's coordinate-check numbers as runs.jsonl holds them (coord_check.act_rms_init and act_delta_track, written
// by train_result_json.cpp); empty when the record has none (a diverged run, or coord_track_steps = 0).
struct CoordRun {
  int width = 0;
  std::uint64_t seed = 0;
  std::vector<double> act_init;                  // per layer
  std::vector<std::vector<double>> delta_track;  // [t−1][layer]
};
CoordRun coord_run(const nlohmann::json& record);

struct CoordFit {
  int layer = 0;         // 0..H (H: logits)
  std::string quantity;  // act_init | delta
  int t = 0;             // steps (delta), 0 for act_init
  RateFit fit;           // over every width
  RateFit narrowest;     // over the narrowest / widest widest_width_count(n) widths (asymptotic_verdict.h); not ok
  RateFit widest;        // with fewer than 4 widths
  double predicted = 0;
  ClaimRegion region;
  VerdictResult verdict;
  // The RMS at init (t = 0) follows from the init scaling alone (a sum of independent terms, §1.3): a sanity check,
  // reported apart and not counted with the tests (theory.md §8.7). Every change after t ≥ 1 steps is a test.
  bool sanity() const { return t == 0; }
};

// "N hold, M do not hold, K inconclusive; S sanity checks at init apart (J of them hold)": the tests' verdicts, the
// sanity checks counted apart.
std::string coord_verdict_counts(const std::vector<CoordFit>& fits);

// Per layer, the exponent of the RMS at init (t = 0) and of the RMS change after t = 1..T steps (T = the longest track
// among the runs), over `widths` × `seeds` (runs of other widths or seeds are ignored), `bootstrap` resamples, with
// asymptotic_exponent_verdict's verdict (asymptotic_verdict.h); for an unstable scaling (c.stable false) the changes
// after t > 1 steps are fitted but not judged (inconclusive): the prediction counts one step. `runs`: every recorded
// run, diverged ones included (they hold the steps before they diverged); a width where fewer than half of its runs
// reached step t is left out of that step's fits, as the survivors' mean is no statistic of the width
// (without_undermeasured_widths, rate_fit.h).
std::vector<CoordFit> fit_coord_check(const Classification& c, const std::vector<CoordRun>& runs,
                                      const std::vector<int>& widths, const std::vector<std::uint64_t>& seeds,
                                      int bootstrap);

// "h1", "h2", …, "logits" for layer k of a depth-H net.
std::string coord_layer_name(int layer, int depth);
// The per-run values as CSV rows: width, seed, layer, quantity, t, value.
std::vector<std::vector<std::string>> coord_value_rows(const CoordRun& run);
extern const std::vector<std::string> kCoordValueColumns;
// One fit as CSV cells: layer, quantity, t, exponent, ci_lo, ci_hi, widths_used, the same four for the narrowest and
// the widest widths (…_narrowest, …_widest; nan / 0 when not fitted), the change from the narrowest to the widest
// widths' exponent with its 95 % interval (change, change_lo, change_hi: exponent_change, asymptotic_verdict.h; nan
// without both re-fits), predicted, region_lo, region_hi, verdict, check (sanity | test).
std::vector<std::string> coord_fit_cells(const CoordFit& f);
extern const std::vector<std::string> kCoordFitColumns;
// The markdown table of a report: layer | quantity | t | fitted exponent | 95 % interval | narrowest → widest widths |
// change [interval] (exponent_change, the drift §10.3's verdict bounds) | predicted | verdict (a sanity check's
// marked so).
std::string coord_table_markdown(const std::vector<CoordFit>& fits, int depth);

}  // namespace widthlab
