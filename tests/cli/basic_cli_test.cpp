#include <gtest/gtest.h>
#include <unistd.h>

#include "cli/cli_helpers.h"

using widthlab::test::run_cli;

TEST(Cli, VersionAndHelp) {
  auto v = run_cli("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("widthlab"), std::string::npos);
  auto h = run_cli("--help");
  EXPECT_EQ(h.code, 0);
  EXPECT_NE(h.out.find("list"), std::string::npos);
}

TEST(Cli, UnknownVerbOrFlagExitsTwo) {
  auto r = run_cli("no-such-verb");
  EXPECT_EQ(r.code, 2);
  EXPECT_FALSE(r.err.empty());
  auto f = run_cli("list --no-such-flag");
  EXPECT_EQ(f.code, 2);
  EXPECT_NE(f.err.find("no-such-flag"), std::string::npos);
}
