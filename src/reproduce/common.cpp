#include "reproduce/common.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "widthlab/distances.h"
#include "widthlab/error.h"
#include "widthlab/output_dir.h"
#include "widthlab/rate_fit.h"
#include "widthlab/results_io.h"

namespace widthlab::repro {

TrainResult result_from_record(const nlohmann::json& j) {
  TrainResult r;
  r.scaling = j.at("scaling").get<std::string>();
  r.width = j.at("width").get<int>();
  r.seed = j.at("seed").get<std::uint64_t>();
  r.status = j.value("status", std::string("ok")) == "ok" ? RunStatus::ok : RunStatus::diverged;
  auto opt = [&](const char* k) -> std::optional<double> {
    double v = json_number(j, k);
    return std::isnan(v) ? std::nullopt : std::optional<double>(v);
  };
  r.train_loss = opt("train_loss"), r.train_acc = opt("train_acc");
  r.test_loss = opt("test_loss"), r.test_acc = opt("test_acc");
  r.train_loss_init = opt("train_loss_init");  // absent from records written before it existed
  r.seconds = json_number(j, "seconds");
  r.mean_abs_logit_init = json_number(j, "mean_abs_logit_init");
  r.mean_abs_logit_final = json_number(j, "mean_abs_logit_final");
  if (j.contains("kernel_diag_init")) r.kernel_diag_init = json_numbers(j["kernel_diag_init"]);
  if (j.contains("kernel_diag_final")) r.kernel_diag_final = json_numbers(j["kernel_diag_final"]);
  if (j.contains("weight_increments")) r.weight_increments = json_numbers(j["weight_increments"]);
  if (j.contains("decomposition") && j["decomposition"].is_object()) {
    const auto& d = j["decomposition"];
    r.decomposition = LogitDecomposition{json_number(d, "var_f0"), json_number(d, "var_fa"), json_number(d, "var_fw"),
                                         json_number(d, "var_faw"), json_number(d, "max_abs_residual")};
  }
  return r;
}

std::map<SweepRunKey, TrainResult> run_tasks(const ReproduceContext& ctx, const Dataset& data,
                                             const std::vector<KeyedTask>& tasks, const std::string& label,
                                             bool save_curves) {
  std::map<SweepRunKey, const TrainTask*> by_key;
  std::vector<SweepRunKey> keys;
  for (const auto& t : tasks) {
    if (!by_key.emplace(t.key, &t.task).second)
      throw std::logic_error("reproduce: duplicate run key " + run_stem(t.key));
    keys.push_back(t.key);
  }
  // Largest first (load balance), as sweep_grid does.
  std::stable_sort(keys.begin(), keys.end(),
                   [](const SweepRunKey& a, const SweepRunKey& b) { return a.width > b.width; });
  TrainData td{data.x_train, data.y_train, data.x_test, data.y_test, data.classes};
  std::map<SweepRunKey, TrainResult> results;
  if (ctx.options.resume) {  // a resumable case (reproduction_requirements refused the others)
    for (const auto& rec : read_jsonl(ctx.out / "runs.jsonl", true)) {
      TrainResult r = result_from_record(rec);
      SweepRunKey k{r.scaling, r.width, r.seed};
      if (by_key.count(k) && results.emplace(k, std::move(r)).second) {
        ++ctx.resumed_runs;
        ctx.resumed_run_seconds += rec.value("seconds", 0.0);
      }
    }
  }
  std::mutex mutex;
  auto fn = [&](const SweepRunKey& key) {
    TrainResult r = run_training(*by_key.at(key), td);
    SweepRunOutput o = sweep_output(r, false);
    std::lock_guard lock(mutex);
    results.emplace(key, std::move(r));
    return o;
  };
  SweepOptions so;
  so.out = ctx.out;
  so.threads = ctx.options.threads;
  so.save_curves = save_curves;
  so.progress_label = label;
  SweepSummary s = run_sweep_runs(keys, fn, so);
  if (s.failed > 0)
    throw InputError(fmt::format("reproduce {}: {} run(s) failed, first: {}", ctx.options.name, s.failed,
                                 s.errors.empty() ? "?" : s.errors.front()));
  if (results.size() != keys.size())
    throw InputError(fmt::format("reproduce {}: {} of {} runs missing (was the output directory not empty?)",
                                 ctx.options.name, keys.size() - results.size(), keys.size()));
  return results;
}

KeyedTask keyed_task(const SweepSetup& setup, const Scaling& scaling, int width, std::uint64_t seed,
                     const std::string& label) {
  KeyedTask k;
  k.key = {label.empty() ? scaling.name : label, width, seed};
  k.task = make_train_task(setup, scaling, width, seed);
  k.task.scaling = k.key.scaling;
  return k;
}

std::string paper_cost_note(const std::map<SweepRunKey, TrainResult>& results, const PaperGrid& paper) {
  std::map<int, std::pair<double, int>> by_width;  // width → (sum of seconds, runs)
  for (const auto& [k, r] : results)
    if (r.seconds > 0 && k.scaling.rfind(paper.label_prefix, 0) == 0)
      by_width[k.width].first += r.seconds, ++by_width[k.width].second;
  if (by_width.size() < 2 || paper.widths.empty()) return "";
  std::vector<double> lw, ls;
  for (const auto& [w, sn] : by_width) lw.push_back(std::log(double(w))), ls.push_back(std::log(sn.first / sn.second));
  double intercept = 0;
  const double b = ols_slope(lw, ls, &intercept);
  double total = 0;
  for (int w : paper.widths) total += std::exp(intercept + b * std::log(double(w))) * paper.runs_per_width * paper.work;
  const int wmax = paper.widths.back();
  const std::string grid = paper.widths.size() == 1 ? fmt::format("width {}", width_label(wmax))
                                                    : fmt::format("{} widths {}…{}", paper.widths.size(),
                                                                  width_label(paper.widths.front()), width_label(wmax));
  return fmt::format(
      "Cost of the paper's size ({}): one run's recorded worker time fits {:.3g} s · (d/{})^{:.2f} over widths {}…{} "
      "here; extrapolated, one run at d = {} takes ≈ {:.0f} s and the paper's grid ({}, {} runs per width, × {:g} "
      "the work of one of ours) ≈ {:.1f} worker-hours, ≈ {:.1f} h on this machine's 2 cores.",
      paper.what, std::exp(intercept + b * std::log(double(by_width.begin()->first))), by_width.begin()->first, b,
      width_label(by_width.begin()->first), width_label(by_width.rbegin()->first), width_label(wmax),
      std::exp(intercept + b * std::log(double(wmax))) * paper.work, grid, paper.runs_per_width, paper.work,
      total / 3600, total / 7200);
}

SeedStat seed_stat(const std::vector<double>& values) {
  SeedStat s;
  std::vector<double> ok;
  for (double v : values) (std::isfinite(v) ? ok.push_back(v) : void(++s.n_bad));
  s.n = int(values.size());
  if (ok.empty() || 2 * s.n_bad > s.n) return s;
  double m = 0;
  for (double v : ok) m += v;
  m /= double(ok.size());
  double ss = 0;
  for (double v : ok) ss += (v - m) * (v - m);
  s.mean = m;
  s.std = ok.size() > 1 ? std::sqrt(ss / double(ok.size() - 1)) : 0.0;
  return s;
}

std::string fmt_num(double v, int digits) {
  if (std::isnan(v)) return "diverged";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}g}", v, digits);
}

std::string fmt_stat(const SeedStat& s, int digits) {
  if (std::isnan(s.mean)) return fmt::format("diverged ({}/{})", s.n_bad, s.n);
  std::string t = fmt::format("{:.{}g} ± {:.2g}", s.mean, digits, s.std);
  if (s.n_bad > 0) t += fmt::format(" ({}/{} diverged)", s.n_bad, s.n);
  return t;
}

std::string width_label(double w) {
  double l = std::log2(w);
  if (w >= 64 && std::abs(l - std::round(l)) < 1e-9) return fmt::format("2^{}", int(std::round(l)));
  return fmt::format("{:g}", w);
}

double metric(const TrainResult& r, const std::string& name) {
  const std::optional<double>* p = nullptr;
  if (name == "train_loss")
    p = &r.train_loss;
  else if (name == "train_acc")
    p = &r.train_acc;
  else if (name == "test_loss")
    p = &r.test_loss;
  else if (name == "test_acc")
    p = &r.test_acc;
  else
    throw std::logic_error("reproduce: unknown metric " + name);
  if (r.status != RunStatus::ok || !p->has_value()) return NAN;
  return **p;
}

void write_table_csv(const std::filesystem::path& path, const std::vector<std::string>& header,
                     const std::vector<std::vector<std::string>>& rows) {
  write_csv(path, TextTable{header, rows});
}

std::vector<int> powers_of_two(int lo, int hi) {
  std::vector<int> v;
  for (int k = lo; k <= hi; ++k) v.push_back(1 << k);
  return v;
}

std::string data_line(const Dataset& data) {
  return fmt::format("{}: {} train / {} test, {} inputs, standardisation {}", data.name, data.x_train.rows(),
                     data.x_test.rows(), data.x_train.cols(), data.standardize);
}

bool is_power_of_two(int w) { return w > 0 && (w & (w - 1)) == 0; }

StudySummary run_case_study(const ReproduceContext& ctx, const Config& config, const std::string& subdir,
                            const std::string& note) {
  const std::filesystem::path dir = ctx.out / subdir;
  create_output_subdir(dir);
  write_file_atomic(dir / "config.toml", to_toml(config));
  StudyOptions so;
  so.out = dir;
  so.threads = ctx.options.threads;
  so.plots = ctx.options.plots;
  so.notes.push_back(note);
  const StudySummary s = run_study(config, so);
  const nlohmann::json summary = {{"runs", s.runs},
                                  {"runs_ok", s.runs_ok},
                                  {"runs_diverged", s.runs_diverged},
                                  {"runs_failed", s.runs_failed},
                                  {"limits", s.limits},
                                  {"limits_failed", s.limits_failed},
                                  {"seconds", s.seconds},
                                  {"sweep_seconds", s.sweep_seconds},
                                  {"limit_seconds", s.limit_seconds},
                                  {"errors", s.errors}};
  write_file_atomic(ctx.out / (subdir + "_summary.json"), summary.dump(2) + "\n");
  return s;
}

SeedGrid metric_grid(const std::map<SweepRunKey, TrainResult>& results, const std::string& label,
                     const std::vector<int>& widths, const std::string& name) {
  return seed_grid(results, label, widths, [&](const TrainResult& r) { return metric(r, name); });
}

// The logit KL to the reference at curve point i (per test point a Gaussian fitted across the seeds `idx`, KL averaged
// over points; theory.md §8.7) and whether the σ floor was used. Runs and references are in seed order (paired init).
// NaN when a seed lacks the point or a logit is not finite.
SeedKl kl_at(const std::vector<const TrainResult*>& runs, const std::vector<const TrainResult*>& refs, std::size_t i,
             const std::vector<std::size_t>& idx) {
  SeedKl none{NAN, false};
  for (std::size_t s : idx)
    if (i >= runs[s]->curve_test_logits.size() || i >= refs[s]->curve_test_logits.size()) return none;
  const Eigen::Index m = runs.front()->curve_test_logits.at(0).rows();
  MatrixD F(Eigen::Index(idx.size()), m), R(Eigen::Index(idx.size()), m);
  for (std::size_t k = 0; k < idx.size(); ++k) {
    F.row(Eigen::Index(k)) = runs[idx[k]]->curve_test_logits[i].col(0).transpose();
    R.row(Eigen::Index(k)) = refs[idx[k]]->curve_test_logits[i].col(0).transpose();
  }
  if (!F.allFinite() || !R.allFinite() || idx.size() < 2) return none;
  return seed_gaussian_kl(F, R, default_sigma_floor(F, R));
}

double mean_finite(const std::vector<double>& v) {
  double s = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) s += x, ++n;
  return n ? s / n : NAN;
}

// The KL averaged over the run's curve points from `from` on, from the seeds `idx`.
double mean_kl(const std::vector<const TrainResult*>& runs, const std::vector<const TrainResult*>& refs,
               const std::vector<std::size_t>& idx, std::size_t from) {
  std::vector<double> kl;
  for (std::size_t i = from; i < runs.front()->curve.size(); ++i) kl.push_back(kl_at(runs, refs, i, idx).kl);
  return mean_finite(kl);
}

std::vector<const TrainResult*> runs_of(const std::map<SweepRunKey, TrainResult>& results, const std::string& label) {
  std::vector<const TrainResult*> v;
  for (const auto& [k, r] : results)
    if (k.scaling == label) v.push_back(&r);
  return v;
}

}  // namespace widthlab::repro
