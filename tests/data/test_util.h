// Scratch files for the data and I/O tests: a fresh directory per test under WIDTHLAB_TEST_TMP, byte writers, and
// a check that a statement throws InputError whose message names the input.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "widthlab/error.h"

namespace widthlab::test {

inline std::filesystem::path scratch(const std::string& name) {
  std::filesystem::path base;
  if (const char* env = std::getenv("WIDTHLAB_TEST_TMP"); env && *env) base = env;
#ifdef WIDTHLAB_TEST_TMP
  else
    base = WIDTHLAB_TEST_TMP;
#else
  else
    base = std::filesystem::temp_directory_path();
#endif
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = info ? std::string(info->test_suite_name()) + "." + info->name() : "none";
  auto p = base / ("io_" + std::to_string(::getpid()) + "_" + test + "_" + name);
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

inline void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), std::streamsize(bytes.size()));
  ASSERT_TRUE(f.good()) << p;
}

// The bytes of a version-2.0 .npy file whose header dict is `dict` (numpy uses 2.0 for headers over 64 KiB) and
// payload `data`: hand-made headers for the reader's error paths.
inline std::string npy_v2_bytes(const std::string& dict, const std::string& data) {
  std::string body = dict + "\n";
  std::string out("\x93NUMPY\x02\x00", 8);
  for (int i = 0; i < 4; ++i) out.push_back(char((body.size() >> (8 * i)) & 0xff));
  return out + body + data;
}

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Whether the current user can write into a directory whose mode forbids it (root can).
inline bool can_write_despite_mode(const std::filesystem::path& dir) {
  auto probe = dir / "probe";
  std::ofstream f(probe);
  bool ok = f.good();
  f.close();
  std::filesystem::remove(probe);
  return ok;
}

}  // namespace widthlab::test

// Expects `stmt` to throw widthlab::InputError with a one-line message containing `needle` (the input's name).
#define EXPECT_INPUT_ERROR(stmt, needle)                                                                            \
  do {                                                                                                              \
    try {                                                                                                           \
      stmt;                                                                                                         \
      ADD_FAILURE() << "expected InputError naming '" << (needle) << "' from: " #stmt;                              \
    } catch (const widthlab::InputError& e_) {                                                                      \
      std::string m_ = e_.what();                                                                                   \
      EXPECT_NE(m_.find(needle), std::string::npos) << "message '" << m_ << "' does not name '" << (needle) << "'"; \
      EXPECT_EQ(m_.find('\n'), std::string::npos) << "message is not one line: " << m_;                             \
    }                                                                                                               \
  } while (0)
