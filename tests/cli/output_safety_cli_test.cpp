// "Lose nothing, hide nothing" end to end: every verb that writes an output directory leaves the user's files in it
// alone (refused without --force, kept and never overwritten with it), writes nothing before its inputs validate, and
// says what it means (messages, plots of every kind of results directory, smoke verdicts).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_helpers.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"

namespace fs = std::filesystem;
using widthlab::test::lines;
using widthlab::test::read_file;
using widthlab::test::run_cli;
using widthlab::test::scratch_dir;
using widthlab::test::write_file;

namespace {

const char* kTiny = R"toml(
[data]
dataset = "gaussians"
train_size = 24
test_size = 10
gaussians_dim = 6
[scaling]
presets = ["mf"]
[train]
lr = 0.2
steps = 4
precision = "float64"
[sweep]
widths = [16, 32, 64]
seeds = [0]
[limits]
compute = ["mf"]
mf_particles = 256
seeds = [0]
)toml";

// A directory holding what a user might keep next to results.
void put_foreign_files(const fs::path& dir) {
  fs::create_directories(dir / "sub");
  write_file(dir / "notes.txt", "mine");
  write_file(dir / "sub" / "data.csv", "a,b\n");
}

void expect_foreign_files_intact(const fs::path& dir, const std::string& verb) {
  EXPECT_EQ(read_file(dir / "notes.txt"), "mine") << verb;
  EXPECT_EQ(read_file(dir / "sub" / "data.csv"), "a,b\n") << verb;
}

// The verbs `widthlab --help` lists: the first word of each indented line under its SUBCOMMANDS heading.
std::vector<std::string> listed_verbs(const std::string& help) {
  std::vector<std::string> verbs;
  std::istringstream in(help);
  bool listing = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("SUBCOMMANDS", 0) == 0 || line.rfind("Subcommands", 0) == 0) {
      listing = true;
    } else if (listing && line.rfind("  ", 0) == 0) {
      std::istringstream words(line);
      std::string verb;
      if (words >> verb) verbs.push_back(verb);
    } else if (listing && !line.empty()) {
      listing = false;
    }
  }
  return verbs;
}

struct VerbCase {
  std::string name, args;  // args without --out / --force
};

}  // namespace

// Issue: --force deleted files the user put in --out (train, kernel), and a directory holding only such files was
// called "already holds results".
TEST(OutputSafetyCli, EveryVerbKeepsForeignFilesInOut) {
  const std::string dir = scratch_dir("safety_verbs");
  write_file(dir + "/c.toml", kTiny);
  widthlab::npy_write(dir + "/x.npy", widthlab::test::sin_inputs(6, 3, 0.1));
  widthlab::npy_write(dir + "/y.npy", widthlab::test::sin_inputs(6, 1, 0.7));
  const std::string cfg = " --config " + dir + "/c.toml";
  const std::string xy = " --train " + dir + "/x.npy --labels " + dir + "/y.npy --test " + dir + "/x.npy";
  const VerbCase cases[] = {
      {"train", "--quiet train" + cfg},
      {"study", "--quiet study --no-plots --bootstrap 20" + cfg},
      {"limit", "--quiet limit" + cfg},
      {"kernel", "kernel --x1 " + dir + "/x.npy --depth 2 --activation relu"},
      {"predict", "predict" + xy + " --depth 1 --activation relu --time inf"},
      {"ntk-empirical", "ntk-empirical" + cfg},
      {"reproduce", "--quiet reproduce golikov2020-width --smoke --no-plots"},
      {"transfer", "--quiet transfer --no-plots --bootstrap 20" + cfg + " --set 'sweep.lrs=[0.05, 0.1, 0.2]'"},
  };
  // Every verb with --out is one of the cases: `widthlab --help` lists the verbs, each one's --help its flags.
  const std::vector<std::string> verbs = listed_verbs(run_cli("--help").out);
  EXPECT_GE(verbs.size(), std::size(cases)) << run_cli("--help").out;
  for (const std::string& verb : verbs) {
    if (run_cli(verb + " --help").out.find("--out") == std::string::npos) continue;
    EXPECT_TRUE(std::any_of(std::begin(cases), std::end(cases), [&](const VerbCase& c) { return c.name == verb; }))
        << verb << " writes --out DIR: add it to the cases";
  }
  for (const auto& c : cases) {
    const fs::path out = fs::path(dir) / ("out_" + c.name);
    put_foreign_files(out);
    auto refused = run_cli(c.args + " --out " + out.string());
    EXPECT_EQ(refused.code, 2) << c.name << "\n" << refused.err;
    EXPECT_NE(refused.err.find("did not write"), std::string::npos) << c.name << ": " << refused.err;
    EXPECT_EQ(lines(refused.err), 1) << c.name << ": " << refused.err;
    for (int round = 0; round < 2; ++round) {  // the second --force replaces widthlab's own results only
      auto forced = run_cli(c.args + " --out " + out.string() + " --force");
      EXPECT_EQ(forced.code, 0) << c.name << " round " << round << "\n" << forced.err;
      expect_foreign_files_intact(out, c.name);
    }
    EXPECT_TRUE(fs::exists(out / ".widthlab-manifest")) << c.name;
  }
}

TEST(OutputSafetyCli, NeverOverwritesAForeignFileWithAResultsName) {
  const std::string dir = scratch_dir("safety_names");
  write_file(dir + "/c.toml", kTiny);
  const fs::path out = fs::path(dir) / "out";
  fs::create_directories(out);
  write_file(out / "runs.jsonl", "my own log\n");
  auto r = run_cli("--quiet train --config " + dir + "/c.toml --out " + out.string() + " --force");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("runs.jsonl: exists and was not written by widthlab"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(out / "runs.jsonl"), "my own log\n");
  // Audit: a user's file under a name the verb writes later (study's report.md, predict's cov.npy) let the verb run
  // and write its other results first, then exit 2; it is now refused before anything is written.
  widthlab::npy_write(dir + "/x.npy", widthlab::test::sin_inputs(6, 3, 0.1));
  widthlab::npy_write(dir + "/y.npy", widthlab::test::sin_inputs(6, 1, 0.7));
  const std::pair<std::string, std::string> later[] = {
      {"report.md", "--quiet study --no-plots --config " + dir + "/c.toml"},
      {"cov.npy", "predict --train " + dir + "/x.npy --labels " + dir + "/y.npy --test " + dir +
                      "/x.npy --depth 1 --activation relu --time inf --cov"},
      {"curves", "--quiet train --config " + dir + "/c.toml"}};
  for (const auto& [name, args] : later) {
    const fs::path o = fs::path(dir) / ("late_" + name);
    fs::create_directories(o);
    write_file(o / name, "mine\n");
    auto late = run_cli(args + " --out " + o.string() + " --force");
    EXPECT_EQ(late.code, 2) << name << "\n" << late.err;
    EXPECT_NE(late.err.find(name + ": exists and was not written by widthlab"), std::string::npos) << late.err;
    EXPECT_EQ(read_file(o / name), "mine\n");
    EXPECT_FALSE(fs::exists(o / ".widthlab-manifest")) << name << ": written before the refusal";
  }
}

// Issue: a run that failed validation still wrote config.toml, and the retry was refused.
TEST(OutputSafetyCli, NothingWrittenBeforeInputsValidate) {
  const std::string dir = scratch_dir("safety_validate");
  write_file(dir + "/c.toml", kTiny);
  const std::string cfg = " --config " + dir + "/c.toml";
  auto r = run_cli("train" + cfg + " --set data.dataset=npy --set data.gaussians_dim=40 --set data.path=" + dir +
                   "/missing --out " + dir + "/r");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/r"));
  r = run_cli("limit" + cfg + " --set 'scaling.presets=[\"sp\"]' --out " + dir + "/l");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/l"));
  r = run_cli("study" + cfg + " --set data.train_size=0 --out " + dir + "/s");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/s"));
  // Audit: these were refused only after the directory had been prepared.
  widthlab::npy_write(dir + "/x8.npy", widthlab::test::sin_inputs(5, 8, 0.3));
  const std::pair<std::string, std::string> late[] = {
      {"reproduce classify-grid --smoke --data " + dir + "/no-cifar", "no such directory"},
      {"ntk-empirical" + cfg + " --normalization nt --set model.bias=true", "--normalization nt: needs a net"},
      {"kernel --x1 " + dir + "/x8.npy --arch 'dense(3)-relu-dense(1)' --input-shape 2,2,2", "expected a vector"},
      {"ntk-empirical" + cfg + " --seed -1", "--seed: -1: expected an integer ≥ 0"},
      // limits.compute = [] simulates nothing, as in `study` (limit used to simulate every scaling's model)
      {"limit" + cfg + " --set 'limits.compute=[]'", "model 'mf' is not in limits.compute"}};
  for (const auto& [args, why] : late) {
    r = run_cli(args + " --out " + dir + "/late");
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << args << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_FALSE(fs::exists(dir + "/late")) << args;
  }
  // --dry-run validates and prints the plan, writing nothing.
  for (const std::string verb : {"train", "study", "limit"}) {
    r = run_cli(verb + cfg + " --dry-run --out " + dir + "/dry_" + verb);
    EXPECT_EQ(r.code, 0) << verb << "\n" << r.err;
    EXPECT_NE(r.out.find("nothing written"), std::string::npos) << verb << ": " << r.out;
    EXPECT_FALSE(fs::exists(dir + "/dry_" + verb)) << verb;
  }
  // The retry after a failed run works without --force.
  r = run_cli("--quiet train" + cfg + " --out " + dir + "/r");
  EXPECT_EQ(r.code, 0) << r.err;
}

// Issue: kernel / predict suggested --resume, which they do not accept; `reproduce` without a name repeated itself.
TEST(OutputSafetyCli, MessagesOfferOnlyWhatTheVerbAccepts) {
  const std::string dir = scratch_dir("safety_messages");
  widthlab::npy_write(dir + "/x.npy", widthlab::test::sin_inputs(4, 3, 0.2));
  const std::string k = "kernel --x1 " + dir + "/x.npy --depth 1 --activation relu --out " + dir + "/k";
  ASSERT_EQ(run_cli(k).code, 0);
  auto again = run_cli(k);
  EXPECT_EQ(again.code, 2);
  EXPECT_EQ(again.err.find("--resume"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  auto noname = run_cli("reproduce --out " + dir + "/r");
  EXPECT_EQ(noname.code, 2);
  EXPECT_EQ(noname.err, "widthlab reproduce: NAME: expected one of the names of `widthlab reproduce --list`\n");
}

// Issue: `plot` refused a limit directory and drew generic plots for a reproduce directory.
TEST(OutputSafetyCli, PlotDrawsEveryKindOfResultsDirectory) {
  const std::string dir = scratch_dir("safety_plot");
  write_file(dir + "/c.toml", kTiny);
  ASSERT_EQ(run_cli("--quiet limit --config " + dir + "/c.toml --out " + dir + "/lim").code, 0);
  auto p = run_cli("plot " + dir + "/lim");
  EXPECT_EQ(p.code, 0) << p.err;
  EXPECT_TRUE(fs::exists(dir + "/lim/limit_curves.png"));
  ASSERT_EQ(run_cli("--quiet reproduce golikov2020-width --smoke --no-plots --out " + dir + "/rep").code, 0);
  p = run_cli("plot " + dir + "/rep");
  EXPECT_EQ(p.code, 0) << p.err;
  EXPECT_TRUE(fs::exists(dir + "/rep/width_sweep.png"));
  EXPECT_FALSE(fs::exists(dir + "/rep/metrics_vs_width.png")) << "not the study's generic plots";
}

// Issue: a smoke reproduction listed step 1 twice and read "does not hold" where "inconclusive (smoke size)" is true.
TEST(OutputSafetyCli, SmokeVerdictsAreInconclusive) {
  const std::string dir = scratch_dir("safety_smoke");
  auto r = run_cli("--quiet reproduce golikov2020-small-lr --smoke --no-plots --out " + dir + "/o");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("0 hold, 0 do not hold"), std::string::npos) << r.out;
  const std::string md = read_file(dir + "/o/report.md");
  EXPECT_EQ(md.find("**does not hold**"), std::string::npos) << md;
  EXPECT_NE(md.find("smoke size, not a test of the claim"), std::string::npos);
  EXPECT_EQ(md.find("| 1 | "), md.rfind("| 1 | ")) << "step 1 listed twice:\n" << md;
}

// Audit: `plot` on results without a manifest (copied or committed elsewhere) replaced a user's figure and appended
// to a user's plots.log. It now adopts the directory with an empty manifest: existing files are the user's.
TEST(OutputSafetyCli, PlotKeepsFilesItCannotProveItWrote) {
  const std::string dir = scratch_dir("safety_plot_copy");
  write_file(dir + "/c.toml", kTiny);
  ASSERT_EQ(run_cli("--quiet limit --config " + dir + "/c.toml --out " + dir + "/lim").code, 0);
  for (const std::string kind : {"figure", "log"}) {
    const fs::path copy = fs::path(dir) / ("copy_" + kind);
    fs::create_directories(copy);
    fs::copy_file(fs::path(dir) / "lim" / "limit.jsonl", copy / "limit.jsonl");
    const fs::path mine = copy / (kind == "figure" ? "limit_curves.png" : "plots.log");
    write_file(mine, "USER");
    auto p = run_cli("plot " + copy.string());
    EXPECT_EQ(read_file(mine), "USER") << kind;
    if (kind == "figure") {
      EXPECT_EQ(p.code, 0) << p.err;
      EXPECT_NE(p.err.find("1 figure(s) not redrawn (limit_curves.png): widthlab never replaces a file it did not"),
                std::string::npos)
          << p.err;
      EXPECT_EQ(p.out.find("limit_curves.png"), std::string::npos) << "listed as drawn:\n" << p.out;
    } else {
      EXPECT_EQ(p.code, 2) << p.err;
      EXPECT_NE(p.err.find("plots.log: exists and was not written by widthlab"), std::string::npos) << p.err;
    }
  }
}

// Audit: a --resume whose runs.jsonl holds a corrupt line rewrote config.toml and appended provenance before exit 2;
// the records are now read before anything is written. A partial last line is dropped with one warning (was two).
TEST(OutputSafetyCli, ResumeReadsItsRecordsBeforeWriting) {
  const std::string dir = scratch_dir("safety_resume");
  write_file(dir + "/c.toml", kTiny);
  const std::string train = "--quiet train --config " + dir + "/c.toml --out " + dir + "/o";
  ASSERT_EQ(run_cli(train).code, 0);
  const std::string runs = read_file(dir + "/o/runs.jsonl"), provenance = read_file(dir + "/o/provenance.jsonl");
  const std::size_t first = runs.find('\n') + 1;
  write_file(dir + "/o/runs.jsonl", runs.substr(0, first) + "garbage{\n" + runs.substr(first));
  auto r = run_cli(train + " --resume");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("runs.jsonl: line 2: not a JSON object"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(dir + "/o/provenance.jsonl"), provenance) << "nothing written before the records validate";
  write_file(dir + "/o/runs.jsonl", runs + "{\"scal");
  r = run_cli(train + " --resume");
  EXPECT_EQ(r.code, 0) << r.err;
  const auto warning = r.err.find("partially written last line");
  ASSERT_NE(warning, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("partially written last line", warning + 1), std::string::npos) << "warned twice:\n" << r.err;
  EXPECT_EQ(read_file(dir + "/o/runs.jsonl"), runs);
  r = run_cli(train + " --resume --set train.lr=0.3");  // the refusal names the first key that differs
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("(train.lr = 0.3 here, 0.2 there)"), std::string::npos) << r.err;
}

// Audit finding: --force removed what the manifest lists even when the command itself read it. A data folder that
// widthlab wrote inside --out (planted here through the library's writers) is refused before anything is removed.
TEST(OutputSafetyCli, ForceKeepsTheDataTheRunReads) {
  const std::string dir = scratch_dir("safety_force_inputs");
  write_file(dir + "/c.toml", kTiny);
  ASSERT_EQ(run_cli("--quiet train --config " + dir + "/c.toml --out " + dir + "/o").code, 0);
  const fs::path data = fs::path(dir) / "o" / "data";
  widthlab::create_output_subdir(data);
  widthlab::npy_write((data / "X_train.npy").string(), widthlab::MatrixD(widthlab::MatrixD::Zero(4, 2)));
  std::string npy_config = kTiny;
  npy_config.replace(npy_config.find("dataset = \"gaussians\""), 21,
                     "dataset = \"npy\"\npath = \"" + data.string() + "\"");
  npy_config.erase(npy_config.find("gaussians_dim = 6\n"), 18);
  write_file(dir + "/npy.toml", npy_config);
  auto r = run_cli("--quiet train --config " + dir + "/npy.toml --out " + dir + "/o --force");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("data: is read by this command, and --force would remove it"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(data / "X_train.npy"));
  EXPECT_TRUE(fs::exists(fs::path(dir) / "o" / "runs.jsonl")) << "nothing removed";
}
