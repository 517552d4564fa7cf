// libFuzzer target: the TOML config reader and validator (config.h, parse_config: syntax, UTF-8, strict keys and
// types, --set overrides, validate()). The input is TOML text; the lines after a line "#--set" are also passed as
// --set overrides. A config that is accepted must write back (to_toml, to_json) and re-read to the same Config.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "widthlab/config.h"

using namespace widthlab;

namespace {

constexpr std::string_view kSetMarker = "\n#--set\n";

// Text before the marker, and each line after it as one override.
void split_overrides(std::string_view input, std::string* toml, std::vector<std::string>* overrides) {
  const std::size_t at = input.find(kSetMarker);
  *toml = std::string(input.substr(0, at));
  if (at == std::string_view::npos) return;
  std::string_view rest = input.substr(at + kSetMarker.size());
  for (auto& line : fuzz::split_lines(rest, 16))
    if (!line.empty()) overrides->push_back(line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string toml;
  std::vector<std::string> overrides;
  split_overrides(std::string_view(reinterpret_cast<const char*>(data), size), &toml, &overrides);
  Config c;
  if (!fuzz::accepts([&] { c = parse_config(toml, "fuzz.toml", overrides); })) return 0;
  const std::string written = to_toml(c);
  (void)to_json(c);
  Config back;
  if (!fuzz::accepts([&] { back = parse_config(written, "<round trip>"); }))
    fuzz::violated("an accepted config does not re-read from its own TOML:\n" + written);
  if (!(back == c)) fuzz::violated("an accepted config re-reads differently from its own TOML:\n" + written);
  return 0;
}
