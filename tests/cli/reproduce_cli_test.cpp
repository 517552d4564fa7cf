// `widthlab reproduce` end to end: --list, bad input (exit 2, one line), and a --smoke run's files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_helpers.h"

namespace fs = std::filesystem;

namespace widthlab::test {
namespace {

TEST(ReproduceCli, ListNamesEveryCase) {
  CliResult r = run_cli("reproduce --list");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("golikov2020-width"), std::string::npos);
  EXPECT_NE(r.out.find("theory.md §6.1 R1, R2"), std::string::npos);
}

TEST(ReproduceCli, BadInputIsExit2WithOneLine) {
  std::string dir = scratch_dir("repro_bad");
  CliResult r = run_cli("reproduce no-such-paper --out " + dir + "/o");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no-such-paper"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("golikov2020-width"), std::string::npos) << r.err;  // lists the allowed names
  EXPECT_EQ(lines(r.err), 1) << r.err;
  r = run_cli("reproduce golikov2020-width");  // no --out
  EXPECT_EQ(r.code, 2);
  r = run_cli("reproduce golikov2020-width --smoke --full --out " + dir + "/o");
  EXPECT_EQ(r.code, 2);
  r = run_cli("reproduce golikov2020-width --smoke --out " + dir + "/o --set train.lr=-1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("train.lr"), std::string::npos) << r.err;
  r = run_cli("reproduce golikov2020-width --smoke --out " + dir + "/o --data " + dir + "/no-cifar");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
}

// A case's report names its scalings (nguyen2019-gaussians: "the widest MF net"): another scaling through --set or a
// config of one's own ran other nets and reported them as the paper's. Refused, naming the source, before writing.
TEST(ReproduceCli, TheCaseScalingsCannotBeSwapped) {
  const std::string dir = scratch_dir("repro_scalings");
  CliResult r = run_cli("reproduce nguyen2019-gaussians --smoke --no-plots --set 'scaling.presets=[\"ntk\"]' --out " +
                        dir + "/o");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--set: scaling.presets = [ntk]: reproduce nguyen2019-gaussians measures [mf]"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/o"));
  // A case of q points says it measures no preset (it said "measures []").
  r = run_cli("reproduce golikov2021-regions --smoke --no-plots --set 'scaling.presets=[\"ntk\"]' --out " + dir + "/q");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("reproduce golikov2021-regions measures no preset (its scalings, which its claims and report "
                       "name, are scaling.q's points or [scaling.custom]); expected none"),
            std::string::npos)
      << r.err;
  std::string cfg = read_file(WIDTHLAB_SOURCE_DIR "/configs/reproduce/nguyen2019-gaussians.toml");
  const auto at = cfg.find("presets = [\"mf\"]");
  ASSERT_NE(at, std::string::npos);
  cfg.replace(at, 16, "presets = [\"mf\", \"ntk\"]");
  std::ofstream(dir + "/own.toml") << cfg;
  r = run_cli("reproduce nguyen2019-gaussians --smoke --no-plots --config " + dir + "/own.toml --out " + dir + "/o");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("own.toml: scaling.presets = [mf, ntk]"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/o"));
}

// --smoke on a config without a [smoke] table ran the unreduced grid labelled "smoke"; a bad key in [full] surfaced
// only in a --full run, and a bad [smoke] entry was blamed on --set. Each is refused naming the file and table.
TEST(ReproduceCli, ModeTablesMustExistAndAreCheckedWhicheverRuns) {
  const std::string dir = scratch_dir("repro_modes");
  const std::string own = read_file(WIDTHLAB_SOURCE_DIR "/configs/reproduce/nguyen2019-gaussians.toml");
  const auto at = own.find("\n[smoke]");
  ASSERT_NE(at, std::string::npos);
  std::ofstream(dir + "/no_tables.toml") << own.substr(0, at) + "\n";
  CliResult r = run_cli("reproduce nguyen2019-gaussians --smoke --no-plots --config " + dir + "/no_tables.toml --out " +
                        dir + "/o");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--smoke " + dir + "/no_tables.toml: no [smoke] table"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  const auto full = own.find("\n[full]");
  ASSERT_NE(full, std::string::npos);
  std::ofstream(dir + "/bad_full.toml") << own.substr(0, full) + "\n[full]\nset = [\"train.lr=0\"]\n";
  r = run_cli("reproduce nguyen2019-gaussians --smoke --no-plots --config " + dir + "/bad_full.toml --out " + dir +
              "/o");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("bad_full.toml [full] set: train.lr = 0"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/o"));
}

// Issue: a case's own needs of sweep.widths, and --resume of a case whose verdicts need per-step curves, were refused
// only after config.toml and provenance.jsonl were written (sohl-dickstein2020-cnn: after training); one width
// crashed three cases. They are the registry's (ReproductionInfo::widths, resumable), checked before any write.
TEST(ReproduceCli, CaseNeedsAreCheckedBeforeAnythingIsWritten) {
  const std::string dir = scratch_dir("repro_needs");
  const std::string one_width = " --smoke --no-plots --threads 1 --set 'sweep.widths=[16]' --set 'sweep.seeds=[0]'";
  for (const char* name : {"golikov2020-small-lr", "golikov2021-limits", "sohl-dickstein2020-cnn"}) {
    CliResult r = run_cli(std::string("reproduce ") + name + one_width + " --out " + dir + "/" + name);
    EXPECT_EQ(r.code, 2) << name << ": " << r.err;
    EXPECT_NE(r.err.find("sweep.widths"), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_FALSE(fs::exists(dir + "/" + name)) << name;
  }
  fs::create_directories(dir + "/empty");
  CliResult r = run_cli("reproduce nguyen2019-gaussians --smoke --no-plots --resume --out " + dir + "/empty");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("needs per-step curves"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(dir + "/empty"));
  // One width: every claim that compares widths is inconclusive, no crash.
  r = run_cli("--quiet reproduce nguyen2019-fmnist" + one_width + " --out " + dir + "/one");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("0 hold, 0 do not hold"), std::string::npos) << r.out;
}

// Issue (re-audit N3): a user's file at a later sweep's curve name was refused only after --force had removed the
// earlier results and a sweep had trained. A file widthlab did not write inside a folder the case writes into is
// refused before anything is removed or run.
TEST(ReproduceCli, AUsersFileInsideCurvesIsRefusedBeforeForceRemovesAnything) {
  const std::string dir = scratch_dir("repro_foreign_curve");
  const std::string args =
      "--quiet reproduce golikov2020-fmnist10 --smoke --no-plots --threads 1 "
      "--set 'sweep.widths=[16,32]' --set 'sweep.seeds=[0,1]' --out " +
      dir + "/o";
  ASSERT_EQ(run_cli(args).code, 0);
  write_file(dir + "/o/curves/r9_mf_w64_s0.csv", "mine\n");
  const std::string claims = read_file(dir + "/o/claims.json");
  CliResult r = run_cli(args + " --force");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("r9_mf_w64_s0.csv: exists and was not written by widthlab"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_EQ(read_file(dir + "/o/claims.json"), claims);  // the earlier results are still there
  EXPECT_EQ(read_file(dir + "/o/curves/r9_mf_w64_s0.csv"), "mine\n");
}

// claims.json gives each claim judged on one estimate its numbers (the README's "estimate, interval, region,
// verdict"): the interval holds the value, the widened interval holds the 95 % one, and the verdict follows from the
// widened interval and the region (holds: inside; does not hold: disjoint) — the rule of theory.md §8.7, checked
// here from the file alone. Claims without one (counts) have null.
void expect_claims_carry_their_numbers(const std::string& path) {
  const auto j = nlohmann::json::parse(read_file(path));
  int with_numbers = 0;
  auto num = [](const nlohmann::json& x, double unbounded) { return x.is_null() ? unbounded : x.get<double>(); };
  for (const auto& c : j.at("claims")) {
    ASSERT_TRUE(c.contains("estimate") && c.contains("region")) << c.dump();
    if (c["estimate"].is_null()) continue;
    ++with_numbers;
    const auto& e = c["estimate"];
    const double value = num(e["value"], NAN), lo = num(e["ci_low"], -INFINITY), hi = num(e["ci_high"], INFINITY);
    const double wlo = num(e["widened_low"], -INFINITY), whi = num(e["widened_high"], INFINITY);
    const double rlo = num(c["region"]["low"], -INFINITY), rhi = num(c["region"]["high"], INFINITY);
    EXPECT_FALSE(e["statistic"].get<std::string>().empty()) << c.dump();
    if (std::isfinite(value)) EXPECT_TRUE(lo <= value && value <= hi) << c.dump();
    EXPECT_TRUE(wlo <= lo && hi <= whi) << c.dump();
    const std::string verdict = c["verdict"];
    if (verdict == "holds") EXPECT_TRUE(rlo <= wlo && whi <= rhi) << c.dump();
    if (verdict == "does not hold") EXPECT_TRUE(whi < rlo || wlo > rhi) << c.dump();
  }
  EXPECT_GT(with_numbers, 0) << path;
}

TEST(ReproduceCli, SmokeRunWritesReportAndRefusesToOverwrite) {
  std::string dir = scratch_dir("repro_smoke") + "/out";
  CliResult r = run_cli("--quiet reproduce golikov2020-width --smoke --threads 2 --out " + dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("golikov2020-width:"), std::string::npos) << r.out;
  std::ifstream f(dir + "/report.md");
  std::stringstream s;
  s << f.rdbuf();
  std::string md = s.str();
  EXPECT_NE(md.find("| R1.mf-flat |"), std::string::npos) << md;
  EXPECT_NE(md.find("mode: smoke"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir + "/claims.json"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/width_sweep.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/runs.jsonl"));
  expect_claims_carry_their_numbers(dir + "/claims.json");
  r = run_cli("--quiet reproduce golikov2020-width --smoke --out " + dir);
  EXPECT_EQ(r.code, 2) << r.err;  // fresh mode refuses a directory with results
  r = run_cli("--quiet reproduce golikov2020-width --smoke --no-plots --force --out " + dir);
  EXPECT_EQ(r.code, 0) << r.err;
}

// CIFAR-10 is not on this machine; --data DIR switches a case to cifar-2 (airplane vs automobile) from the CIFAR-10
// binary files. Synthetic files in that format (classes 0 and 1 differ in their mean pixel) run the smoke case end
// to end, and the report says which data it used.
TEST(ReproduceCli, SmokeRunsOnCifar2FromCifar10BinaryFiles) {
  std::string dir = scratch_dir("repro_cifar");
  std::filesystem::create_directories(dir + "/cifar");
  auto batch = [](int n, unsigned seed) {
    std::string s;
    unsigned state = seed;
    for (int i = 0; i < n; ++i) {
      const int label = i % 10;
      s.push_back(char(label));
      for (int j = 0; j < 3072; ++j) {
        state = state * 1103515245u + 12345u;
        s.push_back(char((label == 1 ? 96 : 32) + int((state >> 16) % 128)));
      }
    }
    return s;
  };
  write_file(dir + "/cifar/data_batch_1.bin", batch(700, 1));
  write_file(dir + "/cifar/test_batch.bin", batch(700, 2));
  CliResult r = run_cli("--quiet reproduce golikov2020-width --smoke --no-plots --threads 1 --data " + dir +
                        "/cifar --out " + dir + "/o");
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream f(dir + "/o/report.md");
  std::stringstream md;
  md << f.rdbuf();
  EXPECT_NE(md.str().find("cifar-2"), std::string::npos) << md.str().substr(0, 2000);
  EXPECT_NE(md.str().find("3072 inputs"), std::string::npos) << md.str().substr(0, 2000);
  EXPECT_NE(md.str().find("| R1.mf-flat |"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace widthlab::test
