// Helpers of the end-to-end CLI tests: run the widthlab binary (or any command line) capturing exit code, stdout and
// stderr; scratch directories and small files; the fixture inputs of the kernel / predict tests; runs.jsonl records.
#pragma once
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "widthlab/architecture.h"
#include "widthlab/npy.h"
#include "widthlab/tensor.h"

namespace widthlab::test {

struct CliResult {
  int code = -1;
  std::string out, err;
};

// The whole file (binary-safe); "" when it cannot be read.
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

// Non-empty lines of a file (e.g. complete records of a .jsonl).
inline int count_lines(const std::filesystem::path& p) {
  std::ifstream f(p);
  int n = 0;
  for (std::string line; std::getline(f, line);) n += !line.empty();
  return n;
}

// Newlines in a text (a one-line error message has exactly one).
inline int lines(const std::string& s) { return int(std::count(s.begin(), s.end(), '\n')); }

// Runs a shell command line; its stdout and stderr go through files under the build tree's test-tmp.
inline CliResult run_command(const std::string& command) {
  static int counter = 0;
  std::filesystem::create_directories(WIDTHLAB_TEST_TMP);
  std::string base =
      std::string(WIDTHLAB_TEST_TMP) + "/cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::string cmd = command + " >" + base + ".out 2>" + base + ".err";
  int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(base + ".out");
  r.err = read_file(base + ".err");
  std::filesystem::remove(base + ".out");
  std::filesystem::remove(base + ".err");
  return r;
}

// `args` is appended to the binary path as shell words (quote them yourself).
inline CliResult run_cli(const std::string& args) { return run_command(std::string(WIDTHLAB_CLI) + " " + args); }

// A fresh scratch directory under the build tree's test-tmp.
inline std::string scratch_dir(const std::string& name) {
  auto p = std::filesystem::path(WIDTHLAB_TEST_TMP) / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

// Smooth fixture inputs with distinct rows: X(i, j) = sin(1.3 i + 0.7 j + shift).
inline MatrixD sin_inputs(int n, int d, double shift) {
  MatrixD X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = std::sin(1.3 * i + 0.7 * j + shift);
  return X;
}

// A binary task for predict and kernel: DIR/x.npy (6 × d training inputs), DIR/t.npy (m × d test inputs) and
// DIR/y.npy (labels ±1, alternating).
inline void write_binary_task(const std::string& dir, int d, int m) {
  npy_write(dir + "/x.npy", sin_inputs(6, d, 0));
  npy_write(dir + "/t.npy", sin_inputs(m, d, 0.3));
  VectorD y(6);
  for (int i = 0; i < 6; ++i) y[i] = i % 2 ? 1.0 : -1.0;
  npy_write(dir + "/y.npy", y);
}

// A float64 .npy of shape (N, H, W, C) holding X's rows (C order), written by hand (npy_write is 2-D only).
inline void write_images(const std::string& path, const MatrixD& X, const ImageShape& s) {
  std::string dict = fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}, {}, {}), }}", X.rows(),
                                 s.height, s.width, s.channels);
  const std::size_t total = 10 + dict.size() + 1, padded = (total + 63) / 64 * 64;
  dict += std::string(padded - total, ' ') + "\n";
  std::string bytes = "\x93NUMPY\x01";
  bytes += '\0';
  bytes += char(dict.size() & 0xff);
  bytes += char(dict.size() >> 8);
  bytes += dict;
  bytes.append(reinterpret_cast<const char*>(X.data()), std::size_t(X.size()) * sizeof(double));
  std::ofstream(path, std::ios::binary) << bytes;
}

// "<scaling>_w<width>_s<seed>" of a runs.jsonl record.
inline std::string run_key(const nlohmann::json& record) {
  return record["scaling"].get<std::string>() + "_w" + std::to_string(record["width"].get<int>()) + "_s" +
         std::to_string(record["seed"].get<int>());
}

// The records of a runs.jsonl, one per non-empty line. A line that is not JSON (a run killed mid-write) is skipped
// with skip_partial, else it throws (nlohmann::json::parse_error).
inline std::vector<nlohmann::json> read_run_records(const std::filesystem::path& runs, bool skip_partial = false) {
  std::vector<nlohmann::json> out;
  std::ifstream f(runs);
  for (std::string line; std::getline(f, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/!skip_partial);
    if (j.is_discarded()) continue;
    out.push_back(std::move(j));
  }
  return out;
}

// Starts `widthlab train --quiet --config CONFIG --out OUT` and kills it with SIGKILL as soon as OUT/runs.jsonl holds
// `min_runs` lines (or after 120 s). Returns whether it died by the signal (false: the sweep finished first);
// `seen` gets the line count at the kill.
inline bool kill_train_after_runs(const std::string& config, const std::string& out, int min_runs, int* seen) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(WIDTHLAB_CLI, WIDTHLAB_CLI, "train", "--quiet", "--config", config.c_str(), "--out", out.c_str(),
          (char*)nullptr);
    _exit(127);
  }
  const auto runs = std::filesystem::path(out) / "runs.jsonl";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  *seen = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(runs) && (*seen = count_lines(runs)) >= min_runs) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status);
}

// Exit 2, one stderr line holding `needle`, nothing on stdout: the contract for bad input.
inline void expect_refused(const CliResult& r, const std::string& needle) {
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "") << r.out;
}

}  // namespace widthlab::test
