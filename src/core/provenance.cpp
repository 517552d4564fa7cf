#include "widthlab/provenance.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "build_info.inc"  // WIDTHLAB_GIT_COMMIT (cmake/build_info.cmake)
#include "widthlab/device.h"
#include "widthlab/output_dir.h"
#include "widthlab/results_io.h"

extern "C" {
char* openblas_get_config(void);
char* openblas_get_corename(void);
}

namespace widthlab {
namespace {

std::vector<std::string>& invocation() {
  static std::vector<std::string> argv;
  return argv;
}

std::string utc_now() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

// The first "model name" of /proc/cpuinfo (Linux), else "unknown".
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
  }
  return "unknown";
}

nlohmann::json environment() {
  nlohmann::json env = nlohmann::json::object();
  for (const char* name : {"OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES"})
    if (const char* v = std::getenv(name)) env[name] = v;
  return env;
}

nlohmann::json onednn() {
#ifdef WIDTHLAB_BUILT_WITH_ONEDNN
  return WIDTHLAB_BUILT_WITH_ONEDNN;
#else
  return false;
#endif
}

constexpr const char* kUnrecorded = "an earlier widthlab that kept no provenance.jsonl";

std::string text_of(const nlohmann::json& record, const char* key) {
  const auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

void set_invocation(std::vector<std::string> argv) { invocation() = std::move(argv); }

nlohmann::json provenance_record() {
  nlohmann::json r;
  r["started"] = utc_now();
  if (!invocation().empty()) r["command"] = invocation();
  r["widthlab"] = WIDTHLAB_VERSION;
  r["git"] = WIDTHLAB_GIT_COMMIT;
  r["build"] = WIDTHLAB_BUILD_TYPE;
  r["compiler"] = WIDTHLAB_COMPILER;
  r["openblas"] = openblas_get_config();
  r["openblas_core"] = openblas_get_corename();
  r["onednn"] = onednn();
  r["cuda"] = cuda_status();
  r["cpu"] = cpu_model();
  r["hardware_threads"] = std::thread::hardware_concurrency();
  r["env"] = environment();
  return r;
}

void append_provenance(const std::filesystem::path& dir, bool resuming) {
  const std::filesystem::path file = dir / kProvenanceName;
  std::error_code ec;
  if (resuming && !std::filesystem::exists(file, ec) && !output_dir_contents(dir).ours.empty())
    JsonlWriter(file).append({{"unrecorded", kUnrecorded}});  // results of a widthlab that kept no provenance
  const nlohmann::json record = provenance_record();
  const std::string now = provenance_summary(record);
  for (const nlohmann::json& earlier : read_jsonl(file, /*missing_ok=*/true)) {
    if (provenance_summary(earlier) == now) continue;
    warn_about_file(file, fmt::format("earlier results here were made by {}; this is {}, and float32 numbers may "
                                      "differ between the two: in their last digits after a few steps, by as much "
                                      "as the seed-to-seed spread after hundreds of SGD steps, which amplify "
                                      "rounding (docs/architecture.md, \"Reproducibility\")",
                                      provenance_summary(earlier), now));
    break;
  }
  JsonlWriter(file).append(record);
}

std::string provenance_summary(const nlohmann::json& record) {
  if (const std::string unrecorded = text_of(record, "unrecorded"); !unrecorded.empty()) return unrecorded;
  std::string s = fmt::format("widthlab {}", text_of(record, "widthlab"));
  if (const std::string git = text_of(record, "git"); !git.empty()) s += fmt::format(" (git {})", git);
  for (const char* key : {"build", "compiler"})
    if (const std::string v = text_of(record, key); !v.empty()) s += ", " + v;
  if (const std::string core = text_of(record, "openblas_core"); !core.empty()) s += "; OpenBLAS core " + core;
  if (const std::string cpu = text_of(record, "cpu"); !cpu.empty()) s += "; CPU " + cpu;
  if (const auto t = record.find("hardware_threads"); t != record.end() && t->is_number_unsigned())
    s += fmt::format(", {} hardware threads", t->get<unsigned>());
  if (const std::string gpu = text_of(record, "cuda"); gpu.rfind("CUDA device", 0) == 0) s += "; " + gpu;
  return s;
}

std::string provenance_note(const std::filesystem::path& dir) {
  std::vector<std::pair<std::string, int>> builds;  // in order of first appearance
  bool uncommitted = false;                         // a build no commit rebuilds: "-dirty" or "unknown"
  for (const nlohmann::json& record : read_jsonl(dir / kProvenanceName, /*missing_ok=*/true)) {
    const std::string git = text_of(record, "git");
    uncommitted = uncommitted || git == "unknown" || git.ends_with("-dirty");
    const std::string s = provenance_summary(record);
    auto it = std::find_if(builds.begin(), builds.end(), [&](const auto& b) { return b.first == s; });
    if (it == builds.end())
      builds.emplace_back(s, 1);
    else
      ++it->second;
  }
  if (builds.empty()) return "";
  std::string note = builds.size() == 1 ? "Made by " : fmt::format("Made by {} builds or machines: ", builds.size());
  for (std::size_t i = 0; i < builds.size(); ++i)
    note += fmt::format("{}{} ({} invocation{})", i ? "; " : "", builds[i].first, builds[i].second,
                        builds[i].second == 1 ? "" : "s");
  note += fmt::format(" — {} of this directory.", kProvenanceName);
  if (uncommitted)
    note +=
        " A build marked -dirty (uncommitted changes) or unknown (outside git) is no commit: nothing in git "
        "rebuilds it exactly.";
  return note;
}

}  // namespace widthlab
