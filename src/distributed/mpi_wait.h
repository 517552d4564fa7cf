// MPI helpers shared by the files of src/study that call MPI directly (only built with WIDTHLAB_HAVE_MPI).
#pragma once
#include <mpi.h>

namespace widthlab {

// Waits for `request` without holding the core: MPI's blocking calls busy-poll, so a rank waiting in one would take
// its core from the ranks still working and from the kernel's write-back thread (2-core machines). Tests the
// request every 0.2 ms and sleeps in between.
void mpi_wait_sleeping(MPI_Request& request);

}  // namespace widthlab
