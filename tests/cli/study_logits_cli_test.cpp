// `widthlab study --resume` reads every run's and limit run's test logits back from DIR/logits/ (study_phases.h,
// read_logits_back): a file that is not what its run wrote is refused before any work, exit 2 and one line naming it.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "cli/cli_helpers.h"
#include "widthlab/npy.h"

namespace fs = std::filesystem;
using widthlab::MatrixD;
using widthlab::MatrixF;
using namespace widthlab::test;

namespace {

// Logistic loss: one output, so a finite net's file is 32 × 2 (initial, final) and a limit run's 32 × 1.
const char* kTiny = R"toml(
[data]
dataset = "gaussians"
train_size = 32
test_size = 32
gaussians_dim = 8
[scaling]
presets = ["sp", "mf"]
[train]
steps = 5
[sweep]
widths = [16, 32]
seeds = [0, 1]
[limits]
compute = ["mf"]
mf_particles = 256
seeds = [0]
[study]
plots = false
threads = 1
)toml";

struct Tampering {
  std::string file;                             // under DIR/logits/
  std::function<void(const fs::path&)> change;  // of that file
  std::string message;                          // what the refusal says after "<file>: "
};

MatrixD read(const fs::path& p) { return widthlab::npy_read_matrix<double>(p.string()); }
void write(const fs::path& p, const MatrixD& m) { widthlab::npy_write(p.string(), m); }

std::vector<Tampering> tamperings() {
  const double nan = std::nan("");
  return {
      {"mf_w32_s0.npy", [](const fs::path& p) { write(p, read(p).topRows(5)); },
       "shape (5, 2), expected (32, 2) (the run's initial and final test logits); delete it (and its run's line in "
       "runs.jsonl) to recompute"},
      {"mf_w32_s0.npy", [](const fs::path& p) { write(p, MatrixD(read(p).transpose())); },
       "shape (2, 32), expected (32, 2)"},
      {"mf_w32_s0.npy", [](const fs::path& p) { write(p, read(p).leftCols(1)); }, "shape (32, 1), expected (32, 2)"},
      {"sp_w16_s1.npy",
       [](const fs::path& p) {
         MatrixD m(32, 3);
         m << read(p), read(p).col(0);
         write(p, m);
       },
       "shape (32, 3), expected (32, 2)"},
      {"sp_w16_s1.npy", [](const fs::path& p) { widthlab::npy_write(p.string(), MatrixF(read(p).cast<float>())); },
       "dtype <f4, expected float64 <f8"},
      {"sp_w16_s1.npy",
       [nan](const fs::path& p) {
         MatrixD m = read(p);
         m(4, 1) = nan;
         write(p, m);
       },
       "1 non-finite value (nan at row 4, column 1), expected finite numbers"},
      {"limit_mf_s0.npy", [nan](const fs::path& p) { write(p, MatrixD::Constant(32, 1, nan)); },
       "32 non-finite values (nan at row 0, column 0), expected finite numbers (the limit run's test logits); delete "
       "it (and its line in limits.jsonl) to recompute"},
      {"limit_mf_s0.npy",
       [](const fs::path& p) {
         const std::string bytes = read_file(p);
         write_file(p, bytes.substr(0, bytes.size() - 40));
       },
       "truncated"},
  };
}

}  // namespace

// Audit: a resume read the logits back unchecked — cut rows crashed it (rc 139), a transposed array aborted malloc, a
// column more or less changed the distances silently, NaN or truncated limit logits left their cells blank.
TEST(StudyLogitsCli, ResumeRefusesLogitsItsRunDidNotWrite) {
  const fs::path dir = scratch_dir("study_logits");
  write_file(dir / "c.toml", kTiny);
  const std::string study = "study --quiet --no-plots --config " + (dir / "c.toml").string() + " --out ";
  ASSERT_EQ(run_cli(study + (dir / "made").string()).code, 0);
  int k = 0;
  for (const Tampering& t : tamperings()) {
    const fs::path out = dir / ("t" + std::to_string(k++));
    fs::copy(dir / "made", out, fs::copy_options::recursive);
    t.change(out / "logits" / t.file);
    const std::string runs = read_file(out / "runs.jsonl"), report = read_file(out / "report.md"),
                      config = read_file(out / "config.toml"), provenance = read_file(out / "provenance.jsonl");
    const auto r = run_cli(study + out.string() + " --resume");
    EXPECT_EQ(r.code, 2) << t.message << "\n" << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find((out / "logits" / t.file).string() + ": " + t.message), std::string::npos) << r.err;
    EXPECT_TRUE(read_file(out / "runs.jsonl") == runs) << "no work before the logits are checked: " << t.message;
    EXPECT_TRUE(read_file(out / "report.md") == report) << "no work before the logits are checked: " << t.message;
    EXPECT_TRUE(read_file(out / "config.toml") == config) << "nothing written before the check: " << t.message;
    EXPECT_TRUE(read_file(out / "provenance.jsonl") == provenance) << "nothing written before: " << t.message;
  }
}

// What the sweep itself writes passes: a run that kept no initial logits (train.log_every = 0) has them all NaN, a
// diverged run (not read back) NaN final logits; and a logits file deleted with its record is recomputed.
TEST(StudyLogitsCli, ResumeAcceptsWhatTheSweepWrote) {
  const fs::path dir = scratch_dir("study_logits_ok");
  write_file(dir / "c.toml", kTiny);
  const std::string study = "study --quiet --no-plots --config " + (dir / "c.toml").string();
  for (const std::string set : {"train.log_every=0", "train.lr=1e6"}) {
    const std::string cmd = study + " --set " + set + " --out " + (dir / set).string();
    ASSERT_EQ(run_cli(cmd).code, 0) << set;
    const auto r = run_cli(cmd + " --resume");
    EXPECT_EQ(r.code, 0) << set << "\n" << r.err;
  }
  const MatrixD kept_none = read(dir / "train.log_every=0" / "logits" / "mf_w32_s0.npy");
  EXPECT_TRUE(kept_none.col(0).array().isNaN().all());
  EXPECT_TRUE(read(dir / "train.lr=1e6" / "logits" / "mf_w32_s0.npy").col(1).array().isNaN().all());
  EXPECT_NE(read_file(dir / "train.lr=1e6" / "runs.jsonl").find("\"status\":\"diverged\""), std::string::npos);

  // The refusal's advice: the file deleted with its run's line in runs.jsonl, the resume runs it again.
  const fs::path out = dir / "train.log_every=0";
  fs::remove(out / "logits" / "mf_w32_s0.npy");
  std::string kept;
  for (const auto& record : widthlab::test::read_run_records(out / "runs.jsonl"))
    if (widthlab::test::run_key(record) != "mf_w32_s0") kept += record.dump() + "\n";
  write_file(out / "runs.jsonl", kept);
  const auto again = run_cli(study + " --set train.log_every=0 --out " + out.string() + " --resume");
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(read(out / "logits" / "mf_w32_s0.npy").rows(), 32);
  EXPECT_EQ(widthlab::test::count_lines(out / "runs.jsonl"), 8);
}
