// KernelSchedule (kernel_schedule.h): every block row of both outputs handed out exactly once, mirror rows only after
// the computed rows they are transposed from, largest first, of the asking rank's file when split.
#include "widthlab/kernel_schedule.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include "widthlab/error.h"

using namespace widthlab;

namespace {

// Runs a schedule over `ranks` simulated ranks that complete their tasks in a random order, checking at each take
// that a mirror row's sources are complete; returns, per (block row, mirror?, output), how often it was written.
std::map<std::tuple<std::int64_t, bool, int>, int> simulate(KernelSchedule& s, int ranks, unsigned seed) {
  std::mt19937 rng(seed);
  std::map<std::tuple<std::int64_t, bool, int>, int> written;
  std::set<std::int64_t> computed_done;
  std::vector<std::optional<int>> running(static_cast<std::size_t>(ranks));
  std::set<int> idle;
  for (int r = 0; r < ranks; ++r) idle.insert(r);
  while (!s.all_complete()) {
    bool took = false;
    for (int r : std::set<int>(idle)) {
      std::optional<int> id = s.take(r);
      if (!id) continue;
      const KernelTask& t = s.task(*id);
      if (t.mirror) {
        for (std::int64_t j = 0; j < t.block_row; ++j)
          EXPECT_TRUE(computed_done.count(j))
              << "mirror row " << t.block_row << " handed out before computed row " << j;
      }
      running[std::size_t(r)] = id;
      idle.erase(r);
      took = true;
    }
    if (idle.size() == std::size_t(ranks) && !took) {
      ADD_FAILURE() << "every rank idle, nothing handed out, schedule not complete";
      break;
    }
    // Complete one running task, chosen at random.
    std::vector<int> busy;
    for (int r = 0; r < ranks; ++r)
      if (running[std::size_t(r)]) busy.push_back(r);
    if (busy.empty()) continue;
    const int r = busy[std::uniform_int_distribution<std::size_t>(0, busy.size() - 1)(rng)];
    const int id = *running[std::size_t(r)];
    const KernelTask& t = s.task(id);
    s.complete(id);
    if (!t.mirror) computed_done.insert(t.block_row);
    if (t.nngp) ++written[{t.block_row, t.mirror, 0}];
    if (t.ntk) ++written[{t.block_row, t.mirror, 1}];
    running[std::size_t(r)].reset();
    idle.insert(r);
  }
  EXPECT_TRUE(s.exhausted());
  return written;
}

}  // namespace

TEST(KernelSchedule, SymmetricCoversEveryRowOfBothOutputsOnce) {
  for (int ranks : {1, 2, 3, 5})
    for (bool split : {false, true})
      for (unsigned seed : {1u, 2u, 3u}) {
        const std::int64_t nb = 9;
        KernelSchedule s(nb, /*symmetric=*/true, true, true, split);
        EXPECT_EQ(s.total_blocks(), 2 * nb * nb);  // upper with diagonal + lower, per output
        auto written = simulate(s, ranks, seed);
        for (std::int64_t b = 0; b < nb; ++b)
          for (int out : {0, 1}) {
            EXPECT_EQ((written[{b, false, out}]), 1) << "computed row " << b << " output " << out;
            EXPECT_EQ((written[{b, true, out}]), b == 0 ? 0 : 1) << "mirror row " << b << " output " << out;
          }
        EXPECT_EQ(s.size(), split ? 9 + 2 * 8 : 9 + 8);
      }
}

TEST(KernelSchedule, CrossKernelHasComputedRowsOnlyInOrder) {
  KernelSchedule s(5, /*symmetric=*/false, true, false, true);
  EXPECT_EQ(s.total_blocks(), 25);
  for (std::int64_t b = 0; b < 5; ++b) {
    std::optional<int> id = s.take(int(b % 2));
    ASSERT_TRUE(id);
    EXPECT_EQ(s.task(*id).block_row, b);
    EXPECT_FALSE(s.task(*id).mirror);
    EXPECT_TRUE(s.task(*id).nngp);
    EXPECT_FALSE(s.task(*id).ntk);
    EXPECT_EQ(s.task(*id).blocks, 5);
  }
  EXPECT_FALSE(s.take(0));
  EXPECT_TRUE(s.exhausted());
  EXPECT_FALSE(s.all_complete());
}

TEST(KernelSchedule, MirrorWaitsForItsSourcesLargestReadyFirstOwnFilePreferred) {
  KernelSchedule s(4, /*symmetric=*/true, true, true, /*split=*/true);
  for (int b = 0; b < 4; ++b) EXPECT_EQ(s.task(*s.take(0)).block_row, b);  // computed rows, top first
  EXPECT_FALSE(s.take(1));  // no computed row complete: no mirror row ready
  EXPECT_FALSE(s.exhausted());
  s.complete(1);  // row 1 alone: mirror row 1 still needs row 0
  EXPECT_FALSE(s.take(1));
  s.complete(0);  // rows 0 and 1: mirror row 1 (it needs row 0) and row 2 (rows 0, 1) are ready
  std::optional<int> a = s.take(1);
  ASSERT_TRUE(a);
  EXPECT_EQ(s.task(*a).block_row, 2);  // largest ready first
  EXPECT_TRUE(s.task(*a).ntk);         // odd rank: the NTK file
  EXPECT_FALSE(s.task(*a).nngp);
  std::optional<int> b = s.take(0);
  ASSERT_TRUE(b);
  EXPECT_EQ(s.task(*b).block_row, 2);
  EXPECT_TRUE(s.task(*b).nngp);
  std::optional<int> c = s.take(1);  // NTK row 1, then (its file exhausted for now) NNGP row 1
  std::optional<int> d = s.take(1);
  ASSERT_TRUE(c && d);
  EXPECT_EQ(s.task(*c).block_row, 1);
  EXPECT_TRUE(s.task(*c).ntk);
  EXPECT_EQ(s.task(*d).block_row, 1);
  EXPECT_TRUE(s.task(*d).nngp);
  EXPECT_FALSE(s.take(0));  // row 3 waits for row 2
  s.complete(2);
  EXPECT_EQ(s.task(*s.take(0)).block_row, 3);
}

TEST(KernelSchedule, UnsplitMirrorWritesBothOutputs) {
  KernelSchedule s(3, true, true, true, /*split=*/false);
  for (int b = 0; b < 3; ++b) s.complete(*s.take(0));
  std::optional<int> id = s.take(1);
  ASSERT_TRUE(id);
  EXPECT_TRUE(s.task(*id).mirror);
  EXPECT_TRUE(s.task(*id).nngp && s.task(*id).ntk);
  EXPECT_EQ(s.task(*id).blocks, 2);
}

TEST(KernelSchedule, MisuseIsRejected) {
  EXPECT_THROW(KernelSchedule(0, true, true, true, false), InputError);
  EXPECT_THROW(KernelSchedule(3, true, false, false, false), InputError);
  KernelSchedule s(3, true, true, true, false);
  EXPECT_THROW(s.complete(0), std::logic_error);  // not taken
  const int id = *s.take(0);
  s.complete(id);
  EXPECT_THROW(s.complete(id), std::logic_error);  // twice
  EXPECT_THROW(s.complete(99), std::logic_error);
}
