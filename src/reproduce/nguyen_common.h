// The pieces shared by the Nguyen 2019 [N] cases (theory.md §6.4 R25, R26): per-width mean loss/accuracy curves over
// seeds, their neighbour gaps and the collapse / seed-spread / non-triviality verdicts. Internal to src/reproduce.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "reproduce/common.h"

namespace widthlab::repro::nguyen {

using Results = std::map<SweepRunKey, TrainResult>;

// The sup over curve points of |mean curve(w_i) − mean curve(w_{i+1})| for each neighbour pair; `means` holds the
// mean curves back to back (n points per width). Neighbours, not each width against the widest: a comparison with
// the widest net favours the next-widest.
std::vector<double> neighbour_gaps(const std::vector<double>& means, std::size_t widths, std::size_t n);
// The seed standard deviation at each width from the means of x and x² held in pairs.
std::vector<double> spreads(const std::vector<double>& means);

// Per width (of one run label), what the claims and the tables are taken on.
struct Curves {
  // Rows of the curves CSV: width, step, test loss mean/std, test acc mean/std, train loss mean, train acc mean.
  std::vector<std::vector<std::string>> csv;
  std::vector<std::vector<double>> curves;         // per width: mean test loss per curve point
  SeedGrid curve_seeds, acc_seeds, final_moments;  // per (width, point): per-seed test loss / acc; per width: x, x²
  std::vector<int> steps;
  std::vector<double> spread, final_loss, final_acc;
};
Curves collect_curves(const Results& res, const std::vector<int>& widths, const std::string& label);

// The CSV rows with "diverged" cells as "nan"; the train columns only `with_train`.
std::vector<std::vector<std::string>> curve_rows(std::vector<std::vector<std::string>> csv, bool with_train);
// The neighbour gaps of the mean test-loss curves, each cut to the first width's number of points.
std::vector<double> mean_curve_gaps(const Curves& g);

// Per width: the first curve step at which the mean test loss is ≤ log 2 − 0.1 (−1: never), i.e. the end of the
// plateau at f ≈ 0 that the degeneracy of theory.md §3.6 lengthens with width at 3 hidden layers.
std::vector<int> escape_steps(const Curves& c);
// Per width: final test loss and accuracy, seed spread of the final loss, curve gap to the next width, escape step.
ReportTable curve_table(const std::string& title, const std::vector<int>& widths, const Curves& c);

// The three curve verdicts of [N] (theory.md §6.4): the widest net learns (final test loss ≤ log 2 − 0.1); the
// neighbour gap of the test-loss curves shrinks as a power of width; the seed spread of the final loss shrinks (both:
// exponent interval by a seed bootstrap below 0, and a last step that does not plateau, theory.md §8.7 (a), (b); CLT
// heuristic d^-1/2, theory.md §4). `source`: the region's source.
struct CurveVerdicts {
  VerdictResult nontrivial, collapse, spread;
};
CurveVerdicts judge_curves(const Results& res, const std::vector<int>& widths, const std::string& label,
                           const Curves& g, const std::string& source);
// The collapse verdict on any per-(width, point) seed grid (rows width-major, n points per width).
VerdictResult judge_curve_collapse(const SeedGrid& points, const std::vector<int>& widths, std::size_t n,
                                   const std::string& source);

// The three CSVs of the multilayer-MF cases (R26, R27) that the plot script reads: nfm_curves.csv, neuron_distances.csv
// and neuron_hist.csv in `dir`.
void write_nfm_csvs(const std::filesystem::path& dir, const std::vector<std::vector<std::string>>& curves,
                    const std::vector<std::vector<std::string>>& distances,
                    const std::vector<std::vector<std::string>>& histograms);

}  // namespace widthlab::repro::nguyen
