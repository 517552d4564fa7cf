// results_io.h: JSON-lines logs that survive interruption, atomic writes, CSV curves.
#include "widthlab/results_io.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include "data/test_util.h"

using namespace widthlab;
using widthlab::test::read_bytes;
using widthlab::test::scratch;
using widthlab::test::write_bytes;
namespace fs = std::filesystem;
using nlohmann::json;

TEST(Jsonl, AppendThenReadBack) {
  auto p = scratch("jl") / "runs.jsonl";
  {
    JsonlWriter w(p);
    w.append({{"width", 128}, {"seed", 0}, {"test_acc", 0.75}});
    w.append({{"width", 256}, {"seed", 1}, {"test_acc", nullptr}});
  }
  {
    JsonlWriter w(p);  // reopening appends
    w.append({{"width", 512}, {"note", "a \"quoted\"\nnewline"}});
  }
  const std::string text = read_bytes(p);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
  auto rows = read_jsonl(p);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["width"], 128);
  EXPECT_EQ(rows[0]["test_acc"], 0.75);
  EXPECT_TRUE(rows[1]["test_acc"].is_null());
  EXPECT_EQ(rows[2]["note"], "a \"quoted\"\nnewline");
}

TEST(Jsonl, PartialLastLineIgnoredWithWarning) {
  auto p = scratch("partial") / "runs.jsonl";
  write_bytes(p, "{\"width\": 1}\n{\"width\": 2}\n{\"width\": 3, \"te");
  testing::internal::CaptureStderr();
  auto rows = read_jsonl(p);
  std::string err = testing::internal::GetCapturedStderr();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1]["width"], 2);
  EXPECT_NE(err.find("runs.jsonl"), std::string::npos) << err;
  EXPECT_NE(err.find("partial"), std::string::npos) << err;
}

// A bad last line that ends in '\n' is no write cut short (those lack the newline): refused, not dropped.
TEST(Jsonl, CompleteBadLastLineIsAnError) {
  auto p = scratch("complete_bad") / "runs.jsonl";
  write_bytes(p, "{\"width\": 1}\n{\"bad json\n");
  EXPECT_INPUT_ERROR(read_jsonl(p), "line 2: not a JSON object");
  write_bytes(p, "{\"width\": 1}\n{\"bad json\n\n  \n");  // blank lines after it change nothing
  EXPECT_INPUT_ERROR(read_jsonl(p), "line 2: not a JSON object");
}

TEST(Jsonl, WriterCutsPartialLineBeforeAppending) {
  auto p = scratch("resume") / "runs.jsonl";
  write_bytes(p, "{\"width\": 1}\n{\"width\": 2, \"tr");
  testing::internal::CaptureStderr();
  {
    JsonlWriter w(p);
    w.append({{"width", 3}});
  }
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("partially written"), std::string::npos) << err;
  EXPECT_EQ(read_bytes(p), "{\"width\": 1}\n{\"width\":3}\n");
  // a complete last record that only lacks its newline is kept
  write_bytes(p, "{\"width\": 1}");
  {
    JsonlWriter w(p);
    w.append({{"width", 2}});
  }
  auto rows = read_jsonl(p);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1]["width"], 2);
  // a file holding only a fragment becomes empty, then gets the record
  write_bytes(p, "{\"wid");
  testing::internal::CaptureStderr();
  { JsonlWriter(p).append({{"a", 1}}); }
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(read_bytes(p), "{\"a\":1}\n");
}

TEST(Jsonl, NonUtf8StringsDoNotThrow) {
  auto p = scratch("utf") / "runs.jsonl";
  JsonlWriter w(p);
  EXPECT_NO_THROW(w.append({{"path", std::string("caf\xe9")}}));
  auto rows = read_jsonl(p);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["path"], "caf\xef\xbf\xbd");  // U+FFFD
}

TEST(Jsonl, BadInputs) {
  auto dir = scratch("bad");
  write_bytes(dir / "corrupt.jsonl", "{\"a\": 1}\nnot json\n{\"a\": 2}\n");
  EXPECT_INPUT_ERROR(read_jsonl(dir / "corrupt.jsonl"), "corrupt.jsonl:");
  EXPECT_INPUT_ERROR(read_jsonl(dir / "corrupt.jsonl"), "line 2");
  write_bytes(dir / "array.jsonl", "[1, 2]\n{\"a\": 2}\n");
  EXPECT_INPUT_ERROR(read_jsonl(dir / "array.jsonl"), "array.jsonl");
  EXPECT_INPUT_ERROR(read_jsonl(dir / "missing.jsonl"), "missing.jsonl");
  EXPECT_TRUE(read_jsonl(dir / "missing.jsonl", /*missing_ok=*/true).empty());
  fs::create_directories(dir / "adir.jsonl");
  EXPECT_INPUT_ERROR(read_jsonl(dir / "adir.jsonl"), "adir.jsonl");
  EXPECT_INPUT_ERROR(JsonlWriter(dir / "adir.jsonl"), "adir.jsonl");
  EXPECT_INPUT_ERROR(JsonlWriter(dir / "nodir" / "x.jsonl"), "x.jsonl");
  // blank lines are not records
  write_bytes(dir / "blank.jsonl", "\n{\"a\": 1}\n\n  \n{\"a\": 2}\n\n");
  EXPECT_EQ(read_jsonl(dir / "blank.jsonl").size(), 2u);
}

TEST(AtomicWrite, ReplacesWholeFileAndLeavesNoTemporary) {
  auto dir = scratch("atomic");
  write_file_atomic(dir / "report.md", "first version, rather long\n");
  write_file_atomic(dir / "report.md", "second\n");
  EXPECT_EQ(read_bytes(dir / "report.md"), "second\n");
  EXPECT_FALSE(fs::exists(dir / "report.md.tmp"));
  EXPECT_INPUT_ERROR(write_file_atomic(dir / "missing" / "r.md", "x"), "r.md");
  fs::create_directories(dir / "sub");
  EXPECT_INPUT_ERROR(write_file_atomic(dir / "sub", "x"), "sub");
}

namespace {
std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, sep)) out.push_back(cell);
  return out;
}
}  // namespace

TEST(Csv, ValuesRoundTripExactly) {
  auto p = scratch("csv") / "curve.csv";
  CsvTable t;
  t.columns = {"step", "train_loss", "test,acc"};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  t.rows = {{0, 0.1, 1.0 / 3.0}, {1, 1e-300, -2.5e17}, {2, nan, std::numeric_limits<double>::infinity()}};
  write_csv(p, t);
  EXPECT_FALSE(fs::exists(p.string() + ".tmp"));
  std::stringstream in(read_bytes(p));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "step,train_loss,\"test,acc\"");
  for (const auto& row : t.rows) {
    ASSERT_TRUE(std::getline(in, line));
    auto cells = split(line, ',');
    ASSERT_EQ(cells.size(), 3u) << line;
    for (int c = 0; c < 3; ++c) {
      double v;
      auto r = std::from_chars(cells[c].data(), cells[c].data() + cells[c].size(), v);
      ASSERT_EQ(r.ec, std::errc()) << cells[c];
      if (std::isnan(row[c]))
        EXPECT_TRUE(std::isnan(v));
      else
        EXPECT_EQ(v, row[c]) << cells[c];  // shortest round-trip form is exact
    }
  }
  EXPECT_FALSE(std::getline(in, line));
  t.rows.push_back({1.0});
  EXPECT_THROW(format_csv(t), std::invalid_argument);
}
