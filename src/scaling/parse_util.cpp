#include "scaling/parse_util.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "widthlab/error.h"
#include "widthlab/exponent_text.h"

namespace widthlab::detail {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

double parse_number(std::string_view text, std::string_view what) { return parse_exponent(text, what); }

void check_reference_width(double reference_width) {
  if (!std::isfinite(reference_width) || reference_width <= 0)
    throw InputError(fmt::format("scaling.reference_width = {}: expected a finite number > 0", reference_width));
}

void check_depth(int depth) {
  if (depth < 1 || depth > 1000)
    throw InputError(fmt::format("model.depth = {}: expected an integer in [1, 1000]", depth));
}

void fill_golikov_fields(Scaling& s) {
  if (s.depth != 1) return;
  const GolikovExponents g = golikov_exponents(s);
  s.q_sigma = g.q_sigma;
  s.q_lr_out = g.q_lr_out;
  s.q_lr_in = g.q_lr_in;
}

}  // namespace widthlab::detail
