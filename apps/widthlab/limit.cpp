// `widthlab limit [--config F] [--set key=value]… --out DIR [--model NAME | --region N] [--resume | --force]`
// Simulates a d = ∞ limit model (SPEC §3.2–§3.7) on the config's data: by default the model that `classify` assigns to
// the config's FIRST scaling (scaling.presets[0], else the first q point, else custom); --model / --region pick one
// of the 13 models (or ic-mf) directly. Writes DIR/limit.jsonl (one line per seed of limits.seeds: model, region,
// rules, curves, final normalised test logits and classes; limit_run.h) and DIR/config.toml.
#include <fmt/format.h>

#include <memory>

#include "run_dir.h"
#include "verb.h"
#include "widthlab/classification.h"
#include "widthlab/error.h"
#include "widthlab/limit_run.h"
#include "widthlab/output_dir.h"
#include "widthlab/results_io.h"
#include "widthlab/sweep.h"

namespace {

struct LimitVerbOptions {
  widthlab::cli::RunDirFlags dir;
  std::string model;
  int region = 0;
};

// The model classify assigns to `s`, with the layer weights of its dominant lr (SPEC §1.3 B uses max(q̃_a, q̃_w)).
void model_from_scaling(const widthlab::Scaling& s, const widthlab::Activation& act, widthlab::LimitOptions& o,
                        std::string& why) {
  using namespace widthlab;
  const Classification c = classify(s, act);
  if (c.init_corrected && s.depth == 1) {
    o.model = "ic-mf";
  } else if (c.region) {
    o.model = limit_model_for_region(*c.region).name;
  } else if (s.depth > 1 && c.stable && c.feature_learning && s.name == "mf") {
    o.model = "mf";  // multilayer MF particle system (SPEC §3.6)
  } else {
    throw InputError(fmt::format("scaling '{}' (depth {}): classify gives regime '{}', model '{}', which has no limit "
                                 "simulator; pick one with --model NAME or --region N",
                                 s.name, s.depth, to_string(c.regime), c.model));
  }
  if (c.golikov) {
    const double top = std::max(c.golikov->q_lr_out, c.golikov->q_lr_in);
    o.lr_weight_out = c.golikov->q_lr_out >= top - 1e-9 ? 1.0 : 0.0;
    o.lr_weight_in = c.golikov->q_lr_in >= top - 1e-9 ? 1.0 : 0.0;
  }
  why = fmt::format("scaling '{}' → region {} ({})", s.name, c.region ? std::to_string(*c.region) : "-", c.model);
}

widthlab::cli::VerbRun setup(CLI::App& sub) {
  auto opt = std::make_shared<LimitVerbOptions>();
  widthlab::cli::add_run_dir_flags(sub, opt->dir);
  auto* m = sub.add_option("--model", opt->model,
                           "Limit model: mf, ntk, sym-default, intermediate, ntk-sym-default, sym-default-mf, "
                           "post-mf, pre-sym-default, post-ntk, pre-ntk, triangle, post-mf-ntk, "
                           "pre-ntk-sym-default, ic-mf (default: the model classify gives the first scaling)");
  auto* r = sub.add_option("--region", opt->region, "Limit model by region number 1..13 (SPEC §2.2)")
                ->check(CLI::Range(1, 13));
  m->excludes(r);
  return [opt] {
    using namespace widthlab;
    cli::ResolvedRunDir run = cli::resolve_run_dir(opt->dir, /*default_out=*/"");
    const Config& cfg = run.config;
    LimitOptions o = limit_options(cfg);  // [model], [train], [limits] (sweep.h)
    if (cfg.model.bias) throw InputError("model.bias = true: the limit simulators model nets without biases");
    std::string why;
    if (!opt->model.empty()) {
      o.model = limit_model_from_name(opt->model).name;
      why = "--model";
    } else if (opt->region) {
      o.model = limit_model_for_region(opt->region).name;
      why = "--region";
    } else {
      const std::vector<Scaling> scalings = config_scalings(cfg);
      if (scalings.empty()) throw InputError("scaling.presets = []: no scaling to classify; pass --model or --region");
      model_from_scaling(scalings.front(), activation_from_name(cfg.model.activation), o, why);
    }
    if (auto err = o.validate(); !err.empty()) throw InputError(err);
    const Dataset data = load_dataset(data_options(cfg));
    const LimitModelInfo& info = limit_model_from_name(o.model);
    fmt::print(stderr, "widthlab limit: model '{}' (region {}; {}) on {} ({} train / {} test), {} seed(s) → {}\n",
               info.name, info.region ? std::to_string(info.region) : "-", why, data.name, data.x_train.rows(),
               data.x_test.rows(), o.seeds.size(), printable_path(run.out));
    const LimitResult res = simulate_limit(o, data);
    const auto path = run.out / "limit.jsonl";
    std::filesystem::remove(path);  // one simulation per directory: a rerun replaces the previous result
    JsonlWriter out(path);
    int diverged = 0;
    for (auto& line : res.to_json_lines()) {
      line["selected_by"] = why;
      out.append(line);
    }
    for (const auto& r : res.runs) diverged += r.status != RunStatus::ok;
    double acc = 0;
    int ok = 0;
    for (const auto& r : res.runs)
      if (r.test_acc) acc += *r.test_acc, ++ok;
    fmt::print("limit {} (region {}): {} seed(s), {} diverged, mean test accuracy {}, {:.2f} s\n", info.name,
               info.region ? std::to_string(info.region) : "-", res.runs.size(), diverged,
               ok ? fmt::format("{:.4f}", acc / ok) : "n/a", res.seconds);
    return 0;
  };
}

const widthlab::cli::VerbRegistration reg{"limit",
                                          "Simulate a d = infinity limit model (mf, ic-mf, ntk, any of the 13 regions)",
                                          setup};
}  // namespace
