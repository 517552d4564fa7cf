// Small helpers for the messages widthlab prints.
#pragma once
#include <fmt/format.h>

#include <cstddef>
#include <string>

namespace widthlab {

// "1 scaling", "3 scalings", "1 BLAS thread"; `plural` when the plural is not singular + "s".
inline std::string count_noun(std::size_t n, const std::string& singular, const std::string& plural = "") {
  return fmt::format("{} {}", n, n == 1 ? singular : plural.empty() ? singular + "s" : plural);
}

}  // namespace widthlab
