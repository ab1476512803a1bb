// Indicator values against hand-computed numbers on small series, warm-up lengths, flat
// series, rejected bars, late-bar amendment through a snapshot, and the batch path equal to
// the incremental one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/indicators/test_bars.h"

namespace quflx::indicators {
namespace {

using testing::define;
using testing::defaults;
using testing::feed;
using testing::from_closes;
using testing::from_hlc;

constexpr double kEps = 1e-12;

std::vector<double> field(const std::vector<Point>& points, std::size_t i) {
  std::vector<double> out;
  for (const auto& p : points) out.push_back(p.v[i]);
  return out;
}

void expect_near_all(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], kEps) << "point " << i;
}

TEST(IndicatorValues, SmaIsTheMeanOfTheLastPeriodCloses) {
  const auto bars = from_closes({1, 2, 3, 4, 5});
  const auto pts = feed(define(IndicatorType::kSma, {{"period", 3}}), bars);
  expect_near_all(field(pts, 0), {2, 3, 4});
  EXPECT_EQ(pts.front().time, bars[2].time);  // the first point is at index warmup-1
}

TEST(IndicatorValues, EmaIsSeededWithTheSma) {
  // period 3: alpha 0.5; seed SMA(1,2,3)=2, then 2+0.5*(4-2)=3, 3+0.5*(6-3)=4.5.
  const auto pts = feed(define(IndicatorType::kEma, {{"period", 3}}), from_closes({1, 2, 3, 4, 6}));
  expect_near_all(field(pts, 0), {2, 3, 4.5});
}

TEST(IndicatorValues, WmaWeightsTheNewestMost) {
  // (1*1 + 2*2 + 3*3)/6, then (1*2 + 2*3 + 3*5)/6.
  const auto pts = feed(define(IndicatorType::kWma, {{"period", 3}}), from_closes({1, 2, 3, 5}));
  expect_near_all(field(pts, 0), {14.0 / 6, 23.0 / 6});
}

TEST(IndicatorValues, RsiUsesWilderSmoothingSeededWithTheMean) {
  // Changes +1, -0.5, +1: first averages gain 0.5 loss 0.25 -> 100*0.5/0.75; then
  // gain (0.5+1)/2=0.75, loss (0.25+0)/2=0.125 -> 100*0.75/0.875.
  const auto pts = feed(define(IndicatorType::kRsi, {{"period", 2}}), from_closes({10, 11, 10.5, 11.5}));
  expect_near_all(field(pts, 0), {100.0 * 0.5 / 0.75, 100.0 * 0.75 / 0.875});
  EXPECT_EQ(define(IndicatorType::kRsi, {{"period", 2}}).warmup(), 3u);
}

TEST(IndicatorValues, RocIsThePercentChangeOverPeriodBars) {
  const auto pts = feed(define(IndicatorType::kRoc, {{"period", 2}}), from_closes({10, 11, 12, 9.9}));
  expect_near_all(field(pts, 0), {20.0, -10.0});
}

TEST(IndicatorValues, BollingerUsesThePopulationStandardDeviation) {
  const auto pts = feed(define(IndicatorType::kBollinger, {{"period", 3}, {"std_dev", 2}}),
                        from_closes({1, 2, 3}));
  ASSERT_EQ(pts.size(), 1u);
  const double sd = std::sqrt(2.0 / 3.0);
  EXPECT_NEAR(pts[0].v[0], 2 + 2 * sd, kEps);
  EXPECT_NEAR(pts[0].v[1], 2, kEps);
  EXPECT_NEAR(pts[0].v[2], 2 - 2 * sd, kEps);
}

TEST(IndicatorValues, AtrIsWilderSmoothedTrueRange) {
  // TR needs a previous close: TR1 = max(12-10, |10-12|, |10-10|) = 2; TR2 = max(1, |12-13|,
  // |12-12|) = 1; TR3 = max(2, |12.5-11|, |12.5-9|) = 3.5. ATR(2): mean(2,1)=1.5, then
  // (1.5*1 + 3.5)/2 = 2.5.
  const auto bars = from_hlc({{11, 9, 10}, {12, 10, 12}, {13, 12, 12.5}, {11, 9, 10}});
  const auto pts = feed(define(IndicatorType::kAtr, {{"period", 2}}), bars);
  expect_near_all(field(pts, 0), {1.5, 2.5});
}

TEST(IndicatorValues, WilliamsRSpansTheHighestHighAndLowestLow) {
  // Window of 3: high 12, low 8, close 9 -> -100*(12-9)/(12-8) = -75.
  const auto bars = from_hlc({{10, 8, 9}, {12, 9, 11}, {11, 9, 9}});
  const auto pts = feed(define(IndicatorType::kWilliamsR, {{"period", 3}}), bars);
  expect_near_all(field(pts, 0), {-75.0});
}

TEST(IndicatorValues, MacdLineIsFastMinusSlowAndTheHistogramMacdMinusSignal) {
  const auto bars = testing::random_walk(200, 7);
  const auto def = define(IndicatorType::kMacd, {{"fast", 3}, {"slow", 6}, {"signal", 4}});
  const auto pts = feed(def, bars);
  ASSERT_EQ(pts.size(), bars.size() - def.warmup() + 1);
  for (const auto& p : pts) EXPECT_NEAR(p.v[2], p.v[0] - p.v[1], 1e-15);
}

TEST(IndicatorValues, WarmupIsTheIndexOfTheFirstPoint) {
  const auto bars = testing::random_walk(600, 11);
  for (IndicatorType t : testing::kAllTypes) {
    const auto def = defaults(t);
    const auto pts = feed(def, bars);
    ASSERT_FALSE(pts.empty()) << def.canonical();
    EXPECT_EQ(pts.size(), bars.size() - def.warmup() + 1) << def.canonical();
    EXPECT_EQ(pts.front().time, bars[def.warmup() - 1].time) << def.canonical();
  }
}

TEST(IndicatorValues, FlatSeriesGiveFiniteNeutralValues) {
  std::vector<Bar> bars;
  for (int i = 0; i < 300; ++i) bars.push_back(Bar{1'700'000'000 + 60 * i, 1.5, 1.5, 1.5, 1.5, 1});
  for (IndicatorType t : testing::kAllTypes) {
    const auto pts = feed(defaults(t), bars);
    ASSERT_FALSE(pts.empty());
    for (const auto& p : pts) {
      for (std::size_t i = 0; i < field_names(t).size(); ++i) {
        EXPECT_TRUE(std::isfinite(p.v[i])) << type_name(t) << " field " << i;
      }
    }
  }
  EXPECT_EQ(feed(defaults(IndicatorType::kRsi), bars).back().v[0], 50.0);
  EXPECT_EQ(feed(defaults(IndicatorType::kWilliamsR), bars).back().v[0], -50.0);
  EXPECT_EQ(feed(defaults(IndicatorType::kStochastic), bars).back().v[0], 50.0);
  EXPECT_EQ(feed(defaults(IndicatorType::kAtr), bars).back().v[0], 0.0);
  EXPECT_EQ(feed(defaults(IndicatorType::kSma), bars).back().v[0], 1.5);
}

TEST(IndicatorValues, BadBarsAreRejectedWithoutChangingState) {
  const auto bars = testing::random_walk(100, 3);
  const auto def = defaults(IndicatorType::kRsi);
  Indicator ind(def);
  std::vector<Point> out;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    if (i == 50) {
      Bar nan = bars[i];
      nan.close = std::nan("");
      EXPECT_FALSE(ind.update(nan));
      Bar old = bars[i];
      old.time = bars[i - 1].time;  // not after the previous bar
      EXPECT_FALSE(ind.update(old));
    }
    if (auto p = ind.update(bars[i])) out.push_back(*p);
  }
  EXPECT_EQ(ind.bars_rejected(), 2u);
  EXPECT_EQ(ind.bars_seen(), bars.size());
  EXPECT_EQ(out, feed(def, bars));
}

TEST(IndicatorValues, GapsInTimeAreJustTheNextBar) {
  auto bars = from_closes({1, 2, 3, 4, 5});
  bars[3].time += 3600;  // an hour without ticks
  bars[4].time += 3600;
  expect_near_all(field(feed(define(IndicatorType::kSma, {{"period", 3}}), bars), 0), {2, 3, 4});
}

TEST(IndicatorValues, AnAmendedLastBarRecomputedFromASnapshotEqualsAFreshComputation) {
  auto bars = testing::random_walk(400, 21);
  for (IndicatorType t : testing::kAllTypes) {
    const auto def = defaults(t);
    Indicator live(def);
    for (std::size_t i = 0; i + 1 < bars.size(); ++i) live.update(bars[i]);
    const Indicator snapshot = live;  // before the last bar
    live.update(bars.back());
    // A late tick amends the last closed bar: recompute it from the snapshot.
    auto amended = bars;
    amended.back().close += 3e-4;
    amended.back().high = std::max(amended.back().high, amended.back().close);
    Indicator again = snapshot;
    const auto p = again.update(amended.back());
    ASSERT_TRUE(p) << def.canonical();
    EXPECT_EQ(*p, compute_series(def, amended).back()) << def.canonical();
  }
}

TEST(IndicatorValues, BatchPathIsBitIdenticalToTheIncrementalPath) {
  const auto bars = testing::random_walk(5000, 99);
  for (IndicatorType t : testing::kAllTypes) {
    const auto def = defaults(t);
    const auto batch = compute_series(def, bars);
    const auto incremental = feed(def, bars);
    ASSERT_EQ(batch.size(), incremental.size()) << def.canonical();
    ASSERT_EQ(0, std::memcmp(batch.data(), incremental.data(), batch.size() * sizeof(Point)))
        << def.canonical();
  }
}

TEST(IndicatorValues, SignalsFollowTheOriginalsThresholds) {
  Point p;
  p.v[0] = 25;
  EXPECT_EQ(signal_of(IndicatorType::kRsi, p), "BUY");
  p.v[0] = 75;
  EXPECT_EQ(signal_of(IndicatorType::kRsi, p), "SELL");
  p.v[0] = 50;
  EXPECT_EQ(signal_of(IndicatorType::kRsi, p), "");
  p.v[1] = -1;
  EXPECT_EQ(signal_of(IndicatorType::kSupertrend, p), "SELL");
  p.v[2] = 0.1;
  EXPECT_EQ(signal_of(IndicatorType::kMacd, p), "BUY");
  EXPECT_EQ(signal_of(IndicatorType::kSma, p), "");
}

}  // namespace
}  // namespace quflx::indicators
