// Sweeps over MPI ranks with dynamic load balancing (include/widthlab/mpi_runtime.h).
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "widthlab/mlp.h"
#include "widthlab/mpi_runtime.h"
#include "widthlab/npy.h"
#include "widthlab/output_dir.h"
#include "widthlab/progress.h"

#ifdef WIDTHLAB_HAVE_MPI
#include <mpi.h>
#endif

namespace widthlab {

SweepSummary run_sweep_mpi(const SweepSetup& setup, const SweepOptions& options) {
  std::map<std::string, const Scaling*> by_name;
  for (const auto& s : setup.scalings) by_name[s.name] = &s;
  TrainData data{setup.data.x_train, setup.data.y_train, setup.data.x_test, setup.data.y_test, setup.data.classes};
  const bool logits = options.save_test_logits;
  auto fn = [&](const SweepRunKey& key) {  // as run_sweep (sweep.cpp)
    TrainTask task = sweep_task(setup, *by_name.at(key.scaling), key);
    task.train.curve_logits = logits && task.train.curve_every > 0;
    return sweep_output(run_training(task, data), logits);
  };
  return run_sweep_runs_mpi(sweep_grid(setup), fn, options);
}

#ifndef WIDTHLAB_HAVE_MPI
SweepSummary run_sweep_runs_mpi(const std::vector<SweepRunKey>& keys, const SweepRunFunction& fn,
                                const SweepOptions& options) {
  return run_sweep_runs(keys, fn, options);
}
#else

namespace {
enum Tag : int { kTagResult = 11, kTagTask = 12, kTagStop = 13 };

nlohmann::json key_json(const SweepRunKey& k) {
  nlohmann::json j = {{"scaling", k.scaling}, {"width", k.width}, {"seed", k.seed}};
  if (k.lr) j["lr"] = *k.lr;  // the lr axis (sweep.lrs)
  return j;
}
SweepRunKey key_from(const nlohmann::json& j) {
  std::optional<double> lr;
  if (j.contains("lr")) lr = j.at("lr").get<double>();
  return {j.at("scaling").get<std::string>(), j.at("width").get<int>(), j.at("seed").get<std::uint64_t>(), lr};
}

// One finished run (or its error) as a message; msgpack keeps NaN/inf doubles exactly.
struct RunMessage {
  SweepRunKey key;
  bool failed = false;
  std::string error;
  SweepRunOutput out;
};

std::vector<std::uint8_t> pack(const RunMessage& m) {
  nlohmann::json j;
  j["key"] = key_json(m.key);
  if (m.failed) {
    j["error"] = m.error;
  } else {
    j["record"] = m.out.record;
    if (m.out.curve) j["curve"] = {{"columns", m.out.curve->columns}, {"rows", m.out.curve->rows}};
    if (m.out.test_logits) {
      const MatrixD& L = *m.out.test_logits;
      std::vector<double> v;
      v.reserve(std::size_t(L.size()));
      for (Eigen::Index i = 0; i < L.rows(); ++i)
        for (Eigen::Index c = 0; c < L.cols(); ++c) v.push_back(L(i, c));
      j["logits"] = {{"rows", L.rows()}, {"cols", L.cols()}, {"data", v}};
    }
  }
  return nlohmann::json::to_msgpack(j);
}

RunMessage unpack(const std::vector<std::uint8_t>& bytes) {
  nlohmann::json j = nlohmann::json::from_msgpack(bytes);
  RunMessage m;
  m.key = key_from(j.at("key"));
  if (j.contains("error")) {
    m.failed = true;
    m.error = j["error"].get<std::string>();
    return m;
  }
  m.out.record = j.at("record");
  if (j.contains("curve")) {
    CsvTable t;
    t.columns = j["curve"]["columns"].get<std::vector<std::string> >();
    t.rows = j["curve"]["rows"].get<std::vector<std::vector<double> > >();
    m.out.curve = std::move(t);
  }
  if (j.contains("logits")) {
    const auto& l = j["logits"];
    const Eigen::Index r = l["rows"].get<Eigen::Index>(), c = l["cols"].get<Eigen::Index>();
    std::vector<double> v = l["data"].get<std::vector<double> >();
    MatrixD L(r, c);
    for (Eigen::Index i = 0; i < r; ++i)
      for (Eigen::Index k = 0; k < c; ++k) L(i, k) = v[std::size_t(i * c + k)];
    m.out.test_logits = std::move(L);
  }
  return m;
}

RunMessage execute(const SweepRunKey& key, const SweepRunFunction& fn) {
  RunMessage m;
  m.key = key;
  try {
    m.out = fn(key);
  } catch (const std::exception& e) {
    m.failed = true;
    m.error = e.what();
  }
  return m;
}

void send_bytes(const std::vector<std::uint8_t>& b, int dest, int tag) {
  MPI_Send(b.data(), int(b.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD);
}

// Rank 0: writes every result as run_sweep_runs does (side files first, then the runs.jsonl line).
struct Sink {
  const SweepOptions& options;
  JsonlWriter runs, errors;
  Progress progress;
  SweepSummary& summary;
  std::mutex mutex;
  Sink(const SweepOptions& o, long total, SweepSummary& s)
      : options(o),
        runs(o.out / "runs.jsonl"),
        errors(o.out / "errors.jsonl"),
        progress(o.progress_label, total, progress_defaults().enabled, progress_defaults().force),
        summary(s) {}
  void take(const RunMessage& m) {
    const SweepRunKey& key = m.key;
    std::lock_guard lock(mutex);
    if (m.failed) {
      std::string msg = fmt::format("{} w={} seed={}: {}", key.scaling, key.width, key.seed, m.error);
      std::fprintf(stderr, "\nwidthlab: run failed: %s\n", msg.c_str());
      errors.append({{"scaling", key.scaling}, {"width", key.width}, {"seed", key.seed}, {"error", m.error}});
      summary.errors.push_back(msg);
      ++summary.failed;
      progress.advance(1, "failed");
      return;
    }
    const std::string stem = run_stem(key);
    try {
      if (options.save_curves && m.out.curve) write_csv(options.out / "curves" / (stem + ".csv"), *m.out.curve);
      if (options.save_test_logits && m.out.test_logits)
        npy_write((options.out / "logits" / (stem + ".npy")).string(), *m.out.test_logits);
    } catch (const std::exception& e) {
      std::string msg = fmt::format("{} w={} seed={}: {}", key.scaling, key.width, key.seed, e.what());
      std::fprintf(stderr, "\nwidthlab: run failed: %s\n", msg.c_str());
      errors.append({{"scaling", key.scaling}, {"width", key.width}, {"seed", key.seed}, {"error", e.what()}});
      summary.errors.push_back(msg);
      ++summary.failed;
      progress.advance(1, "failed");
      return;
    }
    std::string status = m.out.record.value("status", std::string("ok"));
    runs.append(m.out.record);
    ++summary.ran;
    (status == "ok" ? summary.ok : summary.diverged) += 1;
    progress.advance(1, fmt::format("{} w={} seed={} {}", key.scaling, key.width, key.seed, status));
  }
};

SweepSummary coordinate(const std::vector<SweepRunKey>& keys, const SweepRunFunction& fn, const SweepOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  SweepSummary summary;
  summary.threads_given = options.threads;
  std::vector<SweepRunKey> todo = pending_sweep_runs(keys, options, summary);
  std::stable_sort(todo.begin(), todo.end(),
                   [](const SweepRunKey& a, const SweepRunKey& b) { return a.width > b.width; });

  const int threads = threads_per_rank(options.threads);
  summary.worker_threads = mpi_size();
  summary.blas_threads_large = threads;
  Sink sink(options, long(todo.size()), summary);

  // The shared queue: the coordinator (this thread, for remote workers) and the local worker thread both take from it.
  std::mutex qmutex;
  std::size_t next = 0;
  auto take_key = [&]() -> std::optional<SweepRunKey> {
    std::lock_guard lock(qmutex);
    while (next < todo.size()) {
      const SweepRunKey& k = todo[next++];
      if (options.max_seconds > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > options.max_seconds) {
        std::lock_guard slock(sink.mutex);
        ++summary.skipped_budget;
        sink.progress.advance(1, "skipped (budget)");
        continue;
      }
      return k;
    }
    return std::nullopt;
  };

  const ScopedBlasThreads blas(threads);
  std::thread local([&] {
    while (auto k = take_key()) sink.take(execute(*k, fn));
  });

  int active = mpi_size() - 1;  // remote workers not yet stopped
  std::vector<std::uint8_t> buf;
  while (active > 0) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &flag, &st);
    if (!flag) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    buf.resize(std::size_t(count));
    MPI_Recv(buf.data(), count, MPI_BYTE, st.MPI_SOURCE, kTagResult, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (count > 0) sink.take(unpack(buf));  // an empty message is a worker's first request
    if (auto k = take_key()) {
      send_bytes(nlohmann::json::to_msgpack(key_json(*k)), st.MPI_SOURCE, kTagTask);
    } else {
      MPI_Send(nullptr, 0, MPI_BYTE, st.MPI_SOURCE, kTagStop, MPI_COMM_WORLD);
      --active;
    }
  }
  local.join();
  sink.progress.finish();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

SweepSummary work(const SweepRunFunction& fn, const SweepOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  SweepSummary summary;
  summary.threads_given = options.threads;
  summary.worker_threads = mpi_size();
  summary.blas_threads_large = threads_per_rank(options.threads);
  const ScopedBlasThreads blas(summary.blas_threads_large);
  std::vector<std::uint8_t> reply;  // empty: "ready"
  std::vector<std::uint8_t> buf;
  for (;;) {
    send_bytes(reply, 0, kTagResult);
    MPI_Status st;
    MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    buf.resize(std::size_t(count));
    MPI_Recv(buf.data(), count, MPI_BYTE, 0, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (st.MPI_TAG == kTagStop) break;
    RunMessage m = execute(key_from(nlohmann::json::from_msgpack(buf)), fn);
    ++summary.ran;
    if (m.failed)
      ++summary.failed;
    else
      (m.out.record.value("status", std::string("ok")) == "ok" ? summary.ok : summary.diverged) += 1;
    reply = pack(m);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}
}  // namespace

SweepSummary run_sweep_runs_mpi(const std::vector<SweepRunKey>& keys, const SweepRunFunction& fn,
                                const SweepOptions& options) {
  if (!mpi_active() || mpi_size() < 2) return run_sweep_runs(keys, fn, options);
  return mpi_is_root() ? coordinate(keys, fn, options) : work(fn, options);
}
#endif

}  // namespace widthlab
