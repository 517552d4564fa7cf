// Reading a config file's text (config/text_input.h).
#include "config/text_input.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "widthlab/error.h"

namespace widthlab::config_detail {

std::string read_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw InputError(fmt::format("{}: is a directory: expected a TOML config file", path));
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    int err = errno;
    throw InputError(fmt::format("{}: cannot open ({}): expected a readable TOML config file", path,
                                 err ? std::strerror(err) : "unknown error"));
  }
  std::stringstream s;
  s << f.rdbuf();
  if (f.bad()) throw InputError(fmt::format("{}: read error: expected a readable TOML config file", path));
  return s.str();
}

// Rejects bytes that are not UTF-8, naming the line and column of the first one.
void check_utf8(const std::string& text, const std::string& source) {
  std::size_t line = 1, col = 1;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    unsigned char c = p[i];
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= n;
    if (ok && len > 1) {
      std::uint32_t cp = c & (0x7F >> len);
      for (std::size_t k = 1; k < len; ++k) {
        ok = ok && (p[i + k] & 0xC0) == 0x80;
        cp = (cp << 6) | (p[i + k] & 0x3F);
      }
      // No overlong forms, surrogates or code points past U+10FFFF.
      static const std::uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
      ok = ok && cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (!ok)
      throw InputError(
          fmt::format("{}:{}:{}: byte 0x{:02x} is not UTF-8: expected a UTF-8 text file", source, line, col, c));
    if (c == '\n')
      ++line, col = 1;
    else
      ++col;
    i += len;
  }
}

}  // namespace widthlab::config_detail
