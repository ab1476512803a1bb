#include "core/candle_aggregator.h"

#include <gtest/gtest.h>

#include <vector>

namespace quflx {
namespace {

using namespace std::chrono_literals;

constexpr double kDay = 1761350400.0;  // 2025-10-25T00:00:00Z, aligned to every timeframe

UtcMicros at(double seconds) { return *from_unix_seconds(seconds); }

std::uint16_t bit(Timeframe tf) { return static_cast<std::uint16_t>(1u << index_of(tf)); }

class CandleAggregatorTest : public ::testing::Test {
 protected:
  explicit CandleAggregatorTest(CandleOptions options = {}) : agg_(options) {}

  // A tick at `t` seen when the feed clock reads `now` (default: the tick's own time).
  TickFold tick(double t, double price, double now = -1) {
    return agg_.on_tick(kAsset, at(t), price, ++seq_, at(now < 0 ? t : now), ev_);
  }

  std::vector<CandleUpdate> updates(Timeframe tf) const {
    std::vector<CandleUpdate> out;
    for (const auto& u : ev_.updates()) {
      if (u.timeframe == tf) out.push_back(u);
    }
    return out;
  }

  static constexpr AssetId kAsset = 0;
  CandleAggregator agg_;
  CandleEvents ev_;
  std::uint64_t seq_ = 0;
};

TEST_F(CandleAggregatorTest, AlignsBarsToUtcBoundariesForEveryTimeframe) {
  for (Timeframe tf : kAllTimeframes) {
    CandleAggregator agg;
    CandleEvents ev;
    const double d = static_cast<double>(duration_seconds(tf));
    const double start = kDay + 3 * d;
    agg.on_tick(1, at(start + d / 2), 1.0, 1, at(start + d / 2), ev);
    ASSERT_NE(agg.forming(1, tf), nullptr) << to_string(tf);
    EXPECT_EQ(agg.forming(1, tf)->open_time_s, static_cast<std::int64_t>(start)) << to_string(tf);

    // The last microsecond of the interval still belongs to the bar ...
    agg.on_tick(1, at(start + d - 1e-6), 2.0, 2, at(start + d - 1e-6), ev);
    EXPECT_EQ(agg.forming(1, tf)->volume, 2u) << to_string(tf);
    EXPECT_TRUE(agg.closed(1, tf).empty()) << to_string(tf);

    // ... and the boundary itself opens the next one, closing this one.
    agg.on_tick(1, at(start + d), 3.0, 3, at(start + d), ev);
    EXPECT_EQ(agg.forming(1, tf)->open_time_s, static_cast<std::int64_t>(start + d));
    ASSERT_EQ(agg.closed(1, tf).size(), 1u) << to_string(tf);
    const Candle& c = agg.closed(1, tf).front();
    EXPECT_EQ(c.open_time_s, static_cast<std::int64_t>(start));
    EXPECT_TRUE(c.closed);
    EXPECT_EQ(c.close, 2.0);
  }
}

TEST_F(CandleAggregatorTest, ClosesBarOnIntervalBoundaryByTheClockAlone) {
  tick(kDay + 0.5, 1.0);
  ev_.clear();
  agg_.advance_clock(kAsset, at(kDay + 0.999), ev_);
  EXPECT_TRUE(ev_.updates().empty());
  EXPECT_NE(agg_.forming(kAsset, Timeframe::k1s), nullptr);

  agg_.advance_clock(kAsset, at(kDay + 1.0), ev_);
  EXPECT_EQ(agg_.forming(kAsset, Timeframe::k1s), nullptr);
  ASSERT_EQ(agg_.closed(kAsset, Timeframe::k1s).size(), 1u);
  const auto u = updates(Timeframe::k1s);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].change, CandleChange::kClosed);
  EXPECT_TRUE(u[0].candle.closed);
  ASSERT_EQ(ev_.history_changed().size(), 1u);
  EXPECT_EQ(ev_.history_changed()[0], (AssetTimeframe{kAsset, Timeframe::k1s}));
  // Longer bars are still forming.
  EXPECT_NE(agg_.forming(kAsset, Timeframe::k5s), nullptr);

  agg_.advance_clock(kAsset, at(kDay + 5.0), ev_);
  EXPECT_EQ(agg_.closed(kAsset, Timeframe::k5s).size(), 1u);
  EXPECT_NE(agg_.forming(kAsset, Timeframe::k15s), nullptr);
}

TEST_F(CandleAggregatorTest, FoldsOhlcvWithOpenAndCloseByTickTime) {
  tick(kDay + 10.2, 5.0);
  tick(kDay + 10.1, 4.0, kDay + 10.3);  // earlier in the same bar: becomes the open
  tick(kDay + 10.6, 9.0);
  tick(kDay + 10.4, 1.0, kDay + 10.7);  // not the latest: does not become the close
  const Candle* c = agg_.forming(kAsset, Timeframe::k1s);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->open, 4.0);
  EXPECT_EQ(c->high, 9.0);
  EXPECT_EQ(c->low, 1.0);
  EXPECT_EQ(c->close, 9.0);
  EXPECT_EQ(c->volume, 4u);
  EXPECT_EQ(c->last_seq, 4u);
  EXPECT_FALSE(c->closed);
}

TEST_F(CandleAggregatorTest, LateTickWithinGraceAmendsTheClosedBar) {
  tick(kDay + 0.5, 1.0);
  agg_.advance_clock(kAsset, at(kDay + 1.2), ev_);
  ev_.clear();

  const TickFold fold = tick(kDay + 0.9, 2.0, kDay + 1.3);
  EXPECT_EQ(fold.amended, bit(Timeframe::k1s));
  EXPECT_EQ(fold.dropped, 0);
  const Candle& c = agg_.closed(kAsset, Timeframe::k1s).back();
  EXPECT_EQ(c.high, 2.0);
  EXPECT_EQ(c.close, 2.0);
  EXPECT_EQ(c.volume, 2u);
  const auto u = updates(Timeframe::k1s);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].change, CandleChange::kAmended);
  EXPECT_TRUE(u[0].candle.closed);
  EXPECT_EQ(ev_.history_changed().size(), 1u);
  // The late tick lies inside the forming 1m bar: folded there as usual.
  EXPECT_EQ(agg_.forming(kAsset, Timeframe::k1m)->volume, 2u);
  // The forming 1s bar is untouched: a late tick never changes the current bar.
  EXPECT_EQ(agg_.forming(kAsset, Timeframe::k1s), nullptr);
}

TEST_F(CandleAggregatorTest, LateTickBeyondGraceIsLeftOutOfThatTimeframe) {
  tick(kDay + 0.5, 1.0);
  tick(kDay + 6.5, 1.5);  // 1s bar [6,7) and 5s bar [5,10) forming
  ev_.clear();

  // Ends: 1s bar [0,1) at 1 (5.9 s ago > 5 s grace); 5s bar [0,5) at 5 (1.9 s ago).
  const TickFold fold = tick(kDay + 0.9, 7.0, kDay + 6.9);
  EXPECT_EQ(fold.dropped, bit(Timeframe::k1s));
  EXPECT_EQ(fold.amended, bit(Timeframe::k5s));
  EXPECT_EQ(agg_.closed(kAsset, Timeframe::k1s).front().volume, 1u);
  EXPECT_EQ(agg_.closed(kAsset, Timeframe::k5s).front().high, 7.0);
  EXPECT_EQ(agg_.forming(kAsset, Timeframe::k1s)->high, 1.5);
  EXPECT_EQ(agg_.forming(kAsset, Timeframe::k15s)->volume, 3u);
}

TEST_F(CandleAggregatorTest, NoSyntheticBarsButALateTickMayFillAnEmptyInterval) {
  tick(kDay + 0.5, 1.0);
  tick(kDay + 2.5, 2.0);
  agg_.advance_clock(kAsset, at(kDay + 3.0), ev_);
  const auto& closed = agg_.closed(kAsset, Timeframe::k1s);
  ASSERT_EQ(closed.size(), 2u);
  EXPECT_EQ(closed[0].open_time_s, static_cast<std::int64_t>(kDay));
  EXPECT_EQ(closed[1].open_time_s, static_cast<std::int64_t>(kDay + 2));

  tick(kDay + 1.5, 3.0, kDay + 3.1);
  ASSERT_EQ(closed.size(), 3u);
  EXPECT_EQ(closed[1].open_time_s, static_cast<std::int64_t>(kDay + 1));
  EXPECT_EQ(closed[1].open, 3.0);
  EXPECT_TRUE(closed[1].closed);
}

TEST_F(CandleAggregatorTest, OneUpdatePerBarPerBatch) {
  for (int i = 0; i < 100; ++i) tick(kDay + 0.001 * i, 1.0 + i);
  EXPECT_EQ(ev_.updates().size(), kTimeframeCount);
  for (const auto& u : ev_.updates()) {
    EXPECT_EQ(u.change, CandleChange::kForming);
    EXPECT_EQ(u.candle.volume, 100u);
    EXPECT_EQ(u.candle.close, 100.0);
  }
  ev_.clear();
  EXPECT_TRUE(ev_.updates().empty());
  tick(kDay + 0.2, 500.0);
  EXPECT_EQ(ev_.updates().size(), kTimeframeCount);
  EXPECT_EQ(ev_.updates()[0].candle.volume, 101u);
}

TEST_F(CandleAggregatorTest, ClosedBarIsPublishedBeforeTheNextForms) {
  tick(kDay + 0.5, 1.0);
  tick(kDay + 1.5, 2.0);
  const auto u = updates(Timeframe::k1s);
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].change, CandleChange::kClosed);
  EXPECT_EQ(u[0].candle.open_time_s, static_cast<std::int64_t>(kDay));
  EXPECT_EQ(u[1].change, CandleChange::kForming);
  EXPECT_EQ(u[1].candle.open_time_s, static_cast<std::int64_t>(kDay + 1));
}

TEST_F(CandleAggregatorTest, UnknownAssetHasNoCandles) {
  EXPECT_TRUE(agg_.closed(42, Timeframe::k1m).empty());
  EXPECT_EQ(agg_.forming(42, Timeframe::k1m), nullptr);
  agg_.advance_clock(42, at(kDay), ev_);
  EXPECT_TRUE(ev_.empty());
}

class SmallHistoryTest : public CandleAggregatorTest {
 protected:
  SmallHistoryTest() : CandleAggregatorTest(CandleOptions{.late_grace = 100s, .keep_closed = 3}) {}
};

TEST_F(SmallHistoryTest, KeepsOnlyTheLatestClosedBars) {
  for (int i = 0; i < 10; ++i) tick(kDay + i + 0.5, 1.0 + i);
  const auto& closed = agg_.closed(kAsset, Timeframe::k1s);
  ASSERT_EQ(closed.size(), 3u);
  EXPECT_EQ(closed.front().open_time_s, static_cast<std::int64_t>(kDay + 6));
  EXPECT_EQ(closed.back().open_time_s, static_cast<std::int64_t>(kDay + 8));
}

TEST_F(SmallHistoryTest, LateTickOlderThanAFullHistoryIsDropped) {
  for (int i = 0; i < 10; ++i) tick(kDay + i + 0.5, 1.0 + i);
  const TickFold fold = tick(kDay + 1.5, 50.0, kDay + 10.0);
  EXPECT_TRUE(fold.dropped & bit(Timeframe::k1s));
  EXPECT_EQ(agg_.closed(kAsset, Timeframe::k1s).size(), 3u);
}


Candle seeded_bar(std::int64_t open, double o, double h, double l, double c) {
  Candle b;
  b.open_time_s = open;
  b.open = o;
  b.high = h;
  b.low = l;
  b.close = c;
  b.first_tick = b.last_tick = from_unix_micros(open * 1'000'000);
  return b;
}

TEST_F(CandleAggregatorTest, SeededBarsFillHistoryWithoutOverwritingLiveBars) {
  const auto t0 = static_cast<std::int64_t>(kDay);
  tick(kDay + 120.5, 5.0);  // live bar of minute 2
  ev_.clear();
  std::vector<Candle> bars = {seeded_bar(t0, 1, 2, 0.5, 1.5), seeded_bar(t0 + 60, 1.5, 3, 1, 2),
                              seeded_bar(t0 + 120, 9, 9, 9, 9)};
  std::vector<CandleUpdate> taken;
  const auto n = agg_.seed(kAsset, Timeframe::k1m, bars, at(kDay + 121), ev_, taken);
  EXPECT_EQ(n, 2u);
  ASSERT_EQ(taken.size(), 2u);
  const auto& closed = agg_.closed(kAsset, Timeframe::k1m);
  ASSERT_EQ(closed.size(), 2u);
  EXPECT_EQ(closed[0].open_time_s, t0);
  EXPECT_EQ(closed[1].high, 3);
  EXPECT_TRUE(closed[1].closed);
  EXPECT_EQ(closed[1].last_seq, 0u);
  EXPECT_EQ(agg_.forming(kAsset, Timeframe::k1m)->close, 5.0);  // live wins
  ASSERT_EQ(ev_.history_changed().size(), 1u);
  EXPECT_TRUE(ev_.updates().empty());  // closed seeds are history, not live updates

  // Seeding again changes nothing.
  ev_.clear();
  taken.clear();
  EXPECT_EQ(agg_.seed(kAsset, Timeframe::k1m, bars, at(kDay + 121), ev_, taken), 0u);
  EXPECT_TRUE(ev_.empty());
}

TEST_F(CandleAggregatorTest, ASeededRunningBarBecomesTheFormingBarAndLiveTicksFoldIn) {
  const auto t0 = static_cast<std::int64_t>(kDay);
  std::vector<Candle> bars = {seeded_bar(t0, 1, 2, 0.5, 1.5)};
  std::vector<CandleUpdate> taken;
  agg_.seed(kAsset, Timeframe::k1m, bars, at(kDay + 30), ev_, taken);
  ASSERT_NE(agg_.forming(kAsset, Timeframe::k1m), nullptr);
  tick(kDay + 31, 2.5);
  const Candle* f = agg_.forming(kAsset, Timeframe::k1m);
  EXPECT_EQ(f->open, 1);
  EXPECT_EQ(f->high, 2.5);
  EXPECT_EQ(f->low, 0.5);
  EXPECT_EQ(f->close, 2.5);
}

}  // namespace
}  // namespace quflx
