// Output directories never write through a symbolic link (a manifest entry that is one is refused in every mode; the
// writers do not follow one), and records read back must hold their contract keys (results_io.h
// read_checked_records; architecture.md §4 "Files per verb").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/test_util.h"
#include "widthlab/error.h"
#include "widthlab/output_dir.h"
#include "widthlab/results_io.h"

using namespace widthlab;
using widthlab::test::scratch;
using widthlab::test::write_bytes;
namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The message of the InputError `f` throws, or "" when it throws none.
template <class F>
std::string input_error(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(OutputLinks, ListedEntryThatIsALinkIsRefusedInEveryMode) {
  const fs::path base = scratch("links_entry"), out = base / "out", user = base / "user.jsonl";
  prepare_output_dir(out, OutputMode::fresh);
  JsonlWriter(out / "runs.jsonl").append({{"a", 1}});
  write_bytes(user, "{\"mine\": 1}\n");
  fs::remove(out / "runs.jsonl");
  fs::create_symlink(user, out / "runs.jsonl");
  for (OutputMode mode : {OutputMode::resume, OutputMode::force, OutputMode::fresh}) {
    const std::string why = input_error([&] { check_output_dir(out, mode); });
    EXPECT_NE(why.find("runs.jsonl: is listed in the manifest but is a symbolic link"), std::string::npos) << why;
  }
  EXPECT_TRUE(fs::is_symlink(out / "runs.jsonl"));
  EXPECT_EQ(slurp(user), "{\"mine\": 1}\n");
}

TEST(OutputLinks, WritersDoNotFollowALink) {
  const fs::path base = scratch("links_writers"), out = base / "out", user = base / "user.txt";
  prepare_output_dir(out, OutputMode::fresh);
  write_bytes(user, "mine\n");
  for (const char* name : {"runs.jsonl", "report.md"}) {
    fs::create_symlink(user, out / name);
    EXPECT_NE(input_error([&] {
                JsonlWriter(out / name).append({{"a", 1}});
              }).find("is a symbolic link"),
              std::string::npos)
        << name;
    EXPECT_NE(input_error([&] { write_file_atomic(out / name, "x"); }).find("is a symbolic link"), std::string::npos)
        << name;
    EXPECT_EQ(slurp(user), "mine\n") << name;
  }
  // Outside any output directory too (no manifest: claim_output has nothing to check), the append does not follow.
  const fs::path plain = base / "plain";
  fs::create_directories(plain);
  fs::create_symlink(user, plain / "runs.jsonl");
  EXPECT_NE(input_error([&] { JsonlWriter(plain / "runs.jsonl"); }), "");
  EXPECT_EQ(slurp(user), "mine\n");
}

TEST(OutputLinks, ManifestThatIsALinkIsRefused) {
  const fs::path base = scratch("links_manifest"), out = base / "out";
  fs::create_directories(out);
  write_bytes(base / "m", "runs.jsonl\n");
  fs::create_symlink(base / "m", out / kManifestName);
  EXPECT_NE(input_error([&] { check_output_dir(out, OutputMode::resume); }).find("is a symbolic link"),
            std::string::npos);
}

TEST(CheckedRecords, RunRecordsNeedTheirContractKeys) {
  const fs::path dir = scratch("records_run");
  const std::string ok =
      R"({"scaling":"sp","width":16,"seed":0,"status":"ok","train_loss":0.5,"test_loss":0.6,"train_acc":1,"test_acc":null})";
  const std::string diverged = R"({"scaling":"sp","width":32,"seed":0,"status":"diverged"})";
  write_bytes(dir / "good.jsonl", ok + "\n\n" + diverged + "\n");
  EXPECT_EQ(read_checked_records(dir / "good.jsonl", RecordKind::run).size(), 2u);
  const std::pair<std::string, std::string> bad[] = {
      {R"({"scaling":"ntk","width":32,"seed":0})", "line 3: key 'status' missing"},
      {R"({"scaling":"ntk","width":32,"seed":0,"status":"ok"})", "line 3: key 'train_loss' missing"},
      {R"({"scaling":"ntk","width":32,"seed":-1,"status":"diverged"})", "line 3: key 'seed' = -1: expected an integer"},
      {R"({"scaling":"ntk","width":32,"seed":0,"status":"done"})", "line 3: key 'status' = \"done\""},
      {R"({"width":32,"seed":0,"status":"diverged"})", "line 3: key 'scaling' missing"},
  };
  for (const auto& [record, why] : bad) {
    write_bytes(dir / "bad.jsonl", ok + "\n\n" + record + "\n");
    const std::string msg = input_error([&] { read_checked_records(dir / "bad.jsonl", RecordKind::run); });
    EXPECT_NE(msg.find("bad.jsonl: " + why), std::string::npos) << record << "\n" << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
  }
  EXPECT_TRUE(read_checked_records(dir / "missing.jsonl", RecordKind::run).empty());
}

TEST(CheckedRecords, LimitRecordsNeedTheirContractKeys) {
  const fs::path dir = scratch("records_limit");
  write_bytes(dir / "l.jsonl", R"({"model":"mf","kind":"independent","seed":0,"status":"diverged"})"
                               "\n");
  EXPECT_EQ(read_checked_records(dir / "l.jsonl", RecordKind::limit).size(), 1u);
  EXPECT_NE(input_error([&] {
              read_checked_records(dir / "l.jsonl", RecordKind::study_limit);
            }).find("line 1: key 'scaling' missing"),
            std::string::npos);
  write_bytes(dir / "l.jsonl", R"({"model":"mf","kind":"other","seed":0,"status":"diverged"})"
                               "\n");
  EXPECT_NE(input_error([&] { read_checked_records(dir / "l.jsonl", RecordKind::limit); }).find("key 'kind'"),
            std::string::npos);
}
