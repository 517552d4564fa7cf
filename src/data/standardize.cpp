// Statistics for standardisation (theory.md §6.0: one scalar mean/std; or per feature).
#include <cmath>

#include "data/rows.h"
#include "widthlab/dataset.h"

namespace widthlab {
namespace data_detail {

void scalar_stats_rows(const RowSource& src, const std::vector<std::int64_t>& rows, double* mean, double* std) {
  std::vector<double> buf(std::size_t(src.features));
  const double n = double(rows.size()) * double(src.features);
  if (n == 0) {
    *mean = 0;
    *std = 1;
    return;
  }
  if (src.bytes) {  // the same two passes over the 256 possible values, weighted by their counts
    std::vector<std::int64_t> hist(256, 0);
    for (auto r : rows) {
      const std::uint8_t* p = src.bytes + r * src.features;
      for (std::int64_t j = 0; j < src.features; ++j) ++hist[p[j]];
    }
    long double sum = 0, ss = 0;
    for (int v = 0; v < 256; ++v) sum += (long double)hist[v] * (v / 255.0);
    const double m = double(sum / n);
    for (int v = 0; v < 256; ++v) ss += (long double)hist[v] * (v / 255.0 - m) * (v / 255.0 - m);
    const double s = std::sqrt(double(ss / n));
    *mean = m;
    *std = s > 0 ? s : 1.0;
    return;
  }
  long double sum = 0;
  for (auto r : rows) {
    src.row(r, buf.data());
    for (double v : buf) sum += v;
  }
  const double m = double(sum / n);
  long double ss = 0;
  for (auto r : rows) {
    src.row(r, buf.data());
    for (double v : buf) ss += (v - m) * (v - m);
  }
  const double s = std::sqrt(double(ss / n));
  *mean = m;
  *std = s > 0 ? s : 1.0;
}

void feature_stats_rows(const RowSource& src, const std::vector<std::int64_t>& rows, Vector<double>* mean,
                        Vector<double>* std) {
  const std::int64_t d = src.features;
  Vector<double> buf(d), sum = Vector<double>::Zero(d), ss = Vector<double>::Zero(d);
  for (auto r : rows) {
    src.row(r, buf.data());
    sum += buf;
  }
  const double n = double(rows.size());
  *mean = n > 0 ? Vector<double>(sum / n) : Vector<double>::Zero(d);
  for (auto r : rows) {
    src.row(r, buf.data());
    ss += (buf - *mean).cwiseAbs2();
  }
  std->resize(d);
  for (std::int64_t j = 0; j < d; ++j) {
    const double s = n > 0 ? std::sqrt(ss(j) / n) : 0.0;
    (*std)(j) = s > 0 ? s : 1.0;
  }
}

RowSource matrix_source(const Matrix<double>& x, std::vector<double> labels, std::string source) {
  RowSource s;
  s.count = x.rows();
  s.features = x.cols();
  const Matrix<double>* px = &x;
  s.row = [px](std::int64_t i, double* out) {
    for (std::int64_t j = 0; j < px->cols(); ++j) out[j] = (*px)(i, j);
  };
  s.labels = std::move(labels);
  s.source = std::move(source);
  return s;
}

std::vector<std::int64_t> all_rows(std::int64_t n) {
  std::vector<std::int64_t> r(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) r[std::size_t(i)] = i;
  return r;
}

}  // namespace data_detail

void scalar_stats(const Matrix<double>& x, double* mean, double* std) {
  auto src = data_detail::matrix_source(x, {}, "");
  data_detail::scalar_stats_rows(src, data_detail::all_rows(x.rows()), mean, std);
}

void feature_stats(const Matrix<double>& x, Vector<double>* mean, Vector<double>* std) {
  auto src = data_detail::matrix_source(x, {}, "");
  data_detail::feature_stats_rows(src, data_detail::all_rows(x.rows()), mean, std);
}

}  // namespace widthlab
