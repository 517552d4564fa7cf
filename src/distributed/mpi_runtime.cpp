// MPI process setup and helpers (include/widthlab/mpi_runtime.h).
#include "widthlab/mpi_runtime.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "widthlab/progress.h"

#ifdef WIDTHLAB_HAVE_MPI
#include "distributed/mpi_wait.h"
#endif

namespace widthlab {

namespace {
bool g_active = false;
int g_rank = 0, g_size = 1;
int g_err_fd = 2;  // where mpi_fail writes (rank > 0: a copy of the original stderr)
}  // namespace

bool mpi_launched() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
         std::getenv("PMIX_RANK") != nullptr;
}
bool mpi_active() { return g_active; }
int mpi_rank() { return g_rank; }
int mpi_size() { return g_size; }
bool mpi_is_root() { return g_rank == 0; }

int threads_per_rank(int threads) {
  if (threads > 0) return threads;
  return std::max(1, int(std::thread::hardware_concurrency()) / std::max(1, mpi_size()));
}

void mpi_barrier() {
#ifdef WIDTHLAB_HAVE_MPI
  if (!(g_active && g_size > 1)) return;
  MPI_Request request;
  MPI_Ibarrier(MPI_COMM_WORLD, &request);
  mpi_wait_sleeping(request);  // MPI_Barrier would busy-poll
#endif
}

#ifdef WIDTHLAB_HAVE_MPI
void mpi_wait_sleeping(MPI_Request& request) {
  for (int done = 0;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}
#endif

MpiSession::MpiSession(int* argc, char*** argv) {
#ifdef WIDTHLAB_HAVE_MPI
  if (!mpi_launched()) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  g_active = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  if (g_rank != 0) {
    progress_defaults().enabled = false;
    const char* all = std::getenv("WIDTHLAB_MPI_ALL_OUTPUT");
    if (!(all && std::string(all) == "1")) {
      std::fflush(stdout);
      std::fflush(stderr);
      g_err_fd = ::dup(2);
      int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) {
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::close(null);
      }
    }
  }
#else
  (void)argc, (void)argv;
#endif
}

MpiSession::~MpiSession() {
#ifdef WIDTHLAB_HAVE_MPI
  if (g_active) {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Finalize();
    g_active = false;
  }
#endif
}

int mpi_fail(int code, const std::string& message) {
  std::string line = message + "\n";
  if (!(g_active && g_size > 1)) {
    std::fputs(line.c_str(), stderr);
    return code;
  }
  // An error every rank hits (bad config) is printed once, by rank 0, which aborts the others first; an error only
  // a worker hits still reaches the user.
  if (g_rank != 0) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    line = "[rank " + std::to_string(g_rank) + "] " + line;
  }
  std::fflush(stdout);
  [[maybe_unused]] auto n = ::write(g_err_fd, line.data(), line.size());
#ifdef WIDTHLAB_HAVE_MPI
  MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::_Exit(code);
}

}  // namespace widthlab
