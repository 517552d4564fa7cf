// prepare_output_dir (output_dir.h): fresh / resume / force, and the ways an output path can be unusable.
#include "widthlab/output_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "data/test_util.h"
#include "widthlab/npy.h"
#include "widthlab/provenance.h"
#include "widthlab/results_io.h"

using namespace widthlab;
using widthlab::test::scratch;
using widthlab::test::write_bytes;
namespace fs = std::filesystem;

// Lists what `dir` holds apart from widthlab's bookkeeping: its manifest and provenance.jsonl (provenance_test.cpp).
std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != kManifestName && e.path().filename() != kProvenanceName)
      names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(OutputDir, CreatesMissingDirectoryWithParents) {
  auto base = scratch("create");
  auto out = base / "a" / "b" / "study";
  EXPECT_EQ(prepare_output_dir(out, OutputMode::fresh), out);
  EXPECT_TRUE(fs::is_directory(out));
  EXPECT_TRUE(listing(out).empty()) << "the write probe must not be left behind";
  EXPECT_TRUE(fs::exists(out / kManifestName));
  EXPECT_NO_THROW(prepare_output_dir(out, OutputMode::fresh));  // existing, nothing but the manifest: fine
}

TEST(OutputDir, ExistingResultsNeedResumeOrForce) {
  auto out = scratch("results");
  prepare_output_dir(out, OutputMode::fresh);
  write_file_atomic(out / "runs.jsonl", "{\"width\": 1}\n");
  create_output_subdir(out / "curves");
  write_file_atomic(out / "curves" / "a.csv", "step\n0\n");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::fresh), "already holds widthlab results");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::fresh), "pass --resume");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::fresh), out.filename().string());
  prepare_output_dir(out, OutputMode::resume);
  EXPECT_TRUE(fs::exists(out / "runs.jsonl"));
  prepare_output_dir(out, OutputMode::force);
  EXPECT_TRUE(fs::is_directory(out));
  EXPECT_TRUE(listing(out).empty());
}

// Issue: `--force` deleted files the user had put in --out, and a directory holding only such files was refused as
// "already holds results". Now widthlab removes only what its manifest lists and never overwrites anything else.
TEST(OutputDir, ForeignFilesAreRefusedThenKeptByForce) {
  auto out = scratch("foreign");
  write_bytes(out / "notes.txt", "x");
  fs::create_directories(out / "sub");
  write_bytes(out / "sub" / "inner.txt", "y");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::fresh), "holds 2 entries widthlab did not write");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::fresh), "notes.txt, sub/");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::resume), "holds no widthlab results to continue");
  prepare_output_dir(out, OutputMode::force);  // writes beside them
  write_file_atomic(out / "runs.jsonl", "{}\n");
  EXPECT_INPUT_ERROR(write_file_atomic(out / "notes.txt", "overwrite"), "was not written by widthlab");
  EXPECT_INPUT_ERROR(npy_write((out / "notes.txt").string(), MatrixD(MatrixD::Zero(1, 1))),
                     "was not written by widthlab");
  EXPECT_INPUT_ERROR(JsonlWriter(out / "notes.txt"), "was not written by widthlab");
  prepare_output_dir(out, OutputMode::force);  // removes runs.jsonl only
  EXPECT_EQ(listing(out), (std::vector<std::string>{"notes.txt", "sub"}));
  EXPECT_TRUE(fs::exists(out / "sub" / "inner.txt"));
  std::ifstream in(out / "notes.txt");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "x");
}

// Audit finding: the writers listed "<name>.tmp" and never unlisted it after the rename, so a file the user later put
// under that name was overwritten by the next write or removed by --force. The rename now releases the .tmp name.
TEST(OutputDir, TemporaryNamesAreReleasedAfterTheRename) {
  auto out = scratch("release");
  prepare_output_dir(out, OutputMode::fresh);
  write_file_atomic(out / "report.md", "# report\n");
  npy_write((out / "a.npy").string(), MatrixD(MatrixD::Zero(2, 2)));
  EXPECT_TRUE(listed_output(out / "report.md"));
  EXPECT_FALSE(listed_output(out / "report.md.tmp"));
  EXPECT_FALSE(listed_output(out / "a.npy.tmp"));
  write_bytes(out / "report.md.tmp", "my notes");
  write_bytes(out / "a.npy.tmp", "mine");
  EXPECT_INPUT_ERROR(write_file_atomic(out / "report.md", "# again\n"), "was not written by widthlab");
  EXPECT_INPUT_ERROR(npy_write((out / "a.npy").string(), MatrixD(MatrixD::Zero(2, 2))), "was not written by widthlab");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::resume, true, {"report.md", "report.md.tmp"}),
                     "report.md.tmp");
  // A declared output's temporary name counts as declared: the user's file there is found before anything is written
  // (the manifest and provenance.jsonl were written first, then the write failed).
  EXPECT_INPUT_ERROR(check_output_dir(out, OutputMode::force, true, {"a.npy"}),
                     "a.npy.tmp: exists and was not written");
  prepare_output_dir(out, OutputMode::force);
  EXPECT_EQ(listing(out), (std::vector<std::string>{"a.npy.tmp", "report.md.tmp"}));
  // Once the user's file is gone the name is free again: written, renamed and released once more.
  fs::remove(out / "report.md.tmp");
  write_file_atomic(out / "report.md", "# report\n");
  EXPECT_TRUE(listed_output(out / "report.md"));
  EXPECT_FALSE(listed_output(out / "report.md.tmp"));
}

TEST(OutputDir, ForceKeepsForeignFilesInsideWidthlabFolders) {
  auto out = scratch("inside");
  prepare_output_dir(out, OutputMode::fresh);
  create_output_subdir(out / "curves");
  write_file_atomic(out / "curves" / "a.csv", "step\n");
  write_bytes(out / "curves" / "mine.txt", "keep");
  prepare_output_dir(out, OutputMode::force);
  EXPECT_FALSE(fs::exists(out / "curves" / "a.csv"));
  EXPECT_TRUE(fs::exists(out / "curves" / "mine.txt"));
}

// Audit finding: `predict --force --out DIR --train DIR/nngp.npy` removed its own input (widthlab had written it
// there). --force now refuses a read file it would remove, or a folder holding one, before removing anything.
TEST(OutputDir, ForceRefusesToRemoveTheCommandsOwnInputs) {
  auto out = scratch("inputs");
  prepare_output_dir(out, OutputMode::fresh);
  write_file_atomic(out / "nngp.npy", "kernel");
  create_output_subdir(out / "data");
  write_file_atomic(out / "data" / "X_train.npy", "x");
  write_bytes(out / "mine.npy", "user's");
  for (const fs::path& read : {out / "nngp.npy", out / "data", out / "data" / ".." / "nngp.npy", out})
    EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::force, false, {}, {read}),
                       "is read by this command, and --force would remove it");
  EXPECT_TRUE(fs::exists(out / "nngp.npy")) << "refused before anything was removed";
  EXPECT_TRUE(fs::exists(out / "data" / "X_train.npy"));
  // A user's file (never listed), a file outside DIR and a missing one are no reason to refuse.
  const auto elsewhere = scratch("inputs-elsewhere") / "x.npy";
  write_bytes(elsewhere, "x");
  prepare_output_dir(out, OutputMode::force, false, {}, {out / "mine.npy", elsewhere, out / "absent.npy", ""});
  EXPECT_EQ(listing(out), (std::vector<std::string>{"mine.npy"}));
  // Fresh and resume remove nothing: the same reads pass.
  write_file_atomic(out / "nngp.npy", "kernel");
  EXPECT_NO_THROW(check_output_dir(out, OutputMode::resume, true, {}, {out / "nngp.npy"}));
}

TEST(OutputDir, CheckWritesNothing) {
  auto base = scratch("check");
  EXPECT_NO_THROW(check_output_dir(base / "new" / "dir", OutputMode::fresh));
  EXPECT_FALSE(fs::exists(base / "new"));
  write_bytes(base / "plain", "x");
  EXPECT_INPUT_ERROR(check_output_dir(base / "plain" / "sub", OutputMode::fresh), "plain is a file");
}

TEST(OutputDir, ClaimOutsideAnOutputDirectoryDoesNothing) {
  auto base = scratch("outside");
  write_bytes(base / "user.npy", "x");
  EXPECT_NO_THROW(claim_output(base / "user.npy"));  // no manifest above: the caller's own path
  EXPECT_FALSE(fs::exists(base / kManifestName));
}

TEST(OutputDir, FileWhereDirectoryExpected) {
  auto base = scratch("file");
  write_bytes(base / "plain", "x");
  EXPECT_INPUT_ERROR(prepare_output_dir(base / "plain", OutputMode::fresh), "plain: exists and is not a directory");
  EXPECT_INPUT_ERROR(prepare_output_dir(base / "plain" / "sub", OutputMode::resume), "plain/sub");
  EXPECT_INPUT_ERROR(prepare_output_dir("", OutputMode::fresh), "--out");
}

TEST(OutputDir, UnwritableDirectory) {
  auto base = scratch("ro");
  auto ro = base / "readonly";
  fs::create_directories(ro);
  ::chmod(ro.c_str(), 0555);
  const bool root_like = widthlab::test::can_write_despite_mode(ro);
  if (!root_like) {
    EXPECT_INPUT_ERROR(prepare_output_dir(ro, OutputMode::fresh), "readonly: output directory is not writable");
    EXPECT_INPUT_ERROR(prepare_output_dir(ro / "new", OutputMode::fresh), "readonly/new");
  }
  ::chmod(ro.c_str(), 0755);
  // Kernel file systems refuse new files even to root: the probe catches it.
  if (fs::is_directory("/proc/self")) {
    EXPECT_INPUT_ERROR(prepare_output_dir("/proc/self", OutputMode::force),
                       "/proc/self: output directory is not writable");
    EXPECT_INPUT_ERROR(prepare_output_dir("/proc/self/widthlab-out", OutputMode::fresh), "/proc/self/widthlab-out");
  }
  if (root_like) GTEST_SKIP() << "running with privileges that ignore directory modes (root)";
}

TEST(OutputDir, NonUtf8NamesWorkAndPrintEscaped) {
  auto base = scratch("utf");
  fs::path out = base / "r\xe9sultats\xff";
  EXPECT_NO_THROW(prepare_output_dir(out, OutputMode::fresh));
  EXPECT_TRUE(fs::is_directory(out));
  write_file_atomic(out / "runs.jsonl", "{}\n");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::fresh), "r\\xe9sultats\\xff: already holds widthlab results");
  EXPECT_EQ(printable_text("ok \xc3\xa9 \xe2\x82\xac"), "ok \xc3\xa9 \xe2\x82\xac");  // valid UTF-8 untouched
  EXPECT_EQ(printable_text("a\xc0\xafz"), "a\\xc0\\xafz");                            // overlong '/'
  EXPECT_EQ(printable_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");                       // surrogate
  EXPECT_EQ(printable_text("tab\tnl\n"), "tab\\x09nl\\x0a");
}

TEST(OutputDir, ForceRefusesWorkingDirectoryAndItsParents) {
  auto base = scratch("cwd");
  write_bytes(base / "precious", "x");
  const auto old = fs::current_path();
  fs::create_directories(base / "inner");
  fs::current_path(base / "inner");
  EXPECT_INPUT_ERROR(prepare_output_dir(base, OutputMode::force), "refusing");
  EXPECT_INPUT_ERROR(prepare_output_dir(".", OutputMode::force), "refusing");
  fs::current_path(old);
  EXPECT_TRUE(fs::exists(base / "precious"));
  EXPECT_INPUT_ERROR(prepare_output_dir("/", OutputMode::force), "refusing");
}

// Audit: a manifest listing "../victim.txt", an absolute path or a path through a symbolic link made --force delete
// those files outside DIR. Such a manifest is not widthlab's: every mode refuses the directory, writing nothing.
TEST(OutputDir, ManifestEntriesOutsideTheDirectoryAreRefusedNotDeleted) {
  auto base = scratch("escape");
  write_bytes(base / "victim.txt", "keep");
  fs::create_directories(base / "elsewhere");
  write_bytes(base / "elsewhere" / "outside.txt", "keep");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"../victim.txt", "'.' or '..' part"},
      {(base / "victim.txt").string(), "not a path relative"},
      {"lnk/outside.txt", "a symbolic link"},
      {"./runs.jsonl", "'.' or '..' part"}};
  for (const auto& [entry, why] : cases) {
    auto out = base / "out";
    fs::remove_all(out);
    fs::create_directories(out);
    fs::create_directory_symlink(base / "elsewhere", out / "lnk");
    write_bytes(out / kManifestName, "runs.jsonl\n" + entry + "\n");
    for (OutputMode mode : {OutputMode::force, OutputMode::resume, OutputMode::fresh})
      EXPECT_INPUT_ERROR(prepare_output_dir(out, mode), why);
    EXPECT_INPUT_ERROR(check_output_dir(out, OutputMode::force), kManifestName);
    EXPECT_TRUE(fs::exists(base / "victim.txt")) << entry;
    EXPECT_TRUE(fs::exists(base / "elsewhere" / "outside.txt")) << entry;
    EXPECT_FALSE(fs::exists(out / kProvenanceName)) << "nothing written before the directory validates";
  }
}
