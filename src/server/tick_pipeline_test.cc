#include "server/tick_pipeline.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace quflx {
namespace {

using namespace std::chrono_literals;

constexpr double kT0 = 1761350400.0;  // 2025-10-25T00:00:00Z

UtcMicros at(double s) { return *from_unix_seconds(s); }

// Keeps a copy of every batch (pure bookkeeping for the test).
class RecordingSink final : public IngestSink {
 public:
  explicit RecordingSink(std::vector<std::string>* order = nullptr, std::string name = "")
      : order_(order), name_(std::move(name)) {}
  void on_batch(const IngestBatch& b) override {
    if (order_) order_->push_back(name_);
    ASSERT_EQ(b.ticks.size(), b.tick_json.size());
    ASSERT_EQ(b.candles.size(), b.candle_json.size());
    for (std::size_t i = 0; i < b.ticks.size(); ++i) {
      ticks.push_back(b.ticks[i]);
      tick_json.emplace_back(b.tick_json[i]);
    }
    for (std::size_t i = 0; i < b.candles.size(); ++i) {
      candles.push_back(b.candles[i]);
      candle_json.emplace_back(b.candle_json[i]);
    }
    for (const auto& h : b.history_changed) history.push_back(h);
    ++batches;
  }
  std::vector<SequencedTick> ticks;
  std::vector<std::string> tick_json;
  std::vector<CandleUpdate> candles;
  std::vector<std::string> candle_json;
  std::vector<AssetTimeframe> history;
  int batches = 0;

 private:
  std::vector<std::string>* order_;
  std::string name_;
};

class TickPipelineTest : public ::testing::Test {
 protected:
  TickPipelineTest() : clock_(at(kT0 + 10)), pipeline_(clock_, {}, metrics_) {
    pipeline_.add_sink(sink_);
    live_ = pipeline_.register_feed({"sim", false, 0us});
  }
  ManualClock clock_;
  MetricsRegistry metrics_;
  TickPipeline pipeline_;
  RecordingSink sink_;
  FeedId live_ = 0;
};

TEST_F(TickPipelineTest, SequencesEachAssetFromOneAndEncodesEveryTick) {
  const std::vector<RawTick> raw = {{"EURUSD_otc", 1.1, at(kT0 + 9.1)},
                                    {"BTCUSD", 65000, at(kT0 + 9.2)},
                                    {"EURUSD_otc", 1.2, at(kT0 + 9.3)}};
  EXPECT_EQ(pipeline_.ingest(live_, raw), 3u);
  ASSERT_EQ(sink_.ticks.size(), 3u);
  EXPECT_EQ(sink_.ticks[0].seq, 1u);
  EXPECT_EQ(sink_.ticks[1].seq, 1u);
  EXPECT_EQ(sink_.ticks[2].seq, 2u);
  const auto j = boost::json::parse(sink_.tick_json[2]).as_object();
  EXPECT_EQ(j.at("asset").as_string(), "EURUSD_otc");
  EXPECT_EQ(j.at("seq").as_int64(), 2);
  EXPECT_DOUBLE_EQ(j.at("price").as_double(), 1.2);
  EXPECT_DOUBLE_EQ(j.at("timestamp").as_double(), kT0 + 9.3);
  EXPECT_EQ(sink_.batches, 1);
  // One forming update per timeframe per asset (conflated within the batch).
  EXPECT_EQ(sink_.candles.size(), 2 * kTimeframeCount);
  EXPECT_EQ(pipeline_.stats().accepted, 3u);
}

TEST_F(TickPipelineTest, RejectsBadTicksButKeepsEveryGoodOneAroundThem) {
  const std::vector<RawTick> raw = {
      {"EURUSD_otc", 1.1, at(kT0 + 9.0)},
      {"EUR/USD", 1.1, at(kT0 + 9.0)},                               // invalid asset
      {"EURUSD_otc", std::numeric_limits<double>::quiet_NaN(), at(kT0 + 9.0)},  // bad price
      {"EURUSD_otc", -1.0, at(kT0 + 9.0)},                           // bad price
      {"EURUSD_otc", 1.1, at(kT0 + 10 + 7200)},                      // broker clock, no offset
      {"EURUSD_otc", 1.3, at(kT0 + 9.5)},
  };
  EXPECT_EQ(pipeline_.ingest(live_, raw), 2u);
  ASSERT_EQ(sink_.ticks.size(), 2u);
  EXPECT_EQ(sink_.ticks[1].seq, 2u);  // rejected ticks take no seq
  EXPECT_EQ(pipeline_.stats().rejected, 4u);
  const std::string m = metrics_.render();
  EXPECT_NE(m.find("quflx_feed_rejected_total{feed=\"sim\",reason=\"invalid_asset\"} 1"), std::string::npos);
  EXPECT_NE(m.find("quflx_feed_rejected_total{feed=\"sim\",reason=\"invalid_price\"} 2"), std::string::npos);
  EXPECT_NE(m.find("quflx_feed_rejected_total{feed=\"sim\",reason=\"future_timestamp\"} 1"), std::string::npos);
  EXPECT_NE(m.find("quflx_ticks_accepted_total{asset=\"EURUSD_otc\"} 2"), std::string::npos);
}

TEST_F(TickPipelineTest, AppliesTheFeedsClockOffset) {
  const FeedId broker = pipeline_.register_feed({"broker", false, 7200s});
  const std::vector<RawTick> raw = {{"EURUSD_otc", 1.1, at(kT0 + 9.0 + 7200)}};
  EXPECT_EQ(pipeline_.ingest(broker, raw), 1u);
  EXPECT_EQ(sink_.ticks[0].time, at(kT0 + 9.0));
}

TEST_F(TickPipelineTest, ReplayFeedsRunOnTheirDataClock) {
  const FeedId replay = pipeline_.register_feed({"csv", true, 0us});
  const double old = kT0 - 86400 * 30;  // a month before the wall clock
  std::vector<RawTick> raw;
  for (int i = 0; i < 5; ++i) raw.push_back({"BTCUSD", 100.0 + i, at(old + i * 0.5)});
  EXPECT_EQ(pipeline_.ingest(replay, raw), 5u);
  // Not late relative to the wall clock: the replay's own clock decides.
  EXPECT_EQ(pipeline_.stats().late_dropped, 0u);
  const AssetId btc = *pipeline_.assets().find("BTCUSD");
  EXPECT_EQ(pipeline_.candles().closed(btc, Timeframe::k1s).size(), 2u);  // [0,1) and [1,2)
  // The wall clock's timer does not close replay bars ...
  clock_.advance(10s);
  pipeline_.advance_live_clock();
  EXPECT_NE(pipeline_.candles().forming(btc, Timeframe::k1s), nullptr);
  // ... the replay's clock does.
  pipeline_.advance_feed_clock(replay, at(old + 3.0));
  EXPECT_EQ(pipeline_.candles().forming(btc, Timeframe::k1s), nullptr);
  EXPECT_EQ(pipeline_.candles().closed(btc, Timeframe::k1s).size(), 3u);
}

TEST_F(TickPipelineTest, LiveClockClosesBarsAndReportsHistoryChanges) {
  clock_.set(at(kT0 + 9.6));
  const std::vector<RawTick> raw = {{"EURUSD_otc", 1.1, at(kT0 + 9.5)}};
  pipeline_.ingest(live_, raw);
  sink_.history.clear();
  sink_.candles.clear();
  sink_.candle_json.clear();
  clock_.set(at(kT0 + 10.0));
  pipeline_.advance_live_clock();
  // 1s, 5s and 10s-aligned bars end at kT0+10: 1s, 5s (bar [5,10)); 15s/30s end later.
  ASSERT_EQ(sink_.history.size(), 2u);
  EXPECT_EQ(sink_.history[0].timeframe, Timeframe::k1s);
  EXPECT_EQ(sink_.history[1].timeframe, Timeframe::k5s);
  ASSERT_EQ(sink_.candles.size(), 2u);
  EXPECT_TRUE(sink_.candles[0].candle.closed);
  const auto j = boost::json::parse(sink_.candle_json[0]).as_object();
  EXPECT_TRUE(j.at("closed").as_bool());
  EXPECT_EQ(j.at("seq").as_int64(), 1);
}

TEST_F(TickPipelineTest, SinksRunInRegistrationOrder) {
  std::vector<std::string> order;
  RecordingSink durable(&order, "durable"), visible(&order, "visible");
  ManualClock clock(at(kT0));
  MetricsRegistry metrics;
  TickPipeline p(clock, {}, metrics);
  p.add_sink(durable);
  p.add_sink(visible);
  const FeedId f = p.register_feed({"sim", false, 0us});
  const std::vector<RawTick> raw = {{"BTCUSD", 1.0, at(kT0)}};
  p.ingest(f, raw);
  EXPECT_EQ(order, (std::vector<std::string>{"durable", "visible"}));
}

TEST_F(TickPipelineTest, AnEmptyOrFullyRejectedBatchReachesNoSink) {
  EXPECT_EQ(pipeline_.ingest(live_, {}), 0u);
  const std::vector<RawTick> raw = {{"", 1.0, at(kT0)}};
  EXPECT_EQ(pipeline_.ingest(live_, raw), 0u);
  EXPECT_EQ(sink_.batches, 0);
}

}  // namespace
}  // namespace quflx
