// The phases of run_study (study.cpp), each in a file of its own: the limit plans and their simulations
// (study_limits.cpp), the per-scaling measurements — distances, fits, convergence evidence (study_measure.cpp), and
// the logits files they read back (study_logits.cpp). Internal to the study module.
#pragma once
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "widthlab/classification.h"
#include "widthlab/config.h"
#include "widthlab/limit_models.h"
#include "widthlab/limit_run.h"
#include "widthlab/rate_fit.h"
#include "widthlab/report.h"
#include "widthlab/results_io.h"
#include "widthlab/study.h"
#include "widthlab/sweep.h"

namespace widthlab::study {

using json = nlohmann::json;

// What every phase reads.
struct Context {
  const Config& config;
  const StudyOptions& options;
  const SweepSetup& setup;
  std::vector<int> widths;  // sorted ascending
  int outputs = 1;          // logits per input
  int threads = 1;          // OpenBLAS threads of the limit simulations
};

// A test-logits file of DIR/logits/ that the study reads back: a finished finite net's (n_test × 2k: its initial,
// then its final logits, sweep.h) or limit run's (n_test × k).
struct LogitsFile {
  std::filesystem::path path;
  Eigen::Index rows = 0, cols = 0;
  Eigen::Index nan_cols = 0;  // leading columns that may be all NaN: the initial logits a run did not keep
  std::string what;           // what the array is, for messages: "the run's initial and final test logits"
  std::string record;         // the record that goes with it: "its run's line in runs.jsonl"
};
// The array when the file is float64 of shape rows × cols and every value finite (the leading nan_cols columns may
// instead be all NaN); empty when the file is absent (the measurements count such runs). Anything else — another
// shape or dtype, a non-finite value, a truncated or unreadable file — is an InputError naming the file, what it holds
// and what was expected, and how to recompute it: a wrong-shaped array must never reach the distances.
MatrixD read_logits_back(const LogitsFile& file);

struct RunData {
  json record;
  MatrixD final_logits;  // m × k (empty when diverged / missing)
};

struct LimitData {
  json record;
  MatrixD logits;  // normalised final test logits m × k
};

// What the study does about one scaling's d = ∞ limit (theory.md §2.2, §3): simulate it (independent runs, and
// coupled runs whose g is each finite net's own initial logits when the model uses g), or compare with a proxy.
struct LimitPlan {
  const Scaling* scaling = nullptr;
  Classification cls;
  double norm_exp = 0;  // logits are compared as f / ω^{norm_exp}, ω = d/d*
  bool simulate = false, coupled = false;
  const LimitModelInfo* info = nullptr;
  LimitOptions lo;
  std::string why_proxy;
  double norm_at(int width, double reference_width) const;
};

std::string limit_key(const std::string& scaling, std::uint64_t seed, int width);

std::vector<LimitPlan> plan_limits(const Context& ctx);
std::map<std::string, LimitData> load_limits(const Context& ctx);
// The logits files of every planned limit run (logits/limit_….npy and the .tmp each is written through), relative
// to the output directory: the names study_output_names checks before any work.
std::vector<std::string> limit_output_names(const Context& ctx, const std::vector<LimitPlan>& plans);
// Simulates every planned limit run that limits.jsonl does not hold yet; failures are counted and reported.
void simulate_limits(const Context& ctx, const std::vector<LimitPlan>& plans,
                     const std::map<std::string, LimitData>& done, StudySummary& summary);

// One scaling measured against its limit: the report's section, its distances.csv rows and its rates.json entry.
struct Measurement {
  ReportScaling report;
  std::vector<std::vector<std::string>> csv_rows;
  json rates;
};
extern const std::vector<std::string> kDistanceColumns;  // distances.csv header
Measurement measure_scaling(const Context& ctx, const LimitPlan& plan, const std::map<SweepRunKey, RunData>& runs,
                            const std::map<std::string, LimitData>& limits);

}  // namespace widthlab::study
