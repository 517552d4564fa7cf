// Results too large for this machine are refused before any work starts, naming the inputs that make them so: a
// std::bad_alloc hours into a run (or the kernel reaching swap) names nothing. The bound is physical memory, not what
// is free now: an estimate past it cannot succeed; one under it may still compete with other processes.
#pragma once
#include <filesystem>
#include <string>

namespace widthlab {

// Bytes of physical memory (sysconf); +inf where the system does not say.
double physical_memory_bytes();

// InputError "<what> need(s) at least X GiB, more than this machine's Y GiB of memory" when bytes > physical memory.
// `what` names the inputs and the result, e.g. "x1 (1000000 rows): the nngp and ntk (float64)".
void check_fits_in_memory(double bytes, const std::string& what);

// The same for files: InputError "<what> need(s) X GiB on disk, more than the Y GiB free where DIR is" when bytes
// exceed the space available to this user on the file system that holds `dir` (or its nearest existing parent),
// checked before DIR is created. Free space may shrink before the write: the writers still check (npy_write.h).
void check_fits_on_disk(const std::filesystem::path& dir, double bytes, const std::string& what);

}  // namespace widthlab
