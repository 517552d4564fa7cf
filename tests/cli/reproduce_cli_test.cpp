// `widthlab reproduce` end to end: --list, bad input (exit 2, one line), and a --smoke run's files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli_helpers.h"

namespace widthlab::test {
namespace {

TEST(ReproduceCli, ListNamesEveryCase) {
  CliResult r = run_cli("reproduce --list");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("golikov2020-width"), std::string::npos);
  EXPECT_NE(r.out.find("SPEC §6.1 R1, R2"), std::string::npos);
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
  r = run_cli("--quiet reproduce golikov2020-width --smoke --out " + dir);
  EXPECT_EQ(r.code, 2) << r.err;  // fresh mode refuses a directory with results
  r = run_cli("--quiet reproduce golikov2020-width --smoke --no-plots --force --out " + dir);
  EXPECT_EQ(r.code, 0) << r.err;
}

}  // namespace
}  // namespace widthlab::test
