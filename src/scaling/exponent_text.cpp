#include "widthlab/exponent_text.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "widthlab/error.h"

namespace widthlab {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The whole of `s` as a finite double, or NaN.
double whole_number(std::string_view s) {
  const std::string t(trimmed(s));
  if (t.empty()) return NAN;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size() && std::isfinite(v) ? v : NAN;
}

bool is_integer(std::string_view s) {
  s = trimmed(s);
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  if (s.empty() || s.size() > 15) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

double parse_exponent(std::string_view text, std::string_view what) {
  const std::size_t slash = text.find('/');
  double v = NAN;
  if (slash == std::string_view::npos) {
    v = whole_number(text);
  } else if (is_integer(text.substr(0, slash)) && is_integer(text.substr(slash + 1))) {
    const double den = whole_number(text.substr(slash + 1));
    if (den != 0) v = whole_number(text.substr(0, slash)) / den;
  }
  if (!std::isfinite(v))
    throw InputError(fmt::format("{} = '{}': expected a finite number or a fraction like -3/4", what, text));
  if (std::abs(v) > kMaxExponent)  // A, B, C are sums of a few exponents: they must stay finite numbers
    throw InputError(
        fmt::format("{} = '{}': expected an exponent of the width of magnitude ≤ {:g}", what, text, kMaxExponent));
  return v;
}

double clean_exponent(double x) {
  if (!std::isfinite(x) || std::abs(x) >= 1e15) return x;  // no digits below 1e-12 to clean (and x·1e12 overflows)
  const double r = std::round(x * 1e12) / 1e12;
  return r == 0 ? 0.0 : r;
}

std::string format_exponent(double x) {
  if (!std::isfinite(x)) return fmt::format("{}", x);
  for (int q = 1; q <= 64; ++q) {
    const double p = std::round(x * q);
    if (std::fabs(x - p / q) < 1e-9) {
      if (p == 0) return "0";
      return q == 1 ? fmt::format("{}", p) : fmt::format("{}/{}", p, q);
    }
  }
  return fmt::format("{:.4g}", x);
}

}  // namespace widthlab
