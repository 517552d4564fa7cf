// The coordinate check's predictions, fits and tables (coord_check.h; theory.md §10.4).
#include "widthlab/coord_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace widthlab {
namespace {

template <class T>
int index_of(const std::vector<T>& values, const T& value) {
  auto it = std::find(values.begin(), values.end(), value);
  return it == values.end() ? -1 : int(it - values.begin());
}

// CSV cells keep every digit (shortest round trip); the report prints 4 significant digits. −0 prints as 0.
std::string cell(double x) { return std::isnan(x) ? "nan" : fmt::format("{}", x + 0.0); }
std::string g(double x) { return std::isfinite(x) ? fmt::format("{:.4g}", x + 0.0) : "n/a"; }

// values(w, s): the layer's RMS at init (t = 0) or its change after t steps, NaN where a run lacks it; a width where
// fewer than half of its runs have the value (diverged before step t) is NaN throughout (rate_fit.h).
MatrixD coord_values(const std::vector<CoordRun>& runs, const std::vector<int>& widths,
                     const std::vector<std::uint64_t>& seeds, int layer, int t) {
  MatrixD values = MatrixD::Constant(Eigen::Index(widths.size()), Eigen::Index(seeds.size()), NAN);
  std::vector<int> runs_at(widths.size(), 0);
  for (const auto& r : runs) {
    const int w = index_of(widths, r.width), s = index_of(seeds, r.seed);
    if (w < 0 || s < 0) continue;
    ++runs_at[std::size_t(w)];
    const std::vector<double>* v =
        t == 0 ? &r.act_init : (t <= int(r.delta_track.size()) ? &r.delta_track[std::size_t(t - 1)] : nullptr);
    if (v && layer < int(v->size())) values(w, s) = (*v)[std::size_t(layer)];
  }
  return without_undermeasured_widths(std::move(values), runs_at);
}

}  // namespace

CoordPrediction predict_coord_exponents(const Classification& c) {
  const int H = c.depth;
  if (int(c.layers.size()) != H + 1) throw std::logic_error("predict_coord_exponents: classification without layers");
  CoordPrediction p;
  double moving = -1e300;  // largest relative change of any layer output up to here (theory.md §10.4)
  for (int k = 0; k < H; ++k) {
    moving = std::max(moving, c.layers[std::size_t(k)].coherent_change);
    const double size = c.layers[std::size_t(k + 1)].input_size;  // |h^{k+1}| at init
    p.act_init.push_back(size);
    p.delta.push_back(size + moving);
  }
  p.act_init.push_back(c.A_uncorrected);  // the net's own logits (the coordinate check measures f(θ), no IC offset)
  p.delta.push_back(c.B);                 // the logit increment of a step ~ d^B
  return p;
}

ClaimRegion coord_region(double predicted, const std::string& quantity) {
  return {predicted - kCoordTolerance, predicted + kCoordTolerance,
          fmt::format("theory.md §10.4: {} exponent from the classifier's layer exponents, ± {} (fixed in "
                      "src/study/coord_check.cpp before the run)",
                      quantity, kCoordTolerance)};
}

CoordRun coord_run(const nlohmann::json& record) {
  CoordRun r;
  r.width = record.at("width").get<int>();
  r.seed = record.at("seed").get<std::uint64_t>();
  if (!record.contains("coord_check")) return r;
  const auto& c = record["coord_check"];
  if (c.contains("act_rms_init")) r.act_init = json_numbers(c["act_rms_init"]);
  if (c.contains("act_delta_track"))
    for (const auto& step : c["act_delta_track"]) r.delta_track.push_back(json_numbers(step));
  return r;
}

std::string coord_layer_name(int layer, int depth) { return layer == depth ? "logits" : fmt::format("h{}", layer + 1); }

std::vector<CoordFit> fit_coord_check(const Classification& c, const std::vector<CoordRun>& runs,
                                      const std::vector<int>& widths, const std::vector<std::uint64_t>& seeds,
                                      int bootstrap) {
  const CoordPrediction pred = predict_coord_exponents(c);
  int steps = 0;
  for (const auto& r : runs) steps = std::max(steps, int(r.delta_track.size()));
  RateFitOptions ro;
  ro.resamples = bootstrap;
  const std::vector<double> wd(widths.begin(), widths.end());
  const WidthHalves halves = width_halves(wd);
  // The fit over a subset of the widths: the same values, the same seeds, the same bootstrap.
  auto fit_over = [&](const std::vector<std::size_t>& subset, int layer, int t) {
    std::vector<int> ws;
    for (std::size_t i : subset) ws.push_back(widths[i]);
    return fit_rate_mean(std::vector<double>(ws.begin(), ws.end()), coord_values(runs, ws, seeds, layer, t), ro);
  };
  std::vector<CoordFit> fits;
  for (int layer = 0; layer <= c.depth; ++layer)
    for (int t = 0; t <= steps; ++t) {
      CoordFit f;
      f.layer = layer, f.t = t;
      f.quantity = t == 0 ? "act_init" : "delta";
      f.predicted = t == 0 ? pred.act_init[std::size_t(layer)] : pred.delta[std::size_t(layer)];
      f.region = coord_region(f.predicted, t == 0 ? "RMS at init" : "RMS of the change");
      f.fit = fit_rate_mean(wd, coord_values(runs, widths, seeds, layer, t), ro);
      if (!halves.widest.empty()) {
        f.narrowest = fit_over(halves.narrowest, layer, t);
        f.widest = fit_over(halves.widest, layer, t);
      }
      const std::string what = coord_layer_name(layer, c.depth);
      const std::string label = t == 0 ? fmt::format("{} RMS at init exponent", what)
                                       : fmt::format("{} RMS change after {} step(s) exponent", what, t);
      if (t > 1 && !c.stable)  // theory.md §10.4: the prediction is a first-step count
        f.verdict = {Verdict::inconclusive,
                     label +
                         ": not judged — the predicted exponent counts one step, and an unstable scaling's later "
                         "steps compound (or saturate) beyond it (theory.md §10.4)"};
      else
        f.verdict = asymptotic_exponent_verdict(f.fit, f.narrowest, f.widest, f.region, label);
      fits.push_back(std::move(f));
    }
  return fits;
}

const std::vector<std::string> kCoordValueColumns = {"width", "seed", "layer", "quantity", "t", "value"};

std::vector<std::vector<std::string>> coord_value_rows(const CoordRun& r) {
  std::vector<std::vector<std::string>> rows;
  const std::string w = std::to_string(r.width), s = std::to_string(r.seed);
  for (std::size_t l = 0; l < r.act_init.size(); ++l)
    rows.push_back({w, s, std::to_string(l), "act_init", "0", cell(r.act_init[l])});
  for (std::size_t k = 0; k < r.delta_track.size(); ++k)
    for (std::size_t l = 0; l < r.delta_track[k].size(); ++l)
      rows.push_back({w, s, std::to_string(l), "delta", std::to_string(k + 1), cell(r.delta_track[k][l])});
  return rows;
}

const std::vector<std::string> kCoordFitColumns = {"layer",
                                                   "quantity",
                                                   "t",
                                                   "exponent",
                                                   "ci_lo",
                                                   "ci_hi",
                                                   "widths_used",
                                                   "exponent_narrowest",
                                                   "ci_lo_narrowest",
                                                   "ci_hi_narrowest",
                                                   "widths_narrowest",
                                                   "exponent_widest",
                                                   "ci_lo_widest",
                                                   "ci_hi_widest",
                                                   "widths_widest",
                                                   "change",
                                                   "change_lo",
                                                   "change_hi",
                                                   "predicted",
                                                   "region_lo",
                                                   "region_hi",
                                                   "verdict",
                                                   "check"};

std::vector<std::string> coord_fit_cells(const CoordFit& f) {
  const Estimate change = exponent_change(f.narrowest, f.widest);
  return {std::to_string(f.layer),
          f.quantity,
          std::to_string(f.t),
          cell(f.fit.slope),
          cell(f.fit.ci_low),
          cell(f.fit.ci_high),
          std::to_string(f.fit.widths_used),
          cell(f.narrowest.slope),
          cell(f.narrowest.ci_low),
          cell(f.narrowest.ci_high),
          std::to_string(f.narrowest.widths_used),
          cell(f.widest.slope),
          cell(f.widest.ci_low),
          cell(f.widest.ci_high),
          std::to_string(f.widest.widths_used),
          cell(change.value),
          cell(change.lo),
          cell(change.hi),
          cell(f.predicted),
          cell(f.region.lo),
          cell(f.region.hi),
          verdict_name(f.verdict.verdict),
          f.sanity() ? "sanity" : "test"};
}

std::string coord_verdict_counts(const std::vector<CoordFit>& fits) {
  int n[3] = {0, 0, 0}, sanity = 0, sanity_holds = 0;
  for (const auto& f : fits) {
    if (f.sanity()) {
      ++sanity, sanity_holds += f.verdict.verdict == Verdict::holds ? 1 : 0;
      continue;
    }
    ++n[int(f.verdict.verdict)];
  }
  return fmt::format(
      "{} hold, {} do not hold, {} inconclusive; {} sanity checks at init apart ({} of them hold: the RMS at init "
      "follows from the init scaling alone, theory.md §8.7)",
      n[int(Verdict::holds)], n[int(Verdict::fails)], n[int(Verdict::inconclusive)], sanity, sanity_holds);
}

std::string coord_table_markdown(const std::vector<CoordFit>& fits, int depth) {
  std::string t =
      "| layer | quantity | t | fitted exponent | 95 % interval | narrowest → widest widths: exponent [interval] | "
      "change [interval] | predicted | verdict |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& c : fits) {
    const Estimate change = exponent_change(c.narrowest, c.widest);
    t += fmt::format("| {} | {} | {} | {} | [{}, {}] | {} | {} | {} | {} |\n", coord_layer_name(c.layer, depth),
                     c.quantity == "act_init" ? "RMS at init" : "RMS of change", c.t, g(c.fit.slope), g(c.fit.ci_low),
                     g(c.fit.ci_high),
                     c.widest.ok ? fmt::format("{} [{}, {}] → {} [{}, {}] ({} widths each)", g(c.narrowest.slope),
                                               g(c.narrowest.ci_low), g(c.narrowest.ci_high), g(c.widest.slope),
                                               g(c.widest.ci_low), g(c.widest.ci_high), c.widest.widths_used)
                                 : "—",
                     std::isnan(change.value) ? std::string("—")
                                              : fmt::format("{} [{}, {}]", g(change.value), g(change.lo), g(change.hi)),
                     g(c.predicted),
                     c.sanity() ? fmt::format("sanity check: {}", verdict_name(c.verdict.verdict))
                                : std::string(verdict_name(c.verdict.verdict)));
  }
  return t;
}

}  // namespace widthlab
