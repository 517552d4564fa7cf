#include <gtest/gtest.h>
#include <unistd.h>

#include "cli/cli_helpers.h"
#include "widthlab/activation.h"
#include "widthlab/limit_models.h"
#include "widthlab/loss.h"
#include "widthlab/optimizer.h"
#include "widthlab/scaling.h"

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
  EXPECT_NE(r.err.find("'no-such-verb': unknown verb; expected one of: classify, config,"), std::string::npos) << r.err;
  auto none = run_cli("--quiet");
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("no verb given; expected one of:"), std::string::npos) << none.err;
  auto negative = run_cli("train --threads -1 --out x");
  EXPECT_EQ(negative.code, 2);
  EXPECT_EQ(negative.err, "widthlab: --threads: -1: expected an integer in [0, 4096] (0 = all cores)\n");
  auto f = run_cli("list --no-such-flag");
  EXPECT_EQ(f.code, 2);
  EXPECT_NE(f.err.find("no-such-flag"), std::string::npos);
  // Audit: a mistyped flag beside a missing required one was reported as "--out is required" alone.
  for (const char* args : {"train --nope", "--quiet train --threads 1 --nope=3"}) {
    auto typo = run_cli(args);
    EXPECT_EQ(typo.code, 2) << args;
    EXPECT_EQ(typo.err.rfind("widthlab train --nope: unknown flag (`widthlab train --help` lists its flags)", 0), 0u)
        << typo.err;
    EXPECT_EQ(widthlab::test::lines(typo.err), 1) << typo.err;
  }
  EXPECT_NE(run_cli("train --out").err.find("--out"), std::string::npos);  // a known flag's own error stays CLI11's
}

// `list` prints every registry a config or flag names, each name from the registry itself.
TEST(Cli, ListPrintsEveryRegistryByName) {
  auto r = run_cli("list");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* section : {"activations:", "losses", "optimizers", "scaling presets", "limit models"})
    EXPECT_NE(r.out.find(section), std::string::npos) << section;
  for (const auto& a : widthlab::activation_registry()) EXPECT_NE(r.out.find("  " + a.name + " "), std::string::npos);
  for (const auto& l : widthlab::loss_registry()) {  // name, description and aliases (issue: names only)
    EXPECT_NE(r.out.find("  " + l.name + " "), std::string::npos) << l.name;
    EXPECT_NE(r.out.find(l.description), std::string::npos) << l.name;
    for (const auto& a : l.aliases) EXPECT_NE(r.out.find(a), std::string::npos) << a;
  }
  for (const auto& o : widthlab::optimizer_registry())
    EXPECT_NE(r.out.find("  " + o.name + " "), std::string::npos) << o.name;
  for (const auto& p : widthlab::scaling_registry()) EXPECT_NE(r.out.find("  " + p.name), std::string::npos) << p.name;
  for (const auto& m : widthlab::limit_model_table())
    EXPECT_NE(r.out.find("  " + m.name + " "), std::string::npos) << m.name;
}
