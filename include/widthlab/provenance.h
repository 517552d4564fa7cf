// What made an output directory's results: every invocation that writes into `--out DIR` appends one record to
// DIR/provenance.jsonl (prepare_output_dir, output_dir.h), so a result can be traced to the build, the BLAS kernel
// and the machine that computed it, and a resumed directory shows each invocation that added to it.
//
// Why it matters for the numbers (docs/architecture.md "Reproducibility"): float32 results are bit-identical for the
// same config, seed, build and OpenBLAS kernel; OpenBLAS picks its kernel by CPU at run time, and another kernel
// (another CPU, or OPENBLAS_CORETYPE) sums in another order (measured: ~1e-9–2e-7 relative on a 20-step run).
//
// A record: {"started": UTC ISO 8601, "command": [argv…] (when set_invocation was called), "widthlab": version,
// "git": commit ("-dirty": built from a tree with uncommitted changes; "unknown" outside git), "build": CMake build
// type, "compiler", "openblas": openblas_get_config(), "openblas_core": openblas_get_corename(), "onednn": version or
// false, "cuda": cuda_status() (device.h), "cpu": the CPU model, "hardware_threads", "env": the set variables among
// OPENBLAS_NUM_THREADS, OPENBLAS_CORETYPE, OMP_NUM_THREADS, CUDA_VISIBLE_DEVICES}.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace widthlab {

inline constexpr const char* kProvenanceName = "provenance.jsonl";

// The command line recorded in later provenance records of this process (the CLI's main and the Python module call
// it once).
void set_invocation(std::vector<std::string> argv);

// This process's record, with "started" = now.
nlohmann::json provenance_record();

// Appends provenance_record() to DIR/provenance.jsonl (claimed in DIR's manifest), first warning on stderr when
// earlier records name another build or machine. A resumed DIR that holds widthlab results but no provenance.jsonl
// (made before widthlab kept one) first gets the record {"unrecorded": "an earlier widthlab that kept no
// provenance.jsonl"}, so the reports do not credit the new build with the old results.
void append_provenance(const std::filesystem::path& dir, bool resuming);

// One line for reports: "widthlab 0.1.0 (git abc123def456), Release, GNU 12.2.0; OpenBLAS core SkylakeX; CPU …,
// 2 hardware threads" and, where the runtime saw a GPU, "; CUDA device 0: NVIDIA H200 (…)", from a record as written
// above (fields it lacks are left out).
std::string provenance_summary(const nlohmann::json& record);

// The report's note on DIR/provenance.jsonl: the summary of each distinct build and machine that wrote there, with
// how many invocations each; "" when the file is missing or empty.
std::string provenance_note(const std::filesystem::path& dir);

}  // namespace widthlab
