// `widthlab study` and `widthlab plot` end to end on a tiny grid: files, numbers, resume, bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "cli/cli_helpers.h"
#include "widthlab/results_io.h"

using widthlab::test::count_lines;
using widthlab::test::lines;
using widthlab::test::read_file;
using widthlab::test::run_cli;
using widthlab::test::run_command;
using widthlab::test::scratch_dir;
using widthlab::test::write_file;
namespace fs = std::filesystem;

namespace {
// Mean logit RMS per (scaling, width) from distances.csv.
std::map<std::pair<std::string, int>, double> mean_rms(const fs::path& csv) {
  std::map<std::pair<std::string, int>, std::pair<double, int>> acc;
  std::ifstream f(csv);
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    std::vector<std::string> c;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) c.push_back(x);
    if (c.size() < 6 || c[2] == "all" || c[5].empty()) continue;
    auto& a = acc[{c[0], std::stoi(c[1])}];
    a.first += std::stod(c[5]);
    a.second++;
  }
  std::map<std::pair<std::string, int>, double> m;
  for (auto& [k, v] : acc) m[k] = v.first / v.second;
  return m;
}

const char* kTinyStudy = R"toml(
[data]
dataset = "gaussians"
classes = []
train_size = 60
test_size = 50
[scaling]
presets = ["sp", "ntk", "mf", "intermediate:0.75"]
[train]
lr = 0.2
steps = 10
[sweep]
widths = [64, 1024]
seeds = [0, 1, 2]
[limits]
compute = ["ntk", "mf"]
mf_particles = 8192
seeds = [0, 1, 2]
)toml";
}  // namespace

TEST(StudyCli, TinyStudyEndToEnd) {
  std::string dir = scratch_dir("study_tiny");
  write_file(dir + "/c.toml", kTinyStudy);
  const fs::path out = dir + "/out";
  auto r = run_cli("study --quiet --config " + dir + "/c.toml --out " + out.string() + " --bootstrap 200");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* f : {"runs.jsonl", "limits.jsonl", "distances.csv", "rates.json", "config.toml", "report.md",
                        "coord_check.csv", "coord_fit.csv"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  EXPECT_EQ(count_lines(out / "runs.jsonl"), 4 * 2 * 3);
  // The coordinate check: 4 scalings × 2 layers × (init + 3 steps) fits, each with a verdict.
  EXPECT_EQ(count_lines(out / "coord_fit.csv"), 1 + 4 * 2 * 4);
  // ntk: 3 independent + 2 widths × 3 seeds coupled; mf: 3 independent.
  EXPECT_EQ(count_lines(out / "limits.jsonl"), 3 + 6 + 3);

  auto rms = mean_rms(out / "distances.csv");
  ASSERT_TRUE((rms.count({"mf", 64}) && rms.count({"mf", 1024})));
  EXPECT_LT((rms[{"mf", 1024}]), (rms[{"mf", 64}])) << "mf distance to its limit must fall with width";
  ASSERT_TRUE((rms.count({"ntk", 64}) && rms.count({"ntk", 1024})));
  EXPECT_LT((rms[{"ntk", 1024}]), (rms[{"ntk", 64}])) << "ntk at the larger width must be closer to its limit";
  // intermediate's model is not in limits.compute: compared with the widest net, and the report says so.
  EXPECT_FALSE((rms.count({"intermediate:0.75", 1024})));

  auto rates = nlohmann::json::parse(read_file(out / "rates.json"));
  EXPECT_EQ(rates["mf"]["compared_with"], "limit");
  EXPECT_EQ(rates["intermediate:0.75"]["compared_with"], "limit proxy");
  EXPECT_EQ(rates["sp"]["compared_with"], "no stable limit");
  EXPECT_LT(rates["mf"]["fit"]["slope"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(rates["mf"]["theory"].get<double>(), -0.5);

  std::string report = read_file(out / "report.md");
  for (const char* s : {"## mf", "## ntk", "## sp", "no stable limit", "LIMIT PROXY", "Fitted exponent", "theory",
                        "## Summary", "± ", "Coordinate check (theory.md §10.4", "| logits | RMS of change | 1 |"})
    EXPECT_NE(report.find(s), std::string::npos) << s;
  // Plots (matplotlib is a project dependency; WIDTHLAB_PYTHON may point elsewhere).
  EXPECT_TRUE(fs::exists(out / "distance_vs_width.png")) << r.err;
  EXPECT_TRUE(fs::exists(out / "coord_check.png"));
  EXPECT_NE(report.find("![distance_vs_width.png]"), std::string::npos);

  // Resume: nothing reruns, the same numbers come out.
  std::string csv_before = read_file(out / "distances.csv");
  auto again = run_cli("study --quiet --no-plots --config " + dir + "/c.toml --out " + out.string() +
                       " --resume --bootstrap 200");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(count_lines(out / "runs.jsonl"), 24);
  EXPECT_EQ(count_lines(out / "limits.jsonl"), 12);
  EXPECT_EQ(read_file(out / "distances.csv"), csv_before);

  // A finished run whose final-logits file is gone is not "diverged": it keeps its losses, has no distance, and the
  // report says why.
  fs::path gone;
  for (const auto& e : fs::directory_iterator(out / "logits"))
    if (e.path().filename().string().find("ntk") != std::string::npos) gone = e.path();
  ASSERT_FALSE(gone.empty());
  const fs::path kept = dir + "/kept.npy";
  fs::rename(gone, kept);
  auto missing = run_cli("study --quiet --no-plots --config " + dir + "/c.toml --out " + out.string() +
                         " --resume --bootstrap 200");
  ASSERT_EQ(missing.code, 0) << missing.err;
  const std::string with_gap = read_file(out / "report.md");
  // Three invocations wrote here, each recorded with its command line (provenance.h); the report counts them.
  const auto provenance = widthlab::read_jsonl(out / "provenance.jsonl");
  ASSERT_EQ(provenance.size(), 3u);
  EXPECT_EQ(provenance[0]["command"][1], "study");
  EXPECT_EQ(provenance[2]["command"].back(), "200");
  EXPECT_NE(with_gap.find("(3 invocations) — provenance.jsonl of this directory."), std::string::npos);
  EXPECT_NE(with_gap.find("(1 without logits)"), std::string::npos);
  EXPECT_NE(with_gap.find("1 finished runs have no final-logits file"), std::string::npos);
  EXPECT_EQ(with_gap.find("runs diverged"), std::string::npos);
  EXPECT_NE(read_file(out / "distances.csv").find(",ok,logits file missing,"), std::string::npos);
  fs::rename(kept, gone);

  // widthlab plot redraws; a missing interpreter is bad input (exit 2, one line), the files stay; a name is looked
  // up on PATH (issue: `--python python3` exited 1 and could not find it).
  fs::remove(out / "coord_check.png");
  auto p = run_cli("plot " + out.string());
  EXPECT_EQ(p.code, 0) << p.err;
  EXPECT_TRUE(fs::exists(out / "coord_check.png"));
  auto np = run_cli("plot " + out.string() + " --python /nonexistent/python3");
  EXPECT_EQ(np.code, 2);
  EXPECT_NE(np.err.find("not an executable file"), std::string::npos) << np.err;
  EXPECT_EQ(lines(np.err), 1) << np.err;
  auto onpath =
      run_command("PATH=/usr/bin:/bin " + std::string(WIDTHLAB_CLI) + " plot " + out.string() + " --python python3");
  EXPECT_EQ(onpath.code, 0) << onpath.err;
  fs::remove_all(dir);
}

// sweep.few_seeds: the widest nets run the first seeds only, and nothing counts the seeds they skip as missing.
TEST(StudyCli, FewerSeedsAtTheWidestNets) {
  std::string dir = scratch_dir("study_few_seeds");
  write_file(dir + "/c.toml", kTinyStudy);
  const fs::path out = dir + "/out";
  auto r =
      run_cli("study --quiet --no-plots --config " + dir + "/c.toml --set sweep.few_seeds_from=1024 " +
              "--set sweep.few_seeds=2 --set 'limits.compute=[\"ntk\"]' --out " + out.string() + " --bootstrap 100");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(count_lines(out / "runs.jsonl"), 4 * (3 + 2));
  EXPECT_EQ(count_lines(out / "limits.jsonl"), 3 + 3 + 2);  // ntk: 3 independent, coupled to 3 + 2 nets
  const std::string csv = read_file(out / "distances.csv");
  EXPECT_EQ(csv.find("missing"), std::string::npos) << csv;
  EXPECT_NE(csv.find("ntk,1024,1,ok"), std::string::npos) << csv;
  EXPECT_EQ(csv.find("ntk,1024,2,"), std::string::npos) << csv;
  EXPECT_NE(read_file(out / "report.md").find("seeds 0, 1, 2 (3 seeds (2 at widths ≥ 1024))"), std::string::npos);
  fs::remove_all(dir);
}

// limits.coupled_particles_per_width: coupled IC-MF runs at width d use min(mf_particles, 4·d) particles (even),
// the independent runs mf_particles.
TEST(StudyCli, CoupledParticleRunsScaleWithTheNetsWidth) {
  std::string dir = scratch_dir("study_coupled_particles");
  write_file(dir + "/c.toml", kTinyStudy);
  const fs::path out = dir + "/out";
  auto r = run_cli("study --quiet --no-plots --config " + dir +
                   "/c.toml --set 'scaling.presets=[\"ic-mf\"]' --set 'limits.compute=[\"ic-mf\"]' "
                   "--set 'sweep.widths=[16, 33, 200]' --set 'sweep.seeds=[0]' --set 'limits.seeds=[0]' "
                   "--set limits.mf_particles=512 --set limits.coupled_particles_per_width=4 --out " +
                   out.string() + " --bootstrap 50");
  ASSERT_EQ(r.code, 0) << r.err;
  std::map<std::string, int> particles;  // "independent" or the coupled run's width → particles
  std::ifstream in(out / "limits.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    particles[j["width"].is_null() ? "independent" : std::to_string(j["width"].get<int>())] = j["particles"];
  }
  EXPECT_EQ(particles, (std::map<std::string, int>{{"independent", 512}, {"16", 64}, {"33", 132}, {"200", 512}}));
  EXPECT_NE(read_file(out / "report.md").find("coupled runs: at most 4·d"), std::string::npos);
  auto bad = run_cli("study --quiet --config " + dir + "/c.toml --set limits.coupled_particles_per_width=-1 --out " +
                     dir + "/o2");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("limits.coupled_particles_per_width = -1"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir + "/o2"));
  fs::remove_all(dir);
}

TEST(StudyCli, BadScalingIsReportedAndTheRestCompletes) {
  std::string dir = scratch_dir("study_badscaling");
  write_file(dir + "/c.toml", kTinyStudy);
  const fs::path out = dir + "/out";
  auto r =
      run_cli("study --quiet --no-plots --config " + dir +
              "/c.toml --set 'scaling.presets=[\"mf\", \"bogus\"]' "
              "--set 'sweep.widths=[32, 64]' --set 'limits.compute=[\"mf\"]' --set limits.mf_particles=512 --out " +
              out.string() + " --bootstrap 50");
  // The config layer may reject the unknown preset up front (exit 2) or the study may leave it out; both name it.
  if (r.code == 2) {
    EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
  } else {
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("bogus"), std::string::npos);
    EXPECT_NE(read_file(out / "report.md").find("bogus"), std::string::npos);
    EXPECT_EQ(count_lines(out / "runs.jsonl"), 2 * 3);
  }
  fs::remove_all(dir);
}

TEST(StudyCli, BadInputExitsTwo) {
  std::string dir = scratch_dir("study_bad");
  write_file(dir + "/c.toml", kTinyStudy);
  write_file(dir + "/broken.toml", "[train\nlr = 1\n");
  struct Case {
    std::string args, needle;
  } cases[] = {
      {"study --quiet --config " + dir + "/nope.toml --out " + dir + "/o1", "nope.toml"},
      {"study --quiet --config " + dir + "/broken.toml --out " + dir + "/o2", "broken.toml"},
      {"study --quiet --config " + dir + "/c.toml --set train.steps=-3 --out " + dir + "/o3", "train.steps"},
      {"study --quiet --config " + dir + "/c.toml --set sweep.widths=[0] --out " + dir + "/o4", "sweep.widths"},
      {"study --quiet --config " + dir + "/c.toml --set no.such=1 --out " + dir + "/o5", "no.such"},
      // MF's multilayer particle system at 2^24 particles (2^48 weights): refused before anything is written.
      {"study --quiet --config " + dir + "/c.toml --set model.depth=2 --set limits.mf_particles=16777216 --out " + dir +
           "/o6",
       "limits.mf_particles = 16777216 at model.depth = 2: the particle system's"},
      {"plot " + dir + "/not-a-results-dir", "expected a results directory"},
      {"plot " + dir + "/committed", "gunzip -k"},
  };
  fs::create_directories(dir + "/committed");  // a folder as committed under docs/: records gzipped
  write_file(dir + "/committed/runs.jsonl.gz", "");
  for (const auto& c : cases) {
    auto r = run_cli(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(dir + "/o6")) << "written before the refusal";
  // A directory that already holds results: exit 2 without --resume/--force.
  fs::create_directories(dir + "/full");
  write_file(dir + "/full/runs.jsonl", "{}\n");
  write_file(dir + "/full/.widthlab-manifest", "runs.jsonl\n");
  auto r = run_cli("study --quiet --config " + dir + "/c.toml --out " + dir + "/full");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
  fs::remove_all(dir);
}

// Audit: a dangling *.png symlink in DIR made `widthlab plot` fail with "internal error: filesystem error: cannot get
// file time" (exit 1). A symlink is the user's file, dangling or not: never followed, never redrawn, named as kept.
TEST(StudyCli, PlotKeepsSymlinkedPngsDanglingOrNot) {
  const std::string dir = scratch_dir("study_plot_links");
  write_file(dir + "/c.toml", kTinyStudy);
  const fs::path out = fs::path(dir) / "o";
  ASSERT_EQ(run_cli("study --quiet --no-plots --config " + dir +
                    "/c.toml --set sweep.widths=[16,32] --set "
                    "limits.mf_particles=256 --set 'limits.compute=[\"mf\"]' --out " +
                    out.string())
                .code,
            0);
  write_file(dir + "/target.png", "USER");
  fs::create_symlink("/nonexistent/x.png", out / "my_old_link.png");
  fs::create_symlink(dir + "/target.png", out / "my_live_link.png");
  const auto p = run_cli("plot " + out.string());
  EXPECT_EQ(p.code, 0) << p.err;
  EXPECT_TRUE(fs::exists(out / "distance_vs_width.png")) << p.err;
  EXPECT_NE(p.err.find("2 figure(s) not redrawn (my_live_link.png, my_old_link.png)"), std::string::npos) << p.err;
  EXPECT_EQ(p.out.find("link.png"), std::string::npos) << "listed as drawn:\n" << p.out;
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(out / "my_old_link.png")));
  EXPECT_EQ(fs::read_symlink(out / "my_old_link.png"), "/nonexistent/x.png");
  EXPECT_EQ(read_file(dir + "/target.png"), "USER");
  fs::remove_all(dir);
}

// Audit: `--bootstrap 0` wrote "the exponent's interval [nan, nan] is not below zero" into report.md and rates.json.
// Without resamples there is no interval: the statement says so, the verdict is no convergence, rates.json holds null.
TEST(StudyCli, NoBootstrapIsNoIntervalNotNan) {
  const std::string dir = scratch_dir("study_bootstrap0");
  write_file(dir + "/c.toml", kTinyStudy);
  const fs::path out = fs::path(dir) / "o";
  const auto r = run_cli("study --quiet --no-plots --bootstrap 0 --config " + dir +
                         "/c.toml --set sweep.widths=[16,32,64] --set 'scaling.presets=[\"mf\"]' --set "
                         "limits.mf_particles=256 --set 'limits.compute=[\"mf\"]' --out " +
                         out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string report = read_file(out / "report.md"), rates = read_file(out / "rates.json");
  EXPECT_NE(report.find("No convergence is established up to d = 64: the exponent has no interval (--bootstrap 0"),
            std::string::npos)
      << report;
  const std::regex nan_word("\\bnan\\b", std::regex::icase);
  EXPECT_FALSE(std::regex_search(report, nan_word)) << report;
  const auto j = nlohmann::json::parse(rates);
  EXPECT_FALSE(j["mf"]["convergence"]["approaches"].get<bool>());
  EXPECT_TRUE(j["mf"]["fit"]["ci_low"].is_null());
  EXPECT_FALSE(std::regex_search(rates, nan_word)) << rates;
  fs::remove_all(dir);
}
