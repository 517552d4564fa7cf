// One scaling measured against its limit (study_phases.h): per width and seed the logit RMS and |Δ test loss| to the
// comparison target, over seeds the KL and the sign gap (distances.h), fitted exponents with bootstrap intervals
// (rate_fit.h), and the convergence evidence of theory.md §8.7.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "study/study_phases.h"
#include "widthlab/distances.h"
#include "widthlab/train_run.h"

namespace widthlab::study {
namespace {

constexpr double kNan = RateFit::nan;

std::string cnum(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : std::string(); }

// Flattened first-output column of logits (m × k) divided by `norm`.
std::vector<double> column(const MatrixD& m, double norm) {
  std::vector<double> v(std::size_t(m.rows()));
  for (Eigen::Index i = 0; i < m.rows(); ++i) v[std::size_t(i)] = m(i, 0) / norm;
  return v;
}

MatrixD stack(const std::vector<std::vector<double>>& rows) {
  if (rows.empty()) return {};
  MatrixD M(Eigen::Index(rows.size()), Eigen::Index(rows[0].size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j) M(Eigen::Index(i), Eigen::Index(j)) = rows[i][j];
  return M;
}

// What a finite run is compared with.
struct Target {
  std::vector<double> logits;
  double test_loss = kNan, test_acc = kNan;
  std::string with;
};

// The measurement of one scaling, built phase by phase.
class Measure {
 public:
  Measure(const Context& ctx, const LimitPlan& p, const std::map<SweepRunKey, RunData>& runs,
          const std::map<std::string, LimitData>& limits)
      : ctx_(ctx),
        p_(p),
        runs_(runs),
        limits_(limits),
        name_(p.scaling->name),
        proxy_(!p.simulate),
        wmax_(ctx.widths.back()),
        S_(ctx.setup.seeds.size()) {}

  Measurement run() {
    describe();
    collect_independent_limits();
    rms_ = MatrixD::Constant(Eigen::Index(ctx_.widths.size()), Eigen::Index(S_), kNan);
    dloss_ = rms_;
    logits_by_width_.resize(ctx_.widths.size());
    for (std::size_t wi = 0; wi < ctx_.widths.size(); ++wi) out_.report.rows.push_back(width_row(wi));
    fit();
    out_.report.convergence = convergence_statement(out_.report);
    out_.rates = rates_json();
    return std::move(out_);
  }

 private:
  double norm(int w) const { return p_.norm_at(w, ctx_.config.scaling.reference_width); }

  // The particles of the limit run a width-d net is compared with: every width's own coupled run, or the same
  // independent runs for all widths.
  int particles_at(int width) const {
    return p_.coupled ? coupled_particle_count(p_.lo.particles, ctx_.config.limits.coupled_particles_per_width, width)
                      : p_.lo.particles;
  }

  // "; 8192 particles", and for coupled runs with limits.coupled_particles_per_width the per-width count.
  std::string particles_text() const {
    const int per_width = ctx_.config.limits.coupled_particles_per_width;
    if (!p_.coupled || per_width <= 0) return fmt::format("; {} particles", p_.lo.particles);
    return fmt::format("; {} particles (coupled runs at width d: min({}, {}·d) = {}…{})", p_.lo.particles,
                       p_.lo.particles, per_width, particles_at(ctx_.widths.front()), particles_at(ctx_.widths.back()));
  }

  // A particle limit carries its own Monte Carlo error: the distance of a width-d net to a P-particle limit goes like
  // √(1/d + 1/P) (theory.md §8.7), so where P is not ≫ d the last doubling flattens even when the nets converge at
  // d^-1/2. Says by how much, from the particle counts alone, when it exceeds 0.03; "" otherwise.
  std::string particle_floor_note() const {
    if (ctx_.widths.size() < 2) return "";
    const int w0 = ctx_.widths[ctx_.widths.size() - 2], w1 = ctx_.widths.back();
    const double d0 = w0, d1 = w1, p0 = particles_at(w0), p1 = particles_at(w1);
    const double local = 0.5 * std::log((1 / d1 + 1 / p1) / (1 / d0 + 1 / p0)) / std::log(d1 / d0);
    if (local < -0.47) return "";
    return fmt::format(
        "the limit's own Monte Carlo error: it has {} particles against the widest net's {} neurons, so nets that "
        "converge like d^-1/2 would show a last-doubling exponent of {:.2f}, not -0.50 (distance ∝ √(1/d + 1/P), "
        "theory.md §8.7); {} removes this floor",
        p1, d1, local,
        p_.coupled ? "limits.coupled_particles_per_width ≥ 4 with limits.mf_particles ≥ that many times the widest "
                     "width"
                   : "limits.mf_particles ≥ 16 × the widest width");
  }

  void describe() {
    ReportScaling& rs = out_.report;
    const Classification& c = p_.cls;
    rs.name = name_;
    rs.verdict = fmt::format("{}{}{}; A = {:.3g}, B = {:.3g}, C = {:.3g}; {}", to_string(c.regime),
                             c.region ? fmt::format(", region {} ({})", *c.region, c.label) : "",
                             c.model.empty() ? "" : ", limit model " + c.model, c.A, c.B, c.C, c.properties_text);
    rs.limit_kind = !c.stable ? "no stable limit" : proxy_ ? "limit proxy" : "limit";
    if (!c.stable) {
      rs.limit_label = fmt::format(
          "no stable d = ∞ limit (regime: {}); distances are to the widest net (d = {}, "
          "same seed) and show drift",
          to_string(c.regime), wmax_);
    } else if (proxy_) {
      rs.limit_label = fmt::format("LIMIT PROXY: the finite net at the largest width d = {} (same seed), because {}",
                                   wmax_, p_.why_proxy);
      rs.notes.push_back("the distance at the largest width is 0 by construction and is left out of the fit");
    } else {
      const std::string description =
          p_.lo.depth > 1
              ? fmt::format("multilayer mean field, {} hidden layers: the particle system of theory.md §3.6",
                            p_.lo.depth)
              : p_.info->description;
      rs.limit_label = fmt::format("{} limit ({}){}", p_.lo.model, description,
                                   p_.coupled ? "; per-seed distance against the limit run whose GP sample g is that "
                                                "net's own initial logits (coupled)"
                                              : "");
      if (p_.info->state == LimitStateKind::particles) {
        rs.limit_label += particles_text();
        if (const std::string note = particle_floor_note(); !note.empty()) rs.notes.push_back(note);
      }
    }
    if (c.stable) rs.theory = c.rate_exponent, rs.theory_note = c.rate_note;
    rs.distance_name = "logit RMS";
  }

  void collect_independent_limits() {
    for (auto seed : ctx_.config.limits.seeds) {
      const auto it = limits_.find(limit_key(name_, seed, 0));
      if (it == limits_.end()) continue;
      if (it->second.logits.size() > 0) indep_.push_back(&it->second);
      if (it->second.record.value("status", "") == "diverged") ++out_.report.limit_diverged;
    }
    out_.report.limit_ok = int(indep_.size());
    if (p_.simulate) {
      std::vector<double> ll, la;
      for (auto* l : indep_)
        ll.push_back(json_number(l->record, "test_loss")), la.push_back(json_number(l->record, "test_acc"));
      out_.report.limit_test_loss = mean_std(ll);
      out_.report.limit_test_acc = mean_std(la);
    }
    std::vector<std::vector<double>> rows;  // the seeds of the comparison distribution (KL, sign gap)
    if (!proxy_)
      for (auto* l : indep_) rows.push_back(column(l->logits, 1.0));
    else
      for (auto seed : ctx_.setup.seeds)
        if (auto it = runs_.find({name_, wmax_, seed}); it != runs_.end() && it->second.final_logits.size() > 0)
          rows.push_back(column(it->second.final_logits, norm(wmax_)));
    limit_matrix_ = stack(rows);
  }

  Target target_for(int w, std::size_t si) const {
    Target t;
    const auto seed = ctx_.setup.seeds[si];
    if (proxy_) {
      if (auto jt = runs_.find({name_, wmax_, seed}); jt != runs_.end() && jt->second.final_logits.size() > 0) {
        t.logits = column(jt->second.final_logits, norm(wmax_));
        t.test_loss = json_number(jt->second.record, "test_loss");
        t.test_acc = json_number(jt->second.record, "test_acc");
        t.with = fmt::format("widest-net w{} s{}", wmax_, seed);
      }
      return t;
    }
    const LimitData* l = nullptr;
    if (auto jt = limits_.find(limit_key(name_, seed, w));
        p_.coupled && jt != limits_.end() && jt->second.logits.size())
      l = &jt->second, t.with = "coupled limit";
    else if (!indep_.empty())
      l = indep_[si % indep_.size()], t.with = fmt::format("limit s{}", l->record["seed"].get<std::uint64_t>());
    if (l) {
      t.logits = column(l->logits, 1.0);
      t.test_loss = json_number(l->record, "test_loss");
      t.test_acc = json_number(l->record, "test_acc");
    }
    return t;
  }

  void csv(int w, const std::string& seed, const std::string& status, const std::string& with, double rms, double dl,
           double da, double kl = kNan, double gap = kNan, std::string floored = "") {
    out_.csv_rows.push_back(
        {name_, std::to_string(w), seed, status, with, cnum(rms), cnum(dl), cnum(da), cnum(kl), cnum(gap), floored});
  }

  ReportWidthRow width_row(std::size_t wi) {
    const int w = ctx_.widths[wi];
    ReportWidthRow row;
    row.width = w;
    std::vector<double> tl, ta, trl, dist, dl, da;
    std::vector<std::vector<double>> frows;
    std::vector<std::size_t> fseeds;                              // the seed index of each row of frows
    const std::size_t seeds_run = ctx_.setup.seeds_at(w).size();  // sweep.few_seeds: the first seeds at the widest
    for (std::size_t si = 0; si < seeds_run; ++si) {
      const std::string seed = std::to_string(ctx_.setup.seeds[si]);
      auto it = runs_.find({name_, w, ctx_.setup.seeds[si]});
      if (it == runs_.end()) {
        ++row.failed;
        csv(w, seed, "missing", "", kNan, kNan, kNan);
        continue;
      }
      const RunData& rd = it->second;
      const std::string status = rd.record.value("status", "");
      if (status != "ok") {
        ++row.diverged;
        csv(w, seed, status, "", kNan, kNan, kNan);
        continue;
      }
      ++row.ok;
      if (record_trained_above_initial_loss(rd.record))
        ++row.above_init;  // kept: its distance is what this scaling does at this lr; the report counts it
      tl.push_back(json_number(rd.record, "test_loss"));
      ta.push_back(json_number(rd.record, "test_acc"));
      trl.push_back(json_number(rd.record, "train_loss"));
      if (rd.final_logits.size() == 0) {  // an ok run whose logits/ file is gone: no distance, and the report says so
        ++row.logits_missing;
        csv(w, seed, "ok", "logits file missing", kNan, kNan, kNan);
        continue;
      }
      const std::vector<double> f = column(rd.final_logits, norm(w));
      frows.push_back(f);
      fseeds.push_back(si);
      const Target t = target_for(w, si);
      double rms = kNan, adl = kNan, ada = kNan;
      if (!t.logits.empty() && t.logits.size() == f.size() && !(proxy_ && w == wmax_)) {
        rms = logit_rms(f, t.logits);
        adl = std::abs(tl.back() - t.test_loss);
        ada = std::abs(ta.back() - t.test_acc);
      }
      rms_(Eigen::Index(wi), Eigen::Index(si)) = rms;
      dloss_(Eigen::Index(wi), Eigen::Index(si)) = adl;
      dist.push_back(rms), dl.push_back(adl), da.push_back(ada);
      csv(w, seed, "ok", t.with, rms, adl, ada);
    }
    row.test_loss = mean_std(tl), row.test_acc = mean_std(ta), row.train_loss = mean_std(trl);
    row.distance = mean_std(dist), row.abs_dloss = mean_std(dl), row.abs_dacc = mean_std(da);
    over_seeds(wi, stack(frows), fseeds, row);
    return row;
  }

  // KL and sign gap between the finite nets' seeds and the comparison distribution.
  void over_seeds(std::size_t wi, const MatrixD& F, const std::vector<std::size_t>& seeds, ReportWidthRow& row) {
    logits_by_width_[wi] = {F, seeds};
    const int w = ctx_.widths[wi];
    if (F.size() == 0 || (proxy_ && w == wmax_) || limit_matrix_.rows() < 1 || limit_matrix_.cols() != F.cols()) return;
    row.sign_gap = sign_probability_gap(F, limit_matrix_);
    if (F.rows() >= 2 && limit_matrix_.rows() >= 2) {
      const SeedKl kl = seed_gaussian_kl(F, limit_matrix_, default_sigma_floor(F, limit_matrix_));
      row.kl = kl.kl;
      row.kl_floored = int(kl.floored);
    }
    csv(w, "all", "", proxy_ ? "widest nets" : "limit seeds", kNan, kNan, kNan, row.kl, row.sign_gap,
        std::to_string(row.kl_floored));
  }

  // The seeds compared with the same independent limit run (seed index s with run s mod L at every width) share its
  // Monte Carlo error: the rate fits resample the runs, then the seeds within each (theory.md §8.7). Coupled runs and
  // the widest-net proxy are the seed's own, and L ≥ S runs give every seed its own: no groups then.
  std::vector<int> limit_run_groups() const {
    std::vector<int> groups;
    if (p_.coupled || proxy_ || indep_.empty() || indep_.size() >= S_) return groups;
    for (std::size_t si = 0; si < S_; ++si) groups.push_back(int(si % indep_.size()));
    return groups;
  }

  void fit() {
    RateFitOptions rfo;
    rfo.resamples = ctx_.options.bootstrap;
    rfo.groups = limit_run_groups();
    const std::vector<double> wd(ctx_.widths.begin(), ctx_.widths.end());
    // A width with a distance for fewer than half of its runs is left out (without_undermeasured_widths, rate_fit.h;
    // |Δ test loss| is computed for the runs the logit RMS is).
    std::vector<int> runs;
    for (const ReportWidthRow& row : out_.report.rows) runs.push_back(row.ok + row.diverged + row.failed);
    out_.report.rate_rms = fit_rate_mean(wd, without_undermeasured_widths(rms_, runs), rfo);
    out_.report.rate_dloss = fit_rate_mean(wd, without_undermeasured_widths(dloss_, runs), rfo);
    if (const std::vector<int> left_out = undermeasured_widths(); !left_out.empty())
      for (RateFit* f : {&out_.report.rate_rms, &out_.report.rate_dloss})
        f->note += fmt::format(
            "{}widths with a distance for fewer than half of their runs left out (their runs "
            "that did not diverge are no sample of the width): {}",
            f->note.empty() ? "" : "; ", fmt::join(left_out, ", "));
    out_.report.rate = out_.report.rate_rms;
    out_.report.sign_gap_change = sign_gap_change();
    resamples_ = rfo.resamples;
  }

  std::vector<int> undermeasured_widths() const {
    std::vector<int> w;
    for (const ReportWidthRow& row : out_.report.rows)  // the proxy's widest net has no distance by construction
      if (!has_distance_for_half_its_runs(row) && !(proxy_ && row.width == wmax_)) w.push_back(row.width);
    return w;
  }

  // The sign gap from the narrowest to the widest width that has one, paired over the seeds both have (theory.md §8.7
  // (c)); none against the widest-net proxy.
  SignGapChange sign_gap_change() const {
    SignGapChange g;
    std::vector<std::size_t> with_gap;
    for (std::size_t wi = 0; wi < ctx_.widths.size(); ++wi) {
      const ReportWidthRow& row = out_.report.rows[wi];  // a gap over at least half of the width's runs
      if (std::isfinite(row.sign_gap) &&
          2 * logits_by_width_[wi].seeds.size() >= std::size_t(row.ok + row.diverged + row.failed))
        with_gap.push_back(wi);
    }
    if (proxy_ || with_gap.size() < 2) return g;
    const std::size_t a = with_gap.front(), b = with_gap.back();
    const auto& sa = logits_by_width_[a].seeds;
    const auto& sb = logits_by_width_[b].seeds;
    std::vector<Eigen::Index> ra, rb;  // rows of the seeds both widths have
    for (std::size_t i = 0; i < sa.size(); ++i)
      if (auto it = std::find(sb.begin(), sb.end(), sa[i]); it != sb.end())
        ra.push_back(Eigen::Index(i)), rb.push_back(Eigen::Index(it - sb.begin()));
    g.from_width = ctx_.widths[a], g.to_width = ctx_.widths[b];
    g.seeds = ra.size(), g.limit_seeds = std::size_t(limit_matrix_.rows());
    if (ra.empty()) return g;
    const MatrixD narrow = logits_by_width_[a].logits(ra, Eigen::all);
    const MatrixD wide = logits_by_width_[b].logits(rb, Eigen::all);
    g.log_ratio = sign_gap_log_ratio(narrow, wide, limit_matrix_);
    return g;
  }

  json rates_json() const {
    const ReportScaling& rs = out_.report;
    return {{"compared_with", rs.limit_kind},
            {"limit_model", p_.cls.model},
            {"distance", rs.distance_name},
            {"fit", rate_fit_json(rs.rate)},
            {"logit_rms_fit", rate_fit_json(rs.rate_rms)},
            {"abs_dtest_loss_fit", rate_fit_json(rs.rate_dloss)},
            {"sign_gap_change", sign_gap_change_json(rs.sign_gap_change)},
            {"theory", rs.theory ? json(*rs.theory) : json(nullptr)},
            {"theory_note", rs.theory_note},
            {"verdict", rate_verdict(rs.rate, rs.theory)},
            {"convergence", convergence_json(rs.convergence)},
            {"normaliser_exponent", p_.norm_exp},
            {"bootstrap_resamples", resamples_}};
  }

  const Context& ctx_;
  const LimitPlan& p_;
  const std::map<SweepRunKey, RunData>& runs_;
  const std::map<std::string, LimitData>& limits_;
  const std::string name_;
  const bool proxy_;
  const int wmax_;
  const std::size_t S_;
  std::vector<const LimitData*> indep_;
  MatrixD limit_matrix_, rms_, dloss_;
  struct SeedLogits {
    MatrixD logits;                  // rows: the seeds with logits
    std::vector<std::size_t> seeds;  // their seed indices
  };
  std::vector<SeedLogits> logits_by_width_;
  int resamples_ = 0;
  Measurement out_;
};

}  // namespace

const std::vector<std::string> kDistanceColumns = {
    "scaling",        "width",         "seed", "status",   "compared_with", "logit_rms",
    "abs_dtest_loss", "abs_dtest_acc", "kl",   "sign_gap", "kl_floored"};

Measurement measure_scaling(const Context& ctx, const LimitPlan& plan, const std::map<SweepRunKey, RunData>& runs,
                            const std::map<std::string, LimitData>& limits) {
  return Measure(ctx, plan, runs, limits).run();
}

}  // namespace widthlab::study
