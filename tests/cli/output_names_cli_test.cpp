// The names a verb writes, end to end (architecture.md §4 "Output directories"): a user's file under any of them —
// fixed, derived (distances.csv, losses.csv, a reproduce case's CSVs), per run (curves/<stem>.csv) or a figure — is
// refused before any work; a manifest entry that is a symbolic link is refused in every mode, so no append reaches a
// file outside DIR; a resume refuses records without their contract keys; `widthlab plot` refuses bad records and a
// user's plots.log with one line and writes nothing, and never presents a user's figure as its own.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/cli_helpers.h"

namespace fs = std::filesystem;
using widthlab::test::count_lines;
using widthlab::test::lines;
using widthlab::test::read_file;
using widthlab::test::run_cli;
using widthlab::test::scratch_dir;
using widthlab::test::write_file;

namespace {

const std::string kTiny =
    "--quiet --set 'sweep.widths=[16,32]' --set 'sweep.seeds=[0]' --set train.steps=3 --set data.train_size=20 "
    "--set data.test_size=20 --set 'scaling.presets=[\"sp\",\"ntk\"]' --set study.threads=1";
const std::string kStudy =
    kTiny + " --set 'limits.compute=[\"ntk\"]' --set 'limits.seeds=[0]' --set limits.mf_particles=64 --bootstrap 10";

// A refusal: exit 2, one line on stderr naming `what`.
void expect_refused(const widthlab::test::CliResult& r, const std::string& what, const std::string& context) {
  EXPECT_EQ(r.code, 2) << context << "\n" << r.err;
  EXPECT_EQ(lines(r.err), 1) << context << "\n" << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << context << "\n" << r.err;
}

// Nothing of a run in `dir`: no records, no manifest, no provenance (the refusal came before any work).
void expect_no_work(const fs::path& dir, const std::string& context) {
  for (const char* name : {"runs.jsonl", ".widthlab-manifest", "provenance.jsonl", "config.toml", "curves"})
    EXPECT_FALSE(fs::exists(dir / name)) << context << ": " << name << " written before the refusal";
}

}  // namespace

// Audit F2: a runs.jsonl or provenance.jsonl replaced by a link to the user's own file took `train --resume`'s appends.
TEST(OutputNamesCli, ManifestEntryThatIsALinkIsRefusedInEveryMode) {
  const std::string base = scratch_dir("names_links");
  for (const std::string entry : {"runs.jsonl", "provenance.jsonl"}) {
    const fs::path dir = fs::path(base) / ("o_" + entry), user = fs::path(base) / ("user_" + entry);
    ASSERT_EQ(run_cli("train " + kTiny + " --out " + dir.string()).code, 0);
    fs::copy_file(dir / entry, user);
    fs::remove(dir / entry);
    fs::create_symlink(user, dir / entry);
    const std::string before = read_file(user);
    for (const std::string mode : {"--resume", "--force", ""}) {
      auto r = run_cli("train " + kTiny + " --out " + dir.string() + " " + mode);
      EXPECT_EQ(r.code, 2) << entry << " " << mode << "\n" << r.err;
      EXPECT_EQ(lines(r.err), 1) << r.err;
      if (mode != "") {
        EXPECT_NE(r.err.find(entry + ": is listed in the manifest but is a symbolic link"), std::string::npos) << r.err;
      }
      EXPECT_EQ(read_file(user), before) << entry << " " << mode << ": the user's file was written through the link";
      EXPECT_TRUE(fs::is_symlink(dir / entry)) << "the link itself is left as it was";
    }
  }
}

// Audit F6: a user's file under a study's derived or per-run name was refused only after the sweep and limits ran.
TEST(OutputNamesCli, StudyRefusesUserFilesUnderItsNamesBeforeAnyWork) {
  const std::string base = scratch_dir("names_study");
  for (const std::string name :
       {"distances.csv", "rates.json", "coord_check.csv", "coord_fit.csv", "plots.log", "distance_vs_width.png"}) {
    const fs::path dir = fs::path(base) / ("o" + std::to_string(std::hash<std::string>{}(name) % 100000));
    fs::create_directories((dir / name).parent_path());
    write_file(dir / name, "user");
    auto r = run_cli("study " + kStudy + " --out " + dir.string() + " --force");
    expect_refused(r, name + ": exists and was not written by widthlab", name);
    expect_no_work(dir, name);
    EXPECT_EQ(read_file(dir / name), "user");
  }
  // Per-run and per-limit names inside widthlab's own folders: a grown grid's new runs and limit seeds.
  const fs::path grown = fs::path(base) / "grown";
  ASSERT_EQ(run_cli("study " + kStudy + " --no-plots --set 'sweep.widths=[16]' --out " + grown.string()).code, 0);
  const std::string runs = read_file(grown / "runs.jsonl");
  for (const std::string name : {"curves/ntk_w32_s0.csv", "logits/ntk_w32_s0.npy", "logits/limit_ntk_s1.npy"}) {
    write_file(grown / name, "user");
    auto r = run_cli("study " + kStudy + " --no-plots --set 'limits.seeds=[0,1]' --out " + grown.string() + " --force");
    expect_refused(r, name + ": exists and was not written by widthlab", name);
    EXPECT_EQ(read_file(grown / "runs.jsonl"), runs) << name << ": --force removed results before refusing";
    fs::remove(grown / name);
  }
  // --no-plots: the figures and plots.log are not the study's names, so a user's file there is no conflict.
  const fs::path dir = fs::path(base) / "no_plots";
  fs::create_directories(dir);
  write_file(dir / "distance_vs_width.png", "user");
  auto r = run_cli("study " + kStudy + " --no-plots --out " + dir.string() + " --force");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_file(dir / "distance_vs_width.png"), "user");
}

// Audit F6: a user's curve under a run's stem made the run "failed" (exit 1) after the others ran.
TEST(OutputNamesCli, TrainRefusesAUserCurveOfAPlannedRunBeforeAnyWork) {
  const fs::path dir = scratch_dir("names_train");
  ASSERT_EQ(run_cli("train " + kTiny + " --out " + dir.string() + "/o").code, 0);
  write_file(dir / "o" / "curves" / "sp_w64_s0.csv", "mine");
  const std::string runs = read_file(dir / "o" / "runs.jsonl");
  for (const std::string mode : {"--force", "--dry-run --force"}) {
    auto r = run_cli("train " + kTiny + " --set 'sweep.widths=[16,32,64]' --out " + dir.string() + "/o " + mode);
    expect_refused(r, "curves/sp_w64_s0.csv: exists and was not written by widthlab", mode);
    EXPECT_EQ(read_file(dir / "o" / "runs.jsonl"), runs) << mode << ": --force removed results before refusing";
    EXPECT_EQ(read_file(dir / "o" / "curves" / "sp_w64_s0.csv"), "mine");
  }
}

// Audit F6: transfer's CSVs.
TEST(OutputNamesCli, TransferRefusesUserFilesUnderItsCsvNamesBeforeAnyWork) {
  const std::string base = scratch_dir("names_transfer");
  const std::string args =
      "--quiet --set 'sweep.widths=[16,32]' --set 'sweep.seeds=[0,1]' --set 'sweep.lrs=[0.01,0.1,1.0]' "
      "--set train.steps=3 --set data.train_size=20 --set data.test_size=20 --set 'scaling.presets=[\"sp\",\"mf\"]' "
      "--set study.threads=1 --no-plots --bootstrap 10";
  for (const std::string name : {"losses.csv", "optimum.csv", "exponents.csv", "coord_fit.csv"}) {
    const fs::path dir = fs::path(base) / name;
    fs::create_directories(dir);
    write_file(dir / name, "user");
    auto r = run_cli("transfer " + args + " --out " + dir.string() + " --force");
    expect_refused(r, name + ": exists and was not written by widthlab", name);
    expect_no_work(dir, name);
  }
}

// Audit F6: a reproduce case's declared outputs (ReproductionInfo::outputs).
TEST(OutputNamesCli, ReproduceRefusesUserFilesUnderTheCaseOutputsBeforeAnyWork) {
  const std::string base = scratch_dir("names_reproduce");
  for (const std::string name : {"width_sweep.csv", "width_sweep.png"}) {
    const fs::path dir = fs::path(base) / name;
    fs::create_directories(dir);
    write_file(dir / name, "user");
    auto r = run_cli(
        "--quiet reproduce golikov2020-width --smoke --set 'sweep.widths=[16,32]' "
        "--set 'sweep.seeds=[0,1]' --threads 1 --out " +
        dir.string() + " --force");
    expect_refused(r, name + ": exists and was not written by widthlab", name);
    expect_no_work(dir, name);
  }
}

// Audit F7: a stub record (scaling/width/seed only) was counted as done (train) or diverged (study).
TEST(OutputNamesCli, ResumeRefusesARecordWithoutItsContractKeys) {
  const fs::path dir = scratch_dir("names_records");
  ASSERT_EQ(run_cli("study " + kStudy + " --no-plots --out " + dir.string() + "/o").code, 0);
  const std::string runs = read_file(dir / "o" / "runs.jsonl"), limits = read_file(dir / "o" / "limits.jsonl");
  const std::string provenance = read_file(dir / "o" / "provenance.jsonl");
  write_file(dir / "o" / "runs.jsonl", runs + "{\"scaling\": \"ntk\", \"width\": 64, \"seed\": 0}\n");
  const int line = count_lines(dir / "o" / "runs.jsonl");
  for (const std::string& verb : {"study " + kStudy + " --no-plots", "train " + kTiny}) {
    auto r = run_cli(verb + " --out " + dir.string() + "/o --resume");
    expect_refused(r, "runs.jsonl: line " + std::to_string(line) + ": key 'status' missing", verb);
  }
  write_file(dir / "o" / "runs.jsonl", runs);
  write_file(dir / "o" / "limits.jsonl", limits +
                                             "{\"scaling\": \"ntk\", \"model\": \"ntk\", \"kind\": "
                                             "\"independent\", \"seed\": 1, \"status\": \"ok\"}\n");
  auto r = run_cli("study " + kStudy + " --no-plots --out " + dir.string() + "/o --resume");
  expect_refused(
      r, "limits.jsonl: line " + std::to_string(count_lines(dir / "o" / "limits.jsonl")) + ": key 'train_loss' missing",
      "limits");
  EXPECT_EQ(read_file(dir / "o" / "provenance.jsonl"), provenance) << "written before the records validated";
}

// Audit F4: a user's figure in a results directory was embedded in report.md as the study's own and plots.log said
// "wrote" it. The study now refuses the name up front; `plot` on a --no-plots study says it did not draw it.
TEST(OutputNamesCli, AUsersFigureIsNeverPresentedAsDrawn) {
  const fs::path dir = scratch_dir("names_figure");
  ASSERT_EQ(run_cli("study " + kStudy + " --no-plots --out " + dir.string() + "/o").code, 0);
  write_file(dir / "o" / "distance_vs_width.png", "user data");
  auto p = run_cli("plot " + dir.string() + "/o");
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_NE(p.err.find("not redrawn (distance_vs_width.png)"), std::string::npos) << p.err;
  const std::string log = read_file(dir / "o" / "plots.log");
  const auto wrote = log.find("widthlab_plots: wrote");
  ASSERT_NE(wrote, std::string::npos) << log;
  const std::string wrote_line = log.substr(wrote, log.find('\n', wrote) - wrote);
  EXPECT_EQ(wrote_line.find("distance_vs_width.png"), std::string::npos) << "claims it wrote the user's figure:\n"
                                                                         << log;
  EXPECT_NE(log.find("not drawn (a file widthlab did not write has the name; kept): distance_vs_width.png"),
            std::string::npos)
      << log;
  EXPECT_EQ(read_file(dir / "o" / "distance_vs_width.png"), "user data");
}

// Audit F10: plot on junk records exited 1 with a traceback, named a flag it does not have, and left a manifest.
TEST(OutputNamesCli, PlotRefusesBadInputWithOneLineAndWritesNothing) {
  const fs::path dir = scratch_dir("names_plot");
  fs::create_directories(dir / "junk");
  write_file(dir / "junk" / "runs.jsonl", "{\"a\":1}\n");
  write_file(dir / "junk" / "config.toml", "garbage\n");
  auto r = run_cli("plot " + (dir / "junk").string());
  expect_refused(r, "runs.jsonl: line 1: key 'scaling' missing", "junk");
  EXPECT_FALSE(fs::exists(dir / "junk" / ".widthlab-manifest"));
  EXPECT_FALSE(fs::exists(dir / "junk" / "plots.log"));

  ASSERT_EQ(run_cli("train " + kTiny + " --out " + (dir / "copy").string()).code, 0);
  fs::remove(dir / "copy" / ".widthlab-manifest");  // results copied elsewhere, next to the user's own plots.log
  write_file(dir / "copy" / "plots.log", "u");
  r = run_cli("plot " + (dir / "copy").string());
  expect_refused(r, "plots.log: exists and was not written by widthlab", "copy");
  EXPECT_EQ(r.err.find("--out"), std::string::npos) << "plot has no --out: " << r.err;
  EXPECT_FALSE(fs::exists(dir / "copy" / ".widthlab-manifest")) << "a manifest left behind after refusing";
  EXPECT_EQ(read_file(dir / "copy" / "plots.log"), "u");
}
