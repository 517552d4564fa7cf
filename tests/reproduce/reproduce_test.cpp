// `widthlab reproduce` library tests: the verdict functions on constructed numbers (each can hold and fail), the
// config loader ([smoke]/[full] tables, --data, errors), the report's structure, and every case's --smoke run.
#include "widthlab/reproduce.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "../../src/reproduce/common.h"  // internal to src/reproduce
#include "data/test_util.h"
#include "widthlab/error.h"
#include "widthlab/limit_models.h"
#include "widthlab/output_dir.h"
#include "widthlab/rng.h"

namespace widthlab {
namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string write_tmp(const std::string& name, const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / ("widthlab_repro_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p.string();
}

TEST(ReproduceConfig, SmokeAndFullTablesAndOverrides) {
  std::string path = write_tmp("cfg.toml", R"([reproduce]
name = "golikov2020-width"
[sweep]
widths = [128, 256, 512]
seeds = [0, 1, 2]
[smoke]
set = ["sweep.widths=[128]", "train.steps=3"]
[full]
set = ["sweep.widths=[128, 1024]"]
)");
  Config d = load_reproduce_config(path, false, false, {}, "");
  EXPECT_EQ(d.sweep.widths, (std::vector<int>{128, 256, 512}));
  EXPECT_EQ(d.train.steps, 50);
  Config s = load_reproduce_config(path, true, false, {}, "");
  EXPECT_EQ(s.sweep.widths, (std::vector<int>{128}));
  EXPECT_EQ(s.train.steps, 3);
  Config f = load_reproduce_config(path, false, true, {"sweep.seeds=[7]"}, "");
  EXPECT_EQ(f.sweep.widths, (std::vector<int>{128, 1024}));
  EXPECT_EQ(f.sweep.seeds, (std::vector<std::uint64_t>{7}));
  Config c = load_reproduce_config(path, false, false, {}, "/some/cifar");
  EXPECT_EQ(c.data.dataset, "cifar-2");
  EXPECT_EQ(c.data.path, "/some/cifar");
  std::filesystem::remove(path);
}

TEST(ReproduceConfig, ErrorsNameFileAndKey) {
  std::string bad = write_tmp("bad.toml", "[sweep]\nwidths = [128]\nbogus = 1\n");
  try {
    load_reproduce_config(bad, false, false, {}, "");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("bad.toml:3"), std::string::npos) << m;  // line numbers survive the [smoke] split
    EXPECT_NE(m.find("bogus"), std::string::npos) << m;
  }
  std::string bad_smoke = write_tmp("bads.toml", "[smoke]\nsets = [\"a=1\"]\n");
  EXPECT_THROW(load_reproduce_config(bad_smoke, true, false, {}, ""), InputError);
  EXPECT_THROW(load_reproduce_config("/nonexistent/x.toml", false, false, {}, ""), InputError);
  EXPECT_THROW(reproduction_info("no-such-paper"), InputError);
  std::filesystem::remove(bad);
  std::filesystem::remove(bad_smoke);
}

TEST(ReproduceConfig, EveryRegisteredCaseHasAValidConfig) {
  for (const auto& r : reproduction_registry()) {
    SCOPED_TRACE(r.name);
    ASSERT_TRUE(std::filesystem::exists(reproduce_config_path(r.name)));
    Config c = load_reproduce_config(reproduce_config_path(r.name).string(), false, false, {}, "");
    EXPECT_EQ(c.reproduce.name, r.name);
    EXPECT_NO_THROW(load_reproduce_config(reproduce_config_path(r.name).string(), true, false, {}, ""));
    // --full where the config has a [full] table; refused where it has none (its default is no paper size).
    const bool has_full = read_text(reproduce_config_path(r.name)).find("\n[full]") != std::string::npos;
    if (has_full)
      EXPECT_NO_THROW(load_reproduce_config(reproduce_config_path(r.name).string(), false, true, {}, ""));
    else
      EXPECT_INPUT_ERROR(load_reproduce_config(reproduce_config_path(r.name).string(), false, true, {}, ""),
                         "no [full] table");
  }
}

TEST(ReproduceReport, MarkdownHasClaimTableAndVerdicts) {
  ReproductionInfo info{"demo", "Paper", "theory.md §0", "a demo", nullptr};
  CaseOutput out;
  out.setup = "- data: none";
  out.claims.push_back({"R0.a", "claim a", "0.41", {Verdict::holds, "1 [0.9, 1.1]"}});
  out.claims.push_back({"R0.b", "claim b", "0.42", {Verdict::fails, "2 [1.9, 2.1]"}});
  out.tables.push_back({"t", {"x", "y"}, {{"1", "2"}}});
  out.plots = {"p.png"};
  std::string md = reproduce_report_markdown(info, out, 1.5, "smoke");
  EXPECT_NE(md.find("# Reproduction: demo"), std::string::npos);
  EXPECT_NE(md.find("1 hold, 1 do not hold, 0 inconclusive"), std::string::npos) << md;
  EXPECT_NE(md.find("| R0.a | claim a | 0.41 |"), std::string::npos);
  EXPECT_NE(md.find("**does not hold**"), std::string::npos);
  EXPECT_NE(md.find("| x | y |"), std::string::npos);
  EXPECT_NE(md.find("![p.png](p.png)"), std::string::npos);
  EXPECT_NE(md.find("--smoke"), std::string::npos);
}

// Sanity checks and uninformative measurements are reported in their own sections and not counted.
TEST(ReproduceReport, ClaimsApartAreShownButNotCounted) {
  ReproductionInfo info{"demo", "Paper", "theory.md §0", "a demo", nullptr};
  CaseOutput out;
  out.claims.push_back({"R0.a", "claim a", "0.41", {Verdict::holds, "1 [0.9, 1.1]"}});
  ClaimCheck noise{"R0.n", "claim n", "0.5", {Verdict::holds, "-0.5 [-0.6, -0.4]"}};
  noise.uninformative = true;
  out.claims.push_back(noise);
  out.claims.push_back({"R0.s", "claim s", "1", {Verdict::fails, "3 [3, 3]"}, /*sanity=*/true});
  const std::string md = reproduce_report_markdown(info, out, 1.0, "default");
  EXPECT_NE(md.find("1 hold, 0 do not hold, 0 inconclusive"), std::string::npos) << md;
  const auto claims = md.find("## Claims"), apart = md.find("## Measurements that cannot decide their claim"),
             sanity = md.find("## Sanity checks"), n = md.find("| R0.n |"), s = md.find("| R0.s |");
  ASSERT_NE(apart, std::string::npos);
  ASSERT_NE(sanity, std::string::npos);
  EXPECT_LT(claims, apart);
  EXPECT_GT(n, apart);
  EXPECT_LT(n, sanity);
  EXPECT_GT(s, sanity);
  EXPECT_EQ(md.find("| R0.n |", n + 1), std::string::npos) << "each claim in one table";
}

// Options of a --smoke run of case `name` without plots, 2 threads, into a fresh temporary DIR named by `tag`.
ReproduceOptions smoke_options(const std::string& name, const std::string& tag) {
  ReproduceOptions o;
  o.name = name;
  o.smoke = true;
  o.plots = false;
  o.threads = 2;
  o.force = true;
  o.out = std::filesystem::temp_directory_path() / ("widthlab_repro_" + tag + "_" + std::to_string(::getpid()));
  return o;
}

// Every case end to end in --smoke mode: report, claims.json and the case's CSVs exist; every claim has a verdict.
class ReproduceSmoke : public ::testing::TestWithParam<std::string> {};

TEST_P(ReproduceSmoke, WritesReportWithVerdicts) {
  ReproduceOptions o = smoke_options(GetParam(), "smoke_" + GetParam());
  ReproduceSummary s = run_reproduction(o);
  EXPECT_GT(s.claims.size(), 0u);
  const int apart = int(std::count_if(s.claims.begin(), s.claims.end(), [](const auto& c) { return !c.counted(); }));
  EXPECT_EQ(s.holds + s.fails + s.inconclusive + apart, int(s.claims.size()));  // sanity checks etc. are not counted
  for (const auto& c : s.claims) EXPECT_FALSE(c.sanity && c.uninformative) << c.id << ": one section each";
  EXPECT_EQ(s.holds + s.fails, 0) << "a smoke run judges no claim";
  std::ifstream f(o.out / "report.md");
  std::stringstream ss;
  ss << f.rdbuf();
  std::string md = ss.str();
  EXPECT_NE(md.find("## Claims"), std::string::npos);
  EXPECT_NE(md.find("## Setup"), std::string::npos);
  for (const auto& c : s.claims) EXPECT_NE(md.find("| " + c.id + " |"), std::string::npos) << c.id;
  std::ifstream jf(o.out / "claims.json");
  nlohmann::json j = nlohmann::json::parse(jf);
  EXPECT_EQ(j["name"], o.name);
  EXPECT_EQ(j["claims"].size(), s.claims.size());
  EXPECT_TRUE(std::filesystem::exists(o.out / "config.toml"));
  // Every name the case writes is one its registry row declares (ReproductionInfo::outputs) or one every case writes:
  // a user's file under an undeclared name would be found only when the case reaches it, after its runs.
  const auto& declared = reproduction_info(o.name).outputs;
  for (const auto& entry : std::filesystem::directory_iterator(o.out)) {
    const std::string name = entry.path().filename().string() + (entry.is_directory() ? "/" : "");
    const bool common = std::set<std::string>{"config.toml",  "report.md", "claims.json",      "runs.jsonl", "curves/",
                                              "errors.jsonl", "plots.log", "provenance.jsonl", kManifestName}
                            .count(name) > 0;
    EXPECT_TRUE(common || std::find(declared.begin(), declared.end(), name) != declared.end())
        << o.name << " writes " << name << ", not in its registry row's outputs";
  }
  std::filesystem::remove_all(o.out);
}

// golikov2021-limits' limit stage: the particle limits' own Monte Carlo error must not flatten the fitted exponent
// (golikov2021_limit_models.cpp), so every independent particle run has 16× the largest width's particles and every
// coupled one 4·d at its width d. Read from the limit records the stage wrote (smoke widths 256, 512).
TEST(ReproduceLimitStage, ParticleLimitsOutnumberTheNetsTheyAreComparedWith) {
  ReproduceOptions o = smoke_options("golikov2021-limits", "limit_stage");
  run_reproduction(o);
  std::ifstream f(o.out / "limits_study" / "limits.jsonl");
  int independent = 0, coupled = 0;
  for (std::string line; std::getline(f, line);) {
    const auto r = nlohmann::json::parse(line);
    if (!r.contains("particles")) continue;  // a kernel-limit record (ntk)
    const int particles = r["particles"].get<int>();
    if (r["kind"] == "independent") {
      EXPECT_EQ(particles, 16 * 512) << line;
      ++independent;
    } else {
      EXPECT_EQ(particles, 4 * r["width"].get<int>()) << line;
      ++coupled;
    }
  }
  EXPECT_GT(independent, 0);
  EXPECT_GT(coupled, 0);
  std::filesystem::remove_all(o.out);
}

// golikov2021-regions with more net seeds (3) than independent limit runs (the smoke's 2): the regions whose model
// runs independent limits resample those runs and then the seeds compared with each (theory.md §8.7); the regions
// whose model uses g are coupled, one limit run per net, and resample seeds alone.
TEST(ReproduceRegions, SeedsSharingALimitRunAreResampledTogether) {
  ReproduceOptions o = smoke_options("golikov2021-regions", "regions_groups");
  o.sets = {"sweep.seeds=[0, 1, 2]"};
  run_reproduction(o);
  const auto claims = nlohmann::json::parse(std::ifstream(o.out / "claims.json")).at("claims");
  int grouped = 0, coupled = 0;
  for (const auto& c : claims) {
    const std::string id = c.at("id"), text = c.at("claim"), detail = c.at("measured");
    if (id.size() < 5 || id.substr(id.size() - 5) != ".rate") continue;
    const auto at = text.find("simulated ") + 10;
    const std::string model = text.substr(at, text.find(" limit", at) - at);
    const bool says = detail.find("resample the 2 independent limit runs") != std::string::npos;
    if (limit_model_from_name(model).needs_g()) {
      EXPECT_FALSE(says) << id << ": " << detail;
      ++coupled;
    } else {
      EXPECT_TRUE(says) << id << ": " << detail;
      ++grouped;
    }
  }
  EXPECT_GT(grouped, 0);
  EXPECT_GT(coupled, 0);
  std::filesystem::remove_all(o.out);
}

// The number of runs DIR/runs.jsonl records (one line each).
int runs_recorded(const std::filesystem::path& dir) {
  std::ifstream f(dir / "runs.jsonl");
  std::string l;
  int n = 0;
  while (std::getline(f, l)) ++n;
  return n;
}

// --resume reads the finished runs back from runs.jsonl instead of training again and gives the same verdicts; a case
// that needs per-step curves refuses it.
TEST(ReproduceResume, ReusesRunsAndGivesTheSameVerdicts) {
  ReproduceOptions o = smoke_options("golikov2020-width", "resume");
  ReproduceSummary a = run_reproduction(o);
  auto lines = [&] { return runs_recorded(o.out); };
  const int before = lines();
  o.force = false;
  o.resume = true;
  ReproduceSummary b = run_reproduction(o);
  EXPECT_EQ(lines(), before);  // nothing trained again
  ASSERT_EQ(a.claims.size(), b.claims.size());
  for (std::size_t i = 0; i < a.claims.size(); ++i) {
    EXPECT_EQ(a.claims[i].result.verdict, b.claims[i].result.verdict) << a.claims[i].id;
    EXPECT_EQ(a.claims[i].result.detail, b.claims[i].result.detail) << a.claims[i].id;
  }
  o.name = "golikov2020-small-lr";
  EXPECT_THROW(run_reproduction(o), InputError);
  std::filesystem::remove_all(o.out);
}

// --resume may grow the grid (more seeds; fewer of them at the widest nets): only the new runs train. Any other change
// of the config is refused, and a case that pairs every seed across widths refuses sweep.few_seeds before writing.
TEST(ReproduceResume, GrowsTheSeedGridAndRefusesOtherChanges) {
  ReproduceOptions o = smoke_options("golikov2020-width", "grow");  // widths 128, 256, 512; 4 scalings; seeds 0, 1
  run_reproduction(o);
  auto lines = [&] { return runs_recorded(o.out); };
  EXPECT_EQ(lines(), 4 * 3 * 2);
  o.force = false;
  o.resume = true;
  o.sets = {"sweep.seeds=[0, 1, 2]", "sweep.few_seeds_from=512", "sweep.few_seeds=2"};
  ReproduceSummary s = run_reproduction(o);
  EXPECT_EQ(lines(), 4 * 3 * 2 + 4 * 2);  // seed 2 at widths 128 and 256 only
  std::ifstream report(o.out / "report.md");
  const std::string text{std::istreambuf_iterator<char>(report), {}};
  EXPECT_NE(text.find("3 seeds (2 at widths ≥ 512)"), std::string::npos);
  o.sets.push_back("train.steps=6");
  EXPECT_THROW(run_reproduction(o), InputError);
  std::filesystem::remove_all(o.out);

  o.name = "classify-grid";
  o.resume = false;
  o.sets = {"sweep.seeds=[0, 1]", "sweep.few_seeds_from=256", "sweep.few_seeds=1"};
  try {
    run_reproduction(o);
    ADD_FAILURE() << "classify-grid accepted sweep.few_seeds";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("every seed at every width"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(o.out));  // nothing written
}

// The paper-size cost note extrapolates the recorded per-run seconds by a power law in width: runs taking exactly
// 2·(d/128) s give 2·512 s per run at d = 2^16; 3 runs there, each 2× the work of ours: 6144 s = 1.7 worker-hours.
TEST(PaperCostNote, ExtrapolatesRecordedRunTimesAsAPowerLaw) {
  std::map<SweepRunKey, TrainResult> results;
  for (int w : {128, 256, 512})
    for (std::uint64_t seed : {0, 1}) {
      TrainResult r;
      r.seconds = 2.0 * w / 128;
      results[{"g/mf", w, seed}] = r;
      r.seconds = 1000;  // another group's runs: left out by the label prefix
      results[{"other/mf", w, seed}] = r;
    }
  const std::string note = repro::paper_cost_note(results, {{65536}, 3, 2.0, "test grid", "g/"});
  EXPECT_NE(note.find("fits 2 s · (d/128)^1.00"), std::string::npos) << note;
  EXPECT_NE(note.find("takes ≈ 2048 s"), std::string::npos) << note;  // one paper run: 1024 s × work 2
  EXPECT_NE(note.find("(width 2^16, 3 runs per width"), std::string::npos) << note;
  EXPECT_NE(note.find("≈ 1.7 worker-hours"), std::string::npos) << note;
  EXPECT_EQ(repro::paper_cost_note(results, {{65536}, 3, 2.0, "one width only", "none/"}), "");
}

std::vector<std::string> case_names() {
  std::vector<std::string> v;
  for (const auto& r : reproduction_registry()) v.push_back(r.name);
  return v;
}
INSTANTIATE_TEST_SUITE_P(Cases, ReproduceSmoke, ::testing::ValuesIn(case_names()), [](const auto& info) {
  std::string s = info.param;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
});

}  // namespace
}  // namespace widthlab
