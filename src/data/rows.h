// Internal to the data module: a split read row by row (images stay 8-bit until a row is needed), and statistics
// over a subset of its rows.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "widthlab/tensor.h"

namespace widthlab::data_detail {

struct RowSource {
  std::int64_t count = 0, features = 0;
  std::function<void(std::int64_t, double*)> row;  // writes the `features` values of sample i
  std::vector<double> labels;                      // original labels, one per sample
  std::string source;                              // file(s), for messages
  // For 8-bit images (row i = bytes[i·features …] / 255): lets scalar statistics use a 256-bin histogram.
  const std::uint8_t* bytes = nullptr;
};

// Population mean and std over all entries of the given rows (two passes); std 0 → 1.
void scalar_stats_rows(const RowSource& src, const std::vector<std::int64_t>& rows, double* mean, double* std);
// Per-feature population mean and std over the given rows (two passes); std 0 → 1.
void feature_stats_rows(const RowSource& src, const std::vector<std::int64_t>& rows, Vector<double>* mean,
                        Vector<double>* std);

RowSource matrix_source(const Matrix<double>& x, std::vector<double> labels, std::string source);
std::vector<std::int64_t> all_rows(std::int64_t n);  // 0..n−1

}  // namespace widthlab::data_detail
