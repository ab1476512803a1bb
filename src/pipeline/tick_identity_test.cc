#include "pipeline/tick_identity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <vector>

namespace quflx {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kT0us = 1761350400'000'000;  // 2025-10-25T00:00:00Z

UtcMicros at_us(std::int64_t us_after_t0) {
  return from_unix_micros(kT0us + us_after_t0);
}
UtcMicros at_ms(std::int64_t ms_after_t0) {
  return at_us(ms_after_t0 * 1000);
}

TEST(TickIdentityIndex, AnExactRepeatIsHeldAndAnyOtherTickIsNot) {
  TickIdentityIndex index;
  EXPECT_FALSE(index.contains(0, at_ms(1), 1.08123));
  EXPECT_TRUE(index.insert(0, at_ms(1), 1.08123));
  index.commit();
  EXPECT_TRUE(index.contains(0, at_ms(1), 1.08123));
  EXPECT_FALSE(index.insert(0, at_ms(1), 1.08123));
  EXPECT_FALSE(index.contains(0, at_ms(2), 1.08123));  // another millisecond
  EXPECT_FALSE(index.contains(0, at_ms(1), 1.08124));  // another price
  EXPECT_FALSE(index.contains(1, at_ms(1), 1.08123));  // another asset
  EXPECT_EQ(index.size(0), 1u);
}

TEST(TickIdentityIndex, TheTimeKeyIsTheWholeMillisecond) {
  TickIdentityIndex index;
  ASSERT_TRUE(index.insert(0, at_us(5'000), 1.5));
  EXPECT_FALSE(index.insert(0, at_us(5'999), 1.5));  // same millisecond, other microsecond
  EXPECT_TRUE(index.insert(0, at_us(4'999), 1.5));   // floor: the millisecond before
  EXPECT_TRUE(index.insert(0, at_us(6'000), 1.5));
  EXPECT_EQ(index.size(0), 3u);
}

TEST(TickIdentityIndex, EqualTimestampsWithOtherPricesAreOtherTicks) {
  TickIdentityIndex index;
  // A burst the broker stamped with one millisecond: three prices, each sent twice.
  const double prices[] = {1.08123, 1.08124, 1.08122};
  for (double p : prices)
    EXPECT_TRUE(index.insert(0, at_ms(7), p));
  for (double p : prices)
    EXPECT_FALSE(index.insert(0, at_ms(7), p));
  EXPECT_EQ(index.size(0), 3u);
}

TEST(TickIdentityIndex, PricesCompareBitForBit) {
  TickIdentityIndex index;
  const double a = 0.1 + 0.2;  // 0.30000000000000004
  ASSERT_TRUE(index.insert(0, at_ms(1), a));
  EXPECT_TRUE(index.insert(0, at_ms(1), 0.3));
  EXPECT_FALSE(index.insert(0, at_ms(1), a));
}

TEST(TickIdentityIndex, InterleavedRepeatsLeaveEachTickOnce) {
  TickIdentityIndex index;
  // a b a b c
  const std::pair<std::int64_t, double> stream[] = {
      {100, 1.1}, {101, 1.2}, {100, 1.1}, {101, 1.2}, {102, 1.3}};
  int taken = 0;
  for (auto [ms, p] : stream)
    taken += index.insert(0, at_ms(ms), p) ? 1 : 0;
  EXPECT_EQ(taken, 3);
}

TEST(TickIdentityIndex, KeepsTheLastTicksOfASlowAsset) {
  TickIdentityIndex index;  // 4,096 ticks or 10 s
  // One tick a second: 4,096 ticks cover more than 10 s.
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(index.insert(0, at_ms(i * 1000LL), 1.0 + i * 1e-5));
  }
  index.commit();
  EXPECT_EQ(index.size(0), 4096u);
  // The window's edge: tick 904 is one of the last 4,096, tick 903 is not.
  EXPECT_TRUE(index.contains(0, at_ms(904 * 1000LL), 1.0 + 904 * 1e-5));
  EXPECT_FALSE(index.contains(0, at_ms(903 * 1000LL), 1.0 + 903 * 1e-5));
  // A repeat of the oldest held tick is a duplicate; it does not push the oldest out.
  EXPECT_FALSE(index.insert(0, at_ms(904 * 1000LL), 1.0 + 904 * 1e-5));
  EXPECT_TRUE(index.contains(0, at_ms(904 * 1000LL), 1.0 + 904 * 1e-5));
  // Tick 903 comes back late: it is new again, and is now the newest arrival.
  EXPECT_TRUE(index.insert(0, at_ms(903 * 1000LL), 1.0 + 903 * 1e-5));
  EXPECT_FALSE(index.contains(0, at_ms(904 * 1000LL), 1.0 + 904 * 1e-5));
}

TEST(TickIdentityIndex, KeepsTheLastTenSecondsOfAFastAsset) {
  TickIdentityIndex index;
  // One tick a millisecond: 10 s hold more than 4,096 ticks.
  for (int i = 0; i < 20'000; ++i)
    ASSERT_TRUE(index.insert(0, at_ms(i), 2.0 + i * 1e-5));
  index.commit();
  const int newest = 19'999;
  EXPECT_EQ(index.size(0), 10'001u);  // newest - 10 s .. newest, both ends held
  EXPECT_TRUE(index.contains(0, at_ms(newest - 10'000), 2.0 + (newest - 10'000) * 1e-5));
  EXPECT_FALSE(index.contains(0, at_ms(newest - 10'001), 2.0 + (newest - 10'001) * 1e-5));
}

TEST(TickIdentityIndex, TheSpanFollowsTheNewestTimeNotTheLastArrival) {
  TickIdentityIndex index(TickIdentityOptions{.keep_ticks = 2, .keep_span = 10s, .max_ticks = 64});
  ASSERT_TRUE(index.insert(0, at_ms(0), 1.0));
  ASSERT_TRUE(index.insert(0, at_ms(30'000), 1.1));  // 30 s later
  ASSERT_TRUE(index.insert(0, at_ms(5'000), 1.2));   // late: older than the window
  // The 2-tick rule is full: the first arrival is outside 10 s of the newest (30 s) and goes.
  EXPECT_FALSE(index.contains(0, at_ms(0), 1.0));
  EXPECT_EQ(index.size(0), 2u);
  ASSERT_TRUE(index.insert(0, at_ms(30'001), 1.3));
  // Arrival order: the tick of 30 s goes before the late one, but it is within 10 s and stays;
  // the late tick behind it stays too, until its turn.
  EXPECT_TRUE(index.contains(0, at_ms(30'000), 1.1));
  EXPECT_TRUE(index.contains(0, at_ms(5'000), 1.2));
  EXPECT_EQ(index.size(0), 3u);
}

TEST(TickIdentityIndex, AtTheCapTheSpanIsCutShort) {
  TickIdentityIndex index(
      TickIdentityOptions{.keep_ticks = 16, .keep_span = 10s, .max_ticks = 100});
  // 1,000 distinct prices in one millisecond: all within 10 s, more than the cap.
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(index.insert(0, at_ms(0), 1.0 + i * 1e-5));
  index.commit();
  EXPECT_EQ(index.size(0), 100u);
  EXPECT_EQ(index.capacity(0), 128u);
  EXPECT_TRUE(index.contains(0, at_ms(0), 1.0 + 900 * 1e-5));
  EXPECT_FALSE(index.contains(0, at_ms(0), 1.0 + 899 * 1e-5));
}

TEST(TickIdentityIndex, StaysBoundedUnderAMillionDistinctTicks) {
  TickIdentityIndex index;
  // One asset at 10 ticks per millisecond (its 10 s would be 100,000 ticks: the cap decides),
  // one at a tick per millisecond (10 s decide) and one at 100 ticks/s (4,096 decide).
  std::size_t memory = 0;
  for (std::int64_t i = 0; i < 1'000'000; ++i) {
    ASSERT_TRUE(index.insert(0, at_us(i * 100), 1.0 + static_cast<double>(i % 1000) * 1e-5));
    if (i % 10 == 0) {
      ASSERT_TRUE(index.insert(1, at_us(i * 100), 50.0));
    }
    if (i % 100 == 0) {
      ASSERT_TRUE(index.insert(2, at_us(i * 100), 3.0));
    }
    index.commit();
    if (i == 500'000) memory = index.memory_bytes();
  }
  EXPECT_EQ(index.size(0), 32'768u);
  EXPECT_EQ(index.capacity(0), 32'768u);
  EXPECT_EQ(index.size(1), 10'001u);
  EXPECT_LE(index.capacity(1), 16'384u);
  EXPECT_EQ(index.size(2), 4'096u);
  EXPECT_EQ(index.capacity(2), 4'096u);
  // Nothing grew in the second half: steady state allocates nothing.
  EXPECT_EQ(index.memory_bytes(), memory);
  // 48 bytes per tick held: 1.5 MiB + 768 KiB + 192 KiB.
  EXPECT_LE(memory, (1536u << 10) + (768u << 10) + (192u << 10) + 4096u);
}

TEST(TickIdentityIndex, ManyAssetsKeepTheirOwnWindows) {
  TickIdentityIndex index(TickIdentityOptions{.keep_ticks = 32, .keep_span = 1s, .max_ticks = 256});
  constexpr AssetId kAssets = 500;
  // Every asset ticks the same times and prices: each keeps its own, none sees another's.
  for (int round = 0; round < 100; ++round) {
    for (AssetId a = 0; a < kAssets; ++a) {
      ASSERT_TRUE(index.insert(a, at_ms(round * 100), 1.0 + round * 1e-4));
    }
    index.commit();
    for (AssetId a = 0; a < kAssets; a += 7) {  // the broker re-sends the round for some
      ASSERT_FALSE(index.insert(a, at_ms(round * 100), 1.0 + round * 1e-4));
    }
  }
  for (AssetId a = 0; a < kAssets; ++a)
    ASSERT_EQ(index.size(a), 32u);
  EXPECT_EQ(index.size(), 32u * kAssets);
  EXPECT_EQ(index.size(kAssets + 3), 0u);
  EXPECT_FALSE(index.contains(kAssets + 3, at_ms(0), 1.0));
}

TEST(TickIdentityIndex, RollbackPutsBackWhatTheBatchEvicted) {
  TickIdentityIndex index(TickIdentityOptions{.keep_ticks = 8, .keep_span = 0s, .max_ticks = 64});
  for (int i = 0; i < 8; ++i)
    ASSERT_TRUE(index.insert(0, at_ms(i), 1.0 + i * 1e-5));
  ASSERT_TRUE(index.insert(1, at_ms(0), 9.0));
  index.commit();
  // A batch that pushes out the 5 oldest of asset 0 and adds to asset 1 ...
  for (int i = 8; i < 13; ++i)
    ASSERT_TRUE(index.insert(0, at_ms(i), 1.0 + i * 1e-5));
  ASSERT_TRUE(index.insert(1, at_ms(1), 9.1));
  EXPECT_FALSE(index.contains(0, at_ms(0), 1.0));
  // ... is withdrawn: the index is as it was.
  index.rollback();
  EXPECT_EQ(index.size(0), 8u);
  EXPECT_EQ(index.size(1), 1u);
  for (int i = 0; i < 8; ++i)
    EXPECT_TRUE(index.contains(0, at_ms(i), 1.0 + i * 1e-5)) << i;
  for (int i = 8; i < 13; ++i)
    EXPECT_FALSE(index.contains(0, at_ms(i), 1.0 + i * 1e-5)) << i;
  EXPECT_FALSE(index.contains(1, at_ms(1), 9.1));
  // The retry is new, and evicts in the same order as the first attempt did.
  for (int i = 8; i < 13; ++i)
    EXPECT_TRUE(index.insert(0, at_ms(i), 1.0 + i * 1e-5));
  index.commit();
  EXPECT_FALSE(index.contains(0, at_ms(4), 1.0 + 4e-5));
  EXPECT_TRUE(index.contains(0, at_ms(5), 1.0 + 5e-5));
  index.rollback();  // nothing pending: a no-op
  EXPECT_EQ(index.size(0), 8u);
}

TEST(TickIdentityIndex, RollbackUndoesABatchThatGrewItsWindowOrEvictedItself) {
  TickIdentityIndex index(TickIdentityOptions{.keep_ticks = 4, .keep_span = 10s, .max_ticks = 200});
  ASSERT_TRUE(index.insert(0, at_ms(0), 1.0));
  index.commit();
  // 300 ticks in one millisecond: the window grows to the cap and then evicts the batch's own.
  for (int i = 0; i < 300; ++i)
    ASSERT_TRUE(index.insert(0, at_ms(1), 2.0 + i * 1e-5));
  EXPECT_EQ(index.size(0), 200u);
  index.rollback();
  EXPECT_EQ(index.size(0), 1u);
  EXPECT_TRUE(index.contains(0, at_ms(0), 1.0));
  for (int i = 0; i < 300; ++i)
    ASSERT_TRUE(index.insert(0, at_ms(1), 2.0 + i * 1e-5)) << i;
}

TEST(TickIdentityIndex, RollbackOfABatchThatLappedTheRingWhileItGrew) {
  TickIdentityIndex index(TickIdentityOptions{.keep_ticks = 4, .keep_span = 1s, .max_ticks = 200});
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(index.insert(0, at_ms(i * 2000), 1.0 + i * 1e-5));
  index.commit();
  std::int64_t ms = 10'000;
  double price = 2.0;
  auto tick = [&](std::int64_t step_ms) {
    ms += step_ms;
    price += 1e-5;
    ASSERT_TRUE(index.insert(0, at_ms(ms), price));
  };
  // Slow ticks run the batch through the ring's places (the 4 held ticks' among them), a burst
  // in one millisecond then grows the window, and slow ticks lap the grown ring once more.
  for (int i = 0; i < 130; ++i)
    tick(2000);
  for (int i = 0; i < 100; ++i)
    tick(0);
  for (int i = 0; i < 100; ++i)
    tick(2000);
  index.rollback();
  EXPECT_EQ(index.size(0), 4u);
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(index.contains(0, at_ms(i * 2000), 1.0 + i * 1e-5)) << i;
  EXPECT_FALSE(index.contains(0, at_ms(ms), price));
}

TEST(TickIdentityIndex, RestoreRebuildsTheWindowFromDurableTicks) {
  TickIdentityIndex index(TickIdentityOptions{.keep_ticks = 3, .keep_span = 0s, .max_ticks = 64});
  // ticks:{A} from before the check existed: it still holds a repeat.
  const std::pair<std::int64_t, double> durable[] = {
      {1, 1.1}, {2, 1.2}, {2, 1.2}, {3, 1.3}, {4, 1.4}};
  int taken = 0;
  for (auto [ms, p] : durable)
    taken += index.restore(0, at_ms(ms), p) ? 1 : 0;
  EXPECT_EQ(taken, 4);
  EXPECT_EQ(index.size(0), 3u);  // the rule applies to restored ticks too
  EXPECT_FALSE(index.contains(0, at_ms(1), 1.1));
  EXPECT_FALSE(index.insert(0, at_ms(4), 1.4));  // the feed re-sends after the restart
  EXPECT_TRUE(index.insert(0, at_ms(5), 1.5));
  index.rollback();  // a withdrawn first batch keeps what was restored
  EXPECT_TRUE(index.contains(0, at_ms(2), 1.2));
  EXPECT_EQ(index.size(0), 3u);
}

// Checks the index against the rule written out plainly (a deque searched from end to end)
// over a stream like a broker's: repeats, late ticks, bursts in one millisecond, withdrawals.
// `batch_steps`: how many ticks a batch has on average before it is committed or withdrawn.
void check_against_model(const TickIdentityOptions& opt, int batch_steps, std::uint64_t seed) {
  TickIdentityIndex index(opt);
  struct Entry {
    std::int64_t ms;
    double price;
  };
  struct Model {
    std::deque<Entry> held;
    std::int64_t newest = std::numeric_limits<std::int64_t>::min();
  };
  constexpr AssetId kAssets = 3;
  const std::int64_t span_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(opt.keep_span).count();
  std::vector<Model> models(kAssets), committed(kAssets);
  std::mt19937_64 rng(seed);
  std::int64_t clock_ms = 0;
  for (int step = 0; step < 200'000; ++step) {
    const auto asset = static_cast<AssetId>(rng() % kAssets);
    Model& m = models[asset];
    const std::uint64_t kind = rng() % 10;
    std::int64_t ms;
    double price;
    if (kind < 5 && !m.held.empty()) {  // a repeat of a held tick, or of one just forgotten
      const Entry& e = m.held[rng() % m.held.size()];
      ms = e.ms - (rng() % 8 == 0 ? 1 : 0);
      price = e.price;
    } else {
      clock_ms += static_cast<std::int64_t>(rng() % 3);  // often the same millisecond
      ms = clock_ms - (rng() % 6 == 0 ? static_cast<std::int64_t>(rng() % 40) : 0);  // late
      price = 1.0 + static_cast<double>(rng() % 5) * 1e-5;
    }
    const bool held = std::any_of(m.held.begin(), m.held.end(),
                                  [&](const Entry& e) { return e.ms == ms && e.price == price; });
    ASSERT_EQ(index.contains(asset, at_ms(ms), price), held) << "step " << step;
    ASSERT_EQ(index.insert(asset, at_ms(ms), price), !held) << "step " << step;
    if (!held) {
      m.newest = std::max(m.newest, ms);
      while (m.held.size() >= opt.max_ticks ||
             (m.held.size() >= opt.keep_ticks && m.newest - m.held.front().ms > span_ms)) {
        m.held.pop_front();
      }
      m.held.push_back({ms, price});
    }
    ASSERT_EQ(index.size(asset), m.held.size()) << "step " << step;
    if (rng() % static_cast<std::uint64_t>(batch_steps) == 0) {
      if (rng() % 4 == 0) {
        index.rollback();
        models = committed;
      } else {
        index.commit();
        committed = models;
      }
      for (AssetId a = 0; a < kAssets; ++a) {
        ASSERT_EQ(index.size(a), models[a].held.size()) << "step " << step;
        for (const Entry& e : models[a].held) {
          ASSERT_TRUE(index.contains(a, at_ms(e.ms), e.price)) << "step " << step;
        }
      }
    }
  }
}

TEST(TickIdentityIndex, MatchesAPlainModelOfTheRule) {
  check_against_model({.keep_ticks = 6, .keep_span = 20ms, .max_ticks = 24}, 16, 20251025);
}

TEST(TickIdentityIndex, MatchesTheModelWithBatchesLongerThanTheWindow) {
  // Batches of ~300 ticks into windows of at most 24: the batch reuses the ring places of
  // ticks it evicted, which a withdrawal must bring back.
  check_against_model({.keep_ticks = 6, .keep_span = 20ms, .max_ticks = 24}, 300, 7);
}

TEST(TickIdentityIndex, MatchesTheModelWhileWindowsGrowInsideBatches) {
  // A wide span: windows fill up to the cap of 200 over many batches, growing mid-batch.
  check_against_model({.keep_ticks = 4, .keep_span = 400ms, .max_ticks = 200}, 120, 99);
}

}  // namespace
}  // namespace quflx
