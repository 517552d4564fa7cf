#include "widthlab/sweep.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "data/test_util.h"
#include "widthlab/error.h"
#include "widthlab/interrupt.h"
#include "widthlab/mlp.h"
#include "widthlab/npy.h"

using namespace widthlab;
namespace fs = std::filesystem;

namespace {
fs::path scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / fmt::format("widthlab_sweep_{}_{}", name, ::getpid());
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}
std::vector<SweepRunKey> keys3() {
  std::vector<SweepRunKey> k;
  for (int w : {8, 16, 4096})
    for (std::uint64_t s : {0, 1}) k.push_back({"mf", w, s});
  return k;
}
SweepRunOutput fake(const SweepRunKey& k) {
  SweepRunOutput o;
  o.record = {{"scaling", k.scaling},
              {"width", k.width},
              {"seed", k.seed},
              {"status", k.width == 16 && k.seed == 1 ? "diverged" : "ok"},
              {"value", k.width * 10.0 + double(k.seed)}};
  o.curve = CsvTable{{"step", "x"}, {{0, 1}, {1, 2}}};
  return o;
}
// Two threads; the width-4096 runs of keys3 run one at a time first, the others two at a time.
SweepOptions two_workers(const fs::path& dir) {
  SweepOptions opt;
  opt.out = dir;
  opt.threads = 2;
  opt.parallel_width_max = 16;
  return opt;
}
std::map<std::string, nlohmann::json> by_stem(const fs::path& runs) {
  std::map<std::string, nlohmann::json> m;
  for (auto& r : read_jsonl(runs)) {
    SweepRunKey k{r["scaling"], r["width"], r["seed"]};
    EXPECT_TRUE(m.emplace(run_stem(k), r).second) << "duplicate run " << run_stem(k);
  }
  return m;
}
}  // namespace

TEST(Sweep, RunStemIsFileSafe) {
  EXPECT_EQ(run_stem({"intermediate:0.75", 128, 3}), "intermediate-0.75_w128_s3");
  EXPECT_EQ(run_stem({"(-0.5, 0.25)", 8, 0}), "--0.5--0.25-_w8_s0");
}

TEST(Sweep, EngineRunsEveryKeyOnceAndResumes) {
  fs::path dir = scratch("engine");
  const SweepOptions opt = two_workers(dir);
  std::atomic<int> calls{0};
  auto fn = [&](const SweepRunKey& k) {
    ++calls;
    return fake(k);
  };
  // First pass on a subset, then a "resume" over the full grid: only the missing runs execute.
  auto all = keys3();
  std::vector<SweepRunKey> first(all.begin(), all.begin() + 3);
  SweepSummary s1 = run_sweep_runs(first, fn, opt);
  EXPECT_EQ(s1.ran, 3);
  SweepSummary s2 = run_sweep_runs(all, fn, opt);
  EXPECT_EQ(s2.already_done, 3);
  EXPECT_EQ(s2.ran, 3);
  EXPECT_EQ(s1.diverged, 0);
  EXPECT_EQ(s2.diverged, 1);  // the diverged one (w16 s1) is recorded as such and the sweep goes on
  EXPECT_EQ(calls.load(), 6);
  auto runs = by_stem(dir / "runs.jsonl");
  EXPECT_EQ(runs.size(), 6u);
  for (auto& k : all) {
    EXPECT_TRUE(fs::exists(dir / "curves" / (run_stem(k) + ".csv"))) << run_stem(k);
    EXPECT_EQ(runs.at(run_stem(k))["value"].get<double>(), k.width * 10.0 + double(k.seed));
  }
  fs::remove_all(dir);
}

// Ctrl-C in Python (interrupt.h): the sweep stops, its workers joined, the interrupted run is not recorded as failed,
// the BLAS thread count is restored, and a resume runs what is left.
TEST(Sweep, AnInterruptStopsTheSweepAndItResumes) {
  fs::path dir = scratch("interrupt");
  const SweepOptions opt = two_workers(dir);
  std::atomic<int> calls{0};
  auto fn = [&](const SweepRunKey& k) {
    if (++calls == 4) request_interrupt();
    poll_interrupt();
    return fake(k);
  };
  clear_interrupt();
  const int blas_before = blas_threads();
  EXPECT_THROW(run_sweep_runs(keys3(), fn, opt), Interrupted);
  EXPECT_EQ(blas_threads(), blas_before);
  EXPECT_FALSE(fs::exists(dir / "errors.jsonl") && fs::file_size(dir / "errors.jsonl") > 0) << "not a failed run";
  const std::size_t done = by_stem(dir / "runs.jsonl").size();
  // Calls 1–2 are the wide runs (one at a time), then two workers: the one in call 3 may finish or see the request.
  EXPECT_GE(done, 2u);
  EXPECT_LE(done, 3u) << "no run starts once the interrupt is requested: every run polls first";
  clear_interrupt();
  SweepSummary resumed = run_sweep_runs(keys3(), fn, opt);
  EXPECT_EQ(resumed.already_done, int(done));
  EXPECT_EQ(resumed.ran, 6 - int(done));
  EXPECT_EQ(resumed.failed, 0);
  EXPECT_EQ(by_stem(dir / "runs.jsonl").size(), 6u);
  fs::remove_all(dir);
}

// A record repeated in runs.jsonl (an edited or concatenated file) was counted as one more run; refused on resume.
TEST(Sweep, ARunRecordedTwiceIsRefused) {
  fs::path dir = scratch("twice");
  SweepOptions opt;
  opt.out = dir;
  opt.threads = 1;
  run_sweep_runs({keys3()[0]}, fake, opt);
  std::string line;
  std::getline(std::ifstream(dir / "runs.jsonl") >> std::ws, line);
  std::ofstream(dir / "runs.jsonl", std::ios::app) << line << "\n";
  EXPECT_INPUT_ERROR(completed_runs(dir / "runs.jsonl"), "runs.jsonl: line 2 records run ");
  EXPECT_INPUT_ERROR(completed_runs(dir / "runs.jsonl"), "again (first at line 1)");
  fs::remove_all(dir);
}

TEST(Sweep, PartialLastLineIsIgnoredAndRunRedone) {
  fs::path dir = scratch("partial");
  SweepOptions opt;
  opt.out = dir;
  opt.threads = 1;
  auto all = keys3();
  run_sweep_runs({all[0], all[1]}, fake, opt);
  {  // a killed process leaves half a line
    std::ofstream f(dir / "runs.jsonl", std::ios::app);
    f << R"({"scaling": "mf", "width": 16, "se)";
  }
  EXPECT_EQ(completed_runs(dir / "runs.jsonl").size(), 2u);
  SweepSummary s = run_sweep_runs(all, fake, opt);
  EXPECT_EQ(s.already_done, 2);
  EXPECT_EQ(s.ran, 4);
  EXPECT_EQ(by_stem(dir / "runs.jsonl").size(), 6u);
  fs::remove_all(dir);
}

TEST(Sweep, FailedRunIsRecordedAndSweepGoesOn) {
  fs::path dir = scratch("failed");
  SweepOptions opt;
  opt.out = dir;
  opt.threads = 2;
  auto fn = [](const SweepRunKey& k) {
    if (k.width == 8 && k.seed == 0) throw InputError("bad thing at run time");
    return fake(k);
  };
  SweepSummary s = run_sweep_runs(keys3(), fn, opt);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.ran, 5);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_NE(s.errors[0].find("bad thing"), std::string::npos);
  auto errs = read_jsonl(dir / "errors.jsonl");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0]["width"], 8);
  EXPECT_EQ(by_stem(dir / "runs.jsonl").size(), 5u);
  // On resume the failed run is retried (and fails again), nothing else reruns.
  SweepSummary again = run_sweep_runs(keys3(), fn, opt);
  EXPECT_EQ(again.already_done, 5);
  EXPECT_EQ(again.failed, 1);
  fs::remove_all(dir);
}

TEST(Sweep, TimeBudgetSkipsRunsNotStarted) {
  fs::path dir = scratch("budget");
  SweepOptions opt;
  opt.out = dir;
  opt.threads = 1;
  opt.max_seconds = 1e-9;
  auto fn = [](const SweepRunKey& k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return fake(k);
  };
  SweepSummary s = run_sweep_runs(keys3(), fn, opt);
  EXPECT_EQ(s.ran + s.skipped_budget, 6);
  EXPECT_GE(s.skipped_budget, 5);
  fs::remove_all(dir);
}

namespace {
Config tiny_config() {
  Config c = default_config();
  c.data.dataset = "gaussians";
  c.data.classes = {};
  c.data.train_size = 40;
  c.data.test_size = 30;
  c.scaling.presets = {"sp", "mf", "ic-mf"};
  c.train.steps = 5;
  c.sweep.widths = {16, 64};
  c.sweep.seeds = {0, 1};
  c.limits.compute = {};
  return c;
}
}  // namespace

TEST(Sweep, RealRunsDoNotDependOnThreadCount) {
  Config c = tiny_config();
  SweepSetup setup = make_sweep_setup(c);
  EXPECT_EQ(sweep_grid(setup).size(), 12u);
  std::map<std::string, nlohmann::json> results[2];
  for (int t : {1, 2}) {
    fs::path dir = scratch(fmt::format("threads{}", t));
    SweepOptions opt;
    opt.out = dir;
    opt.threads = t;
    opt.parallel_width_max = 16;  // width 64 runs alone with t BLAS threads, width 16 on t workers
    opt.save_test_logits = true;
    SweepSummary s = run_sweep(setup, opt);
    EXPECT_EQ(s.ran, 12) << s.brief();
    EXPECT_EQ(s.failed, 0);
    results[t - 1] = by_stem(dir / "runs.jsonl");
    int above_init = 0;  // train_run.h's rule, written out
    for (const auto& [stem, r] : results[t - 1]) {
      const double init = r["train_loss_init"].get<double>(), end = r["train_loss"].get<double>();
      above_init += end - init > 1e-3 * std::max(1.0, std::abs(init));
    }
    EXPECT_EQ(s.above_init, above_init) << s.brief();
    for (auto& [stem, r] : results[t - 1]) {
      r.erase("seconds");
      MatrixD logits = npy_read_matrix<double>((dir / "logits" / (stem + ".npy")).string());
      EXPECT_EQ(logits.rows(), 30);
      EXPECT_EQ(logits.cols(), 2);
      EXPECT_TRUE(logits.allFinite());
      EXPECT_TRUE(fs::exists(dir / "curves" / (stem + ".csv")));
    }
    fs::remove_all(dir);
  }
  ASSERT_EQ(results[0].size(), 12u);
  for (auto& [stem, r] : results[0]) EXPECT_EQ(r, results[1].at(stem)) << stem;
  // Paired init: at step 0 the IC-MF net equals the SP net, so their initial mean |f| agree.
  for (int w : {16, 64})
    EXPECT_NEAR(results[0].at(fmt::format("sp_w{}_s0", w))["mean_abs_logit_init"].get<double>(),
                results[0].at(fmt::format("ic-mf_w{}_s0", w))["mean_abs_logit_init"].get<double>(), 1e-5);
}

TEST(Sweep, BadScalingNameIsInputError) {
  Config c = tiny_config();
  c.scaling.presets = {"sp", "no-such-scaling"};
  EXPECT_THROW(config_scalings(c), InputError);
}
