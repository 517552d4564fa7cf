// The sohl-dickstein2020-kernels case (R22): what its run (sohl_dickstein_kernels.cpp) and its report
// (sohl_dickstein_kernels_report.cpp) share. Internal to src/reproduce.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "reproduce/sohl_dickstein_kernels.h"
#include "widthlab/reproduce.h"

namespace widthlab::repro::sdk {

inline constexpr double kWStd = 1.4142135623730951;  // √2, ReLU's critical σ_w
inline constexpr double kBStd = 0.1;
inline constexpr double kDiagReg = 1e-4;  // kernel regression: r = 1e-4 · tr(K_dd)/n (neural-tangents' diag_reg)
inline constexpr int kSide = 28;          // fashion-mnist images
inline constexpr int kPool = 4;           // average-pooled 4×4: 7×7 inputs (the GAP kernel's cost ∝ pixels²)
inline constexpr int kValEvery = 4;       // every 4th training example of each class → the validation split
inline constexpr double kSimilarTol = 0.02;
inline constexpr double kBetterMargin = 0.001;
inline constexpr std::int64_t kBlock = 256;
inline constexpr int kSanityRows = 24;

// The pooled data: training rows, and the other rows = the validation rows, then the test rows.
struct CaseData {
  MatrixD x_train, x_other;
  VectorD y_train, y_other;
  Eigen::Index n_val = 0, n_test = 0;
  int classes = 10;
  std::string line;
};

struct Scored {
  double val = NAN, test = NAN;
  std::vector<double> test_correct;  // per test example: 1 correct, 0 wrong
};

// One setting of improved SP's base widths: overall N, hidden widths (w1, w2), their ratio's name.
struct GridPoint : Scored {
  GridPoint() = default;
  GridPoint(double n, double a, double b, std::string r) : N(n), w1(a), w2(b), ratio(std::move(r)) {}
  double N = 0, w1 = 0, w2 = 0;
  std::string ratio;
};

// One architecture's results.
struct ArchOutcome {
  std::string name, arch_text;  // arch_text: at the default widths
  Scored ntk, nngp;             // NTK parameterization's NTK; the NNGP (the same in both parameterisations)
  std::vector<GridPoint> grid;  // improved SP's NTK over the sweep
  GridPoint deflt;              // improved SP's NTK at the default widths (R, R)
  std::size_t chosen = 0, best_test = 0;
  double nngp_diff = NAN, ntk_width_free = NAN, affine_err = NAN, rescale_err = NAN;  // sanity numbers
  std::vector<std::pair<std::string, double>> times;                                  // kernel evaluation → seconds
  std::int64_t pairs = 0;                                                             // example pairs per evaluation
  double seconds = 0;                                                                 // the architecture's wall time
};

void add_claims(const ArchOutcome& o, CaseOutput& out);
// CSVs (accuracy.csv, test_correct.csv, kernel_times.csv), tables, notes, setup and plots.
void write_outputs(const ReproduceContext& ctx, const CaseData& d, const std::vector<ArchOutcome>& outs, int threads,
                   CaseOutput& out);

}  // namespace widthlab::repro::sdk
