#include "widthlab/report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace widthlab {

bool has_distance_for_half_its_runs(const ReportWidthRow& row) {
  return row.distance.n > 0 && 2 * row.distance.n >= row.ok + row.diverged + row.failed;
}

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd r;
  double s = 0;
  for (double v : values)
    if (std::isfinite(v)) s += v, ++r.n;
  if (r.n == 0) return r;
  r.mean = s / r.n;
  if (r.n >= 2) {
    double ss = 0;
    for (double v : values)
      if (std::isfinite(v)) ss += (v - r.mean) * (v - r.mean);
    r.std = std::sqrt(ss / (r.n - 1));
  }
  return r;
}

namespace {
std::string num(double v, int digits = 4) {
  if (!std::isfinite(v)) return "—";
  return fmt::format("{:.{}g}", v, digits);
}
std::string ms(const MeanStd& m, int digits = 4) {
  if (m.n == 0) return "—";
  if (m.n == 1 || !std::isfinite(m.std)) return num(m.mean, digits);
  return fmt::format("{} ± {}", num(m.mean, digits), num(m.std, 2));
}
std::string fit_text(const RateFit& f) {
  if (!f.ok) return "no fit" + (f.note.empty() ? "" : " (" + f.note + ")");
  std::string s = fmt::format("{:+.3f}", f.slope);
  if (std::isfinite(f.ci_low)) s += fmt::format(" [{:+.3f}, {:+.3f}]", f.ci_low, f.ci_high);
  if (f.few_widths()) s += " (2 widths only: not a tested rate)";
  if (f.groups > 1 && std::isfinite(f.ci_low))
    s += fmt::format(" (resampling the {} limit runs, then the seeds compared with each)", f.groups);
  return s;
}
}  // namespace

namespace {

// The local exponent of the last doubling, from the mean distances of the last two widths that have one.
double last_local_exponent(const std::vector<ReportWidthRow>& rows) {
  std::vector<double> widths, distances;
  for (const auto& r : rows)
    if (has_distance_for_half_its_runs(r) && std::isfinite(r.distance.mean) && r.distance.mean > 0) {
      widths.push_back(r.width);
      distances.push_back(r.distance.mean);
    }
  return last_step_exponent(widths, distances);
}

}  // namespace

std::string sign_gap_change_text(const SignGapChange& g) {
  if (g.seeds == 0) return "no sign-gap change measured";
  const Estimate& e = g.log_ratio;
  std::string s = fmt::format("sign gap ratio d = {} / d = {} over {} paired seeds and {} limit runs: ", g.to_width,
                              g.from_width, g.seeds, g.limit_seeds);
  if (!std::isfinite(e.value)) return s + "not finite (a gap of 0)";
  s += fmt::format("{}", num(std::exp(e.value), 3));
  if (!std::isfinite(e.lo) || !std::isfinite(e.hi))
    return s + " (no interval: fewer than 3 seeds, or a gap of 0 without one of them)";
  return s + fmt::format(" [{}, {}] (log {} [{}, {}], jackknife)", num(std::exp(e.lo), 3), num(std::exp(e.hi), 3),
                         num(e.value, 3), num(e.lo, 3), num(e.hi, 3));
}

namespace {

// (a) and (c) judge on the Monte Carlo-widened intervals (theory.md §8.7). A fit without bootstrap resamples has a NaN
// interval, which is neither below nor above zero.
bool fit_below_zero(const RateFit& r) { return r.ok && !r.few_widths() && rate_estimate(r).widened().hi < 0; }
bool fit_above_zero(const RateFit& r) { return r.ok && !r.few_widths() && rate_estimate(r).widened().lo > 0; }

// Which normalisation-free metric of (c) shrinks, with its interval (the statement names its evidence).
std::string free_metric_evidence(const ReportScaling& s) {
  const RateFit& dl = s.rate_dloss;
  std::vector<std::string> shrinking;
  if (fit_below_zero(dl))
    shrinking.push_back(
        fmt::format("|Δ test loss| shrinks (d^{:.3f} [{:.3f}, {:.3f}])", dl.slope, dl.ci_low, dl.ci_high));
  if (s.sign_gap_change.falls())
    shrinking.push_back("the sign gap falls (" + sign_gap_change_text(s.sign_gap_change) + ")");
  std::string text = fmt::format("{}", fmt::join(shrinking, " and "));
  if (shrinking.size() == 1 && !s.sign_gap_change.falls() && s.sign_gap_change.seeds > 0)
    text += " (the sign gap is not shown to fall: " + sign_gap_change_text(s.sign_gap_change) + ")";
  else if (shrinking.size() == 1 && s.sign_gap_change.falls() && dl.ok)
    text += fmt::format(" (|Δ test loss| is not shown to shrink: d^{:.3f} [{:.3f}, {:.3f}])", dl.slope, dl.ci_low,
                        dl.ci_high);
  return text;
}

std::string unmet(const Convergence& c, const ReportScaling& s) {
  const RateFit& fit = s.rate;
  std::vector<std::string> why;
  if (!fit.ok || fit.few_widths())
    why.push_back("fewer than 3 widths with a distance");
  else if (fit.too_few_units)  // fewer than 3 seeds or limit runs: no interval (theory.md §8.7)
    why.push_back(fmt::format("the exponent has no interval ({}), so nothing shows it below zero", fit.note));
  else if (std::isnan(fit.ci_high))  // a fit without bootstrap resamples: (a) has no interval to judge (theory.md §8.7)
    why.push_back(
        "the exponent has no interval (--bootstrap 0: no bootstrap resamples), so nothing shows it below zero");
  else if (!c.interval_below_zero && std::isfinite(fit.ci_high) && fit.ci_high < 0)
    why.push_back(fmt::format(
        "the exponent's interval [{:.2f}, {:.2f}] is below zero but not its Monte Carlo-widened interval [{:.2f}, "
        "{:.2f}] ({} resamples; theory.md §8.7)",
        fit.ci_low, fit.ci_high, fit.mc_low, fit.mc_high, fit.resamples));
  else if (!c.interval_below_zero)
    why.push_back(
        fmt::format("the exponent's interval [{:.2f}, {:.2f}] is not below "
                    "zero",
                    fit.ci_low, fit.ci_high));
  if (c.plateau)
    why.push_back(
        fmt::format("the last doubling is flatter (local exponent {:.2f}) than the fit allows, "
                    "a floor",
                    c.local_exponent));
  if (!c.widest_measured && !s.rows.empty()) {
    const ReportWidthRow& w = s.rows.back();
    why.push_back(
        fmt::format("the widest width d = {} has a distance for {} of its {} seeds (half needed: the fit "
                    "and the last doubling would describe narrower nets only)",
                    w.width, w.distance.n, w.ok + w.diverged + w.failed));
  }
  std::vector<std::string> narrower;  // c.undermeasured_widths with their counts; the widest is named above
  for (const ReportWidthRow& w : s.rows)
    if (&w != &s.rows.back() && std::count(c.undermeasured_widths.begin(), c.undermeasured_widths.end(), w.width))
      narrower.push_back(fmt::format("d = {} ({} of {})", w.width, w.distance.n, w.ok + w.diverged + w.failed));
  if (!narrower.empty())
    why.push_back(fmt::format(
        "{} {} a distance for fewer than half of {} runs (left out of the fit: the mean of the runs that did not "
        "diverge is no distance of the width)",
        fmt::join(narrower, ", "), narrower.size() == 1 ? "has" : "have", narrower.size() == 1 ? "its" : "their"));
  if (c.free_metric_grows)
    why.push_back(fmt::format("a normalisation-free metric grows with the width ({}{}{})",
                              s.rate_dloss.ok
                                  ? fmt::format("|Δ test loss| d^{:.3f} [{:.3f}, {:.3f}]", s.rate_dloss.slope,
                                                s.rate_dloss.ci_low, s.rate_dloss.ci_high)
                                  : "",
                              s.rate_dloss.ok ? "; " : "", sign_gap_change_text(s.sign_gap_change)));
  else if (!c.free_metric_shrinks)
    why.push_back(fmt::format(
        "neither |Δ test loss| nor the sign gap shrinks ({}; the logit distance may only reflect the normalisation by "
        "ω^max(A,B))",
        sign_gap_change_text(s.sign_gap_change)));
  return fmt::format("{}", fmt::join(why, "; "));
}

}  // namespace

Convergence convergence_statement(const ReportScaling& s) {
  Convergence c;
  const RateFit& f = s.rate;
  // The plateau keeps the 95 % interval (a guard: widening it could only let more statements through).
  c.interval_below_zero = fit_below_zero(f);
  c.local_exponent = last_local_exponent(s.rows);
  c.plateau = std::isfinite(c.local_exponent) && last_step_plateaus(c.local_exponent, f.ci_high);
  const RateFit& dl = s.rate_dloss;
  c.free_metric_grows = fit_above_zero(dl) || s.sign_gap_change.rises();
  c.free_metric_shrinks = (fit_below_zero(dl) || s.sign_gap_change.falls()) && !c.free_metric_grows;
  for (const ReportWidthRow& w : s.rows)
    if (!has_distance_for_half_its_runs(w)) c.undermeasured_widths.push_back(w.width);
  c.widest_measured = !s.rows.empty() && has_distance_for_half_its_runs(s.rows.back());
  c.approaches = c.interval_below_zero && !c.plateau && c.free_metric_shrinks && c.undermeasured_widths.empty();
  const int wmax = s.rows.empty() ? 0 : s.rows.back().width;
  if (s.limit_kind != "limit") {  // the widest net is no limit: distances to it shrink by construction
    c.approaches = false;
    c.statement = fmt::format(
        "No limit to approach: the distances are to the widest net (d = {}, {}), which shrink towards it by "
        "construction",
        wmax, s.limit_kind);
    return c;
  }
  if (c.approaches) {
    c.statement = fmt::format(
        "The finite nets approach the limit up to d = {}: the exponent's interval [{:.2f}, {:.2f}] is below zero, the "
        "last doubling follows the fit (local exponent {:.2f}), and {}; at the fitted rate d^{:.2f} the distance "
        "would halve by d ≈ {:.3g}",
        wmax, f.ci_low, f.ci_high, c.local_exponent, free_metric_evidence(s), f.slope,
        wmax * std::pow(2.0, -1.0 / f.slope));
    return c;
  }
  c.statement = fmt::format("No convergence is established up to d = {}: {}", wmax, unmet(c, s));
  const double last = s.rows.empty() ? RateFit::nan : s.rows.back().distance.mean;
  if (std::isfinite(last)) c.statement += fmt::format("; the distance is {} at d = {}", num(last, 3), wmax);
  if (s.theory && *s.theory < 0)
    c.statement += fmt::format("; at the theory rate d^{:.2f} it would halve by d ≈ {:.0f}", *s.theory,
                               wmax * std::pow(2.0, -1.0 / *s.theory));
  return c;
}

nlohmann::json sign_gap_change_json(const SignGapChange& g) {
  using nlohmann::json;
  auto v = [](double x) { return std::isfinite(x) ? json(x) : json(nullptr); };
  return {{"from_width", g.from_width},
          {"to_width", g.to_width},
          {"seeds", g.seeds},
          {"limit_seeds", g.limit_seeds},
          {"log_ratio", v(g.log_ratio.value)},
          {"ci_low", v(g.log_ratio.lo)},
          {"ci_high", v(g.log_ratio.hi)},
          {"falls", g.falls()},
          {"interval", "two-sample jackknife"}};
}

nlohmann::json convergence_json(const Convergence& c) {
  using nlohmann::json;
  return {{"approaches", c.approaches},
          {"interval_below_zero", c.interval_below_zero},
          {"plateau", c.plateau},
          {"normalisation_free_metric_shrinks", c.free_metric_shrinks},
          {"normalisation_free_metric_grows", c.free_metric_grows},
          {"widest_width_measured", c.widest_measured},
          {"widths_with_distance_for_under_half_their_runs", c.undermeasured_widths},
          {"last_doubling_exponent", std::isfinite(c.local_exponent) ? json(c.local_exponent) : json(nullptr)},
          {"statement", c.statement}};
}

nlohmann::json rate_fit_json(const RateFit& f) {
  using nlohmann::json;
  auto v = [](double x) { return std::isfinite(x) ? json(x) : json(nullptr); };
  return {{"ok", f.ok},
          {"slope", v(f.slope)},
          {"ci_low", v(f.ci_low)},
          {"ci_high", v(f.ci_high)},
          {"mc_low", v(f.mc_low)},
          {"mc_high", v(f.mc_high)},
          {"resamples", f.resamples},
          {"ols_stderr", v(f.slope_stderr)},
          {"widths_used", f.widths_used},
          {"resamples_used", f.resamples_used},
          {"resampled_groups", f.groups},
          {"few_widths", f.few_widths()},
          {"note", f.note}};
}

std::string rate_verdict(const RateFit& fit, std::optional<double> theory) {
  if (!fit.ok || !theory || !std::isfinite(fit.ci_low)) return "n/a";
  if (fit.few_widths()) return "n/a (fewer than 3 widths)";
  if (fit.ci_low <= *theory && *theory <= fit.ci_high) return "consistent";
  // Steeper / shallower only when the Monte Carlo-widened interval misses the theory too (theory.md §8.7).
  const Estimate w = rate_estimate(fit).widened();
  if (w.lo <= *theory && *theory <= w.hi)
    return fmt::format("consistent (within the bootstrap's Monte Carlo error: widened interval [{:.3f}, {:.3f}])", w.lo,
                       w.hi);
  return fit.ci_high < *theory ? "steeper than theory" : "shallower than theory";
}

namespace {

// The coordinate check of one scaling: exponents of each layer's RMS at init and of its change after t steps.
std::string coord_section(const ReportScaling& s, int steps) {
  if (s.coord.empty()) return "";
  return fmt::format(
             "Coordinate check (theory.md §10.4; coord_fit.csv): exponent of each layer's RMS vs width at init and "
             "after t = 1..{} steps, against the classifier's prediction ± {}, checked against the exponents over the "
             "narrowest and the widest widths (the prediction is asymptotic: theory.md §10.3) — {}.\n\n",
             steps, kCoordTolerance, coord_verdict_counts(s.coord)) +
         coord_table_markdown(s.coord, s.depth) + "\n";
}

}  // namespace

std::string summary_paragraph(const ReportData& data) {
  std::string p;
  for (const auto& s : data.scalings) {
    if (s.rows.empty()) continue;
    const auto& lo = s.rows.front();
    const auto& hi = s.rows.back();
    std::string line = fmt::format("**{}**: test loss {} at d = {} and {} at d = {}", s.name, num(lo.test_loss.mean, 3),
                                   lo.width, num(hi.test_loss.mean, 3), hi.width);
    if (hi.diverged > 0) line += fmt::format(" ({} of the widest runs diverged)", hi.diverged);
    int missing = 0, above_init = 0;
    for (const auto& r : s.rows) missing += r.logits_missing, above_init += r.above_init;
    if (above_init > 0)
      line += fmt::format(
          " ({} of the finished runs ended above their train loss at init: they did not train at this "
          "lr, theory.md §10.1; their distances count)",
          above_init);
    if (missing > 0)
      line +=
          fmt::format(" ({} finished runs have no final-logits file in logits/, so no distance to compare)", missing);
    if (s.limit_kind == "no stable limit") {
      line += "; the classifier finds no stable limit for this scaling";
      if (std::isfinite(lo.distance.mean) &&
          std::isfinite(s.rows[s.rows.size() >= 2 ? s.rows.size() - 2 : 0].distance.mean))
        line += fmt::format(", and its logits keep moving with width (distance to the widest net {} at d = {})",
                            num(lo.distance.mean, 3), lo.width);
      line += ".";
    } else {
      if (std::isfinite(s.limit_test_loss.mean))
        line += fmt::format("; its {} has test loss {} and accuracy {}", s.limit_kind, num(s.limit_test_loss.mean, 3),
                            num(s.limit_test_acc.mean, 3));
      if (s.limit_diverged > 0)
        line += fmt::format("; its {} diverged in {} of {} seeds", s.limit_kind, s.limit_diverged,
                            s.limit_ok + s.limit_diverged);
      if (s.rate.ok) {
        line += fmt::format(". The {} to the {} changes like d^{:.2f}", s.distance_name, s.limit_kind, s.rate.slope);
        if (std::isfinite(s.rate.ci_low))
          line += fmt::format(" (95 % CI [{:.2f}, {:.2f}])", s.rate.ci_low, s.rate.ci_high);
        if (s.theory) line += fmt::format("; theory {:.2f}: {}", *s.theory, rate_verdict(s.rate, s.theory));
        if (s.limit_kind == "limit") line += ". " + s.convergence.statement;
      }
      if (s.limit_kind == "limit proxy")
        line += " (measured against the widest finite net, a proxy, not the true limit)";
      line += ".";
    }
    if (!s.coord.empty()) line += fmt::format(" Coordinate check: {}.", coord_verdict_counts(s.coord));
    p += line + "\n";
  }
  return p;
}

std::string render_report(const ReportData& d) {
  std::string r = fmt::format("# {}\n\n", d.title);
  if (!d.setup.empty()) r += d.setup + "\n\n";
  if (!d.threads.empty()) r += "Threads: " + d.threads + "\n\n";
  r += "## Summary\n\n" + summary_paragraph(d) + "\n";
  if (!d.notes.empty()) {
    r += "## Notes\n\n";
    for (const auto& n : d.notes) r += "* " + n + "\n";
    r += "\n";
  }
  if (!d.errors.empty()) {
    r += "## Failed runs, limits and scalings\n\n";
    for (const auto& e : d.errors) r += "* " + e + "\n";
    r += "\n";
  }
  for (const auto& s : d.scalings) {
    r += fmt::format("## {}\n\n", s.name);
    r += fmt::format("Classifier: {}\n\n", s.verdict);
    r += fmt::format("Compared with: **{}** — {}\n\n", s.limit_kind, s.limit_label);
    r += fmt::format(
        "| width | runs ok / diverged | test loss | test acc | train loss | {} | |Δ test loss| | |Δ acc| | KL over "
        "seeds | sign gap |\n",
        "logit RMS to " + (s.limit_kind == "no stable limit" ? std::string("widest net") : s.limit_kind));
    r += "|---:|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& w : s.rows) {
      std::string kl = num(w.kl, 3);
      if (w.kl_floored > 0 && std::isfinite(w.kl)) kl += fmt::format(" (σ floored ×{})", w.kl_floored);
      r += fmt::format("| {} | {} / {}{}{}{} | {} | {} | {} | {} | {} | {} | {} | {} |\n", w.width, w.ok, w.diverged,
                       w.above_init ? fmt::format(" ({} ok above init loss)", w.above_init) : "",
                       w.failed ? fmt::format(" ({} failed)", w.failed) : "",
                       w.logits_missing ? fmt::format(" ({} without logits)", w.logits_missing) : "", ms(w.test_loss),
                       ms(w.test_acc), ms(w.train_loss), ms(w.distance, 3), ms(w.abs_dloss, 3), ms(w.abs_dacc, 3), kl,
                       num(w.sign_gap, 3));
    }
    if (s.limit_kind == "limit")
      r += fmt::format("| ∞ (limit) | {} / {} | {} | {} | | | | | | |\n", s.limit_ok, s.limit_diverged,
                       ms(s.limit_test_loss), ms(s.limit_test_acc));
    r += "\n";
    if (s.limit_kind != "no stable limit") {
      r += fmt::format("Fitted exponent of the {} vs width: {}", s.distance_name, fit_text(s.rate));
      if (s.theory)
        r += fmt::format("; theory {:+.3f} ({}) → {}", *s.theory, s.theory_note, rate_verdict(s.rate, s.theory));
      r += "\n\n";
      if (s.distance_name != "logit RMS") r += fmt::format("Logit-RMS exponent: {}\n\n", fit_text(s.rate_rms));
      if (s.limit_kind == "limit")
        r += fmt::format("Normalisation-free evidence (theory.md §8.7 (c)): |Δ test loss| exponent {}; {}\n\n",
                         fit_text(s.rate_dloss), sign_gap_change_text(s.sign_gap_change));
    } else {
      r += fmt::format("Exponent of the distance to the widest net: {} (drift, not convergence)\n\n",
                       fit_text(s.rate_rms));
    }
    for (const auto& n : s.notes) r += "* " + n + "\n";
    if (!s.notes.empty()) r += "\n";
    r += coord_section(s, d.coord_steps);
  }
  r += "## Plots\n\n";
  if (d.plots.empty())
    r += (d.plot_message.empty() ? "No plots drawn." : d.plot_message) + "\n";
  else if (d.plot_message != "drawn")  // e.g. a figure not drawn because a file widthlab did not write has its name
    r += "Plots: " + d.plot_message + "\n\n";
  for (const auto& p : d.plots) r += fmt::format("![{}]({})\n\n", p, p);
  r +=
      "\n## Definitions\n\n"
      "* Logits are compared in normalised units f/ω^max(A,B), ω = d/d* (theory.md §2.2).\n"
      "* logit RMS: sqrt(mean over test points of (f − f_lim)²) per seed; mean ± std over seeds.\n"
      "* KL over seeds: for each test point a Gaussian fitted over seeds to the finite and to the limit logits, "
      "KL(finite ‖ limit) averaged over test points (theory.md §6.2 R13); standard deviations below a floor of 1 % of "
      "the logits' RMS are raised to it (a deterministic limit would give an infinite KL) and counted.\n"
      "* sign gap: mean over test points of |P(f > 0) − P_lim(f > 0)|, probabilities over seeds.\n"
      "* Exponents: OLS slope of log(mean distance) on log(width), 95 % percentile bootstrap over seeds; where several "
      "seeds are compared with one independent limit run, over the limit runs first and then the seeds compared with "
      "each (theory.md §8.7).\n";
  return r;
}

}  // namespace widthlab
