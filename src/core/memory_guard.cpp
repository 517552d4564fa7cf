#include "widthlab/memory_guard.h"

#include <fmt/format.h>
#include <unistd.h>

#include <limits>

#include "widthlab/error.h"

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

}  // namespace widthlab
