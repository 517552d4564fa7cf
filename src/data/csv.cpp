// Numeric CSV datasets: features then the label in the last column.
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "widthlab/error.h"
#include "widthlab/loaders.h"
#include "widthlab/output_dir.h"

namespace fs = std::filesystem;

namespace widthlab {
namespace {

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::size_t pos = 0;
  while (true) {
    std::size_t c = line.find(',', pos);
    cells.push_back(trim(line.substr(pos, c == std::string::npos ? std::string::npos : c - pos)));
    if (c == std::string::npos) break;
    pos = c + 1;
  }
  return cells;
}

// Parses the whole cell as a number (from_chars accepts "nan"/"inf" too; finiteness is checked by the caller).
bool parse_number(const std::string& cell, double* v) {
  if (cell.empty()) return false;
  const char* b = cell.data();
  const char* e = b + cell.size();
  if (*b == '+') ++b;  // from_chars rejects a leading '+'
  auto r = std::from_chars(b, e, *v);
  return r.ec == std::errc() && r.ptr == e;
}

}  // namespace

LabeledTable read_csv_table(const std::string& path) {
  const std::string shown = printable_path(path);
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (!fs::exists(st)) throw InputError(fmt::format("{}: no such file", shown));
  if (fs::is_directory(st)) throw InputError(fmt::format("{}: is a directory, expected a CSV file", shown));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open for reading", shown));

  std::vector<double> values;
  std::vector<double> labels;
  std::size_t cols = 0, first_data_line = 0, line_no = 0;
  bool seen_first = false;
  std::string line;
  while (std::getline(in, line)) {
    ++line_no;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto cells = split_cells(t);
    if (!seen_first) {
      seen_first = true;
      bool any_number = false;
      double v;
      for (const auto& c : cells) any_number |= parse_number(c, &v);
      if (!any_number) continue;  // header line
    }
    if (cols == 0) {
      if (cells.size() < 2)
        throw InputError(
            fmt::format("{}:{}: one column; expected feature columns and a label column last", shown, line_no));
      cols = cells.size();
      first_data_line = line_no;
    } else if (cells.size() != cols) {
      throw InputError(fmt::format("{}:{}: {} columns, expected {} (as on line {})", shown, line_no, cells.size(), cols,
                                   first_data_line));
    }
    for (std::size_t c = 0; c < cells.size(); ++c) {
      double v;
      if (!parse_number(cells[c], &v))
        throw InputError(
            fmt::format("{}:{}:{}: '{}' is not a number", shown, line_no, c + 1, printable_text(cells[c])));
      if (!std::isfinite(v))
        throw InputError(fmt::format("{}:{}:{}: non-finite value '{}'", shown, line_no, c + 1, cells[c]));
      if (c + 1 == cols)
        labels.push_back(v);
      else
        values.push_back(v);
    }
  }
  if (labels.empty())
    throw InputError(fmt::format("{}: no data rows, expected numeric lines \"x1,...,xd,label\"", shown));
  LabeledTable t;
  const std::int64_t n = std::int64_t(labels.size()), d = std::int64_t(cols) - 1;
  t.x = Eigen::Map<Matrix<double>>(values.data(), n, d);
  t.y = std::move(labels);
  return t;
}

}  // namespace widthlab
