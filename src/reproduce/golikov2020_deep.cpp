// Golikov 2020 [G1] R10–R12 (theory.md §6.1): 3-hidden-layer MF nets collapse under GD, not under RMSProp.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
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

// The three panels of [G1] Fig. 2 as override groups on the case config (which holds data, widths, seeds, steps).
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

// R10–R12 on the per-seed test loss of each label that was run (a label missing from the config has no claim).
void add_claims(CaseOutput& out, std::map<std::string, SeedGrid>& loss) {
  auto claim_if = [&](const std::string& l, auto make) {
    if (loss.count(l)) out.claims.push_back(make(loss[l]));
  };
  claim_if("h3-gd/mf", [&](const SeedGrid& v) {
    return ClaimCheck{"R11.mf-collapse",
                      "3 hidden layers, GD: the MF net approaches f ≡ 0 (test loss → log 2) as width grows (distance "
                      "to log 2 at least halves over the sweep)",
                      "test loss → log 2 = 0.693, accuracy → 0.5 (theory.md §6.1 R11, §5)",
                      judge_approaches(v, kLog2, 0.5, "[G1] Fig. 2, theory.md §6.1 R11, §5")};
  });
  claim_if("h2-gd/mf", [&](const SeedGrid& v) {
    return ClaimCheck{"R10.mf-nontrivial",
                      "2 hidden layers, GD: MF stays non-trivial at every width (loss ≤ log 2 − "
                      "0.05)",
                      "loss well below log 2, roughly flat in d (theory.md §6.1 R10)",
                      judge_below(v, kLog2 - 0.05, "[G1] Fig. 2, theory.md §6.1 R10")};
  });
  claim_if("h2-gd/mf", [&](const SeedGrid& v) {
    return ClaimCheck{"R10.mf-flat",
                      "2 hidden layers, GD: MF test loss roughly flat in width (fitted change within ±0.02)",
                      "roughly flat in d (theory.md §6.1 R10)", judge_flat(v, 0.02, "[G1] Fig. 2, theory.md §6.1 R10")};
  });
  claim_if("h3-rmsprop/mf", [&](const SeedGrid& v) {
    return ClaimCheck{"R12.rmsprop-nontrivial",
                      "3 hidden layers, RMSProp: MF stays non-trivial at every width (loss ≤ log 2 − 0.05)",
                      "non-trivial, roughly width-independent (theory.md §6.1 R12)",
                      judge_below(v, kLog2 - 0.05, "[G1] Fig. 2, theory.md §6.1 R12")};
  });
  claim_if("h3-rmsprop/mf", [&](const SeedGrid& v) {
    return ClaimCheck{"R12.rmsprop-flat",
                      "3 hidden layers, RMSProp: MF test loss roughly width-independent (fitted change within ±0.02)",
                      "roughly width-independent (theory.md §6.1 R12)",
                      judge_flat(v, 0.02, "[G1] Fig. 2, theory.md §6.1 R12")};
  });
  for (const char* other : {"h3-gd/ntk", "h3-gd/sp"})
    claim_if(other, [&](const SeedGrid& v) {
      return ClaimCheck{
          fmt::format("R11.{}-nontrivial", other + 6),
          fmt::format("3 hidden layers, GD: {} does not collapse (loss ≤ log 2 − 0.05 at every width)", other + 6),
          "NTK and default do not approach f ≡ 0 (theory.md §6.1 R11)",
          judge_below(v, kLog2 - 0.05, "[G1] Fig. 2, theory.md §6.1 R11")};
    });
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
  add_claims(out, loss);
  out.plots = {"deep.png"};
  return out;
}

}  // namespace widthlab::repro
