#include "widthlab/report.h"

#include <fmt/format.h>

#include <cmath>

namespace widthlab {

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
  return s;
}
}  // namespace

std::string rate_verdict(const RateFit& fit, std::optional<double> theory) {
  if (!fit.ok || !theory || !std::isfinite(fit.ci_low)) return "n/a";
  if (fit.few_widths()) return "n/a (fewer than 3 widths)";
  if (fit.ci_low <= *theory && *theory <= fit.ci_high) return "consistent";
  return fit.ci_high < *theory ? "steeper than theory" : "shallower than theory";
}

std::string summary_paragraph(const ReportData& data) {
  std::string p;
  for (const auto& s : data.scalings) {
    if (s.rows.empty()) continue;
    const auto& lo = s.rows.front();
    const auto& hi = s.rows.back();
    std::string line = fmt::format("**{}**: test loss {} at d = {} and {} at d = {}", s.name, num(lo.test_loss.mean, 3),
                                   lo.width, num(hi.test_loss.mean, 3), hi.width);
    if (hi.diverged > 0) line += fmt::format(" ({} of the widest runs diverged)", hi.diverged);
    if (s.limit_kind == "no stable limit") {
      line += "; the classifier finds no stable limit for this scaling";
      if (std::isfinite(lo.distance.mean) && std::isfinite(s.rows[s.rows.size() >= 2 ? s.rows.size() - 2 : 0].distance.mean))
        line += fmt::format(", and its logits keep moving with width (distance to the widest net {} at d = {})",
                            num(lo.distance.mean, 3), lo.width);
      line += ".";
    } else {
      if (std::isfinite(s.limit_test_loss.mean))
        line += fmt::format("; its {} has test loss {} and accuracy {}", s.limit_kind, num(s.limit_test_loss.mean, 3),
                            num(s.limit_test_acc.mean, 3));
      if (s.rate.ok) {
        line += fmt::format(". The {} to the {} changes like d^{:.2f}", s.distance_name, s.limit_kind, s.rate.slope);
        if (std::isfinite(s.rate.ci_low)) line += fmt::format(" (95 % CI [{:.2f}, {:.2f}])", s.rate.ci_low, s.rate.ci_high);
        if (s.theory) {
          std::string v = rate_verdict(s.rate, s.theory);
          line += fmt::format("; theory {:.2f}: {}", *s.theory, v);
        }
        if (s.rate.slope < 0 && s.limit_kind == "limit") line += ", so the finite nets approach the limit as width grows";
        else if (s.rate.slope >= 0 && s.limit_kind == "limit") line += ", so at these widths the nets do NOT get closer to the limit";
      }
      if (s.limit_kind == "limit proxy") line += " (measured against the widest finite net, a proxy, not the true limit)";
      line += ".";
    }
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
    r += fmt::format("| width | runs ok / diverged | test loss | test acc | train loss | {} | |Δ test loss| | |Δ acc| | KL over seeds | sign gap |\n",
                     "logit RMS to " + (s.limit_kind == "no stable limit" ? std::string("widest net") : s.limit_kind));
    r += "|---:|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& w : s.rows) {
      std::string kl = num(w.kl, 3);
      if (w.kl_floored > 0 && std::isfinite(w.kl)) kl += fmt::format(" (σ floored ×{})", w.kl_floored);
      r += fmt::format("| {} | {} / {}{} | {} | {} | {} | {} | {} | {} | {} | {} |\n", w.width, w.ok, w.diverged,
                       w.failed ? fmt::format(" ({} failed)", w.failed) : "", ms(w.test_loss), ms(w.test_acc),
                       ms(w.train_loss), ms(w.distance, 3), ms(w.abs_dloss, 3), ms(w.abs_dacc, 3), kl,
                       num(w.sign_gap, 3));
    }
    if (s.limit_kind == "limit")
      r += fmt::format("| ∞ (limit) | | {} | {} | | | | | | |\n", ms(s.limit_test_loss), ms(s.limit_test_acc));
    r += "\n";
    if (s.limit_kind != "no stable limit") {
      r += fmt::format("Fitted exponent of the {} vs width: {}", s.distance_name, fit_text(s.rate));
      if (s.theory) r += fmt::format("; theory {:+.3f} ({}) → {}", *s.theory, s.theory_note, rate_verdict(s.rate, s.theory));
      r += "\n\n";
      if (s.distance_name != "logit RMS") r += fmt::format("Logit-RMS exponent: {}\n\n", fit_text(s.rate_rms));
    } else {
      r += fmt::format("Exponent of the distance to the widest net: {} (drift, not convergence)\n\n", fit_text(s.rate_rms));
    }
    for (const auto& n : s.notes) r += "* " + n + "\n";
    if (!s.notes.empty()) r += "\n";
  }
  r += "## Plots\n\n";
  if (d.plots.empty()) r += (d.plot_message.empty() ? "No plots drawn." : d.plot_message) + "\n";
  for (const auto& p : d.plots) r += fmt::format("![{}]({})\n\n", p, p);
  r += "\n## Definitions\n\n"
       "* Logits are compared in normalised units f/ω^max(A,B), ω = d/d* (SPEC §2.2).\n"
       "* logit RMS: sqrt(mean over test points of (f − f_lim)²) per seed; mean ± std over seeds.\n"
       "* KL over seeds: for each test point a Gaussian fitted over seeds to the finite and to the limit logits, "
       "KL(finite ‖ limit) averaged over test points (SPEC §6.2 R13); standard deviations below a floor of 1 % of "
       "the logits' RMS are raised to it (a deterministic limit would give an infinite KL) and counted.\n"
       "* sign gap: mean over test points of |P(f > 0) − P_lim(f > 0)|, probabilities over seeds.\n"
       "* Exponents: OLS slope of log(mean distance) on log(width), 95 % percentile bootstrap over seeds.\n";
  return r;
}

}  // namespace widthlab
