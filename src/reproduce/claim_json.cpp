// claims.json's claim records (claim_json.h).
#include "reproduce/claim_json.h"

#include <cmath>

namespace widthlab {
namespace {

nlohmann::json finite_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

// claims.json's "estimate" of a claim judged on one estimate (VerdictResult::judged): the statistic, its value, the
// 95 % interval and the interval the verdict was judged on (widened by the bootstrap's Monte Carlo band, theory.md
// §8.7); null for counts and composite verdicts. A side that is not finite is null.
nlohmann::json judged_estimate_json(const VerdictResult& r) {
  if (!r.judged) return nullptr;
  const auto v = finite_or_null;
  const Estimate& e = r.judged->estimate;
  const Estimate w = e.widened();
  return {
      {"statistic", r.judged->statistic}, {"value", v(e.value)},     {"ci_low", v(e.lo)},       {"ci_high", v(e.hi)},
      {"widened_low", v(w.lo)},           {"widened_high", v(w.hi)}, {"resamples", e.resamples}};
}

// claims.json's "region": [lo, hi] and its source; an unbounded side is null.
nlohmann::json judged_region_json(const VerdictResult& r) {
  if (!r.judged) return nullptr;
  const auto v = finite_or_null;
  const ClaimRegion& g = r.judged->region;
  return {{"low", v(g.lo)}, {"high", v(g.hi)}, {"source", g.source}};
}

}  // namespace

nlohmann::json claim_json(const ClaimCheck& c) {
  return {{"id", c.id},
          {"claim", c.claim},
          {"published", c.published},
          {"measured", c.result.detail},
          {"estimate", judged_estimate_json(c.result)},
          {"region", judged_region_json(c.result)},
          {"verdict", verdict_name(c.result.verdict)},
          {"sanity", c.sanity},
          {"uninformative", c.uninformative},
          {"source_kind", source_kind_name(c.source_kind)}};
}

}  // namespace widthlab
