// Small helpers shared by the scaling module's sources (not a public header).
#pragma once
#include <string>
#include <string_view>

#include "widthlab/scaling.h"

namespace widthlab::detail {

std::string lower(std::string_view s);
std::string trim(std::string_view s);
// parse_exponent (exponent_text.h): a finite number or a fraction like -3/4; InputError naming <what> otherwise.
double parse_number(std::string_view text, std::string_view what);
void check_reference_width(double reference_width);
void check_depth(int depth);
// Sets q_sigma / q_lr_out / q_lr_in from golikov_exponents() for depth-1 scalings.
void fill_golikov_fields(Scaling& s);
// Tolerance for exact exponent comparisons (boundary lines of theory.md §2.2 belong to the 1-D pieces).
constexpr double kExponentTol = 1e-9;

}  // namespace widthlab::detail
