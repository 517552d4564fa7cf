// prepare_output_dir (output_dir.h): fresh / resume / force, and the ways an output path can be unusable.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "data/test_util.h"
#include "widthlab/output_dir.h"

using namespace widthlab;
using widthlab::test::scratch;
using widthlab::test::write_bytes;
namespace fs = std::filesystem;

TEST(OutputDir, CreatesMissingDirectoryWithParents) {
  auto base = scratch("create");
  auto out = base / "a" / "b" / "study";
  EXPECT_EQ(prepare_output_dir(out, OutputMode::fresh), out);
  EXPECT_TRUE(fs::is_directory(out));
  EXPECT_TRUE(fs::is_empty(out)) << "the write probe must not be left behind";
  EXPECT_NO_THROW(prepare_output_dir(out, OutputMode::fresh));  // existing but empty is fine
}

TEST(OutputDir, ExistingResultsNeedResumeOrForce) {
  auto out = scratch("results");
  write_bytes(out / "runs.jsonl", "{\"width\": 1}\n");
  fs::create_directories(out / "curves");
  write_bytes(out / "curves" / "a.csv", "step\n0\n");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::fresh), "already holds results; pass --resume");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::fresh), out.filename().string());
  prepare_output_dir(out, OutputMode::resume);
  EXPECT_TRUE(fs::exists(out / "runs.jsonl"));
  prepare_output_dir(out, OutputMode::force);
  EXPECT_TRUE(fs::is_directory(out));
  EXPECT_TRUE(fs::is_empty(out));
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
    EXPECT_INPUT_ERROR(prepare_output_dir("/proc/self", OutputMode::resume), "/proc/self: output directory is not writable");
    EXPECT_INPUT_ERROR(prepare_output_dir("/proc/self/widthlab-out", OutputMode::fresh), "/proc/self/widthlab-out");
  }
  if (root_like) GTEST_SKIP() << "running with privileges that ignore directory modes (root)";
}

TEST(OutputDir, NonUtf8NamesWorkAndPrintEscaped) {
  auto base = scratch("utf");
  fs::path out = base / "r\xe9sultats\xff";
  EXPECT_NO_THROW(prepare_output_dir(out, OutputMode::fresh));
  EXPECT_TRUE(fs::is_directory(out));
  write_bytes(out / "runs.jsonl", "{}\n");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::fresh), "r\\xe9sultats\\xff: already holds results");
  EXPECT_EQ(printable_text("ok \xc3\xa9 \xe2\x82\xac"), "ok \xc3\xa9 \xe2\x82\xac");  // valid UTF-8 untouched
  EXPECT_EQ(printable_text("a\xc0\xafz"), "a\\xc0\\xafz");                         // overlong '/'
  EXPECT_EQ(printable_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");                    // surrogate
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
