// golikov2021-limits (theory.md §6.2 R13, R14; §1.5, §3.5): MF, NTK, sym-default, IC-MF and SP ("default") nets at one
// large width d next to the reference (SP at d* = 128), all from the same initial weights per seed (paired init),
// trained full-batch. Along training: test loss, mean |f| on test inputs, the logit discrepancy to the reference over
// seeds (per test point a Gaussian fitted across seeds, KL averaged over points; and |P(f > 0) − P_ref(f > 0)|), and
// the tangent-kernel diagonal K(x,x) on the first test inputs over the first steps.
// The [G2] result figures were not available (theory.md §0, §6.2): the expected outcomes are the SPEC's derived ones,
// stored below with the width factor ω = d/d* they depend on.
#include <fmt/format.h>

#include <cmath>
#include <numeric>
#include <utility>

#include "reproduce/cases.h"
#include "reproduce/common.h"
#include "reproduce/golikov2021_limit_models.h"
#include "widthlab/distances.h"
#include "widthlab/error.h"

namespace widthlab::repro {
namespace {

// theory.md §6.2 expected outcomes (exponents of ω = d/d*; [derived] from §1.5's closed forms).
struct Expected {
  const char* scaling;
  double init_logit_exp;  // mean |f⁽⁰⁾| ∝ ω^e relative to the reference
  double kernel_exp;      // K⁽⁰⁾(x,x) ∝ ω^e relative to the reference (NaN: no single exponent)
};
constexpr Expected kExpected[] = {
    {"mf", -0.5, 0.0},  // "mean |f| at init √512 ≈ 22.6× smaller (at 2^16); kernel of the reference's order"
    {"ntk", 0.0, 0.0},  // "logits and kernel of the reference's size, K/K_init ≈ 1"
    {"sym-default", 0.0, 0.5},  // "kernel ≈ 22.6× the reference's (at 2^16)"
    {"ic-mf", 0.0, 0.0},        // "init logits and kernel like the reference's, and the kernel evolves"
    {"sp", 0.0, NAN},           // output-layer part ×ω, input part ×1 (theory.md §1.5)
};

struct Track {
  std::vector<int> steps;
  std::vector<double> loss, abs_logit, kl, sign_gap;
  std::vector<double> kernel_mean, kernel_ratio;  // per tracked step (mean over seeds)
  double kernel_init = NAN, abs_logit_init = NAN;
  int floored = 0;
};

// Per seed: the largest |K/K_init − 1| over the tracked steps (K averaged over the tracked test points).
std::vector<double> kernel_max_deviation(const std::vector<const TrainResult*>& runs) {
  std::vector<double> out;
  for (const auto* r : runs) {
    double worst = r->kernel_track.empty() ? NAN : 0.0;
    for (const auto& k : r->kernel_track) {
      if (k.empty()) continue;
      double q = 0;
      for (std::size_t p = 0; p < k.size(); ++p) q += k[p] / r->kernel_diag_init[p];
      const double ratio = q / double(k.size());
      worst = std::isfinite(ratio) ? std::max(worst, std::abs(ratio - 1.0)) : INFINITY;
    }
    out.push_back(worst);
  }
  return out;
}

constexpr const char* kG2Source = "theory.md §6.2, [derived] from [G2] abs";

// A sanity check (a consequence of the parameterisation and one shared init draw, not a reproduction): a measured
// exponent within tol of the recipe's.
VerdictResult sanity_close(double measured, double expected, double tol) {
  const bool ok = std::isfinite(measured) && std::abs(measured - expected) <= tol;
  return {std::isfinite(measured) ? (ok ? Verdict::holds : Verdict::fails) : Verdict::inconclusive,
          fmt::format("exponent {:+.3f} vs {:+.3f} (tolerance {:g})", measured, expected, tol)};
}

// Every scaling at the large width next to the SP reference at d*, with logits at every curve point.
std::vector<KeyedTask> limit_tasks(const SweepSetup& setup, const Scaling& sp, int ref, int big) {
  std::vector<KeyedTask> tasks;
  auto add = [&](const Scaling& s, int w, const std::string& label) {
    for (auto seed : setup.seeds_at(big)) {  // paired: the reference runs the big width's seeds
      KeyedTask t = keyed_task(setup, s, w, seed, label);
      t.task.train.curve_logits = true;
      t.task.train.decomposition = false;
      tasks.push_back(std::move(t));
    }
  };
  add(sp, ref, "reference");
  for (const auto& s : setup.scalings) add(s, big, s.name);
  return tasks;
}

std::vector<std::string> scaling_names(const SweepSetup& setup) {
  std::vector<std::string> v;
  for (const auto& s : setup.scalings) v.push_back(s.name);
  return v;
}

Track track_of(const std::map<SweepRunKey, TrainResult>& res, const std::string& label,
               const std::vector<const TrainResult*>& refs) {
  Track t;
  auto runs = runs_of(res, label);
  const std::size_t npts = runs.front()->curve.size();
  for (std::size_t i = 0; i < npts; ++i) {
    t.steps.push_back(runs.front()->curve[i].step);
    std::vector<double> l, a;
    bool all_ok = true;
    for (auto* r : runs) {
      if (i >= r->curve.size() || i >= r->curve_test_logits.size()) {
        all_ok = false;
        continue;
      }
      l.push_back(r->curve[i].test_loss);
      a.push_back(r->curve[i].test_mean_abs_logit);
    }
    t.loss.push_back(seed_stat(l).mean);
    t.abs_logit.push_back(seed_stat(a).mean);
    std::vector<std::size_t> all(runs.size());
    std::iota(all.begin(), all.end(), std::size_t(0));
    const SeedKl kl = all_ok && runs.size() == refs.size() ? kl_at(runs, refs, i, all) : SeedKl{NAN, false};
    t.kl.push_back(kl.kl);
    t.floored += int(kl.floored);
    t.sign_gap.push_back(NAN);
    if (all_ok && i < refs.front()->curve_test_logits.size()) {
      const Eigen::Index m = runs.front()->curve_test_logits.at(0).rows();
      MatrixD F(runs.size(), m), R(refs.size(), m);
      for (std::size_t s = 0; s < runs.size(); ++s)
        F.row(Eigen::Index(s)) = runs[s]->curve_test_logits[i].col(0).transpose();
      for (std::size_t s = 0; s < refs.size(); ++s)
        R.row(Eigen::Index(s)) = refs[s]->curve_test_logits[i].col(0).transpose();
      if (F.allFinite()) t.sign_gap.back() = sign_probability_gap(F, R);
    }
  }
  // Kernel diagonal over the tracked steps (mean over points, then seeds); ratio to its own init.
  std::size_t ks = runs.front()->kernel_track.size();
  std::vector<double> init;
  for (auto* r : runs) {
    double s = 0;
    for (double v : r->kernel_diag_init) s += v;
    init.push_back(r->kernel_diag_init.empty() ? NAN : s / double(r->kernel_diag_init.size()));
  }
  t.kernel_init = seed_stat(init).mean;
  for (std::size_t k = 0; k < ks; ++k) {
    std::vector<double> mean, ratio;
    for (auto* r : runs) {
      if (k >= r->kernel_track.size() || r->kernel_track[k].empty()) continue;
      double s = 0, q = 0;
      for (std::size_t p = 0; p < r->kernel_track[k].size(); ++p) {
        s += r->kernel_track[k][p];
        q += r->kernel_track[k][p] / r->kernel_diag_init[p];
      }
      mean.push_back(s / double(r->kernel_track[k].size()));
      ratio.push_back(q / double(r->kernel_track[k].size()));
    }
    t.kernel_mean.push_back(seed_stat(mean).mean);
    t.kernel_ratio.push_back(seed_stat(ratio).mean);
  }
  t.abs_logit_init = t.abs_logit.empty() ? NAN : t.abs_logit.front();
  return t;
}

// DIR/limits_curves.csv (per label and curve point) and DIR/kernels.csv (per label and tracked step).
void write_track_csvs(const std::filesystem::path& out, const std::map<std::string, Track>& tr) {
  std::vector<std::vector<std::string>> csv, kcsv;
  for (const auto& [l, t] : tr) {
    for (std::size_t i = 0; i < t.steps.size(); ++i)
      csv.push_back({l, std::to_string(t.steps[i]), fmt_num(t.loss[i], 8), fmt_num(t.abs_logit[i], 8),
                     l == "reference" ? "nan" : fmt_num(t.kl[i], 8),
                     l == "reference" ? "nan" : fmt_num(t.sign_gap[i], 8)});
    for (std::size_t k = 0; k < t.kernel_mean.size(); ++k)
      kcsv.push_back({l, std::to_string(k), fmt_num(t.kernel_mean[k], 8), fmt_num(t.kernel_ratio[k], 8)});
  }
  for (auto* c : {&csv, &kcsv})
    for (auto& r : *c)
      for (auto& x : r)
        if (x == "diverged") x = "nan";
  write_table_csv(out / "limits_curves.csv",
                  {"label", "step", "test_loss", "mean_abs_logit", "kl_to_reference", "sign_gap"}, csv);
  write_table_csv(out / "kernels.csv", {"label", "step", "kernel_mean", "kernel_ratio"}, kcsv);
}

double omega_exponent(double omega, double v, double r) { return std::log(v / r) / std::log(omega); }

// The summary table: per label final loss, init logits and kernel against the reference's, kernel motion, distances.
ReportTable summary_table(const std::map<std::string, Track>& tr, int big, int ref, std::size_t seeds) {
  const double omega = double(big) / ref;
  auto max_dev = [](const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m = std::isfinite(x) ? std::max(m, std::abs(x - 1.0)) : INFINITY;
    return v.empty() ? NAN : m;
  };
  ReportTable t;
  t.title = fmt::format("width {} (ω = {:g}) vs the reference (SP at d* = {}); {} seeds", big, omega, ref, seeds);
  t.columns = {"scaling",
               "final test loss",
               "mean |f| init (ratio to ref, exponent)",
               "K(x,x) init (exponent)",
               "max |K/K_init − 1|",
               "mean KL to ref",
               "mean sign gap"};
  const Track& R = tr.at("reference");
  for (const auto& [l, x] : tr) {
    bool is_ref = l == "reference";
    t.rows.push_back(
        {l, fmt_num(x.loss.empty() ? NAN : x.loss.back()),
         fmt::format("{} ({:.3g}, {:+.2f})", fmt_num(x.abs_logit_init), x.abs_logit_init / R.abs_logit_init,
                     omega_exponent(omega, x.abs_logit_init, R.abs_logit_init)),
         fmt::format("{} ({:+.2f})", fmt_num(x.kernel_init), omega_exponent(omega, x.kernel_init, R.kernel_init)),
         fmt_num(max_dev(x.kernel_ratio)), is_ref ? "—" : fmt_num(mean_finite(x.kl)),
         is_ref ? "—" : fmt_num(mean_finite(x.sign_gap))});
  }
  return t;
}

// R13.icmf-closest: IC-MF's logit KL to the reference minus the smallest other scaling's, paired over seeds. The
// closest other scaling is chosen inside the statistic, so the jackknife sees the choice (not picked once by its point
// estimate), and the KL is averaged from the first update on: at step 0 IC-MF's logits are the reference's init
// logits by construction (theory.md §3.5), which would decide the comparison by the parameterisation alone.
ClaimCheck icmf_closest(const std::map<SweepRunKey, TrainResult>& res, const std::vector<std::string>& labels,
                        const std::vector<const TrainResult*>& refs) {
  constexpr std::size_t kAfterInit = 1;
  std::vector<std::pair<std::string, std::vector<const TrainResult*>>> others;
  for (const auto& l : labels)
    if (l != "ic-mf") others.emplace_back(l, runs_of(res, l));
  const auto icmf = runs_of(res, "ic-mf");
  const auto closest = [&](const std::vector<std::size_t>& idx, std::string* who) {
    double best = INFINITY;
    for (const auto& [label, runs] : others)
      if (const double kl = mean_kl(runs, refs, idx, kAfterInit); kl < best) best = kl, *who = label;
    return best;
  };
  const auto difference = [&](const std::vector<std::size_t>& idx) {
    std::string who;
    return mean_kl(icmf, refs, idx, kAfterInit) - closest(idx, &who);
  };
  std::vector<std::size_t> all(refs.size());
  std::iota(all.begin(), all.end(), std::size_t(0));
  std::string who;
  const double best = closest(all, &who);
  VerdictResult v = verdict_in_region(jackknife_seeds(refs.size(), difference), {-INFINITY, 0.0, kG2Source},
                                      "KL IC-MF − the smallest other KL (chosen within each jackknife sample)");
  v.detail = fmt::format("after step 0: KL IC-MF = {}, KL {} = {} (the closest other); ",
                         fmt_num(mean_kl(icmf, refs, all, kAfterInit)), who, fmt_num(best)) +
             v.detail;
  return {"R13.icmf-closest",
          "IC-MF has the smallest logit KL to the reference (mean over the run's curve points after step 0)",
          "IC-MF: smallest logit KL discrepancy over the whole run (theory.md §6.2, [derived] from [G2] abs)", v};
}

// The step-0 size checks (sanity: they follow from the parameterisation) and the kernel-motion claims (R14).
void size_and_kernel_claims(const std::map<SweepRunKey, TrainResult>& res, const std::map<std::string, Track>& tr,
                            double omega, CaseOutput& out) {
  const Track& R = tr.at("reference");
  for (const auto& e : kExpected) {
    if (!tr.count(e.scaling)) continue;
    const Track& x = tr.at(e.scaling);
    out.claims.push_back(
        {fmt::format("R13.{}-init-logits", e.scaling),
         fmt::format("{}: init mean |f| ∝ ω^{:+g} relative to the reference (±0.1)", e.scaling, e.init_logit_exp),
         fmt::format("ω^{:+g} (theory.md §1.5, §6.2)", e.init_logit_exp),
         sanity_close(omega_exponent(omega, x.abs_logit_init, R.abs_logit_init), e.init_logit_exp, 0.1),
         /*sanity=*/true});
    if (!std::isnan(e.kernel_exp))
      out.claims.push_back(
          {fmt::format("R14.{}-kernel-size", e.scaling),
           fmt::format("{}: init kernel K(x,x) ∝ ω^{:+g} relative to the reference (±0.1)", e.scaling, e.kernel_exp),
           fmt::format("ω^{:+g} (theory.md §1.5, §6.2)", e.kernel_exp),
           sanity_close(omega_exponent(omega, x.kernel_init, R.kernel_init), e.kernel_exp, 0.1),
           /*sanity=*/true});
  }
  if (tr.count("ntk") && !tr.at("ntk").kernel_ratio.empty())
    out.claims.push_back(
        {"R14.ntk-frozen",
         "NTK's kernel stays at its init value (per seed max |K/K_init − 1| over the tracked "
         "steps, mean ≤ 0.1)",
         "K/K_init ≈ 1 for all steps (theory.md §6.2)",
         judge_close(kernel_max_deviation(runs_of(res, "ntk")), 0.0, 0.1, "max |K/K_init − 1|", kG2Source)});
  if (tr.count("ntk") && tr.count("mf") && !tr.at("mf").kernel_ratio.empty())
    out.claims.push_back(
        {"R14.mf-evolves", "MF's kernel moves more than NTK's over the tracked steps",
         "MF: the kernel changes over training; NTK: frozen (theory.md §6.2)",
         judge_less(kernel_max_deviation(runs_of(res, "ntk")), kernel_max_deviation(runs_of(res, "mf")), 0.0, true,
                    "NTK max|K/K₀−1|", "MF max|K/K₀−1|", kG2Source)});
}

}  // namespace

CaseOutput run_golikov2021_limits(const ReproduceContext& ctx) {
  SweepSetup setup = make_sweep_setup(ctx.config);
  const int ref = int(ctx.config.scaling.reference_width);
  const int big = setup.widths.back();  // above ref: the registry's widths rule (reproduction_requirements)
  const double omega = double(big) / ref;
  const Scaling* sp = nullptr;
  for (const auto& s : setup.scalings)
    if (s.name == "sp") sp = &s;
  if (!sp) throw InputError("reproduce golikov2021-limits: scaling.presets needs 'sp' (the reference)");
  const std::vector<std::string> labels = scaling_names(setup);
  auto res = run_tasks(ctx, setup.data, limit_tasks(setup, *sp, ref, big), "golikov2021-limits");
  const auto refs = runs_of(res, "reference");
  std::map<std::string, Track> tr;
  tr["reference"] = track_of(res, "reference", refs);
  for (const auto& l : labels) tr[l] = track_of(res, l, refs);
  write_track_csvs(ctx.out, tr);

  CaseOutput out;
  out.tables.push_back(summary_table(tr, big, ref, setup.seeds_at(big).size()));
  if (tr.count("ic-mf")) out.claims.push_back(icmf_closest(res, labels, refs));
  size_and_kernel_claims(res, tr, omega, out);
  limit_model_claims(ctx, out);
  out.setup = fmt::format(
      "- data: {}\n- nets: 1 hidden layer, {}, {} lr {} batch {}, {} steps, test metrics every {} "
      "steps, kernel diagonal on the first 10 test inputs before each of the first {} steps\n"
      "- reference: SP at d* = {}; scalings {} at d = {} (ω = {:g}); {} seeds, paired init",
      data_line(setup.data), ctx.config.model.activation, ctx.config.train.optimizer, ctx.config.train.lr,
      ctx.config.train.batch.full ? "full" : std::to_string(ctx.config.train.batch.size), ctx.config.train.steps,
      ctx.config.train.log_every, ctx.config.train.track_kernel_steps, ref, fmt::join(labels, ", "), big, omega,
      setup.seeds_at(big).size());
  int floored = 0;
  for (const auto& [l, x] : tr) floored += x.floored;
  if (floored > 0)
    out.notes.push_back(
        fmt::format("KL: {} per-point standard deviations were raised to the σ floor (1 % of the logits' "
                    "RMS) — a deterministic-looking side (e.g. MF's near-zero init logits) would "
                    "otherwise give an infinite KL.",
                    floored));
  out.plots = {"limits_curves.png", "kernels.png"};
  return out;
}

}  // namespace widthlab::repro
