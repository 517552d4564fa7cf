// provenance.jsonl (provenance.h): one record per invocation that writes into an output directory, what it holds,
// and the note the reports quote from it.
#include "widthlab/provenance.h"

#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "data/test_util.h"
#include "widthlab/output_dir.h"
#include "widthlab/results_io.h"

using namespace widthlab;
using widthlab::test::scratch;
using widthlab::test::write_bytes;
namespace fs = std::filesystem;

TEST(Provenance, RecordNamesTheBuildTheBlasKernelAndTheMachine) {
  set_invocation({"widthlab", "study", "--out", "x"});
  const nlohmann::json r = provenance_record();
  EXPECT_TRUE(std::regex_match(r.at("started").get<std::string>(),
                               std::regex(R"(20\d\d-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-6]\dZ)")))
      << r.at("started");
  EXPECT_EQ(r.at("command"), nlohmann::json({"widthlab", "study", "--out", "x"}));
  EXPECT_EQ(r.at("widthlab"), WIDTHLAB_VERSION);
  EXPECT_TRUE(std::regex_match(r.at("git").get<std::string>(), std::regex("[0-9a-f]{12}(-dirty)?|unknown")))
      << r.at("git");
  EXPECT_FALSE(r.at("build").get<std::string>().empty());
  // With DYNAMIC_ARCH (Debian's OpenBLAS) the configuration string names the kernel chosen at run time.
  const std::string core = r.at("openblas_core");
  EXPECT_FALSE(core.empty());
  EXPECT_NE(r.at("openblas").get<std::string>().find("OpenBLAS"), std::string::npos) << r.at("openblas");
  EXPECT_EQ(r.at("hardware_threads").get<unsigned>(), std::thread::hardware_concurrency());
  EXPECT_FALSE(r.at("cpu").get<std::string>().empty());
  EXPECT_TRUE(r.at("onednn").is_boolean() || r.at("onednn").is_string());
  EXPECT_TRUE(r.at("env").is_object());
  set_invocation({});
  EXPECT_FALSE(provenance_record().contains("command"));
}

TEST(Provenance, EveryInvocationAppendsOneRecordAndForceStartsAgain) {
  const fs::path out = scratch("append");
  prepare_output_dir(out, OutputMode::fresh);
  EXPECT_EQ(read_jsonl(out / kProvenanceName).size(), 1u);
  write_file_atomic(out / "runs.jsonl", "{\"width\": 1}\n");
  prepare_output_dir(out, OutputMode::resume);
  EXPECT_EQ(read_jsonl(out / kProvenanceName).size(), 2u);
  prepare_output_dir(out, OutputMode::force);
  EXPECT_EQ(read_jsonl(out / kProvenanceName).size(), 1u) << "--force replaces the results and their history";
  EXPECT_FALSE(fs::exists(out / "runs.jsonl"));
}

// An invocation that failed after opening DIR leaves only provenance.jsonl: that is no result to resume or replace.
TEST(Provenance, IsNotAResultThatNeedsResumeOrForce) {
  const fs::path out = scratch("only");
  prepare_output_dir(out, OutputMode::fresh);
  EXPECT_NO_THROW(prepare_output_dir(out, OutputMode::fresh));
  EXPECT_EQ(read_jsonl(out / kProvenanceName).size(), 2u);
}

TEST(Provenance, ForeignFileOfThatNameIsRefusedBeforeAnythingIsWritten) {
  const fs::path out = scratch("foreign");
  write_bytes(out / kProvenanceName, "mine\n");
  EXPECT_INPUT_ERROR(prepare_output_dir(out, OutputMode::force), "provenance.jsonl widthlab did not write");
  EXPECT_FALSE(fs::exists(out / kManifestName));
  std::ifstream in(out / kProvenanceName);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "mine");
}

TEST(Provenance, NoteCountsInvocationsPerBuildAndMachine) {
  const fs::path out = scratch("note");
  EXPECT_EQ(provenance_note(out), "");
  nlohmann::json a = {{"widthlab", "0.1.0"},         {"git", "0123456789ab"},
                      {"build", "Release"},          {"compiler", "GNU 12"},
                      {"openblas_core", "SkylakeX"}, {"cpu", "Xeon"},
                      {"hardware_threads", 2u},      {"started", "2026-12-04T00:00:00Z"}};
  nlohmann::json b = a;
  b["openblas_core"] = "Haswell";
  std::string lines;
  for (const auto& r : {a, a, b}) lines += r.dump() + "\n";
  write_bytes(out / kProvenanceName, lines);
  const std::string summary =
      "widthlab 0.1.0 (git 0123456789ab), Release, GNU 12; OpenBLAS core SkylakeX; CPU Xeon, 2 "
      "hardware threads";
  EXPECT_EQ(provenance_summary(a), summary);
  nlohmann::json gpu = a;
  gpu["cuda"] = "CUDA device 0: NVIDIA H200 (sm_90, 139.8 GiB)";
  EXPECT_EQ(provenance_summary(gpu), summary + "; CUDA device 0: NVIDIA H200 (sm_90, 139.8 GiB)");
  gpu["cuda"] = "no CUDA device: cudaGetDeviceCount returned 35";
  EXPECT_EQ(provenance_summary(gpu), summary);
  EXPECT_EQ(provenance_note(out), "Made by 2 builds or machines: " + summary +
                                      " (2 invocations); widthlab 0.1.0 (git 0123456789ab), Release, GNU 12; OpenBLAS "
                                      "core Haswell; CPU Xeon, 2 hardware threads (1 invocation) — provenance.jsonl "
                                      "of this directory.");
}

// A build with uncommitted changes (or outside git) is named as one no commit rebuilds; clean builds are not.
TEST(Provenance, NoteSaysWhenNoCommitRebuildsABuild) {
  const fs::path out = scratch("dirty");
  nlohmann::json clean = {{"widthlab", "0.1.0"}, {"git", "0123456789ab"}};
  write_bytes(out / kProvenanceName, clean.dump() + "\n");
  EXPECT_EQ(provenance_note(out).find("no commit"), std::string::npos) << provenance_note(out);
  for (const char* git : {"0123456789ab-dirty", "unknown"}) {
    nlohmann::json other = clean;
    other["git"] = git;
    write_bytes(out / kProvenanceName, clean.dump() + "\n" + other.dump() + "\n");
    const std::string note = provenance_note(out);
    EXPECT_NE(note.find(std::string("(git ") + git + ")"), std::string::npos) << note;
    EXPECT_TRUE(note.ends_with("is no commit: nothing in git rebuilds it exactly.")) << note;
  }
}

// Resuming results another build or OpenBLAS kernel made says so on stderr (and still appends); the same build does
// not.
TEST(Provenance, ResumingAnotherBuildsResultsWarns) {
  const fs::path out = scratch("warn");
  prepare_output_dir(out, OutputMode::fresh);
  write_file_atomic(out / "runs.jsonl", "{\"width\": 1}\n");
  testing::internal::CaptureStderr();
  prepare_output_dir(out, OutputMode::resume);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  nlohmann::json other = provenance_record();
  other["openblas_core"] = "another-core";  // never this machine's (it may well be Haswell)
  JsonlWriter(out / kProvenanceName).append(other);
  testing::internal::CaptureStderr();
  prepare_output_dir(out, OutputMode::resume);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("earlier results here were made by " + provenance_summary(other)), std::string::npos) << err;
  EXPECT_NE(err.find("; this is " + provenance_summary(provenance_record())), std::string::npos) << err;
  EXPECT_EQ(read_jsonl(out / kProvenanceName).size(), 4u);
}

// Results from before provenance.jsonl existed are not credited to the build that resumes them.
TEST(Provenance, ResultsThatPredateItAreMarkedUnrecorded) {
  const fs::path out = scratch("predate");
  prepare_output_dir(out, OutputMode::fresh);
  write_file_atomic(out / "runs.jsonl", "{\"width\": 1}\n");
  fs::remove(out / kProvenanceName);  // as a directory written before widthlab kept provenance
  testing::internal::CaptureStderr();
  prepare_output_dir(out, OutputMode::resume);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("made by an earlier widthlab that kept no provenance.jsonl"),
            std::string::npos);
  const auto records = read_jsonl(out / kProvenanceName);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0], nlohmann::json({{"unrecorded", "an earlier widthlab that kept no provenance.jsonl"}}));
  EXPECT_EQ(provenance_note(out).rfind("Made by 2 builds or machines: an earlier widthlab that kept no "
                                       "provenance.jsonl (1 invocation); widthlab ",
                                       0),
            0u)
      << provenance_note(out);
}
