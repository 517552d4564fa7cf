// `mpirun -n 2 widthlab train|kernel` (include/widthlab/mpi_runtime.h) against the single-process runs: the same
// records per key (all fields but the wall time "seconds"), the same curves and logits, resume after a partial
// runs.jsonl, a bit-identical kernel, and exit 2 on bad input. Skipped when mpirun is missing or the binary was built
// without MPI.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "cli/cli_helpers.h"
#include "widthlab/npy.h"
#include "widthlab/rng.h"

using widthlab::test::CliResult;
using widthlab::test::read_file;
using widthlab::test::run_cli;
using widthlab::test::scratch_dir;
using widthlab::test::write_file;
namespace fs = std::filesystem;

namespace {

bool mpi_usable() {
#ifndef WIDTHLAB_HAVE_MPI
  return false;
#else
  return std::system("command -v mpirun >/dev/null 2>&1") == 0;
#endif
}

CliResult run_mpi(int ranks, const std::string& args) {
  return widthlab::test::run_command(
      // detect_leaks=0: under `make test-asan`, OpenMPI's own allocations that outlive MPI_Finalize (in MCA
      // components already unloaded, so no suppression can name them) would fail every rank; widthlab's code is
      // leak-checked by the single-process runs of the same verbs.
      "ASAN_OPTIONS=detect_leaks=0 OMPI_MCA_btl_vader_single_copy_mechanism=none mpirun --allow-run-as-root "
      "--oversubscribe -n " +
      std::to_string(ranks) + " " + WIDTHLAB_CLI + " " + args);
}

// key "scaling_w<width>_s<seed>" → record without the wall time (a partial line fails to parse).
std::map<std::string, nlohmann::json> records(const fs::path& runs) {
  std::map<std::string, nlohmann::json> m;
  for (auto j : widthlab::test::read_run_records(runs)) {
    const std::string key = widthlab::test::run_key(j);
    j.erase("seconds");
    EXPECT_EQ(m.count(key), 0u) << "duplicate record " << key;
    m[key] = j;
  }
  return m;
}

const char* kSweep = R"toml(
[data]
dataset = "gaussians"
classes = []
train_size = 60
test_size = 30
[scaling]
presets = ["ntk", "mf"]
[train]
steps = 6
log_every = 2
[sweep]
widths = [16, 48]
seeds = [0, 1]
[limits]
compute = []
)toml";

}  // namespace

TEST(MpiCli, TrainSweepMatchesSingleProcessAndResumes) {
  if (!mpi_usable()) GTEST_SKIP() << "mpirun missing or widthlab built without MPI";
  std::string dir = scratch_dir("mpi_train");
  write_file(dir + "/c.toml", kSweep);
  auto one = run_cli("train --quiet --threads 1 --config " + dir + "/c.toml --out " + dir + "/one");
  ASSERT_EQ(one.code, 0) << one.err;
  auto two = run_mpi(2, "train --quiet --threads 1 --config " + dir + "/c.toml --out " + dir + "/two");
  ASSERT_EQ(two.code, 0) << two.err << two.out;
  auto ref = records(dir + "/one/runs.jsonl");
  ASSERT_EQ(ref.size(), 8u);
  EXPECT_EQ(records(dir + "/two/runs.jsonl"), ref);
  for (const auto& [key, rec] : ref) {
    const std::string stem = widthlab::test::run_key(rec);  // = run_stem for these scaling names
    EXPECT_EQ(read_file(dir + "/two/curves/" + stem + ".csv"), read_file(dir + "/one/curves/" + stem + ".csv")) << stem;
  }
  // Only rank 0 prints: one summary line on stdout.
  EXPECT_EQ(std::count(two.out.begin(), two.out.end(), '\n'), 1) << two.out;
  EXPECT_NE(two.out.find("8 ran"), std::string::npos) << two.out;

  // Resume: keep 3 of the 8 lines (and a partial 4th); the MPI run adds exactly the 5 missing keys.
  fs::create_directories(dir + "/part");
  fs::copy_file(dir + "/one/config.toml", dir + "/part/config.toml");
  write_file(dir + "/part/.widthlab-manifest", "config.toml\nruns.jsonl\n");  // as if widthlab had written them
  {
    std::ifstream in(dir + "/one/runs.jsonl");
    std::ofstream out(dir + "/part/runs.jsonl");
    std::string line;
    for (int i = 0; i < 3 && std::getline(in, line); ++i) out << line << "\n";
    std::getline(in, line);
    out << line.substr(0, line.size() / 2);  // a run killed mid-write
  }
  auto resumed = run_mpi(2, "train --quiet --threads 1 --config " + dir + "/c.toml --out " + dir + "/part --resume");
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("3 already done, 5 ran"), std::string::npos) << resumed.out;
  auto merged = records(dir + "/part/runs.jsonl");  // parse fails on the partial line unless it was repaired
  EXPECT_EQ(merged, ref);
  fs::remove_all(dir);
}

TEST(MpiCli, TrainBadInputExitsTwoOnAllRanks) {
  if (!mpi_usable()) GTEST_SKIP() << "mpirun missing or widthlab built without MPI";
  std::string dir = scratch_dir("mpi_bad");
  write_file(dir + "/c.toml", kSweep);
  auto r = run_mpi(2, "train --quiet --config " + dir + "/c.toml --set train.lr=-1 --out " + dir + "/o");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("train.lr"), std::string::npos) << r.err;
  // Existing results without --resume: rank 0 refuses, all ranks stop with 2.
  ASSERT_EQ(run_cli("train --quiet --threads 1 --config " + dir + "/c.toml --out " + dir + "/o2").code, 0);
  auto again = run_mpi(2, "train --quiet --config " + dir + "/c.toml --out " + dir + "/o2");
  EXPECT_EQ(again.code, 2) << again.err;
  EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;
  fs::remove_all(dir);
}

TEST(MpiCli, KernelMatchesSingleProcessBitForBit) {
  if (!mpi_usable()) GTEST_SKIP() << "mpirun missing or widthlab built without MPI";
  std::string dir = scratch_dir("mpi_kernel");
  widthlab::Rng rng = widthlab::make_rng(7);
  std::normal_distribution<double> normal;
  widthlab::MatrixD X1(70, 5), X2(23, 5);
  for (Eigen::Index i = 0; i < X1.size(); ++i) X1.data()[i] = normal(rng);
  for (Eigen::Index i = 0; i < X2.size(); ++i) X2.data()[i] = normal(rng);
  X1.row(9) = X1.row(3);  // a duplicate pair (exact diagonal vs general formula)
  widthlab::npy_write(dir + "/x1.npy", X1);
  widthlab::npy_write(dir + "/x2.npy", X2);
  // Block 16: 5 block rows (an uneven split, a partial last block); symmetric and X1 × X2; float64 and float32.
  // --device cpu: on a machine with a GPU, --device auto would run the single-process float32 case on the GPU (other
  // bits) while ranks > 1 always run on the CPU; the claim tested here is about the CPU engine's block grid.
  const std::string common = " --depth 2 --activation relu --b-std 0.3 --block 16 --threads 1 --device cpu";
  for (std::string extra :
       {std::string(""), std::string(" --x2 " + dir + "/x2.npy"), std::string(" --precision float32")}) {
    auto one = run_cli("kernel --quiet --x1 " + dir + "/x1.npy" + common + extra + " --force --out " + dir + "/one");
    ASSERT_EQ(one.code, 0) << one.err;
    auto two = run_mpi(2, "kernel --quiet --x1 " + dir + "/x1.npy" + common + extra + " --force --out " + dir + "/two");
    ASSERT_EQ(two.code, 0) << two.err;
    for (const char* f : {"nngp.npy", "ntk.npy"}) {
      std::string a = read_file(dir + "/one/" + f), b = read_file(dir + "/two/" + f);
      EXPECT_GT(a.size(), 70u * 23u * 4u) << f << extra;
      EXPECT_TRUE(a == b) << f << extra << ": -n 2 output differs from -n 1";
      EXPECT_FALSE(fs::exists(dir + "/two/" + f + ".tmp"));
    }
  }
  // Three ranks on the symmetric case (zig-zag owners 0,1,2,2,1).
  auto one = run_cli("kernel --quiet --x1 " + dir + "/x1.npy" + common + " --force --out " + dir + "/one");
  auto three = run_mpi(3, "kernel --quiet --x1 " + dir + "/x1.npy" + common + " --out " + dir + "/three");
  ASSERT_EQ(three.code, 0) << three.err;
  EXPECT_TRUE(read_file(dir + "/one/ntk.npy") == read_file(dir + "/three/ntk.npy"));
  EXPECT_TRUE(read_file(dir + "/one/nngp.npy") == read_file(dir + "/three/nngp.npy"));
  // --threads 0 (all cores) is shared out over the ranks (threads_per_rank), as train's is: K ranks on one machine
  // must not start K × cores threads.
  const std::string all_cores = " --depth 2 --activation relu --block 16 --threads 0 --device cpu";
  auto shared = run_mpi(2, "kernel --x1 " + dir + "/x1.npy" + all_cores + " --out " + dir + "/shared");
  ASSERT_EQ(shared.code, 0) << shared.err;
  const int per_rank = std::max(1, int(std::thread::hardware_concurrency()) / 2);
  EXPECT_NE(shared.out.find(fmt::format(", {} thread{},", 2 * per_rank, 2 * per_rank == 1 ? "" : "s")),
            std::string::npos)
      << shared.out;
  fs::remove_all(dir);
}

TEST(MpiCli, StudyMatchesSingleProcess) {
  if (!mpi_usable()) GTEST_SKIP() << "mpirun missing or widthlab built without MPI";
  std::string dir = scratch_dir("mpi_study");
  write_file(dir + "/c.toml", kSweep);
  const std::string args = "study --quiet --threads 1 --no-plots --bootstrap 10 --config " + dir + "/c.toml --out ";
  auto one = run_cli(args + dir + "/one");
  ASSERT_EQ(one.code, 0) << one.err;
  auto two = run_mpi(2, args + dir + "/two");
  ASSERT_EQ(two.code, 0) << two.err;
  auto ref = records(dir + "/one/runs.jsonl");
  ASSERT_EQ(ref.size(), 8u);
  EXPECT_EQ(records(dir + "/two/runs.jsonl"), ref);
  EXPECT_EQ(read_file(dir + "/two/distances.csv"), read_file(dir + "/one/distances.csv"));  // from the sent logits
  EXPECT_TRUE(fs::exists(dir + "/two/report.md"));
  fs::remove_all(dir);
}
