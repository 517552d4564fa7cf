// Golikov 2020 [G1] R10–R12 (theory.md §6.1): 3-hidden-layer MF nets collapse under GD, not under RMSProp.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numbers>
#include <set>

#include "reproduce/cases.h"
#include "reproduce/common.h"
#include "reproduce/golikov2020_common.h"
#include "widthlab/classification.h"
#include "widthlab/error.h"

namespace widthlab::repro {

using namespace g1;

// ---- R10–R12 ------------------------------------------------------------------------------------------------------

namespace {

// The three panels of [G1]'s main Fig. 2 (not seen here; theory.md §6.1 R10–R12) as override groups on the case config
// (which holds data, widths, seeds, steps).
struct Group {
  std::string id, title;
  std::vector<std::string> sets;
};
const std::vector<Group>& deep_groups() {
  static const std::vector<Group> groups = {
      {"h2-gd", "2 hidden layers, GD lr 0.02 (R10)", {"model.depth=2", "train.optimizer=gd", "train.lr=0.02"}},
      {"h3-gd", "3 hidden layers, GD lr 0.02 (R11)", {"model.depth=3", "train.optimizer=gd", "train.lr=0.02"}},
      {"h3-rmsprop",
       "3 hidden layers, RMSProp lr 0.0002 (R12)",
       {"model.depth=3", "train.optimizer=rmsprop", "train.lr=0.0002", "scaling.presets=[\"mf\"]"}},
  };
  return groups;
}

using Results = std::map<SweepRunKey, TrainResult>;

// Every group's sweep setup and run labels ("h3-gd/mf"), and the results of all runs.
struct DeepRuns {
  std::vector<SweepSetup> setups;
  std::vector<std::vector<std::string>> labels;
  Results res;
};

DeepRuns run_groups(const ReproduceContext& ctx) {
  DeepRuns d;
  std::vector<KeyedTask> tasks;
  for (const auto& g : deep_groups()) {
    Config c = apply_overrides(ctx.config, g.sets);
    d.setups.push_back(make_sweep_setup(c));
    d.labels.emplace_back();
    for (const auto& sc : d.setups.back().scalings) {
      d.labels.back().push_back(g.id + "/" + sc.name);
      for (int w : d.setups.back().widths)
        for (auto seed : d.setups.back().seeds_at(w))
          tasks.push_back(keyed_task(d.setups.back(), sc, w, seed, g.id + "/" + sc.name));
    }
  }
  d.res = run_tasks(ctx, d.setups.front().data, tasks, "golikov2020-deep");
  return d;
}

// Group g's table (test loss / acc per width and label) and its rows of deep.csv.
ReportTable group_table(const DeepRuns& d, std::size_t g, std::vector<std::vector<std::string>>& csv) {
  ReportTable t;
  t.title = deep_groups()[g].title + ": test loss / test acc (mean ± std over seeds)";
  t.columns = {"width"};
  for (const auto& l : d.labels[g]) t.columns.push_back(l);
  for (int w : d.setups[g].widths) {
    std::vector<std::string> row = {width_label(w)};
    for (const auto& l : d.labels[g]) {
      SeedStat tl = seed_stat(over_seeds(d.res, l, w, [](const TrainResult& r) { return metric(r, "test_loss"); }));
      SeedStat ta = seed_stat(over_seeds(d.res, l, w, [](const TrainResult& r) { return metric(r, "test_acc"); }));
      SeedStat rl = seed_stat(over_seeds(d.res, l, w, [](const TrainResult& r) { return metric(r, "train_loss"); }));
      row.push_back(fmt_stat(tl) + " / " + fmt_num(ta.mean));
      csv.push_back({l, std::to_string(w), fmt_num(tl.mean, 8), fmt_num(tl.std, 8), fmt_num(ta.mean, 8),
                     fmt_num(ta.std, 8), fmt_num(rl.mean, 8), fmt_num(rl.std, 8)});
    }
    t.rows.push_back(row);
  }
  return t;
}

void write_deep_csv(const std::filesystem::path& out, std::vector<std::vector<std::string>> csv) {
  for (auto& r : csv)
    for (auto& c : r)
      if (c == "diverged") c = "nan";
  write_table_csv(out / "deep.csv",
                  {"label", "width", "test_loss_mean", "test_loss_std", "test_acc_mean", "test_acc_std",
                   "train_loss_mean", "train_loss_std"},
                  csv);
}

// The sources of R10–R12. [G1]'s main Fig. 2 was not seen (theory.md §9): what the claims expect is derived in
// theory.md §6.1 and §5, the collapse at 3 hidden layers from the paper's abstract ([abs]).
constexpr const char* kR10Source =
    "[derived] theory.md §6.1 R10, §3.6, §5 (H = 2 trains); the paper's main Fig. 2 left was not seen here";
constexpr const char* kR11Source =
    "[derived] theory.md §6.1 R11, §5 ([G1] abstract: GD's MF limit is trivial from 3 hidden layers); the paper's main "
    "Fig. 2 centre was not seen here";
constexpr const char* kR12Source =
    "[derived] theory.md §6.1 R12, §5 ([G1] abstract: RMSProp's is not); the paper's main Fig. 2 right was not seen "
    "here";
// "Non-trivial" is a test loss at least this far below log 2 (f ≡ 0), at every width and in the extrapolated limit.
constexpr double kNontrivialMargin = 0.05;
// The rate of the extrapolation: a finite net's logits approach their MF limit like d^−1/2 (theory.md §4, CLT), the
// slowest finite-width correction the theory gives, so the extrapolated limit is the farthest one.
constexpr double kLimitRate = 0.5;
// The depth contrast's region: at H = 3 the first steps are d^−1/2 relative to each weight, at H = 2 the rank-one
// step of v^1 is O(1) (theory.md §5), so the 3-layer net's distance to log 2 shrinks against the 2-layer net's at
// least like d^−1/2: the exponent of their collapse ratios lies in (−∞, −1/2].
constexpr double kContrastExponent = -0.5;

// R10–R12 on the per-seed test loss of each label that was run (a label missing from the config has no claim).
void add_claims(CaseOutput& out, const DeepRuns& d, std::map<std::string, SeedGrid>& loss) {
  const auto test_loss = [](const TrainResult& r) { return metric(r, "test_loss"); };
  const std::vector<int>& W = d.setups.front().widths;
  auto claim_if = [&](const std::string& l, auto make) {
    if (loss.count(l)) out.claims.push_back(derived(make(loss[l])));
  };
  // The limit judged on the last doubling of the label's own widths (paired seeds).
  const auto nontrivial = [&](const std::string& l, const SeedGrid& v, const char* source) {
    std::vector<int> last_two;
    if (v.widths.size() >= 2) last_two = {int(v.widths[v.widths.size() - 2]), int(v.widths.back())};
    return judge_nontrivial_limit(v, aligned_seeds(d.res, l, last_two, test_loss), kLog2 - kNontrivialMargin,
                                  kLimitRate, source);
  };
  const std::string nontrivial_claim = fmt::format(
      "loss ≤ log 2 − {} at every width, and in the limit extrapolated from the last doubling at the rate d^−1/2",
      kNontrivialMargin);
  claim_if("h3-gd/mf", [&](const SeedGrid& v) {
    return ClaimCheck{
        "R11.mf-collapse",
        "3 hidden layers, GD: the MF net approaches f ≡ 0 (test loss → log 2) as width grows (distance "
        "to log 2 at least halves over the sweep)",
        "test loss → log 2 = 0.693 (theory.md §6.1 R11, §5; accuracy, which reads only the logits' sign, is not "
        "judged)",
        judge_approaches(v, kLog2, 0.5, kR11Source)};
  });
  if (loss.count("h3-gd/mf") && loss.count("h2-gd/mf") && W.size() >= 2) {
    const std::vector<int> ends = {W.front(), W.back()};
    AlignedSeeds h3 = aligned_seeds(d.res, "h3-gd/mf", ends, test_loss);
    AlignedSeeds h2 = aligned_seeds(d.res, "h2-gd/mf", ends, test_loss);
    std::vector<std::uint64_t> both;
    std::set_intersection(h3.seeds.begin(), h3.seeds.end(), h2.seeds.begin(), h2.seeds.end(), std::back_inserter(both));
    h3 = aligned_seeds(d.res, "h3-gd/mf", ends, test_loss, both);
    h2 = aligned_seeds(d.res, "h2-gd/mf", ends, test_loss, both);
    out.claims.push_back(derived(
        {"R11.mf-collapse-vs-2",
         "MF with GD collapses at 3 hidden layers, not at 2: over the same widths and seeds, the 3-layer net's "
         "distance "
         "to log 2 shrinks against the 2-layer net's at least like d^−1/2 (exponent of their collapse ratios ≤ −1/2)",
         "3 hidden layers → f ≡ 0, 2 hidden layers non-trivial (theory.md §6.1 R10, R11; §5: first steps d^−1/2 "
         "relative at H = 3, O(1) at H = 2)",
         judge_collapse_contrast(h3, h2, kLog2, kContrastExponent, kR11Source)}));
  }
  claim_if("h2-gd/mf", [&](const SeedGrid& v) {
    return ClaimCheck{
        "R10.mf-nontrivial", "2 hidden layers, GD: MF stays non-trivial as width grows (" + nontrivial_claim + ")",
        "loss well below log 2, roughly flat in d (theory.md §6.1 R10)", nontrivial("h2-gd/mf", v, kR10Source)};
  });
  claim_if("h2-gd/mf", [&](const SeedGrid& v) {
    return ClaimCheck{"R10.mf-flat",
                      "2 hidden layers, GD: MF test loss roughly flat in width (fitted change within ±0.02)",
                      "roughly flat in d (theory.md §6.1 R10)", judge_flat(v, 0.02, kR10Source)};
  });
  claim_if("h3-rmsprop/mf", [&](const SeedGrid& v) {
    return ClaimCheck{"R12.rmsprop-nontrivial",
                      "3 hidden layers, RMSProp: MF stays non-trivial as width grows (" + nontrivial_claim + ")",
                      "non-trivial, roughly width-independent (theory.md §6.1 R12)",
                      nontrivial("h3-rmsprop/mf", v, kR12Source)};
  });
  claim_if("h3-rmsprop/mf", [&](const SeedGrid& v) {
    return ClaimCheck{"R12.rmsprop-flat",
                      "3 hidden layers, RMSProp: MF test loss roughly width-independent (fitted change within ±0.02)",
                      "roughly width-independent (theory.md §6.1 R12)", judge_flat(v, 0.02, kR12Source)};
  });
  for (const char* other : {"h3-gd/ntk", "h3-gd/sp"})
    claim_if(other, [&](const SeedGrid& v) {
      return ClaimCheck{fmt::format("R11.{}-nontrivial", other + 6),
                        fmt::format("3 hidden layers, GD: {} does not collapse ({})", other + 6, nontrivial_claim),
                        "NTK and default do not approach f ≡ 0 (theory.md §6.1 R11)", nontrivial(other, v, kR11Source)};
    });
}

// What the verdicts say about the paper's contrast (generated from them): the depth contrast and the 2-layer limit.
std::string contrast_note(const CaseOutput& out) {
  const ClaimCheck *contrast = nullptr, *nontrivial = nullptr;
  for (const auto& c : out.claims) {
    if (c.id == "R11.mf-collapse-vs-2") contrast = &c;
    if (c.id == "R10.mf-nontrivial") nontrivial = &c;
  }
  if (!contrast || !nontrivial) return "";
  return fmt::format(
      "The paper contrasts 3 hidden layers (MF collapses under GD) with 2 (it does not). Here the contrast of the two "
      "depths' approach to log 2 (R11.mf-collapse-vs-2) {}; whether the 2-layer MF net stays non-trivial as width "
      "grows (R10.mf-nontrivial) {}. A 2-layer MF net approaches a limit that trains (theory.md §3.6, §5), but in 50 "
      "GD steps at lr 0.02 that limit barely learns, so its loss may lie close to log 2 "
      "(docs/measurements/deep_mf_limit measures one such limit).",
      contrast->result.verdict == Verdict::holds   ? "holds"
      : contrast->result.verdict == Verdict::fails ? "does not hold"
                                                   : "is inconclusive",
      nontrivial->result.verdict == Verdict::holds   ? "holds"
      : nontrivial->result.verdict == Verdict::fails ? "does not hold"
                                                     : "is not established by this sweep (inconclusive)");
}

// What R11's "does not collapse" claims can tell (generated from the losses): the bound log 2 − margin against the
// reference net, which every scaling shares at the narrowest width, and each label's distance to log 2 at the widest
// width against the second-narrowest (the first width where the scalings differ), beside MF's.
std::string nontrivial_margin_note(const CaseOutput& out, const std::map<std::string, SeedGrid>& loss) {
  const auto mf = loss.find("h3-gd/mf");
  if (mf == loss.end() || mf->second.widths.size() < 3) return "";
  const auto distance_ratio = [](const SeedGrid& v) {
    const std::vector<double> m = v.means();
    return std::abs(m.back() - kLog2) / std::abs(m[1] - kLog2);
  };
  std::string parts;
  for (const char* label : {"h3-gd/ntk", "h3-gd/sp"}) {
    const auto it = loss.find(label);
    const auto claim = std::find_if(out.claims.begin(), out.claims.end(), [&](const ClaimCheck& c) {
      return c.id == fmt::format("R11.{}-nontrivial", label + 6);
    });
    if (it == loss.end() || claim == out.claims.end() || it->second.widths != mf->second.widths) continue;
    parts += fmt::format("{}{} {} (its distance to log 2 at {} is {:.3g} of that at {})", parts.empty() ? "" : "; ",
                         claim->id, verdict_name(claim->result.verdict), width_label(it->second.widths.back()),
                         distance_ratio(it->second), width_label(it->second.widths[1]));
  }
  if (parts.empty()) return "";
  const double reference = mf->second.means().front();
  return fmt::format(
      "What the 3-layer \"does not collapse\" claims can tell: the reference net at {} (one net, the same for every "
      "scaling) ends at test loss {:.4g}, only {:.2g} below their bound log 2 − {} = {:.4g}: in 50 GD steps at lr 0.02 "
      "the 3-layer nets learn little, so the bound tests how fast a net learns as much as whether it collapses. {}; "
      "MF's, which collapses, is {:.3g}. The claims and their bound were fixed before the run and are judged as "
      "stated.",
      width_label(mf->second.widths.front()), reference, kLog2 - kNontrivialMargin - reference, kNontrivialMargin,
      kLog2 - kNontrivialMargin, parts, distance_ratio(mf->second));
}

}  // namespace

CaseOutput run_golikov2020_deep(const ReproduceContext& ctx) {
  const DeepRuns d = run_groups(ctx);
  const auto& groups = deep_groups();
  CaseOutput out;
  out.setup = "- data: " + data_line(d.setups.front().data) + "\n";
  for (std::size_t i = 0; i < groups.size(); ++i)
    out.setup += fmt::format("- {}: {}\n", groups[i].title,
                             sizes_line(d.setups[i], apply_overrides(ctx.config, groups[i].sets)));
  std::vector<std::vector<std::string>> csv;
  std::map<std::string, SeedGrid> loss;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    out.tables.push_back(group_table(d, g, csv));
    for (const auto& l : d.labels[g]) loss[l] = metric_grid(d.res, l, d.setups[g].widths, "test_loss");
  }
  write_deep_csv(ctx.out, csv);
  add_claims(out, d, loss);
  if (std::string note = contrast_note(out); !note.empty()) out.notes.push_back(note);
  if (std::string note = nontrivial_margin_note(out, loss); !note.empty()) out.notes.push_back(note);
  out.plots = {"deep.png"};
  return out;
}

}  // namespace widthlab::repro
