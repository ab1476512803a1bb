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

}  // namespace
}  // namespace quflx
