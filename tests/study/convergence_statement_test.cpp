// convergence_statement (report.h): "approaches" only with all three pieces of evidence and every width measured,
// against a limit; each missing piece is named, and a comparison with the widest net (no stable limit, or a proxy)
// never "approaches".
#include <gtest/gtest.h>

#include <cmath>

#include "widthlab/report.h"

using namespace widthlab;

namespace {

RateFit fit(double slope, double lo, double hi) {
  RateFit f;
  f.ok = true;
  f.slope = slope;
  f.ci_low = lo;
  f.ci_high = hi;
  f.widths_used = 4;
  return f;
}

// Four widths 128…1024 with distance c·d^p (and the same for |Δ test loss| through rate_dloss).
ReportScaling scaling(double p, const std::string& kind) {
  ReportScaling s;
  s.limit_kind = kind;
  for (int w : {128, 256, 512, 1024}) {
    ReportWidthRow r;
    r.width = w;
    r.distance.mean = 3.0 * std::pow(w, p);
    r.distance.n = 5;
    s.rows.push_back(r);
  }
  s.rate = fit(p, p - 0.05, p + 0.05);
  s.rate_dloss = fit(p, p - 0.1, p + 0.1);
  s.theory = -0.5;
  return s;
}

}  // namespace

TEST(ConvergenceStatement, ApproachesOnlyWithAllThreePieces) {
  const Convergence yes = convergence_statement(scaling(-0.5, "limit"));
  EXPECT_TRUE(yes.approaches);
  EXPECT_NEAR(yes.local_exponent, -0.5, 1e-12);
  EXPECT_NE(yes.statement.find("approach the limit"), std::string::npos);

  ReportScaling flat_last = scaling(-0.5, "limit");
  flat_last.rows.back().distance.mean = flat_last.rows[2].distance.mean * 0.98;  // the last doubling floors
  const Convergence floor = convergence_statement(flat_last);
  EXPECT_FALSE(floor.approaches);
  EXPECT_TRUE(floor.plateau);
  EXPECT_NE(floor.statement.find("a floor"), std::string::npos) << floor.statement;

  ReportScaling normalised_only = scaling(-0.5, "limit");
  normalised_only.rate_dloss = fit(0.05, -0.1, 0.2);  // |Δ test loss| does not shrink, no sign gaps
  const Convergence norm = convergence_statement(normalised_only);
  EXPECT_FALSE(norm.approaches);
  EXPECT_NE(norm.statement.find("neither |Δ test loss| nor the sign gap shrinks"), std::string::npos);
  EXPECT_NE(norm.statement.find("it would halve by d ≈ 4096"), std::string::npos) << norm.statement;

  ReportScaling straddles = scaling(-0.2, "limit");
  straddles.rate = fit(-0.2, -0.5, 0.1);
  EXPECT_FALSE(convergence_statement(straddles).approaches);
}

TEST(ConvergenceStatement, TheWidestNetIsNoLimit) {
  for (const char* kind : {"no stable limit", "limit proxy"}) {
    const Convergence c = convergence_statement(scaling(-0.5, kind));
    EXPECT_FALSE(c.approaches) << kind;
    EXPECT_TRUE(c.interval_below_zero) << kind;  // the evidence is still reported as measured
    EXPECT_NE(c.statement.find("No limit to approach"), std::string::npos) << c.statement;
    EXPECT_NE(c.statement.find("d = 1024"), std::string::npos) << c.statement;
  }
}

// (c) through the sign gap: its change from the narrowest to the widest width must have the jackknife interval of its
// log ratio below zero; a point ratio that falls (×0.5) with an interval reaching above zero is not evidence.
TEST(ConvergenceStatement, TheSignGapCountsOnlyWithItsIntervalBelowZero) {
  ReportScaling s = scaling(-0.5, "limit");
  s.rate_dloss = fit(0.05, -0.1, 0.2);  // |Δ test loss| does not shrink
  s.sign_gap_change.from_width = 128, s.sign_gap_change.to_width = 1024;
  s.sign_gap_change.seeds = 10, s.sign_gap_change.limit_seeds = 3;
  s.sign_gap_change.log_ratio = {std::log(0.5), std::log(0.5) - 0.6, std::log(0.5) + 0.8};
  const Convergence wide = convergence_statement(s);
  EXPECT_FALSE(wide.free_metric_shrinks);
  EXPECT_FALSE(wide.approaches);
  EXPECT_NE(wide.statement.find("sign gap ratio d = 1024 / d = 128 over 10 paired seeds and 3 limit runs: 0.5 ["),
            std::string::npos)
      << wide.statement;

  s.sign_gap_change.log_ratio = {std::log(0.5), std::log(0.5) - 0.3, std::log(0.5) + 0.3};
  const Convergence falls = convergence_statement(s);
  EXPECT_TRUE(falls.free_metric_shrinks);
  EXPECT_TRUE(falls.approaches) << falls.statement;
  // The statement names its evidence, the metric that does not confirm it, and the fitted rate's halving width.
  EXPECT_NE(falls.statement.find("the sign gap falls (sign gap ratio d = 1024 / d = 128"), std::string::npos)
      << falls.statement;
  EXPECT_NE(falls.statement.find("(|Δ test loss| is not shown to shrink: d^0.050 [-0.100, 0.200])"), std::string::npos)
      << falls.statement;
  EXPECT_NE(falls.statement.find("the exponent's interval [-0.55, -0.45] is below zero"), std::string::npos)
      << falls.statement;
  EXPECT_NE(falls.statement.find("at the fitted rate d^-0.50 the distance would halve by d ≈ 4.1e+03"),
            std::string::npos)
      << falls.statement;
}

// Audit (golikov2021-regions' sym-default points): the sign gap fell while the nets' test loss moved away from the
// limit's (|Δ test loss| d^+0.015 [0.009, 0.021]) and the report said "approach". A normalisation-free metric whose
// interval lies above zero blocks "approaches", whatever the other one does; one that merely straddles zero does not.
TEST(ConvergenceStatement, AGrowingNormalisationFreeMetricBlocksApproaches) {
  ReportScaling s = scaling(-0.5, "limit");
  s.sign_gap_change.from_width = 128, s.sign_gap_change.to_width = 1024;
  s.sign_gap_change.seeds = 10, s.sign_gap_change.limit_seeds = 3;
  s.sign_gap_change.log_ratio = {std::log(0.7), std::log(0.7) - 0.1, std::log(0.7) + 0.1};
  s.rate_dloss = fit(0.015, 0.009, 0.021);
  const Convergence grows = convergence_statement(s);
  EXPECT_TRUE(grows.free_metric_grows);
  EXPECT_FALSE(grows.free_metric_shrinks);
  EXPECT_FALSE(grows.approaches);
  EXPECT_NE(grows.statement.find("a normalisation-free metric grows with the width (|Δ test loss| d^0.015 [0.009, "
                                 "0.021]; sign gap ratio"),
            std::string::npos)
      << grows.statement;

  s.rate_dloss = fit(-0.5, -0.6, -0.4);  // |Δ test loss| shrinks, the sign gap grows
  s.sign_gap_change.log_ratio = {std::log(1.5), std::log(1.5) - 0.1, std::log(1.5) + 0.1};
  EXPECT_FALSE(convergence_statement(s).approaches);

  s.rate_dloss = fit(0.009, -0.001, 0.02);  // straddles zero: not shown to grow, and the sign gap falls
  s.sign_gap_change.log_ratio = {std::log(0.7), std::log(0.7) - 0.1, std::log(0.7) + 0.1};
  const Convergence straddles = convergence_statement(s);
  EXPECT_FALSE(straddles.free_metric_grows);
  EXPECT_TRUE(straddles.approaches) << straddles.statement;
}

// Audit: `widthlab study --bootstrap 0` wrote "the exponent's interval [nan, nan] is not below zero". A fit without
// bootstrap resamples has no interval: the statement says so, and with every other piece of evidence present it is
// still no convergence.
TEST(ConvergenceStatement, NoBootstrapMeansNoIntervalAndNoConvergence) {
  ReportScaling s = scaling(-0.5, "limit");
  s.rate = fit(-0.5, RateFit::nan, RateFit::nan);  // what fit_rate gives with 0 resamples
  s.rate_dloss = fit(-0.5, RateFit::nan, RateFit::nan);
  s.sign_gap_change.from_width = 128, s.sign_gap_change.to_width = 1024;  // (c) through the sign gap (jackknife)
  s.sign_gap_change.seeds = 10, s.sign_gap_change.limit_seeds = 3;
  s.sign_gap_change.log_ratio = {std::log(0.5), std::log(0.5) - 0.3, std::log(0.5) + 0.3};
  const Convergence c = convergence_statement(s);
  EXPECT_FALSE(c.interval_below_zero);
  EXPECT_FALSE(c.approaches);
  EXPECT_NE(c.statement.find("No convergence is established"), std::string::npos) << c.statement;
  EXPECT_NE(c.statement.find("the exponent has no interval (--bootstrap 0"), std::string::npos) << c.statement;
  EXPECT_EQ(c.statement.find("nan"), std::string::npos) << c.statement;
}

// The fit and the last doubling use the widths that have a distance; when the widest swept width has one for fewer
// than half of its seeds (its runs diverged), all the evidence is about narrower nets and nothing is claimed.
TEST(ConvergenceStatement, TheWidestWidthMustHaveADistanceForHalfItsSeeds) {
  auto with_widest = [](int distances, int diverged) {
    ReportScaling s = scaling(-0.5, "limit");
    ReportWidthRow r;
    r.width = 2048;
    r.ok = distances;
    r.diverged = diverged;
    r.distance.n = distances;
    if (distances > 0) r.distance.mean = 3.0 * std::pow(2048.0, -0.5);
    s.rows.push_back(r);
    return convergence_statement(s);
  };
  const Convergence none = with_widest(0, 5);
  EXPECT_FALSE(none.widest_measured);
  EXPECT_FALSE(none.approaches);
  EXPECT_TRUE(none.interval_below_zero);  // the narrower widths' evidence is still reported as measured
  EXPECT_NE(none.statement.find("No convergence is established up to d = 2048"), std::string::npos) << none.statement;
  EXPECT_NE(none.statement.find("the widest width d = 2048 has a distance for 0 of its 5 seeds"), std::string::npos)
      << none.statement;
  EXPECT_FALSE(with_widest(2, 3).approaches);
  const Convergence most = with_widest(3, 2);
  EXPECT_TRUE(most.widest_measured);
  EXPECT_TRUE(most.approaches) << most.statement;
  EXPECT_NE(most.statement.find("approach the limit up to d = 2048"), std::string::npos) << most.statement;
}

// Fewer than 3 seeds (or limit runs) to resample: no interval, and the statement gives that reason, not --bootstrap.
TEST(ConvergenceStatement, TooFewSeedsIsTheReasonGivenForNoInterval) {
  ReportScaling s = scaling(-0.5, "limit");
  s.rate = fit(-0.5, RateFit::nan, RateFit::nan);
  s.rate.too_few_units = true;
  s.rate.note = "2 seed(s): fewer than 3 give no interval";
  const Convergence c = convergence_statement(s);
  EXPECT_FALSE(c.approaches);
  EXPECT_NE(c.statement.find("the exponent has no interval (2 seed(s): fewer than 3 give no interval)"),
            std::string::npos)
      << c.statement;
  EXPECT_EQ(c.statement.find("--bootstrap"), std::string::npos) << c.statement;
}

// A narrower width where most runs diverged is no sample of that width (its survivors' mean): with every other piece
// of evidence present, nothing is claimed, and the statement names the width and its counts.
TEST(ConvergenceStatement, EveryWidthMustHaveADistanceForHalfItsRuns) {
  ReportScaling s = scaling(-0.5, "limit");
  ReportWidthRow& middle = s.rows[1];  // d = 256
  middle.ok = 2, middle.diverged = 3, middle.distance.n = 2;
  const Convergence c = convergence_statement(s);
  EXPECT_TRUE(c.widest_measured);
  EXPECT_EQ(c.undermeasured_widths, std::vector<int>{256});
  EXPECT_FALSE(c.approaches);
  EXPECT_NE(c.statement.find("d = 256 (2 of 5) has a distance for fewer than half of its runs"), std::string::npos)
      << c.statement;
  middle.diverged = 2;  // 2 of 4: half
  EXPECT_TRUE(convergence_statement(s).approaches);
}
