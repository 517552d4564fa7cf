#include "widthlab/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "widthlab/error.h"
#include "widthlab/mlp.h"  // ScopedBlasThreads
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"
#include "widthlab/progress.h"
#include "widthlab/results_io.h"
#include "widthlab/text.h"
#include "widthlab/train_run.h"
#include "widthlab/worker_threads.h"

namespace widthlab {

std::string file_safe(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-')) c = '-';
  return out;
}

std::string run_stem(const SweepRunKey& key) {
  if (key.lr)
    return fmt::format("{}_w{}_lr{}_s{}", file_safe(key.scaling), key.width, file_safe(fmt::format("{}", *key.lr)),
                       key.seed);
  return fmt::format("{}_w{}_s{}", file_safe(key.scaling), key.width, key.seed);
}

std::vector<SweepRunKey> sweep_grid(const SweepSetup& setup) {
  std::vector<int> widths = setup.widths;
  std::sort(widths.rbegin(), widths.rend());
  // No lr axis: one "lr" that leaves the key without one (train.lr), so the grid is exactly the width × seed grid.
  std::vector<std::optional<double>> lrs(setup.lrs.begin(), setup.lrs.end());
  if (lrs.empty()) lrs.push_back(std::nullopt);
  std::vector<SweepRunKey> keys;
  for (int w : widths)
    for (const auto& s : setup.scalings)
      for (const auto& lr : lrs)
        for (auto seed : setup.seeds_at(w)) keys.push_back({s.name, w, seed, lr});
  return keys;
}

TrainTask sweep_task(const SweepSetup& setup, const Scaling& scaling, const SweepRunKey& key) {
  TrainTask task = make_train_task(setup, scaling, key.width, key.seed);
  if (key.lr) task.train.lr = *key.lr;
  return task;
}

std::string SweepSummary::brief() const {
  std::string s = fmt::format(
      "{} runs planned: {} already done, {} ran ({} ok{}, {} diverged), {} failed", planned, already_done, ran, ok,
      above_init ? fmt::format(" — {} of them above their train loss at init", above_init) : "", diverged, failed);
  if (skipped_budget) s += fmt::format(", {} skipped (time budget)", skipped_budget);
  s += fmt::format("; {:.1f} s; threads: {} (1 BLAS thread each) up to the parallel width, {} for larger runs", seconds,
                   count_noun(worker_threads, "concurrent run"), count_noun(blas_threads_large, "BLAS thread"));
  return s;
}

std::vector<SweepRunKey> completed_runs(const std::filesystem::path& runs_jsonl) {
  std::vector<SweepRunKey> keys;
  std::map<SweepRunKey, std::size_t> line_of;
  for (const auto& [line, r] : read_jsonl_lines(runs_jsonl, /*missing_ok=*/true, /*warn_partial=*/false)) {
    if (!r.is_object() || !r.contains("scaling") || !r.contains("width") || !r.contains("seed"))
      throw InputError(fmt::format("{}: a record lacks scaling/width/seed: {}", printable_path(runs_jsonl),
                                   r.dump().substr(0, 120)));
    std::optional<double> lr;
    if (r.contains("lr") && r["lr"].is_number()) lr = r["lr"].get<double>();
    keys.push_back({r["scaling"].get<std::string>(), r["width"].get<int>(), r["seed"].get<std::uint64_t>(), lr});
    if (const auto [it, fresh] = line_of.emplace(keys.back(), line); !fresh)  // a run is recorded once
      throw InputError(
          fmt::format("{}: line {} records run {} again (first at line {}); expected each run once (an "
                      "edited or concatenated file?)",
                      printable_path(runs_jsonl), line, run_stem(keys.back()), it->second));
  }
  return keys;
}

std::vector<std::string> sweep_output_names(const std::vector<SweepRunKey>& keys, bool curves, bool logits) {
  std::vector<std::string> names;
  for (const auto& k : keys) {
    const std::string stem = run_stem(k);
    for (const auto& [on, name] : {std::pair{curves, "curves/" + stem + ".csv"}, {logits, "logits/" + stem + ".npy"}})
      if (on) names.insert(names.end(), {name, name + ".tmp"});  // written through name.tmp (results_io.h, npy.h)
  }
  return names;
}

namespace {
// A user's file under a side-file name of a run about to start is refused before the first run starts, not reported
// as that run's failure after the others have run (the verbs check these names up front; this covers the callers
// that cannot: reproduce cases, whose grids are built as they run).
void refuse_foreign_side_files(const std::vector<SweepRunKey>& todo, const SweepOptions& options) {
  for (const auto& name : sweep_output_names(todo, options.save_curves, options.save_test_logits)) {
    const std::filesystem::path p = options.out / name;
    if (foreign_output(p))
      throw InputError(
          fmt::format("{}: exists and was not written by widthlab; refusing to overwrite it (move it, "
                      "or use another output directory)",
                      printable_path(p)));
  }
}
}  // namespace

std::vector<SweepRunKey> pending_sweep_runs(const std::vector<SweepRunKey>& keys, const SweepOptions& options,
                                            SweepSummary& summary) {
  // done: the records' keys with their lr; done_any_lr: the same without it, for keys without an lr axis.
  std::set<SweepRunKey> done, done_any_lr;
  for (auto k : completed_runs(options.out / "runs.jsonl")) {
    done.insert(k);
    k.lr.reset();
    done_any_lr.insert(k);
  }
  std::vector<SweepRunKey> todo;
  std::set<SweepRunKey> seen;
  for (const auto& k : keys) {
    if (!seen.insert(k).second) continue;
    if ((k.lr ? done : done_any_lr).count(k)) {
      ++summary.already_done;
      continue;
    }
    todo.push_back(k);
  }
  summary.planned = int(seen.size());
  refuse_foreign_side_files(todo, options);
  if (options.save_curves) create_output_subdir(options.out / "curves");
  if (options.save_test_logits) create_output_subdir(options.out / "logits");
  return todo;
}

SweepRunOutput sweep_output(const TrainResult& result, bool with_logits) {
  SweepRunOutput out;
  out.record = result.to_json();
  if (!result.curve.empty()) {
    CsvTable t;
    t.columns = {"step", "train_loss", "train_acc", "test_loss", "test_acc", "test_mean_abs_logit"};
    for (const auto& p : result.curve)
      t.rows.push_back({double(p.step), p.train_loss, p.train_acc, p.test_loss, p.test_acc, p.test_mean_abs_logit});
    out.curve = std::move(t);
  }
  if (with_logits) {
    const double nan = std::nan("");
    Eigen::Index m = result.test_logits.rows(), k = result.test_logits.cols();
    const MatrixD* init = result.curve_test_logits.empty() ? nullptr : &result.curve_test_logits.front();
    if (m == 0 && init) m = init->rows(), k = init->cols();
    MatrixD both = MatrixD::Constant(m, 2 * k, nan);
    if (init && init->rows() == m && init->cols() == k) both.leftCols(k) = *init;
    if (result.status == RunStatus::ok && result.test_logits.rows() == m) both.rightCols(k) = result.test_logits;
    out.test_logits = std::move(both);
  }
  return out;
}

namespace {
struct Shared {
  std::mutex mutex;
  JsonlWriter* runs = nullptr;
  JsonlWriter* errors = nullptr;
  Progress* progress = nullptr;
  SweepSummary* summary = nullptr;
  std::chrono::steady_clock::time_point start;
  double max_seconds = 0;
};

std::string lr_text(const SweepRunKey& key) { return key.lr ? fmt::format(" lr={}", *key.lr) : ""; }

void execute(const SweepRunKey& key, const SweepRunFunction& fn, const SweepOptions& options, Shared& sh) {
  if (sh.max_seconds > 0 &&
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sh.start).count() > sh.max_seconds) {
    std::lock_guard lock(sh.mutex);
    ++sh.summary->skipped_budget;
    sh.progress->advance(1, "skipped (budget)");
    return;
  }
  const std::string stem = run_stem(key);
  try {
    SweepRunOutput out = fn(key);
    // Side files first, so a runs.jsonl line implies they are complete.
    if (options.save_curves && out.curve) write_csv(options.out / "curves" / (stem + ".csv"), *out.curve);
    if (options.save_test_logits && out.test_logits)
      npy_write((options.out / "logits" / (stem + ".npy")).string(), *out.test_logits);
    std::string status = out.record.value("status", std::string("ok"));
    std::lock_guard lock(sh.mutex);
    sh.runs->append(out.record);
    ++sh.summary->ran;
    (status == "ok" ? sh.summary->ok : sh.summary->diverged) += 1;
    if (record_trained_above_initial_loss(out.record)) ++sh.summary->above_init;
    sh.progress->advance(1,
                         fmt::format("{} w={}{} seed={} {}", key.scaling, key.width, lr_text(key), key.seed, status));
  } catch (const std::exception& e) {
    std::string msg = fmt::format("{} w={}{} seed={}: {}", key.scaling, key.width, lr_text(key), key.seed, e.what());
    std::lock_guard lock(sh.mutex);
    std::fprintf(stderr, "\nwidthlab: run failed: %s\n", msg.c_str());
    nlohmann::json err = {{"scaling", key.scaling}, {"width", key.width}, {"seed", key.seed}, {"error", e.what()}};
    if (key.lr) err["lr"] = *key.lr;
    sh.errors->append(err);
    sh.summary->errors.push_back(msg);
    ++sh.summary->failed;
    sh.progress->advance(1, "failed");
  }
}
}  // namespace

SweepSummary run_sweep_runs(const std::vector<SweepRunKey>& keys, const SweepRunFunction& fn,
                            const SweepOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  SweepSummary summary;
  summary.threads_given = options.threads;
  const int threads = options.threads > 0 ? options.threads : std::max(1, int(std::thread::hardware_concurrency()));

  std::vector<SweepRunKey> todo_small, todo_large;
  for (const auto& k : pending_sweep_runs(keys, options, summary))
    (k.width <= options.parallel_width_max ? todo_small : todo_large).push_back(k);

  JsonlWriter runs(options.out / "runs.jsonl");
  JsonlWriter errors(options.out / "errors.jsonl");
  const auto& pd = progress_defaults();
  Progress progress(options.progress_label, long(todo_small.size() + todo_large.size()), pd.enabled, pd.force);
  Shared sh;
  sh.runs = &runs, sh.errors = &errors, sh.progress = &progress, sh.summary = &summary;
  sh.start = t0;
  sh.max_seconds = options.max_seconds;

  // Large runs first (one at a time, all threads inside BLAS), then the small ones concurrently.
  summary.blas_threads_large = threads;
  summary.worker_threads = std::min<int>(threads, std::max<int>(1, int(todo_small.size())));
  if (!todo_large.empty()) {
    const ScopedBlasThreads blas(threads);
    for (const auto& k : todo_large) execute(k, fn, options, sh);
  }
  if (!todo_small.empty()) {
    const ScopedBlasThreads blas(1);
    std::atomic<std::size_t> next{0};
    run_worker_threads(summary.worker_threads, [&] {
      for (std::size_t i; (i = next.fetch_add(1)) < todo_small.size();) execute(todo_small[i], fn, options, sh);
    });
  }
  progress.finish();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

SweepSummary run_sweep(const SweepSetup& setup, const SweepOptions& options) {
  std::map<std::string, const Scaling*> by_name;
  for (const auto& s : setup.scalings) by_name[s.name] = &s;
  TrainData data{setup.data.x_train, setup.data.y_train, setup.data.x_test, setup.data.y_test, setup.data.classes};
  const bool logits = options.save_test_logits;
  auto fn = [&](const SweepRunKey& key) {
    TrainTask task = sweep_task(setup, *by_name.at(key.scaling), key);
    task.train.curve_logits = logits && task.train.curve_every > 0;
    return sweep_output(run_training(task, data), logits);
  };
  return run_sweep_runs(sweep_grid(setup), fn, options);
}

}  // namespace widthlab
