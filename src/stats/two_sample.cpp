// Two-sample distances (two_sample.h): one merge pass over both sorted samples, where F_a and F_b are step
// functions that only change at sample points.
#include "widthlab/two_sample.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "widthlab/rng.h"

namespace widthlab {
namespace {

void sort_checked(std::vector<double>& v, const char* what) {
  if (v.empty()) throw std::invalid_argument(std::string(what) + ": empty sample");
  for (double x : v)
    if (!std::isfinite(x)) throw std::invalid_argument(std::string(what) + ": non-finite value");
  std::sort(v.begin(), v.end());
}

// Calls visit(t, F_a(t), F_b(t), next_t) at every distinct sample point t in increasing order (next_t: the next
// distinct point, or t itself at the last one); F_a, F_b include the point (right-continuous).
template <class F>
void merge_cdfs(const std::vector<double>& a, const std::vector<double>& b, F visit) {
  std::size_t i = 0, j = 0;
  const double na = double(a.size()), nb = double(b.size());
  while (i < a.size() || j < b.size()) {
    const double t = j >= b.size() || (i < a.size() && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.size() && a[i] == t) ++i;
    while (j < b.size() && b[j] == t) ++j;
    double next = t;
    if (i < a.size()) next = a[i];
    if (j < b.size()) next = i < a.size() ? std::min(next, b[j]) : b[j];
    visit(t, double(i) / na, double(j) / nb, next);
  }
}

}  // namespace

double wasserstein1(std::vector<double> a, std::vector<double> b) {
  sort_checked(a, "wasserstein1");
  sort_checked(b, "wasserstein1");
  double w = 0;
  merge_cdfs(a, b, [&](double t, double fa, double fb, double next) { w += std::abs(fa - fb) * (next - t); });
  return w;
}

double ks_statistic(std::vector<double> a, std::vector<double> b) {
  sort_checked(a, "ks_statistic");
  sort_checked(b, "ks_statistic");
  double d = 0;
  merge_cdfs(a, b, [&](double, double fa, double fb, double) { d = std::max(d, std::abs(fa - fb)); });
  return d;
}

std::vector<double> pool_groups(const std::vector<std::vector<double>>& groups, const std::vector<std::size_t>& idx) {
  std::vector<double> v;
  for (std::size_t i : idx) v.insert(v.end(), groups.at(i).begin(), groups.at(i).end());
  return v;
}

double split_noise_ratio(const std::vector<std::vector<double>>& x, const std::vector<std::vector<double>>& y,
                         int splits, std::uint64_t seed) {
  if (x.size() != y.size())
    throw std::invalid_argument("split_noise_ratio: the populations hold different group counts");
  const std::size_t n = x.size();
  if (n < 2 || splits < 1) return NAN;
  std::vector<std::size_t> perm(n);
  std::iota(perm.begin(), perm.end(), std::size_t(0));
  Rng rng = make_rng(seed);
  double cross = 0, within = 0;
  for (int s = 0; s < splits; ++s) {
    std::shuffle(perm.begin(), perm.end(), rng);
    const std::vector<std::size_t> a(perm.begin(), perm.begin() + std::ptrdiff_t(n / 2)),
        b(perm.begin() + std::ptrdiff_t(n / 2), perm.end());
    const std::vector<double> xa = pool_groups(x, a), xb = pool_groups(x, b), ya = pool_groups(y, a),
                              yb = pool_groups(y, b);
    if (xa.empty() || xb.empty() || ya.empty() || yb.empty()) return NAN;
    cross += wasserstein1(xa, yb) + wasserstein1(xb, ya);
    within += wasserstein1(xa, xb) + wasserstein1(ya, yb);
  }
  return cross / within;
}

}  // namespace widthlab
