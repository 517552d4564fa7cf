// libFuzzer target: the architecture text form (architecture.h parse_architecture, parse_input_shape) and the shape
// rules (architecture_shapes, architecture_shapes_to_vector). The first input byte picks an input shape from a small
// table (bit 7 set: the text after the first '\n' is parsed as an "H,W,C" shape instead; bit 6 set: widths may be the
// word d, resolved before the shapes); the rest is the arch text.
// An accepted architecture must write a canonical text that parses back to an equal value, and its shapes must be a
// value or an InputError.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "widthlab/architecture.h"

using namespace widthlab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const ImageShape kShapes[] = {{28, 28, 1}, {32, 32, 3}, {1, 1, 784}, {5, 7, 2},
                                       {1, 1, 1},   {3, 3, 1},   {64, 1, 4},  {1 << 20, 1 << 20, 1}};
  ImageShape input = kShapes[data[0] & 7];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 0x80) {
    const auto parts = fuzz::split_lines(text, 2);
    if (!fuzz::accepts([&] { input = parse_input_shape(parts[0], "--input-shape"); })) return 0;
    text = text.substr(parts[0].size() + (parts.size() > 1 ? 1 : 0));
  }
  // Bit 0x40: a training config's form, where a width may be the word d (then resolved to a width from byte 0).
  const bool sweep_width = (data[0] & 0x40) != 0;
  Architecture arch;
  if (!fuzz::accepts([&] { arch = parse_architecture(text, sweep_width); })) return 0;
  const std::string canonical = architecture_text(arch);
  Architecture again;
  if (!fuzz::accepts([&] { again = parse_architecture(canonical, sweep_width); }) || !(again == arch))
    fuzz::violated("canonical text '" + canonical + "' does not parse back to the same architecture");
  if (has_sweep_width(arch)) {
    if (!sweep_width) fuzz::violated("a width d parsed where it is not allowed: '" + canonical + "'");
    arch = with_sweep_width(arch, 1 + (data[0] & 0x3f));
    if (has_sweep_width(arch)) fuzz::violated("with_sweep_width left a width d in '" + canonical + "'");
  }
  fuzz::accepts([&] { (void)architecture_shapes(arch, input); });
  fuzz::accepts([&] { (void)architecture_shapes_to_vector(arch, input); });
  return 0;
}
