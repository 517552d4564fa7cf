// libFuzzer target: the scaling-name parsers (scaling.h scaling_from_name: presets, aliases, "name:q", the Golikov
// tuples "(q_sigma, q_lr)" / "(q_sigma, q_lr_out, q_lr_in)", "custom:init=…;multiplier=…;lr=…"), the exponent
// text they are made of (exponent_text.h: decimals and fractions like -3/4) and the registries' other name parsers
// (activation_from_name, loss_from_name, optimizer_family). The first input byte picks depth, optimizer family and
// reference width; the rest is the name. A scaling that is built must also give its factors at a width, its
// effective exponents and its classification (each a value or an InputError).
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "fuzz_util.h"
#include "widthlab/activation.h"
#include "widthlab/classification.h"
#include "widthlab/exponent_text.h"
#include "widthlab/loss.h"
#include "widthlab/optimizer.h"
#include "widthlab/scaling.h"

using namespace widthlab;

namespace {

// What a built scaling must support besides its own invariant (depth + 1 layers).
void check_scaling(const Scaling& s) {
  if (s.layers.size() != std::size_t(s.depth) + 1) fuzz::violated("scaling layers != depth + 1");
  fuzz::accepts([&] { (void)s.factors_at(2 * s.reference_width); });
  fuzz::accepts([&] { (void)effective_exponents(s); });
  fuzz::accepts([&] { (void)classification_to_json(classify(s, activation_from_name("relu"))); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr double kReferenceWidths[] = {128, 1, 0.5, 1e-300, 1e300, 0, -1, NAN};
  const int depth = 1 + (data[0] & 3);
  const OptimizerFamily family = (data[0] >> 2) & 1 ? OptimizerFamily::adaptive : OptimizerFamily::sgd;
  const double reference_width = kReferenceWidths[(data[0] >> 3) & 7];
  const std::string_view name(reinterpret_cast<const char*>(data) + 1, size - 1);
  Scaling s;
  if (fuzz::accepts([&] { s = scaling_from_name(name, depth, reference_width, family); })) check_scaling(s);
  double x = 0;
  if (fuzz::accepts([&] { x = parse_exponent(name, "fuzz"); })) (void)format_exponent(clean_exponent(x));
  fuzz::accepts([&] { (void)activation_from_name(name); });
  fuzz::accepts([&] { (void)loss_from_name(name); });
  fuzz::accepts([&] { (void)optimizer_family(name); });
  return 0;
}
