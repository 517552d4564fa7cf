#include "widthlab/study.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "widthlab/classification.h"
#include "widthlab/distances.h"
#include "widthlab/error.h"
#include "widthlab/limit_models.h"
#include "widthlab/limit_run.h"
#include "widthlab/loss.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"
#include "widthlab/text.h"
#include "widthlab/plot_script.h"
#include "widthlab/progress.h"
#include "widthlab/rate_fit.h"
#include "widthlab/report.h"
#include "widthlab/results_io.h"
#include "widthlab/sweep.h"

namespace widthlab {

std::string StudySummary::brief() const {
  return fmt::format("{} runs ({} ok, {} diverged, {} failed), {} limits ({} failed); {:.1f} s (sweep {:.1f} s, "
                     "limits {:.1f} s); plots: {}",
                     runs, runs_ok, runs_diverged, runs_failed, limits, limits_failed, seconds, sweep_seconds,
                     limit_seconds, plots_drawn ? "drawn" : plot_message);
}

namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;
constexpr double kNan = RateFit::nan;

double opt_num(const json& r, const char* key) {
  if (!r.contains(key) || !r[key].is_number()) return kNan;
  return r[key].get<double>();
}

std::string limit_stem(const std::string& scaling, std::uint64_t seed, int width) {
  return width > 0 ? fmt::format("limit_{}_w{}_s{}", file_safe(scaling), width, seed)
                   : fmt::format("limit_{}_s{}", file_safe(scaling), seed);
}
std::string limit_key(const std::string& scaling, std::uint64_t seed, int width) {
  return fmt::format("{}|{}|{}", scaling, width, seed);
}

json curve_json(const std::vector<CurvePoint>& curve) {
  json c = {{"step", json::array()}, {"train_loss", json::array()}, {"train_acc", json::array()},
            {"test_loss", json::array()}, {"test_acc", json::array()}};
  auto val = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  for (const auto& p : curve) {
    c["step"].push_back(p.step);
    c["train_loss"].push_back(val(p.train_loss));
    c["train_acc"].push_back(val(p.train_acc));
    c["test_loss"].push_back(val(p.test_loss));
    c["test_acc"].push_back(val(p.test_acc));
  }
  return c;
}

json limit_record(const std::string& scaling, const LimitModelInfo& info, const LimitOptions& lo,
                  const LimitSeedResult& r, int width) {
  auto opt = [](const std::optional<double>& v) { return v && std::isfinite(*v) ? json(*v) : json(nullptr); };
  json j = {{"scaling", scaling},
            {"model", info.name},
            {"region", info.region},
            {"kind", width > 0 ? "coupled" : "independent"},
            {"seed", r.seed},
            {"width", width > 0 ? json(width) : json(nullptr)},
            {"status", run_status_name(r.status)},
            {"steps", lo.steps},
            {"train_loss", opt(r.train_loss)},
            {"train_acc", opt(r.train_acc)},
            {"test_loss", opt(r.test_loss)},
            {"test_acc", opt(r.test_acc)},
            {"seconds", r.seconds},
            {"gp_method", r.gp_method},
            {"curve", curve_json(r.curve)}};
  if (info.state == LimitStateKind::particles) j["particles"] = lo.particles;
  return j;
}

// Flattened first-output column of logits (m × k) divided by `norm`.
std::vector<double> column(const MatrixD& m, int col, double norm) {
  std::vector<double> v(std::size_t(m.rows()));
  for (Eigen::Index i = 0; i < m.rows(); ++i) v[std::size_t(i)] = m(i, col) / norm;
  return v;
}

struct RunData {
  json record;
  MatrixD final_logits;  // m × k (empty when diverged / missing)
  MatrixD init_logits;
};

struct LimitData {
  json record;
  MatrixD logits;  // normalised final test logits m × k
};

std::string join_errors(const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, "; ")); }
}  // namespace

std::string draw_plots(const fs::path& dir, const std::string& python) {
  std::string interpreter;
  try {
    interpreter = python_interpreter(python);
  } catch (const InputError& e) {
    return fmt::format("no plots: {}", e.what());
  }
  const PlotScriptResult r =
      run_plot_script(interpreter, plot_script("widthlab_plots.py"), {dir.string()}, dir / "plots.log");
  return r.message.empty() ? "" : "no plots: " + r.message;
}

StudySummary run_study(const Config& config_in, const StudyOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  StudySummary summary;
  ReportData report;
  for (const auto& n : options.notes) report.notes.push_back(n);

  // Bad scaling names are reported and left out; the study goes on with the rest.
  Config config = config_in;
  {
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
      throw InputError(fmt::format("scaling.presets: no valid scaling left ({})", join_errors(summary.errors)));
    config.scaling.presets = good;
  }
  SweepSetup setup = make_sweep_setup(config);
  const Loss loss = loss_from_name(config.train.loss);
  const int k = loss.outputs(setup.data.classes);
  const int threads = options.threads > 0 ? options.threads : std::max(1, int(std::thread::hardware_concurrency()));

  // ---- 1. finite nets ----
  SweepOptions so;
  so.out = options.out;
  so.threads = options.threads;
  so.save_test_logits = true;
  so.max_seconds = config.study.max_seconds;
  so.progress_label = "study: finite nets";
  SweepSummary sweep = run_sweep_mpi(setup, so);  // = run_sweep without mpirun (mpi_runtime.h)
  if (!mpi_is_root()) return summary;              // under mpirun, ranks > 0 only help with the sweep
  summary.sweep_seconds = sweep.seconds;
  for (const auto& e : sweep.errors) summary.errors.push_back("run " + e);
  if (sweep.skipped_budget)
    summary.errors.push_back(fmt::format("{} runs skipped: study.max_seconds = {} spent", sweep.skipped_budget,
                                         config.study.max_seconds));
  report.threads = fmt::format("finite nets: {} of width ≤ 1024 with 1 OpenBLAS thread each, wider runs one at a "
                               "time with {}; limits: {}",
                               count_noun(sweep.worker_threads, "concurrent run"),
                               count_noun(sweep.blas_threads_large, "OpenBLAS thread"),
                               count_noun(threads, "OpenBLAS thread"));

  std::map<SweepRunKey, RunData> runs;
  for (auto& r : read_jsonl(options.out / "runs.jsonl", true)) {
    SweepRunKey key{r["scaling"], r["width"], r["seed"]};
    RunData d;
    fs::path lp = options.out / "logits" / (run_stem(key) + ".npy");
    if (fs::exists(lp)) {
      MatrixD both = npy_read_matrix<double>(lp.string());
      d.init_logits = both.leftCols(k);
      if (r.value("status", "") == "ok") d.final_logits = both.rightCols(k);
    }
    d.record = std::move(r);
    runs[key] = std::move(d);
  }
  for (const auto& [key, d] : runs) {
    ++summary.runs;
    (d.record.value("status", "") == "ok" ? summary.runs_ok : summary.runs_diverged) += 1;
  }
  summary.runs_failed = sweep.failed;

  // ---- 2. limits ----
  auto tl = std::chrono::steady_clock::now();
  std::map<std::string, LimitData> limits;
  auto load_limits = [&] {
    limits.clear();
    for (auto& r : read_jsonl(options.out / "limits.jsonl", true)) {
      std::string scaling = r["scaling"];
      std::uint64_t seed = r["seed"];
      int width = r["width"].is_number() ? r["width"].get<int>() : 0;
      LimitData d;
      fs::path lp = options.out / "logits" / (limit_stem(scaling, seed, width) + ".npy");
      if (r.value("status", "") == "ok" && fs::exists(lp)) d.logits = npy_read_matrix<double>(lp.string());
      d.record = std::move(r);
      limits[limit_key(scaling, seed, width)] = std::move(d);
    }
  };
  load_limits();

  struct Plan {
    const Scaling* scaling = nullptr;
    Classification cls;
    double norm_exp = 0;
    bool simulate = false, coupled = false, uses_g_particles = false;
    const LimitModelInfo* info = nullptr;
    LimitOptions lo;
    std::string why_proxy;
  };
  std::vector<Plan> plans;
  const Activation act = activation_from_name(config.model.activation);
  for (const auto& s : setup.scalings) {
    Plan p;
    p.scaling = &s;
    p.cls = classify(s, act);
    p.norm_exp = p.cls.stable ? std::max(p.cls.A, p.cls.B) : 0.0;
    if (p.cls.stable) {
      const std::string& model = p.cls.model;
      bool listed = std::find(config.limits.compute.begin(), config.limits.compute.end(), model) !=
                    config.limits.compute.end();
      try {
        p.info = &limit_model_from_name(model);
      } catch (const InputError&) {
        p.info = nullptr;
      }
      if (!listed) {
        p.why_proxy = fmt::format("limit model '{}' is not in limits.compute", model);
      } else if (!p.info) {
        p.why_proxy = fmt::format("no simulator for limit model '{}'", model);
      } else {
        LimitOptions& lo = p.lo;
        lo = limit_options(config);
        lo.model = model;
        lo.kernel_track_steps = 0;  // limit records here carry no kernel track (limit_record writes none)
        if (p.cls.golikov) {
          const auto& g = *p.cls.golikov;
          lo.lr_weight_out = g.q_lr_out >= g.q_lr_in - 1e-12 ? 1.0 : 0.0;
          lo.lr_weight_in = g.q_lr_in >= g.q_lr_out - 1e-12 ? 1.0 : 0.0;
        }
        if (auto err = lo.validate(); !err.empty()) {
          p.why_proxy = fmt::format("limit '{}' cannot be simulated for this config: {}", model, err);
        } else {
          p.simulate = true;
          p.coupled = p.info->state == LimitStateKind::kernel && p.info->needs_g();
          p.uses_g_particles = p.info->state == LimitStateKind::particles && p.info->needs_g();
        }
      }
    }
    plans.push_back(std::move(p));
  }

  std::vector<int> widths = setup.widths;
  std::sort(widths.begin(), widths.end());
  const int wmax = widths.back();
  const double ref = config.scaling.reference_width;
  auto norm_at = [&](const Plan& p, int w) { return std::pow(double(w) / ref, p.norm_exp); };

  long todo = 0;
  for (const auto& p : plans) {
    if (!p.simulate) continue;
    for (auto seed : config.limits.seeds) todo += !limits.count(limit_key(p.scaling->name, seed, 0));
    if (p.coupled)
      for (int w : widths)
        for (auto seed : setup.seeds) todo += !limits.count(limit_key(p.scaling->name, seed, w));
  }
  {
    const auto& pd = progress_defaults();
    Progress progress("study: limits", todo, pd.enabled, pd.force);
    const int saved = blas_threads();
    set_blas_threads(threads);
    create_output_subdir(options.out / "logits");
    JsonlWriter writer(options.out / "limits.jsonl");
    auto run_limit = [&](const Plan& p, std::uint64_t seed, int width, const LimitFixedInputs& fixed) {
      std::string stem = limit_stem(p.scaling->name, seed, width);
      try {
        LimitSeedResult r = simulate_limit_seed(p.lo, setup.data, seed, fixed);
        if (r.status == RunStatus::ok) npy_write((options.out / "logits" / (stem + ".npy")).string(), r.test_logits);
        writer.append(limit_record(p.scaling->name, *p.info, p.lo, r, width));
        progress.advance(1, fmt::format("{} {} seed={}{}", p.scaling->name, p.lo.model, seed,
                                        width ? fmt::format(" w={}", width) : ""));
      } catch (const std::exception& e) {
        std::string msg = fmt::format("limit {} ({}) seed={}{}: {}", p.scaling->name, p.lo.model, seed,
                                      width ? fmt::format(" w={}", width) : "", e.what());
        std::fprintf(stderr, "\nwidthlab study: %s\n", msg.c_str());
        summary.errors.push_back(msg);
        ++summary.limits_failed;
        progress.advance(1, "failed");
      }
    };
    for (const auto& p : plans) {
      if (!p.simulate) continue;
      for (auto seed : config.limits.seeds)
        if (!limits.count(limit_key(p.scaling->name, seed, 0))) run_limit(p, seed, 0, {});
      if (!p.coupled) continue;
      for (int w : widths)
        for (auto seed : setup.seeds) {
          if (limits.count(limit_key(p.scaling->name, seed, w))) continue;
          // g = this finite net's own initial logits (normalised) on train and test.
          MlpConfig mc = setup.model;
          mc.width = w;
          mc.outputs = k;
          Mlp<double> net(mc, p.scaling->factors_at(w));
          net.init(seed);
          auto ws = net.make_workspace(256);
          LimitFixedInputs fixed;
          fixed.g_train = net.predict(setup.data.x_train, ws) / norm_at(p, w);
          fixed.g_test = net.predict(setup.data.x_test, ws) / norm_at(p, w);
          run_limit(p, seed, w, fixed);
        }
    }
    set_blas_threads(saved);
  }
  load_limits();
  summary.limits = int(limits.size());
  summary.limit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tl).count();

  // ---- 3. distances and rates ----
  std::string csv = "scaling,width,seed,status,compared_with,logit_rms,abs_dtest_loss,abs_dtest_acc,kl,sign_gap,kl_floored\n";
  auto cnum = [](double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : std::string(""); };
  json rates = json::object();
  RateFitOptions rfo;
  rfo.resamples = options.bootstrap;

  for (const auto& p : plans) {
    const std::string& name = p.scaling->name;
    ReportScaling rs;
    rs.name = name;
    const auto& c = p.cls;
    rs.verdict = fmt::format("{}{}{}; A = {:.3g}, B = {:.3g}, C = {:.3g}; {}", to_string(c.regime),
                             c.region ? fmt::format(", region {} ({})", *c.region, c.label) : "",
                             c.model.empty() ? "" : ", limit model " + c.model, c.A, c.B, c.C, c.properties_text);
    const bool unstable = !c.stable;
    const bool proxy = !p.simulate;
    rs.limit_kind = unstable ? "no stable limit" : proxy ? "limit proxy" : "limit";
    if (unstable) {
      rs.limit_label = fmt::format("no stable d = ∞ limit (regime: {}); distances are to the widest net (d = {}, "
                                   "same seed) and show drift", to_string(c.regime), wmax);
    } else if (proxy) {
      rs.limit_label = fmt::format("LIMIT PROXY: the finite net at the largest width d = {} (same seed), because {}",
                                   wmax, p.why_proxy);
    } else {
      rs.limit_label = fmt::format("{} limit ({}){}", p.lo.model, p.info->description,
                                   p.coupled ? "; per-seed distance against the limit run with that net's own initial "
                                               "logits as its GP sample (coupled)"
                                             : "");
      if (p.info->state == LimitStateKind::particles)
        rs.limit_label += fmt::format("; {} particles", p.lo.particles);
    }
    if (!unstable) {
      rs.theory = c.rate_exponent;
      rs.theory_note = c.rate_note;
    }
    rs.distance_name = p.uses_g_particles ? "KL over seeds" : "logit RMS";
    if (p.uses_g_particles)
      rs.notes.push_back("this limit draws its own GP init logits g and its particle dynamics depend on g, so the "
                         "per-seed logit RMS compares different draws and stays O(1); the KL over seeds is the "
                         "distance that should vanish");
    if (proxy && !unstable) rs.notes.push_back("the distance at the largest width is 0 by construction and is left out of the fit");

    // Independent limits of this scaling (rows = limit seeds).
    std::vector<const LimitData*> indep;
    for (auto seed : config.limits.seeds)
      if (auto it = limits.find(limit_key(name, seed, 0)); it != limits.end() && it->second.logits.size() > 0)
        indep.push_back(&it->second);
    if (p.simulate) {
      std::vector<double> ll, la;
      for (auto* l : indep) ll.push_back(opt_num(l->record, "test_loss")), la.push_back(opt_num(l->record, "test_acc"));
      rs.limit_test_loss = mean_std(ll);
      rs.limit_test_acc = mean_std(la);
    }

    const std::size_t S = setup.seeds.size();
    MatrixD rms_values = MatrixD::Constant(Eigen::Index(widths.size()), Eigen::Index(S), kNan);
    std::vector<MatrixD> finite_by_width(widths.size());
    MatrixD limit_matrix;  // for KL: limit seeds × m
    if (!proxy && indep.size() >= 1) {
      limit_matrix.resize(Eigen::Index(indep.size()), indep.front()->logits.rows());
      for (std::size_t i = 0; i < indep.size(); ++i)
        for (Eigen::Index j = 0; j < limit_matrix.cols(); ++j) limit_matrix(Eigen::Index(i), j) = indep[i]->logits(j, 0);
    }
    if (proxy) {  // the widest finite nets' seeds
      std::vector<std::vector<double>> rows;
      for (auto seed : setup.seeds)
        if (auto it = runs.find({name, wmax, seed}); it != runs.end() && it->second.final_logits.size() > 0)
          rows.push_back(column(it->second.final_logits, 0, norm_at(p, wmax)));
      if (!rows.empty()) {
        limit_matrix.resize(Eigen::Index(rows.size()), Eigen::Index(rows[0].size()));
        for (std::size_t i = 0; i < rows.size(); ++i)
          for (std::size_t j = 0; j < rows[i].size(); ++j) limit_matrix(Eigen::Index(i), Eigen::Index(j)) = rows[i][j];
      }
    }

    for (std::size_t wi = 0; wi < widths.size(); ++wi) {
      const int w = widths[wi];
      ReportWidthRow row;
      row.width = w;
      std::vector<double> tl, ta, trl, dist, dl, da;
      std::vector<std::vector<double>> frows;
      for (std::size_t si = 0; si < S; ++si) {
        const auto seed = setup.seeds[si];
        auto it = runs.find({name, w, seed});
        if (it == runs.end()) {
          ++row.failed;
          csv += fmt::format("{},{},{},missing,,,,,,,\n", name, w, seed);
          continue;
        }
        const RunData& rd = it->second;
        const std::string status = rd.record.value("status", "");
        if (status != "ok" || rd.final_logits.size() == 0) {
          ++row.diverged;
          csv += fmt::format("{},{},{},{},,,,,,,\n", name, w, seed, status);
          continue;
        }
        ++row.ok;
        tl.push_back(opt_num(rd.record, "test_loss"));
        ta.push_back(opt_num(rd.record, "test_acc"));
        trl.push_back(opt_num(rd.record, "train_loss"));
        std::vector<double> f = column(rd.final_logits, 0, norm_at(p, w));
        frows.push_back(f);
        // The per-seed comparison target.
        std::vector<double> target;
        double tloss = kNan, tacc = kNan;
        std::string with;
        if (proxy) {
          if (auto jt = runs.find({name, wmax, seed}); jt != runs.end() && jt->second.final_logits.size() > 0) {
            target = column(jt->second.final_logits, 0, norm_at(p, wmax));
            tloss = opt_num(jt->second.record, "test_loss");
            tacc = opt_num(jt->second.record, "test_acc");
            with = fmt::format("widest-net w{} s{}", wmax, seed);
          }
        } else {
          const LimitData* l = nullptr;
          if (auto jt = limits.find(limit_key(name, seed, w)); p.coupled && jt != limits.end() && jt->second.logits.size())
            l = &jt->second, with = "coupled limit";
          else if (!indep.empty())
            l = indep[si % indep.size()], with = fmt::format("limit s{}", l->record["seed"].get<std::uint64_t>());
          if (l) {
            target = column(l->logits, 0, 1.0);
            tloss = opt_num(l->record, "test_loss");
            tacc = opt_num(l->record, "test_acc");
          }
        }
        double rms = kNan, adl = kNan, ada = kNan;
        if (!target.empty() && target.size() == f.size() && !(proxy && w == wmax)) {
          rms = logit_rms(f, target);
          adl = std::abs(tl.back() - tloss);
          ada = std::abs(ta.back() - tacc);
        }
        rms_values(Eigen::Index(wi), Eigen::Index(si)) = rms;
        dist.push_back(rms), dl.push_back(adl), da.push_back(ada);
        csv += fmt::format("{},{},{},ok,{},{},{},{},,,\n", name, w, seed, with, cnum(rms), cnum(adl), cnum(ada));
      }
      row.test_loss = mean_std(tl), row.test_acc = mean_std(ta), row.train_loss = mean_std(trl);
      row.distance = mean_std(dist), row.abs_dloss = mean_std(dl), row.abs_dacc = mean_std(da);
      if (!frows.empty()) {
        MatrixD F(Eigen::Index(frows.size()), Eigen::Index(frows[0].size()));
        for (std::size_t i = 0; i < frows.size(); ++i)
          for (std::size_t j = 0; j < frows[i].size(); ++j) F(Eigen::Index(i), Eigen::Index(j)) = frows[i][j];
        finite_by_width[wi] = F;
        bool self = proxy && w == wmax;
        if (!self && limit_matrix.rows() >= 1 && limit_matrix.cols() == F.cols()) {
          row.sign_gap = sign_probability_gap(F, limit_matrix);
          if (F.rows() >= 2 && limit_matrix.rows() >= 2) {
            SeedKl kl = seed_gaussian_kl(F, limit_matrix, default_sigma_floor(F, limit_matrix));
            row.kl = kl.kl;
            row.kl_floored = int(kl.floored);
          }
          csv += fmt::format("{},{},all,,{},,,,{},{},{}\n", name, w, proxy ? "widest nets" : "limit seeds",
                             cnum(row.kl), cnum(row.sign_gap), row.kl_floored);
        }
      }
      rs.rows.push_back(row);
    }

    std::vector<double> wd(widths.begin(), widths.end());
    rs.rate_rms = fit_rate_mean(wd, rms_values, rfo);
    if (p.uses_g_particles && limit_matrix.rows() >= 2) {
      auto stat = [&](std::size_t wi, const std::vector<std::size_t>& seeds) {
        const MatrixD& F = finite_by_width[wi];
        if (F.rows() < 2 || F.rows() != Eigen::Index(S)) return kNan;
        MatrixD Fs(Eigen::Index(seeds.size()), F.cols());
        for (std::size_t i = 0; i < seeds.size(); ++i) Fs.row(Eigen::Index(i)) = F.row(Eigen::Index(seeds[i]));
        return seed_gaussian_kl(Fs, limit_matrix, default_sigma_floor(F, limit_matrix)).kl;
      };
      rs.rate = fit_rate(wd, S, stat, rfo);
    } else {
      rs.rate = rs.rate_rms;
    }
    auto fit_json = [&](const RateFit& f) {
      auto v = [](double x) { return std::isfinite(x) ? json(x) : json(nullptr); };
      return json{{"ok", f.ok}, {"slope", v(f.slope)}, {"ci_low", v(f.ci_low)}, {"ci_high", v(f.ci_high)},
                  {"ols_stderr", v(f.slope_stderr)}, {"widths_used", f.widths_used},
                  {"resamples_used", f.resamples_used}, {"few_widths", f.few_widths()}, {"note", f.note}};
    };
    rates[name] = {{"compared_with", rs.limit_kind},
                   {"limit_model", c.model},
                   {"distance", rs.distance_name},
                   {"fit", fit_json(rs.rate)},
                   {"logit_rms_fit", fit_json(rs.rate_rms)},
                   {"theory", rs.theory ? json(*rs.theory) : json(nullptr)},
                   {"theory_note", rs.theory_note},
                   {"verdict", rate_verdict(rs.rate, rs.theory)},
                   {"normaliser_exponent", p.norm_exp},
                   {"bootstrap_resamples", rfo.resamples}};
    report.scalings.push_back(std::move(rs));
  }
  write_file_atomic(options.out / "distances.csv", csv);
  write_file_atomic(options.out / "rates.json", rates.dump(2) + "\n");

  // ---- 4. plots and report ----
  if (options.plots && config.study.plots) {
    std::string msg = draw_plots(options.out, options.python);
    summary.plots_drawn = msg.empty();
    summary.plot_message = msg.empty() ? "drawn" : msg;
    if (!msg.empty()) std::fprintf(stderr, "widthlab study: %s\n", msg.c_str());
  } else {
    summary.plot_message = "plots off (study.plots = false)";
  }
  for (const auto& e : fs::directory_iterator(options.out))
    if (e.path().extension() == ".png") report.plots.push_back(e.path().filename().string());
  std::sort(report.plots.begin(), report.plots.end());
  report.plot_message = summary.plot_message;
  report.setup = fmt::format("Data: {} ({} train / {} test, standardize = {}). Model: depth {}, {}, bias {}, {} init. "
                             "Training: {} lr {} for {} steps, {} loss, {}. Widths {} (d* = {}), seeds {}. "
                             "Limit seeds {}, MF particles {}.",
                             setup.data.name, setup.data.x_train.rows(), setup.data.x_test.rows(),
                             config.data.standardize, config.model.depth, config.model.activation,
                             config.model.bias ? "on" : "off", config.model.init, config.train.optimizer,
                             config.train.lr, config.train.steps, config.train.loss, config.train.precision,
                             fmt::join(widths, ", "), ref, fmt::join(setup.seeds, ", "),
                             fmt::join(config.limits.seeds, ", "), config.limits.mf_particles);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report.notes.push_back(fmt::format("This invocation took {:.1f} s (finite nets {:.1f} s, limits {:.1f} s); runs "
                                     "already present in runs.jsonl / limits.jsonl were reused.",
                                     summary.seconds, summary.sweep_seconds, summary.limit_seconds));
  report.errors = summary.errors;
  write_file_atomic(options.out / "report.md", render_report(report));
  return summary;
}

}  // namespace widthlab
