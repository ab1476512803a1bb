#include "core/sequencer.h"

#include <gtest/gtest.h>

namespace quflx {
namespace {

TEST(Sequencer, CountsFromOnePerAssetWithoutGaps) {
  Sequencer seq;
  EXPECT_EQ(seq.last(3), 0u);
  EXPECT_EQ(seq.next(3), 1u);
  EXPECT_EQ(seq.next(3), 2u);
  EXPECT_EQ(seq.next(0), 1u);
  EXPECT_EQ(seq.next(3), 3u);
  EXPECT_EQ(seq.last(3), 3u);
  EXPECT_EQ(seq.last(0), 1u);
}

TEST(Sequencer, RestoreContinuesAfterTheRecoveredSeqAndNeverGoesBack) {
  Sequencer seq;
  seq.restore(1, 41);
  EXPECT_EQ(seq.next(1), 42u);
  seq.restore(1, 10);
  EXPECT_EQ(seq.next(1), 43u);
}

TEST(Sequencer, WithdrawHandsTheUnusedNumbersOutAgain) {
  Sequencer seq;
  for (int i = 0; i < 5; ++i) seq.next(2);
  seq.withdraw(2, 4);  // 4 and 5 were never used
  EXPECT_EQ(seq.last(2), 3u);
  EXPECT_EQ(seq.next(2), 4u);
  seq.withdraw(2, 9);  // not handed out: nothing to take back
  EXPECT_EQ(seq.next(2), 5u);
}

}  // namespace
}  // namespace quflx
