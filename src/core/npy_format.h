// What the .npy reader (npy.cpp) and writers (npy_write.cpp) share: the magic string, the error of a file, and the
// header a writer puts in front of the data (format 1.0, or 2.0 for headers over 64 KiB; data 64-byte aligned).
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace widthlab::npy_format {

inline constexpr char kMagic[] = "\x93NUMPY";

// An InputError "<path>: <what>".
[[noreturn]] void fail(const std::string& path, const std::string& what);

// The dtype string of T ("<f4", "<f8").
template <class T>
constexpr const char* dtype_of() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "npy writers take float or double");
  return std::is_same_v<T, float> ? "<f4" : "<f8";
}

// The magic string, version, header length and padded header dict of a C-order array of `dtype` and `shape`.
std::string make_header(const char* dtype, const std::vector<std::int64_t>& shape);

// An InputError unless the directory `path` would be written in exists.
void check_dir_writable(const std::string& path);

}  // namespace widthlab::npy_format
