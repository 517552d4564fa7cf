#include "widthlab/memory_guard.h"

#include <fmt/format.h>
#include <unistd.h>

#include <limits>

#include "widthlab/error.h"
#include "widthlab/output_dir.h"

namespace widthlab {

double physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? double(pages) * double(page) : std::numeric_limits<double>::infinity();
}

void check_fits_in_memory(double bytes, const std::string& what) {
  const double have = physical_memory_bytes();
  if (bytes <= have) return;
  constexpr double gib = 1024.0 * 1024.0 * 1024.0;
  throw InputError(fmt::format("{} need at least {:.3g} GiB, more than this machine's {:.3g} GiB of memory", what,
                               bytes / gib, have / gib));
}

void check_fits_on_disk(const std::filesystem::path& dir, double bytes, const std::string& what) {
  std::error_code ec;
  std::filesystem::path existing = std::filesystem::absolute(dir, ec);
  while (!existing.empty() && !std::filesystem::exists(existing, ec) && existing != existing.parent_path())
    existing = existing.parent_path();
  const std::filesystem::space_info space = std::filesystem::space(existing, ec);
  if (ec || bytes <= double(space.available)) return;  // a file system that does not say: the writers check
  constexpr double gib = 1024.0 * 1024.0 * 1024.0;
  throw InputError(fmt::format("{} need {:.3g} GiB on disk, more than the {:.3g} GiB free where {} is", what,
                               bytes / gib, double(space.available) / gib, printable_path(dir)));
}

}  // namespace widthlab
