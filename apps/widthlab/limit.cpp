// `widthlab limit [--config F] [--set key=value]… --out DIR [--model NAME | --region N] [--resume | --force]
//                 [--dry-run]`
// Simulates d = ∞ limit models (theory.md §3.2–§3.7) on the config's data: by default the simulated limit of each of
// the config's scalings (simulated_limit.h: the classifier's region model, ic-mf, or multilayer MF) — those whose
// model limits.compute lists (as `study` does; none when it is empty); --model / --region pick one of the 13 models (or
// ic-mf) directly. Writes DIR/limit.jsonl (one line per model and seed of limits.seeds: model, region, rules, curves,
// final normalised test logits and classes; limit_run.h) and DIR/config.toml, after every input has validated.
// --resume keeps limit.jsonl and adds the seeds it lacks (e.g. another --model, or the rest of an interrupted run: each
// seed's record is written when that seed finishes).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "run_dir.h"
#include "verb.h"
#include "widthlab/classification.h"
#include "widthlab/error.h"
#include "widthlab/limit_models.h"
#include "widthlab/limit_run.h"
#include "widthlab/output_dir.h"
#include "widthlab/results_io.h"
#include "widthlab/simulated_limit.h"
#include "widthlab/sweep.h"
#include "widthlab/text.h"

namespace {

struct LimitVerbOptions {
  widthlab::cli::RunDirFlags dir;
  std::string model;
  int region = 0;
};

void report_result(const widthlab::LimitResult& res) {
  using namespace widthlab;
  int diverged = 0, ok = 0;
  double acc = 0;
  for (const auto& r : res.runs) {
    diverged += r.status != RunStatus::ok;
    if (r.test_acc) acc += *r.test_acc, ++ok;
  }
  fmt::print("limit {} (region {}): {}, {} diverged, mean test accuracy {}, {:.2f} s\n", res.model.name,
             res.model.region ? std::to_string(res.model.region) : "-", count_noun(res.runs.size(), "seed"), diverged,
             ok ? fmt::format("{:.4f}", acc / ok) : "n/a", res.seconds);
}

// A record's key for resuming: what selected the model, the model and the seed.
std::string record_key(const std::string& selected_by, const std::string& model, std::uint64_t seed) {
  return selected_by + "\n" + model + "\n" + std::to_string(seed);
}

std::set<std::string> recorded_seeds(const std::filesystem::path& path) {
  std::set<std::string> keys;
  for (const auto& j : widthlab::read_jsonl(path, /*missing_ok=*/true, /*warn_partial=*/false))
    keys.insert(record_key(j.value("selected_by", ""), j.value("model", ""), j.value("seed", std::uint64_t(0))));
  return keys;
}

// Drops the job's seeds that `done` holds; false (and says so) when none is left.
bool keep_unrecorded_seeds(widthlab::LimitJob& job, const std::set<std::string>& done) {
  auto& seeds = job.options.seeds;
  const std::size_t before = seeds.size();
  std::erase_if(seeds, [&](std::uint64_t s) { return done.count(record_key(job.why, job.options.model, s)) > 0; });
  if (seeds.size() < before)
    fmt::print("limit {}: {} already in limit.jsonl, kept\n", job.options.model,
               widthlab::count_noun(before - seeds.size(), "seed"));
  return !seeds.empty();
}

// A --set limit would not read (unread_limit_override: [sweep], or limits.compute beside --model / --region).
void refuse_unread_overrides(const LimitVerbOptions& opt) {
  const std::string chosen = !opt.model.empty() ? "--model" : opt.region != 0 ? "--region" : "";
  if (const std::string why = widthlab::unread_limit_override(opt.dir.sets, chosen); !why.empty())
    throw widthlab::InputError("--set " + why);
}

int run_limit(const LimitVerbOptions& opt) {
  using namespace widthlab;
  refuse_unread_overrides(opt);
  cli::ResolvedRunDir run = cli::resolve_run_dir(opt.dir, /*default_out=*/"");  // writes nothing
  const Config& cfg = run.config;
  std::vector<std::string> skipped;
  const std::vector<LimitJob> jobs = limit_jobs(cfg, opt.model, opt.region, skipped);
  const Dataset data = load_limit_data(cfg, jobs);  // labels and sizes checked before anything is written
  const auto print_plan = [&] {  // after the directory opened: a failure to open it stays one line on stderr
    for (const auto& why : skipped) fmt::print(stderr, "widthlab limit: skipped {}\n", why);
    for (const auto& job : jobs) {
      const LimitModelInfo& info = limit_model_from_name(job.options.model);
      fmt::print(stderr, "widthlab limit: model '{}' (region {}; {}) on {} ({} train / {} test), {} → {}\n", info.name,
                 info.region ? std::to_string(info.region) : "-", job.why, data.name, data.x_train.rows(),
                 data.x_test.rows(), count_noun(job.options.seeds.size(), "seed"), printable_path(run.out));
    }
  };
  if (run.dry_run) {
    print_plan();
    fmt::print("dry run: {}; nothing written\n", count_noun(jobs.size(), "limit model"));
    return 0;
  }
  cli::open_run_dir(run);  // every input has validated
  print_plan();
  const auto path = run.out / "limit.jsonl";
  claim_output(path);
  // --resume keeps every record and simulates only the (job, seed) pairs limit.jsonl lacks; fresh and --force start
  // from a directory without one (--force removed what the manifest lists).
  const std::set<std::string> done = run.mode == OutputMode::resume ? recorded_seeds(path) : std::set<std::string>{};
  JsonlWriter out(path);
  for (auto job : jobs) {
    if (!keep_unrecorded_seeds(job, done)) continue;
    LimitResult all;  // the job's seeds, for its summary line
    for (const std::uint64_t seed :
         job.options.seeds) {  // one at a time: an interrupted run keeps the seeds it finished
      LimitOptions one = job.options;
      one.seeds = {seed};
      LimitResult res = simulate_limit(one, data);
      for (auto& line : res.to_json_lines()) {
        line["selected_by"] = job.why;
        out.append(line);
      }
      if (all.runs.empty())
        all = res;
      else
        all.runs.insert(all.runs.end(), res.runs.begin(), res.runs.end()), all.seconds += res.seconds;
    }
    report_result(all);
  }
  return 0;
}

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto opt = std::make_shared<LimitVerbOptions>();
  widthlab::cli::add_run_dir_flags(sub, opt->dir);
  widthlab::cli::add_device_flag(sub, opt->dir.device);
  auto* m = sub.add_option("--model", opt->model,
                           fmt::format("Limit model: {} (default: the simulated limit of each of the config's "
                                       "scalings, when limits.compute lists it)",
                                       fmt::join(widthlab::limit_model_canonical_names(), ", ")));
  auto* r = sub.add_option("--region", opt->region, "Limit model by region number 1..13 (theory.md §2.2)")
                ->check(CLI::Range(1, 13));
  m->excludes(r);
  return [opt] { return run_limit(*opt); };
}

const widthlab::cli::VerbRegistration reg{
    "limit", "Simulate a d = infinity limit model (mf, ic-mf, ntk, any of the 13 regions)", setup};
}  // namespace
