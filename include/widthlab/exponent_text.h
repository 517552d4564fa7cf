// Width exponents as text: what users type (decimals or fractions, "-3/4") and how widthlab prints them back.
#pragma once
#include <string>
#include <string_view>

namespace widthlab {

// Largest |exponent| parse_exponent accepts: real scalings use O(1) exponents, and the classifier's sums of a few of
// them must stay finite.
inline constexpr double kMaxExponent = 1e6;

// A finite decimal number ("-0.75", "1e-1") or a fraction of two integers ("-3/4", "1/2"), surrounding blanks
// allowed, of magnitude ≤ kMaxExponent. InputError "<what> = '<text>': expected …" otherwise.
double parse_exponent(std::string_view text, std::string_view what);

// `x` rounded to 12 decimals, so that sums of user numbers print as typed (-0.1, not -0.09999999999999998) and -0
// or 1e-17 noise prints as 0.
double clean_exponent(double x);

// `x` as the simplest fraction p/q with q ≤ 64 within 1e-9 ("-3/4", "0", "1"), else as a short decimal.
std::string format_exponent(double x);

}  // namespace widthlab
