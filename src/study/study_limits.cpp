// The study's limits (study_phases.h): which model each scaling's classification gives, and its simulations.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "study/study_phases.h"
#include "widthlab/error.h"
#include "widthlab/limit_run.h"
#include "widthlab/loss.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"
#include "widthlab/progress.h"
#include "widthlab/simulated_limit.h"

namespace widthlab::study {
namespace {

std::string limit_stem(const std::string& scaling, std::uint64_t seed, int width) {
  return width > 0 ? fmt::format("limit_{}_w{}_s{}", file_safe(scaling), width, seed)
                   : fmt::format("limit_{}_s{}", file_safe(scaling), seed);
}

LimitPlan plan_one(const Context& ctx, const Scaling& s, const Activation& act) {
  LimitPlan p;
  p.scaling = &s;
  p.cls = classify(s, act);
  p.norm_exp = p.cls.stable ? std::max(p.cls.A, p.cls.B) : 0.0;
  if (!p.cls.stable) return p;
  const SimulatedLimit limit = simulated_limit(ctx.config, s, p.cls);
  const std::string& model = limit.model;
  const auto& compute = ctx.config.limits.compute;
  p.info = limit.info;
  if (!ctx.setup.arch.layers.empty()) {
    p.why_proxy = "the limit simulators are for dense nets and model.arch is a layered one";
  } else if (!p.info) {
    p.why_proxy = fmt::format("no simulator for limit model '{}'", model);
  } else if (std::find(compute.begin(), compute.end(), model) == compute.end()) {
    p.why_proxy = fmt::format("limit model '{}' is not in limits.compute", model);
  } else {
    p.lo = limit.options;
    p.lo.kernel_track_steps = 0;
    if (auto err = p.lo.validate(); !err.empty()) {
      p.why_proxy = fmt::format("limit '{}' cannot be simulated for this config: {}", model, err);
    } else {
      check_limit_fits_in_memory(p.lo, ctx.setup.model.input_dim,
                                 loss_from_name(ctx.config.train.loss).outputs(ctx.setup.data.classes),
                                 ctx.setup.data.x_train.rows(), ctx.setup.data.x_test.rows());
      p.simulate = true;
      p.coupled = p.info->needs_g();      // kernel and particle models alike (theory.md §3.5 for IC-MF)
      p.norm_exp = limit.logit_exponent;  // the limit's own units
    }
  }
  return p;
}

// g of a coupled run: the finite net's own initial logits divided by ω^A. For IC-MF they are the frozen SP copy's,
// f(θ₀^SP) (theory.md §3.5: f_IC = f_SP at step 0).
LimitFixedInputs own_init_logits(const Context& ctx, const LimitPlan& p, int width, std::uint64_t seed) {
  MlpConfig mc = ctx.setup.model;
  mc.width = width;
  mc.outputs = ctx.outputs;
  const std::vector<LayerFactors> factors = p.scaling->init_corrected
                                                ? std::vector<LayerFactors>(std::size_t(mc.num_layers()))
                                                : p.scaling->factors_at(width);
  Mlp<double> net(mc, factors);
  net.init(seed);
  auto ws = net.make_workspace(256);
  // g is the init-logit sample in the units of A (theory.md §3.4: f⁽⁰⁾ = ω^A g): the first-step rules L_fin(y, g),
  // L_∞(y, g) and the state u = g + h (C = −1/2, where A = B) all read it so. Dividing by ω^{max(A,B)} instead would
  // shrink g towards 0 where B > A (regions 3 and 5: L_fin(y, g) would turn into L_0 as the width grows).
  const double norm = std::pow(double(width) / ctx.config.scaling.reference_width, p.cls.A);
  LimitFixedInputs fixed;
  fixed.g_train = net.predict(ctx.setup.data.x_train, ws) / norm;
  fixed.g_test = net.predict(ctx.setup.data.x_test, ws) / norm;
  return fixed;
}

// The options of one job: a coupled particle run at width d gets coupled_particle_count(…) particles.
LimitOptions job_options(const Context& ctx, const LimitPlan& p, int width) {
  LimitOptions lo = p.lo;
  if (width > 0 && p.info->state == LimitStateKind::particles)
    lo.particles = coupled_particle_count(lo.particles, ctx.config.limits.coupled_particles_per_width, width);
  return lo;
}

// One limit run to do: independent (width 0) or coupled to the finite net of that width and seed.
struct LimitJob {
  const LimitPlan* plan;
  std::uint64_t seed;
  int width;
};

std::vector<LimitJob> pending_jobs(const Context& ctx, const std::vector<LimitPlan>& plans,
                                   const std::map<std::string, LimitData>& done) {
  std::vector<LimitJob> jobs;
  for (const auto& p : plans) {
    if (!p.simulate) continue;
    for (auto seed : ctx.config.limits.seeds)
      if (!done.count(limit_key(p.scaling->name, seed, 0))) jobs.push_back({&p, seed, 0});
    if (!p.coupled) continue;
    for (int w : ctx.widths)
      for (auto seed : ctx.setup.seeds_at(w))
        if (!done.count(limit_key(p.scaling->name, seed, w))) jobs.push_back({&p, seed, w});
  }
  return jobs;
}

}  // namespace

double LimitPlan::norm_at(int width, double reference_width) const {
  return std::pow(double(width) / reference_width, norm_exp);
}

std::string limit_key(const std::string& scaling, std::uint64_t seed, int width) {
  return fmt::format("{}|{}|{}", scaling, width, seed);
}

std::vector<LimitPlan> plan_limits(const Context& ctx) {
  const Activation act = activation_from_name(ctx.config.model.activation);
  std::vector<LimitPlan> plans;
  for (const auto& s : ctx.setup.scalings) plans.push_back(plan_one(ctx, s, act));
  return plans;
}

std::map<std::string, LimitData> load_limits(const Context& ctx) {
  std::map<std::string, LimitData> limits;
  for (auto& r : read_jsonl(ctx.options.out / "limits.jsonl", true)) {
    const std::string scaling = r["scaling"];
    const std::uint64_t seed = r["seed"];
    const int width = r["width"].is_number() ? r["width"].get<int>() : 0;
    LimitData d;
    const LogitsFile file{ctx.options.out / "logits" / (limit_stem(scaling, seed, width) + ".npy"),
                          ctx.setup.data.x_test.rows(),
                          ctx.outputs,
                          0,
                          "the limit run's test logits",
                          "its line in limits.jsonl"};
    if (r.value("status", "") == "ok") d.logits = read_logits_back(file);
    d.record = std::move(r);
    limits[limit_key(scaling, seed, width)] = std::move(d);
  }
  return limits;
}

std::vector<std::string> limit_output_names(const Context& ctx, const std::vector<LimitPlan>& plans) {
  std::vector<std::string> names;
  for (const LimitJob& job : pending_jobs(ctx, plans, {})) {
    const std::string name = "logits/" + limit_stem(job.plan->scaling->name, job.seed, job.width) + ".npy";
    names.insert(names.end(), {name, name + ".tmp"});
  }
  return names;
}

void simulate_limits(const Context& ctx, const std::vector<LimitPlan>& plans,
                     const std::map<std::string, LimitData>& done, StudySummary& summary) {
  const std::vector<LimitJob> jobs = pending_jobs(ctx, plans, done);
  const auto& pd = progress_defaults();
  Progress progress("study: limits", long(jobs.size()), pd.enabled, pd.force);
  const ScopedBlasThreads blas(ctx.threads);
  create_output_subdir(ctx.options.out / "logits");
  JsonlWriter writer(ctx.options.out / "limits.jsonl");
  for (const LimitJob& job : jobs) {
    const LimitPlan& p = *job.plan;
    const std::string stem = limit_stem(p.scaling->name, job.seed, job.width);
    const std::string what = fmt::format("{} {} seed={}{}", p.scaling->name, p.lo.model, job.seed,
                                         job.width ? fmt::format(" w={}", job.width) : "");
    try {
      const LimitFixedInputs fixed = job.width ? own_init_logits(ctx, p, job.width, job.seed) : LimitFixedInputs{};
      const LimitOptions lo = job_options(ctx, p, job.width);
      const LimitSeedResult r = simulate_limit_seed(lo, ctx.setup.data, job.seed, fixed);
      const std::string logits_file = "logits/" + stem + ".npy";
      if (r.status == RunStatus::ok) npy_write((ctx.options.out / logits_file).string(), r.test_logits);
      writer.append(limit_seed_record(*p.info, lo, r, {p.scaling->name, job.width, logits_file}));
      progress.advance(1, what);
    } catch (const std::exception& e) {
      const std::string msg = fmt::format("limit {}: {}", what, e.what());
      std::fprintf(stderr, "\nwidthlab study: %s\n", msg.c_str());
      summary.errors.push_back(msg);
      ++summary.limits_failed;
      progress.advance(1, "failed");
    }
  }
}

}  // namespace widthlab::study

namespace widthlab {

int coupled_particle_count(int mf_particles, int per_width, int width) {
  if (per_width <= 0) return mf_particles;
  const std::int64_t n = std::min<std::int64_t>(mf_particles, std::int64_t(per_width) * width);
  return int(n + n % 2);
}

}  // namespace widthlab
