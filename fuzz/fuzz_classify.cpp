// libFuzzer target: the classify request (classify_request.h) as `widthlab classify` and widthlab.classify take it:
// the (q_sigma, q_lr, q_lr_out) number strings, preset names, depth, activation and optimizer names, and a config.
// Input lines: flags, preset, q_sigma, q_lr, q_lr_out, activation, optimizer, then TOML config text. Flags: a
// first character '0'–'9' or '-' sets depth (digit, or −1); a second character 'c' passes the config text.
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "widthlab/classify_request.h"

using namespace widthlab;

namespace {

ClassifyRequest request_from(const std::vector<std::string>& f) {
  ClassifyRequest r;
  const std::string& flags = f[0];
  if (!flags.empty() && (std::isdigit(static_cast<unsigned char>(flags[0])) || flags[0] == '-'))
    r.depth = flags[0] == '-' ? -1 : flags[0] - '0';
  r.preset = f[1], r.q_sigma = f[2], r.q_lr = f[3], r.q_lr_out = f[4], r.activation = f[5], r.optimizer = f[6];
  if (flags.size() > 1 && flags[1] == 'c') {
    const std::string toml = f[7];
    r.config = [toml] { return parse_config(toml, "fuzz.toml"); };
    r.config_name = "fuzz.toml";
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto fields = fuzz::split_lines(std::string_view(reinterpret_cast<const char*>(data), size), 8);
  fields.resize(8);
  const ClassifyInputNames names{
      "--preset, --q-sigma or --config", "--set needs --config", "--q-sigma", "--q-lr", "--q-lr-out", "--depth"};
  fuzz::accepts([&] { (void)classify_request(request_from(fields), names); });
  return 0;
}
