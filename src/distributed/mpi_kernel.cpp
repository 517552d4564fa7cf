// `widthlab kernel` outputs written to .npy files in row panels, over one process or over MPI ranks that share the
// files (include/widthlab/mpi_runtime.h).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

#include "widthlab/error.h"
#include "widthlab/kernel_schedule.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"
#include "widthlab/progress.h"
#include "widthlab/transpose.h"

#ifdef WIDTHLAB_HAVE_MPI
#include "distributed/mpi_wait.h"
#endif

namespace widthlab {

namespace {

// A rows × cols piece of the outputs (row-major, leading dimension cols) at (row0, col0) of the full arrays.
template <class T>
struct Panel {
  std::vector<T> nngp, ntk;
  bool has_nngp = false, has_ntk = false;
  std::int64_t row0 = 0, rows = 0, col0 = 0, cols = 0;
};

// Writes panels to the two files, one row segment per pwrite. With `overlap`, a panel is written on a helper thread
// while the caller computes the next one (two buffers); without it (--threads 1: one core per process) inline, from
// one buffer (fresh memory costs ≈ 0.85 s per GB on the VMs measured).
template <class T>
class PanelWriter {
 public:
  PanelWriter(NpyPieceWriter<T>* nngp, NpyPieceWriter<T>* ntk, bool overlap)
      : nngp_(nngp), ntk_(ntk), overlap_(overlap) {}
  ~PanelWriter() {
    for (auto& f : pending_)
      if (f.valid()) f.wait();  // an error already propagates from finish() or next()
  }
  // A free buffer shaped rows × cols for the outputs named (waits for the write that last used it).
  Panel<T>& next(std::int64_t row0, std::int64_t rows, std::int64_t col0, std::int64_t cols, bool nngp, bool ntk) {
    if (overlap_) turn_ ^= 1;  // inline writes reuse one buffer
    if (pending_[turn_].valid()) pending_[turn_].get();
    Panel<T>& p = buffers_[turn_];
    p.row0 = row0, p.rows = rows, p.col0 = col0, p.cols = cols;
    p.has_nngp = nngp && nngp_, p.has_ntk = ntk && ntk_;
    if (p.has_nngp) p.nngp.resize(std::size_t(rows * cols));
    if (p.has_ntk) p.ntk.resize(std::size_t(rows * cols));
    return p;
  }
  // Writes the buffer last returned by next().
  void submit() {
    const Panel<T>& p = buffers_[turn_];
    // One file at a time, odd ranks starting with the other file: a buffered write holds its file's inode lock,
    // so two ranks writing the same file at once would queue on it.
    auto write = [this, &p] {
      const bool ntk_first = mpi_rank() % 2 == 1;
      for (int k = 0; k < 2; ++k) {
        const bool ntk = (k == 0) == ntk_first;
        if (!(ntk ? p.has_ntk : p.has_nngp)) continue;
        NpyPieceWriter<T>* file = ntk ? ntk_ : nngp_;
        const T* values = ntk ? p.ntk.data() : p.nngp.data();
        for (std::int64_t r = 0; r < p.rows; ++r) file->write(p.row0 + r, p.col0, values + r * p.cols, p.cols);
      }
    };
    if (overlap_)
      pending_[turn_] = std::async(std::launch::async, write);
    else
      write();
  }
  // Waits until every submitted panel is written.
  void finish() {
    for (auto& f : pending_)
      if (f.valid()) f.get();
  }

 private:
  NpyPieceWriter<T>* nngp_;
  NpyPieceWriter<T>* ntk_;
  bool overlap_;
  Panel<T> buffers_[2];
  std::future<void> pending_[2];
  int turn_ = 0;
};

// Columns per panel: whole blocks, about `bytes` per output, so the buffers stay small at any N.
template <class T>
std::int64_t panel_columns(std::int64_t block, std::size_t bytes) {
  return std::max<std::int64_t>(1, std::int64_t(bytes / sizeof(T)) / (block * block)) * block;
}

// Runs the tasks of a KernelSchedule: block rows computed by the plan, or mirrored (read back through the files'
// shared read-only views, transposed), in panels of whole blocks.
template <class T>
class TaskRunner {
 public:
  TaskRunner(const KernelPlan<T>& plan, NpyPieceWriter<T>* nngp, NpyPieceWriter<T>* ntk, std::size_t panel_bytes)
      : plan_(plan),
        nngp_(nngp),
        ntk_(ntk),
        W_(panel_columns<T>(plan.block(), panel_bytes)),
        out_(nngp, ntk, plan.threads() != 1) {}

  void run(const KernelTask& t) {
    const std::int64_t B = plan_.block(), a = t.block_row * B, m = std::min(B, plan_.rows() - a);
    if (t.mirror) {  // columns [0, a): the mirror of rows [c, c+w), columns [a, a+m)
      for (std::int64_t c = 0; c < a; c += W_) {
        const std::int64_t w = std::min(W_, a - c);
        Panel<T>& p = out_.next(a, m, c, w, t.nngp, t.ntk);
        for (auto [src, dst, on] :
             {std::tuple{nngp_, p.nngp.data(), p.has_nngp}, std::tuple{ntk_, p.ntk.data(), p.has_ntk}}) {
          if (!on) continue;
          const std::int64_t ld = src->cols();
          transpose_tiled(src->view() + c * ld + a, ld, w, m, dst, w);
        }
        out_.submit();
      }
      return;
    }
    const std::int64_t N2 = plan_.cols();
    for (std::int64_t c = plan_.symmetric() ? a : 0; c < N2; c += W_) {
      const std::int64_t w = std::min(W_, N2 - c);
      Panel<T>& p = out_.next(a, m, c, w, t.nngp, t.ntk);
      plan_.compute(a, m, c, w, p.has_nngp ? p.nngp.data() : nullptr, p.has_ntk ? p.ntk.data() : nullptr, w);
      out_.submit();
    }
  }
  void finish() { out_.finish(); }

 private:
  const KernelPlan<T>& plan_;
  NpyPieceWriter<T>* nngp_;
  NpyPieceWriter<T>* ntk_;
  std::int64_t W_;
  PanelWriter<T> out_;
};

// One process: every task in the schedule's order. Tasks are reported complete (so that mirror tasks become ready)
// only once their writes are done, which with overlapped writes is checked only when the schedule has to wait.
template <class T>
void run_alone(KernelSchedule& schedule, TaskRunner<T>& runner, Progress& progress) {
  std::vector<int> written;
  for (;;) {
    std::optional<int> id = schedule.take(0);
    if (!id) {
      if (schedule.exhausted()) break;
      if (written.empty()) throw std::logic_error("kernel schedule: no task ready and none running");
      runner.finish();
      for (int w : written) schedule.complete(w);
      written.clear();
      continue;
    }
    const KernelTask& t = schedule.task(*id);
    runner.run(t);
    written.push_back(*id);
    progress.advance(long(t.written_blocks()));
  }
  runner.finish();
}

#ifdef WIDTHLAB_HAVE_MPI
// Messages from a rank to rank 0 (kTagAsk): {task it has just written, or −1; 1 to ask for a task, else 0}. Replies
// (kTagGive): a task id, or −1 when every task is handed out.
constexpr int kTagAsk = 901, kTagGive = 902;

// Rank 0 looks at the other ranks' messages this often (and at once when its own worker completes a task). Each look
// wakes a thread on a core that a rank is computing on: at 0.5 ms the looking took 6 % of a core and preempted the
// ranks ≈ 1000 times a second (N = 20000, -n 2); the other ranks ask one task ahead, so a slower answer costs them
// nothing but at the very end.
constexpr auto kCoordinatorPoll = std::chrono::milliseconds(2);

void send_to_root(std::int64_t done, bool want) {
  const std::int64_t message[2] = {done, want ? 1 : 0};
  MPI_Send(message, 2, MPI_INT64_T, 0, kTagAsk, MPI_COMM_WORLD);
}

// Rank > 0: runs tasks from rank 0, asking for the next one as it starts the current one, and reports each task
// once it is written (another rank may mirror it), until rank 0 has none left.
template <class T>
void run_remote(const KernelSchedule& schedule, TaskRunner<T>& runner) {
  std::int64_t next = -1;
  MPI_Request request;
  auto ask = [&] {
    MPI_Irecv(&next, 1, MPI_INT64_T, 0, kTagGive, MPI_COMM_WORLD, &request);
    send_to_root(-1, true);
  };
  ask();
  mpi_wait_sleeping(request);
  while (next >= 0) {
    const std::int64_t current = next;
    ask();
    runner.run(schedule.task(int(current)));
    runner.finish();
    send_to_root(current, false);
    mpi_wait_sleeping(request);
  }
}

// What rank 0's two threads share; used under `mutex`.
struct CoordinatorState {
  CoordinatorState(KernelSchedule& s, Progress& p) : schedule(s), progress(p) {}
  KernelSchedule& schedule;
  Progress& progress;
  std::mutex mutex;
  std::condition_variable changed;
  std::exception_ptr failure;  // thrown by the local thread
  bool stop = false;           // the other thread failed: the local thread takes no more tasks

  // Task `id` is written (mirror tasks may become ready).
  void completed(int id) {
    schedule.complete(id);
    const KernelTask& t = schedule.task(id);
    progress.advance(long(t.written_blocks()));
  }
};

// Rank 0's second thread: its own tasks until none is left or `stop`; an exception is kept in `failure`.
template <class T>
void run_local(CoordinatorState& st, TaskRunner<T>& runner) {
  try {
    for (;;) {
      int id = -1;
      {
        std::unique_lock lock(st.mutex);
        for (;;) {
          if (st.stop) return;
          if (std::optional<int> t = st.schedule.take(0)) {
            id = *t;
            break;
          }
          if (st.schedule.exhausted()) return;
          st.changed.wait(lock);
        }
      }
      runner.run(st.schedule.task(id));
      runner.finish();
      std::lock_guard lock(st.mutex);
      st.completed(id);
      st.changed.notify_all();
    }
  } catch (...) {
    std::lock_guard lock(st.mutex);
    st.failure = std::current_exception();
    st.changed.notify_all();
  }
}

// Every message that has arrived from the other ranks (under the lock): completed tasks, and requests for a task
// (the rank joins `waiting`).
void receive_messages(CoordinatorState& st, std::vector<int>& waiting) {
  for (;;) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kTagAsk, MPI_COMM_WORLD, &flag, &status);
    if (!flag) break;
    std::int64_t message[2];
    MPI_Recv(message, 2, MPI_INT64_T, status.MPI_SOURCE, kTagAsk, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (message[0] >= 0) st.completed(int(message[0]));
    if (message[1]) waiting.push_back(status.MPI_SOURCE);
    st.changed.notify_all();
  }
}

// Answers each waiting rank with a ready task, or −1 once every task is handed out (that rank stops: `active` drops);
// a rank stays waiting while its next task is a mirror of rows still running.
void answer_waiting(CoordinatorState& st, std::vector<int>& waiting, int& active) {
  for (std::size_t i = 0; i < waiting.size();) {
    std::int64_t give = -1;
    if (std::optional<int> t = st.schedule.take(waiting[i]))
      give = *t;
    else if (!st.schedule.exhausted()) {
      ++i;  // a mirror task waits for rows still running
      continue;
    }
    MPI_Send(&give, 1, MPI_INT64_T, waiting[i], kTagGive, MPI_COMM_WORLD);
    if (give < 0) --active;
    waiting.erase(waiting.begin() + std::ptrdiff_t(i));
  }
}

// Rank 0: its main thread answers the other ranks (MPI calls stay on the main thread, as MPI_THREAD_FUNNELED
// requires) while a second thread runs rank 0's own tasks.
template <class T>
void run_coordinator(KernelSchedule& schedule, TaskRunner<T>& runner, Progress& progress) {
  CoordinatorState st{schedule, progress};
  std::thread local([&] { run_local(st, runner); });
  std::exception_ptr coordinator_failure;
  try {
    std::vector<int> waiting;  // ranks whose request for a task is not answered yet
    std::unique_lock lock(st.mutex);
    // Until every task is reported written (so each rank's last report is received) and every rank told to stop.
    for (int active = mpi_size() - 1; (active > 0 || !schedule.all_complete()) && !st.failure;) {
      receive_messages(st, waiting);
      answer_waiting(st, waiting, active);
      st.changed.wait_for(lock, kCoordinatorPoll);
    }
  } catch (...) {
    coordinator_failure = std::current_exception();
  }
  {
    std::lock_guard lock(st.mutex);
    if (coordinator_failure || st.failure) st.stop = true;
  }
  st.changed.notify_all();
  local.join();
  if (coordinator_failure) std::rethrow_exception(coordinator_failure);
  if (st.failure) std::rethrow_exception(st.failure);
}
#endif

// Every block row of the outputs over the ranks (one rank: all of them, in order), handed out on request by rank 0
// (kernel_schedule.h).
template <class T>
void compute_rows(const KernelPlan<T>& plan, NpyPieceWriter<T>* nngp, NpyPieceWriter<T>* ntk, std::size_t panel_bytes) {
  const std::int64_t B = plan.block(), block_rows = (plan.rows() + B - 1) / B;
  KernelSchedule schedule(block_rows, plan.symmetric(), nngp != nullptr, ntk != nullptr, mpi_size() > 1);
  TaskRunner<T> runner(plan, nngp, ntk, panel_bytes);
  const ProgressDefaults& pd = progress_defaults();
  Progress progress("kernel", long(schedule.total_blocks()), pd.enabled && schedule.size() > 4, pd.force);
#ifdef WIDTHLAB_HAVE_MPI
  if (mpi_active() && mpi_size() > 1) {
    if (mpi_is_root())
      run_coordinator<T>(schedule, runner, progress);
    else
      run_remote<T>(schedule, runner);
    progress.finish();
    return;
  }
#endif
  run_alone<T>(schedule, runner, progress);
  progress.finish();
}

}  // namespace

template <class T>
KernelSummary kernel_to_npy_mpi(const Matrix<T>& X1, const Matrix<T>* X2, const KernelOptions& opts,
                                const std::filesystem::path& nngp_path, const std::filesystem::path& ntk_path,
                                std::size_t panel_bytes) {
  const auto t0 = std::chrono::steady_clock::now();
  const MatrixRef<T> x1(X1);
  std::optional<MatrixRef<T>> x2;
  if (X2) x2.emplace(*X2);
  KernelOptions rank_opts = opts;
  rank_opts.threads = threads_per_rank(opts.threads);
  const KernelPlan<T> plan(x1, x2 ? &*x2 : nullptr, rank_opts);  // rejects invalid input before any file exists
  const std::int64_t n1 = X1.rows(), n2 = X2 ? X2->rows() : n1;
  std::optional<NpyPieceWriter<T>> nngp, ntk;
  mpi_root_first([&](bool root) {  // rank 0 creates the .tmp files, then the other ranks open them
    nngp.emplace(root ? NpyPieceWriter<T>::create(nngp_path.string(), n1, n2)
                      : NpyPieceWriter<T>::attach(nngp_path.string(), n1, n2));
    ntk.emplace(root ? NpyPieceWriter<T>::create(ntk_path.string(), n1, n2)
                     : NpyPieceWriter<T>::attach(ntk_path.string(), n1, n2));
    return 0;
  });
  compute_rows<T>(plan, &*nngp, &*ntk, panel_bytes);
  mpi_barrier();  // every rank's rows are written
  if (mpi_is_root()) {
    nngp->commit();
    ntk->commit();
  }
  KernelSummary s;
  s.threads = plan.threads() * mpi_size();
  s.block = opts.block;
  s.precision = sizeof(T) == 4 ? Precision::float32 : Precision::float64;
  s.symmetric = X2 == nullptr;
  s.rows = n1;
  s.cols = n2;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

template KernelSummary kernel_to_npy_mpi<float>(const Matrix<float>&, const Matrix<float>*, const KernelOptions&,
                                                const std::filesystem::path&, const std::filesystem::path&,
                                                std::size_t);
template KernelSummary kernel_to_npy_mpi<double>(const Matrix<double>&, const Matrix<double>*, const KernelOptions&,
                                                 const std::filesystem::path&, const std::filesystem::path&,
                                                 std::size_t);

}  // namespace widthlab
