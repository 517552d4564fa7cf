#include <cmath>

#include "widthlab/results_io.h"
#include "widthlab/train_run.h"

namespace widthlab {
namespace {
nlohmann::json number_or_null(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return *v;
}
nlohmann::json numbers(const std::vector<double>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (double x : v) a.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr));
  return a;
}
}  // namespace

bool record_trained_above_initial_loss(const nlohmann::json& run) {
  return run.value("status", "") == "ok" &&
         trained_above_initial_loss(json_number(run, "train_loss"), json_number(run, "train_loss_init"));
}

nlohmann::json TrainResult::to_json() const {
  nlohmann::json j;
  j["scaling"] = scaling;
  j["width"] = width;
  j["seed"] = seed;
  j["depth"] = depth;
  j["optimizer"] = optimizer;
  j["lr"] = lr;
  j["steps"] = steps;
  j["status"] = run_status_name(status);
  j["train_loss"] = number_or_null(train_loss);
  j["train_acc"] = number_or_null(train_acc);
  j["test_loss"] = number_or_null(test_loss);
  j["test_acc"] = number_or_null(test_acc);
  j["train_loss_init"] = number_or_null(train_loss_init);
  j["seconds"] = seconds;
  j["activation"] = activation;
  if (!arch.empty()) j["arch"] = arch;        // layered nets only: dense runs' records are unchanged
  if (device != "cpu") j["device"] = device;  // GPU runs only: CPU runs' records are unchanged
  j["loss"] = loss;
  j["init"] = init;
  j["precision"] = precision;
  j["batch"] = batch;
  j["bias"] = bias;
  j["init_corrected"] = init_corrected;
  j["steps_done"] = steps_done;
  j["diverged_at_step"] = diverged_at_step ? nlohmann::json(*diverged_at_step) : nlohmann::json(nullptr);
  j["layer_lrs"] = numbers(layer_lrs);
  j["mean_abs_logit_init"] = number_or_null(mean_abs_logit_init);
  j["mean_abs_logit_final"] = status == RunStatus::ok ? number_or_null(mean_abs_logit_final) : nlohmann::json(nullptr);
  j["kernel_diag_init"] = numbers(kernel_diag_init);
  j["kernel_diag_final"] = numbers(kernel_diag_final);
  if (!kernel_track.empty()) {
    nlohmann::json t = nlohmann::json::array();
    for (const auto& row : kernel_track) t.push_back(numbers(row));
    j["kernel_track"] = t;
  }
  j["weight_increments"] = numbers(weight_increments);
  if (decomposition) {
    j["decomposition"] = {{"var_f0", decomposition->var_f0},
                          {"var_fa", decomposition->var_fa},
                          {"var_fw", decomposition->var_fw},
                          {"var_faw", decomposition->var_faw},
                          {"max_abs_residual", decomposition->max_abs_residual}};
  }
  j["coord_check"] = {{"act_rms_init", numbers(coord.act_rms_init)},
                      {"act_rms_final", numbers(coord.act_rms_final)},
                      {"act_delta_rms", numbers(coord.act_delta_rms)}};
  if (!coord.delta_track
           .empty()) {  // only with coord_track_steps (widthlab transfer), so other records stay as they were
    nlohmann::json track = nlohmann::json::array();
    for (const auto& t : coord.delta_track) track.push_back(numbers(t));
    j["coord_check"]["act_delta_track"] = track;
  }
  return j;
}

void to_json(nlohmann::json& j, const TrainResult& r) { j = r.to_json(); }

}  // namespace widthlab
