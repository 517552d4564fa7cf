// A config file's text: read whole (InputError naming the path when it is a directory or cannot be read), and
// checked to be UTF-8 (InputError naming line and column of the first bad byte). Internal to the config module.
#pragma once
#include <string>

namespace widthlab::config_detail {

std::string read_file(const std::string& path);
void check_utf8(const std::string& text, const std::string& source);

}  // namespace widthlab::config_detail
