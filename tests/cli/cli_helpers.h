// Runs the widthlab binary for end-to-end CLI tests and captures exit code, stdout and stderr.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace widthlab::test {

struct CliResult {
  int code = -1;
  std::string out, err;
};

// `args` is appended to the binary path as shell words (quote them yourself).
inline CliResult run_cli(const std::string& args) {
  static int counter = 0;
  std::filesystem::create_directories(WIDTHLAB_TEST_TMP);
  std::string base = std::string(WIDTHLAB_TEST_TMP) + "/cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::string cmd = std::string(WIDTHLAB_CLI) + " " + args + " >" + base + ".out 2>" + base + ".err";
  int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto slurp = [](const std::string& p) { std::ifstream f(p); std::stringstream s; s << f.rdbuf(); return s.str(); };
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  std::filesystem::remove(base + ".out");
  std::filesystem::remove(base + ".err");
  return r;
}

// A fresh scratch directory under the build tree's test-tmp.
inline std::string scratch_dir(const std::string& name) {
  auto p = std::filesystem::path(WIDTHLAB_TEST_TMP) / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

}  // namespace widthlab::test
