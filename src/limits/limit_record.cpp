// The one schema of a limit run's record (limit_run.h limit_seed_record): limit.jsonl and limits.jsonl.
#include <cmath>

#include "widthlab/limit_run.h"

namespace widthlab {

namespace {

// A curve as JSON arrays per column; a non-finite value is null.
nlohmann::json curve_record(const std::vector<CurvePoint>& curve) {
  using nlohmann::json;
  auto val = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json c = json::object();
  for (const char* key : {"step", "train_loss", "train_acc", "test_loss", "test_acc", "test_mean_abs_logit"})
    c[key] = json::array();
  for (const auto& p : curve) {
    c["step"].push_back(p.step);
    c["train_loss"].push_back(val(p.train_loss));
    c["train_acc"].push_back(val(p.train_acc));
    c["test_loss"].push_back(val(p.test_loss));
    c["test_acc"].push_back(val(p.test_acc));
    c["test_mean_abs_logit"].push_back(val(p.test_mean_abs_logit));
  }
  return c;
}

// m × k logits: a list of m numbers for k = 1, else m lists of k.
nlohmann::json logits_record(const MatrixD& logits) {
  using nlohmann::json;
  json out = json::array();
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    if (logits.cols() == 1) {
      out.push_back(logits(i, 0));
      continue;
    }
    json row = json::array();
    for (Eigen::Index c = 0; c < logits.cols(); ++c) row.push_back(logits(i, c));
    out.push_back(row);
  }
  return out;
}

}  // namespace

nlohmann::json limit_seed_record(const LimitModelInfo& model, const LimitOptions& options, const LimitSeedResult& r,
                                 const LimitRecordContext& where) {
  using nlohmann::json;
  json j;
  if (!where.scaling.empty()) j["scaling"] = where.scaling;
  j["model"] = model.name;
  j["region"] = model.region == 0 ? json(nullptr) : json(model.region);
  j["kind"] = where.width > 0 ? "coupled" : "independent";
  j["width"] = where.width > 0 ? json(where.width) : json(nullptr);
  j["state"] = model.feature_learning() ? "particles" : "kernel";
  j["rule_first"] = loss_rule_name(model.first.rule);
  j["rule_later"] = loss_rule_name(model.later.rule);
  j["state_includes_g"] = model.state_includes_g;
  j["seed"] = r.seed;
  j["depth"] = options.depth;
  j["activation"] = options.activation.name;
  j["init"] = options.init;
  j["optimizer"] = options.optimizer;
  j["lr"] = options.lr;
  j["steps"] = options.steps;
  j["batch"] = options.batch;
  j["loss"] = options.loss;
  j["reference_width"] = options.reference_width;
  j["precision"] = precision_name(options.precision);
  if (model.feature_learning()) {
    j["particles"] = options.particles;
    j["paired"] = options.paired;
    if (r.device != "cpu") j["device"] = r.device;  // GPU particles only: CPU records are unchanged
  }
  j["status"] = run_status_name(r.status);
  j["steps_done"] = r.steps_done;
  if (r.diverged_at_step) j["diverged_at_step"] = *r.diverged_at_step;
  auto opt = [](const std::optional<double>& v) { return v && std::isfinite(*v) ? json(*v) : json(nullptr); };
  j["train_loss"] = opt(r.train_loss);
  j["train_acc"] = opt(r.train_acc);
  j["test_loss"] = opt(r.test_loss);
  j["test_acc"] = opt(r.test_acc);
  j["test_mean_abs_logit"] = opt(r.test_mean_abs_logit);
  j["curve"] = curve_record(r.curve);
  j["kernel_diag_init"] = r.kernel_diag_init;
  j["kernel_diag_final"] = r.kernel_diag_final;
  if (!r.kernel_track.empty()) j["kernel_track"] = r.kernel_track;
  if (where.logits_file.empty() || r.status != RunStatus::ok) {  // a diverged seed has no logits, and no file of them
    j["test_logits"] = logits_record(r.test_logits);
  } else {
    j["test_logits_file"] = where.logits_file;
  }
  j["test_classes"] = r.test_classes;
  if (!r.gp_method.empty()) {
    j["gp_method"] = r.gp_method;
    j["gp_jitter"] = r.gp_jitter;
  }
  j["seconds"] = r.seconds;
  return j;
}

std::vector<nlohmann::json> LimitResult::to_json_lines() const {
  std::vector<nlohmann::json> lines;
  for (const auto& r : runs) lines.push_back(limit_seed_record(model, options, r, {}));
  return lines;
}

}  // namespace widthlab
