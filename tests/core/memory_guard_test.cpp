// check_fits_in_memory refuses what cannot fit in physical memory, naming it; physical_memory_bytes agrees with the
// kernel's own account (/proc/meminfo's MemTotal, which excludes only the memory the kernel reserved at boot).
#include "widthlab/memory_guard.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "widthlab/error.h"

using namespace widthlab;

TEST(MemoryGuard, PhysicalMemoryAgreesWithProcMeminfo) {
  std::ifstream in("/proc/meminfo");
  if (!in) GTEST_SKIP() << "no /proc/meminfo on this system";
  std::string key;
  double kib = 0;
  while (in >> key && key != "MemTotal:") in.ignore(1 << 20, '\n');
  ASSERT_TRUE(in >> kib);
  // MemTotal is total RAM less the boot-time reservations (a few percent at most).
  EXPECT_GE(physical_memory_bytes(), kib * 1024.0);
  EXPECT_LE(physical_memory_bytes(), kib * 1024.0 * 1.1);
}

TEST(MemoryGuard, RefusesMoreThanPhysicalMemoryNamingWhat) {
  const double have = physical_memory_bytes();
  EXPECT_NO_THROW(check_fits_in_memory(0.5 * have, "x1 (4 rows): the nngp"));
  EXPECT_NO_THROW(check_fits_in_memory(have, "x1 (4 rows): the nngp"));
  try {
    check_fits_in_memory(3.0 * have, "x1 (7 rows): the nngp");
    FAIL() << "3× physical memory was accepted";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("x1 (7 rows): the nngp need at least ", 0), 0u) << m;
    EXPECT_NE(m.find("more than this machine's"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

// check_fits_on_disk compares with statvfs's space for this user (std::filesystem::space) on the file system of the
// nearest existing parent of a directory that does not exist yet, and creates nothing.
TEST(MemoryGuard, RefusesMoreThanTheFreeDiskSpaceNamingWhat) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "widthlab_disk_guard_absent" / "out";
  const double free = double(std::filesystem::space(std::filesystem::temp_directory_path()).available);
  EXPECT_NO_THROW(check_fits_on_disk(dir, 0.5 * free, "nngp.npy"));
  try {
    check_fits_on_disk(dir, 2.0 * free + 1e12, "nngp.npy and ntk.npy of --x1 X (9 rows)");
    FAIL() << "more than the free space was accepted";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("nngp.npy and ntk.npy of --x1 X (9 rows) need ", 0), 0u) << m;
    EXPECT_NE(m.find("GiB on disk, more than the"), std::string::npos) << m;
    EXPECT_NE(m.find("widthlab_disk_guard_absent/out"), std::string::npos) << m;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.parent_path()));
}
