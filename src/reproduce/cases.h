// The built-in reproduction cases (reproduce.h registry). One function per case; each lives in
// src/reproduce/<paper>.cpp next to the published numbers it is judged against (STYLE 14).
#pragma once
#include "widthlab/reproduce.h"

namespace widthlab::repro {

CaseOutput run_golikov2020_width(const ReproduceContext& ctx);              // R1, R2
CaseOutput run_golikov2020_curves(const ReproduceContext& ctx);             // R3, R5, R6
CaseOutput run_golikov2020_small_lr(const ReproduceContext& ctx);           // R4
CaseOutput run_golikov2020_long(const ReproduceContext& ctx);               // R7
CaseOutput run_golikov2020_fmnist10(const ReproduceContext& ctx);           // R8, R9
CaseOutput run_golikov2020_deep(const ReproduceContext& ctx);               // R10–R12
CaseOutput run_golikov2021_limits(const ReproduceContext& ctx);             // R13–R14
CaseOutput run_golikov2021_regions(const ReproduceContext& ctx);            // R29
CaseOutput run_sohl_dickstein2020_sp(const ReproduceContext& ctx);          // R21, R24
CaseOutput run_sohl_dickstein2020_properties(const ReproduceContext& ctx);  // §6.3 properties, R24
CaseOutput run_sohl_dickstein2020_kernels(const ReproduceContext& ctx);     // R22
CaseOutput run_sohl_dickstein2020_cnn(const ReproduceContext& ctx);         // R23
CaseOutput run_nguyen2019_gaussians(const ReproduceContext& ctx);           // R25
CaseOutput run_nguyen2019_fmnist(const ReproduceContext& ctx);              // R26
CaseOutput run_nguyen2019_cnn(const ReproduceContext& ctx);                 // R27
CaseOutput run_classify_grid(const ReproduceContext& ctx);                  // R28

}  // namespace widthlab::repro
