#include "store/redis/tick_log.h"

#include <gtest/gtest.h>

#include "protocol/market_json.h"

namespace quflx {
namespace {

std::string tick(std::uint64_t seq) {
  std::string out;
  append_tick_json(out, "EURUSD_otc",
                   SequencedTick{0, 1.0 + static_cast<double>(seq) / 1000,
                                 from_unix_micros(1761350400000000 + static_cast<std::int64_t>(seq)),
                                 seq});
  return out;
}

// The list as Redis holds it: newest first.
std::vector<std::string> list(std::uint64_t oldest, std::uint64_t newest) {
  std::vector<std::string> l;
  for (auto s = newest; s >= oldest && s > 0; --s) l.push_back(tick(s));
  return l;
}

TEST(TickLog, ReturnsTicksAfterTheGivenSeqOldestFirst) {
  const auto s = slice_ticks(list(1, 10), 6);
  EXPECT_EQ(s.seqs, (std::vector<std::uint64_t>{7, 8, 9, 10}));
  EXPECT_EQ(s.ticks.front(), tick(7));
  EXPECT_EQ(s.newest_seq, 10u);
  EXPECT_TRUE(s.unavailable.empty());
}

TEST(TickLog, SaysExactlyWhichTrimmedRangeIsGone) {
  const auto s = slice_ticks(list(51, 60), 20);
  EXPECT_EQ(s.seqs.front(), 51u);
  ASSERT_EQ(s.unavailable.size(), 1u);
  EXPECT_EQ(s.unavailable[0], (SeqRange{21, 50}));
}

TEST(TickLog, ReportsHolesInsideTheListAndSkipsUnreadableEntries) {
  auto l = list(1, 10);
  l.erase(l.begin() + 3, l.begin() + 5);  // drops 7 and 6
  l.insert(l.begin() + 2, "not json");
  const auto s = slice_ticks(l, 0);
  EXPECT_EQ(s.unreadable, 1u);
  ASSERT_EQ(s.unavailable.size(), 1u);
  EXPECT_EQ(s.unavailable[0], (SeqRange{6, 7}));
  EXPECT_EQ(s.seqs.size(), 8u);
}

TEST(TickLog, NothingToReplayWhenTheClientIsCurrentOrTheListIsEmpty) {
  EXPECT_TRUE(slice_ticks(list(1, 10), 10).ticks.empty());
  EXPECT_TRUE(slice_ticks(list(1, 10), 10).unavailable.empty());
  const auto empty = slice_ticks({}, 5);
  EXPECT_EQ(empty.newest_seq, 0u);
  EXPECT_TRUE(empty.unavailable.empty());
}

}  // namespace
}  // namespace quflx
