// The relu dual (theory.md §3.8) in three forms, on the same L1-resident rows of 840 entries:
//
//   BM_DualLibrary        Dual::apply_row (dual.h): s = √max(K11·K22 − K12², 0), θ = atan2(s, K12) by range reduction
//                         and Cephes' rational (one square root, two divisions per entry).
//   BM_DualDivisionFree   no division: r = 1/√(K11·K22) by the AVX-512 estimate plus two Newton steps (Eigen's
//                         prsqrt), ρ = K12·r, s = √(1 − ρ²), θ = acos ρ from one polynomial F(z) = asin(√z)/√z of
//                         degree 17 on z ∈ [0, ½] (z = ρ² below |ρ| = 1/√2, z = 1 − ρ² above; Chebyshev
//                         interpolation, 2.2e-16 relative).
//   BM_DualLibraryFloat32 Dual::apply_row<float>, the same rows rounded to float32 (would a float32 kernel help?).
//
// The question it answers (issue 19): does the divider bound the CNN-GAP kernel's duals, so that a division-free
// arccos, or float32, would bring them closer to the FLOP floor? Counters: time_per_entry, and max_err, the largest
// |T − T_ref| / √(K11·K22) and |Ṫ − Ṫ_ref| over a row (|ρ| ≤ 0.99) against a long-double reference (std::acos).
// Eigen packet types carry alignment attributes that GCC reports as ignored in template arguments; harmless here.
#pragma GCC diagnostic ignored "-Wignored-attributes"

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <vector>

#include "widthlab/dual.h"

namespace {

namespace ei = Eigen::internal;
using Packet = ei::packet_traits<double>::type;
constexpr double kPi = 3.14159265358979323846;
constexpr std::size_t kRow = 28 * 30, kRows = 3 * 784;  // one CNN-GAP pair's relu duals (cnn_kernel_bench.cpp)

// F(z) = asin(√z)/√z on [0, ½] in t = 4z − 1, monomial coefficients of the degree-17 Chebyshev interpolant
// (mpmath, 50 digits).
constexpr double kF[18] = {1.0471975511965979,     0.05375149359132692,    0.007798902238958053,
                           0.0015196685395952834,  0.00034086372383630546, 8.302317801518925e-05,
                           2.1345548279996328e-05, 5.701782186274753e-06,  1.5669849102494064e-06,
                           4.4020387647402136e-07, 1.257815733346819e-07,  3.647300159179633e-08,
                           1.0809676130669179e-08, 3.2049513486427854e-09, 8.51835175897071e-10,
                           2.557903437341297e-10,  1.341285869549988e-10,  4.1052321165594074e-11};

template <class P>
P asin_ratio(const P& z) {
  const P t = ei::psub(ei::pmul(ei::pset1<P>(4.0), z), ei::pset1<P>(1.0));
  P acc = ei::pset1<P>(kF[17]);
  for (int i = 16; i >= 0; --i) acc = ei::pmadd(acc, t, ei::pset1<P>(kF[i]));
  return acc;
}

// relu: Ṫ = (π − θ)/(2π), T = (√(K11K22)·sin θ + (π − θ)·K12)/(2π); n a multiple of the packet size.
void relu_row_division_free(double k11, const double* k22, double* k12, double* tdot, std::size_t n) {
  const Packet one = ei::pset1<Packet>(1.0), zero = ei::pset1<Packet>(0.0), pk11 = ei::pset1<Packet>(k11);
  const Packet half = ei::pset1<Packet>(0.5), c1 = ei::pset1<Packet>(1 / (2 * kPi));
  const Packet half_pi = ei::pset1<Packet>(kPi / 2), pi = ei::pset1<Packet>(kPi);
  constexpr std::size_t W = ei::unpacket_traits<Packet>::size;
  for (std::size_t j = 0; j + W <= n; j += W) {
    const Packet q = ei::ploadu<Packet>(k12 + j), p = ei::pmul(pk11, ei::ploadu<Packet>(k22 + j));
    const Packet positive = ei::pcmp_lt(zero, p);
    const Packet r = ei::pselect(positive, ei::prsqrt(ei::pselect(positive, p, one)), zero);
    const Packet rho = ei::pmin(ei::pmax(ei::pmul(q, r), ei::pnegate(one)), one);
    const Packet x = ei::pabs(rho), x2 = ei::pmul(x, x), w = ei::psub(one, x2), s = ei::psqrt(w);
    const Packet low = ei::pcmp_le(x2, w);  // |ρ| ≤ 1/√2: asin(x) = x·F(x²); else acos(x) = s·F(s²)
    const Packet a = ei::pmul(ei::pselect(low, x, s), asin_ratio(ei::pselect(low, x2, w)));
    const Packet acos_x = ei::pselect(low, ei::psub(half_pi, a), a);
    const Packet theta = ei::pselect(ei::pcmp_lt(rho, zero), ei::psub(pi, acos_x), acos_x);
    const Packet td = ei::psub(half, ei::pmul(c1, theta));
    ei::pstoreu(tdot + j, td);
    ei::pstoreu(k12 + j, ei::padd(ei::pmul(ei::pmul(c1, ei::pmul(p, r)), s), ei::pmul(td, q)));
  }
}

struct Rows {
  std::vector<double> k22 = std::vector<double>(kRow), start = std::vector<double>(kRow);
  double k11 = 1.1;
  Rows() {
    for (std::size_t i = 0; i < kRow; ++i) {
      k22[i] = 0.3 + 1.7 * (0.5 + 0.5 * std::sin(3.7 * double(i)));
      // ρ = 0.99·cos i covers [−0.99, 0.99]: nearer ±1 the entry's own conditioning (√(K11K22 − K12²) of
      // rounded inputs) would hide the formulas' error.
      start[i] = 0.99 * std::cos(double(i)) * std::sqrt(k11 * k22[i]);
    }
  }
  // The largest error of one evaluated row (T in k12, Ṫ in td) against long-double std::acos.
  double max_error(const std::vector<double>& k12, const std::vector<double>& td) const {
    double worst = 0;
    for (std::size_t i = 0; i < kRow; ++i) {
      const long double p = (long double)k11 * k22[i], q = start[i];
      const long double rho = std::clamp(q / std::sqrt(p), -1.0L, 1.0L), theta = std::acos(rho);
      const long double t = (std::sqrt(std::max(p - q * q, 0.0L)) + (kPi - theta) * q) / (2 * kPi);
      worst = std::max(
          {worst, double(std::fabs(k12[i] - t) / std::sqrt(p)), double(std::fabs(td[i] - (kPi - theta) / (2 * kPi)))});
    }
    return worst;
  }
};

template <class Row>
void run(benchmark::State& state, Row row) {
  const Rows in;
  std::vector<double> k12(kRow), td(kRow);
  for (auto _ : state)
    for (std::size_t r = 0; r < kRows; ++r) {
      std::copy(in.start.begin(), in.start.end(), k12.begin());
      row(in.k11, in.k22.data(), k12.data(), td.data(), kRow);
      benchmark::DoNotOptimize(k12.data());
    }
  std::copy(in.start.begin(), in.start.end(), k12.begin());
  row(in.k11, in.k22.data(), k12.data(), td.data(), kRow);
  state.counters["max_err"] = in.max_error(k12, td);
  state.counters["time_per_entry"] = benchmark::Counter(double(state.iterations() * kRows * kRow),
                                                        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_DualLibrary(benchmark::State& state) {
  const widthlab::Dual dual(widthlab::activation_from_name("relu"));
  run(state, [&](double k11, const double* k22, double* k12, double* td, std::size_t n) {
    dual.apply_row<double>(k11, k22, k12, td, n);
  });
}

void BM_DualDivisionFree(benchmark::State& state) { run(state, relu_row_division_free); }

// The library's float32 relu dual (16 lanes, Cephes' degree-9 arctangent, one √ and one division), same rows in
// float32; max_err against the same long-double reference (float32 rounding: ~1e-7 expected).
void BM_DualLibraryFloat32(benchmark::State& state) {
  const widthlab::Dual dual(widthlab::activation_from_name("relu"));
  const Rows in;
  const std::vector<float> k22(in.k22.begin(), in.k22.end()), start(in.start.begin(), in.start.end());
  std::vector<float> k12(kRow), td(kRow);
  for (auto _ : state)
    for (std::size_t r = 0; r < kRows; ++r) {
      std::copy(start.begin(), start.end(), k12.begin());
      dual.apply_row<float>(float(in.k11), k22.data(), k12.data(), td.data(), kRow);
      benchmark::DoNotOptimize(k12.data());
    }
  std::copy(start.begin(), start.end(), k12.begin());
  dual.apply_row<float>(float(in.k11), k22.data(), k12.data(), td.data(), kRow);
  state.counters["max_err"] =
      in.max_error(std::vector<double>(k12.begin(), k12.end()), std::vector<double>(td.begin(), td.end()));
  state.counters["time_per_entry"] = benchmark::Counter(double(state.iterations() * kRows * kRow),
                                                        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(BM_DualLibrary)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DualDivisionFree)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DualLibraryFloat32)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
