// interrupt.h: a request makes every poll throw until cleared; the source is asked only on its own thread and at most
// every kInterruptPollSeconds.
#include "widthlab/interrupt.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace widthlab;

namespace {
void sleep_past_the_poll_interval() {
  std::this_thread::sleep_for(std::chrono::duration<double>(kInterruptPollSeconds * 1.2));
}
}  // namespace

TEST(Interrupt, ARequestThrowsAtEveryPollUntilCleared) {
  clear_interrupt();
  EXPECT_NO_THROW(poll_interrupt());
  request_interrupt();
  EXPECT_TRUE(interrupt_requested());
  EXPECT_THROW(poll_interrupt(), Interrupted);
  EXPECT_THROW(poll_interrupt(), Interrupted);
  std::thread other([] { EXPECT_THROW(poll_interrupt(), Interrupted); });  // every thread sees it
  other.join();
  clear_interrupt();
  EXPECT_FALSE(interrupt_requested());
  EXPECT_NO_THROW(poll_interrupt());
}

TEST(Interrupt, TheSourceIsAskedOnItsThreadAtMostEveryInterval) {
  clear_interrupt();
  std::atomic<int> asked{0};
  std::atomic<bool> stop{false};
  set_interrupt_source([&] {
    ++asked;
    return stop.load();
  });
  sleep_past_the_poll_interval();
  for (int i = 0; i < 1000; ++i) poll_interrupt();
  EXPECT_EQ(asked.load(), 1) << "polls within one interval ask once";
  sleep_past_the_poll_interval();
  std::thread other([] {
    for (int i = 0; i < 1000; ++i) poll_interrupt();
  });
  other.join();
  EXPECT_EQ(asked.load(), 1) << "another thread never asks the source";
  stop = true;
  EXPECT_THROW(poll_interrupt(), Interrupted);  // the interval has passed: asked, and it says stop
  EXPECT_EQ(asked.load(), 2);
  EXPECT_TRUE(interrupt_requested());
  set_interrupt_source({});
  clear_interrupt();
  sleep_past_the_poll_interval();
  EXPECT_NO_THROW(poll_interrupt());  // no source: nothing asked
  EXPECT_EQ(asked.load(), 2);
}
