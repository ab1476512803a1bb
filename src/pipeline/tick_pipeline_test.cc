#include "pipeline/tick_pipeline.h"

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
    for (const auto& u : b.seeded) seeded.push_back(u);
    ++batches;
  }
  std::vector<SequencedTick> ticks;
  std::vector<std::string> tick_json;
  std::vector<CandleUpdate> candles;
  std::vector<std::string> candle_json;
  std::vector<AssetTimeframe> history;
  std::vector<CandleUpdate> seeded;
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


TEST_F(TickPipelineTest, HistorySeedsCandlesWithoutTicksOrSeq) {
  const FeedId ws = pipeline_.register_feed({"ws", false, std::chrono::seconds(7200)});
  const auto t0 = static_cast<std::int64_t>(kT0);
  // Broker clock is 7200 s ahead; bars of minutes -3 and -2, then history ticks of minute -1.
  std::vector<HistoryBar> bars = {{t0 + 7200 - 180, 1.0, 1.5, 0.9, 1.2},
                                  {t0 + 7200 - 120, 1.2, 1.3, 1.1, 1.25},
                                  {t0 + 7200 - 60, 5, 4, 6, 5}};  // high < low: invalid
  std::vector<HistoryPoint> points = {{at(kT0 + 7200 - 59.5), 2.0}, {at(kT0 + 7200 - 30), 2.5},
                                      {at(kT0 + 7200 - 1), 1.5}};
  const auto n = pipeline_.seed_history(ws, HistorySeed{"EURUSD_otc", 60, bars, points});
  EXPECT_EQ(n, 3u);
  EXPECT_TRUE(sink_.ticks.empty());
  EXPECT_EQ(pipeline_.sequencer().last(pipeline_.assets().intern("EURUSD_otc")), 0u);
  ASSERT_EQ(sink_.seeded.size(), 3u);
  const auto a = *pipeline_.assets().find("EURUSD_otc");
  const auto& closed = pipeline_.candles().closed(a, Timeframe::k1m);
  ASSERT_EQ(closed.size(), 3u);
  EXPECT_EQ(closed[0].open_time_s, t0 - 180);
  EXPECT_EQ(closed[2].open_time_s, t0 - 60);
  EXPECT_EQ(closed[2].open, 2.0);
  EXPECT_EQ(closed[2].high, 2.5);
  EXPECT_EQ(closed[2].close, 1.5);
  EXPECT_EQ(closed[2].volume, 3u);
  ASSERT_EQ(sink_.history.size(), 1u);
  EXPECT_EQ(pipeline_.stats().rejected, 1u);
  EXPECT_EQ(pipeline_.stats().history_bars, 3u);
}

TEST_F(TickPipelineTest, HistoryWithAnUnknownPeriodOrMisalignedOffsetIsRejected) {
  EXPECT_EQ(pipeline_.seed_history(live_, HistorySeed{"A", 120, {}, {}}), 0u);
  const FeedId odd = pipeline_.register_feed({"ws", false, std::chrono::seconds(7)});
  std::vector<HistoryBar> bars = {{static_cast<std::int64_t>(kT0) - 60, 1, 1, 1, 1}};
  EXPECT_EQ(pipeline_.seed_history(odd, HistorySeed{"A", 60, bars, {}}), 0u);
  EXPECT_EQ(pipeline_.stats().rejected, 2u);
  EXPECT_NE(metrics_.render().find(
                R"(quflx_feed_rejected_total{feed="ws",reason="misaligned_history"} 1)"),
            std::string::npos);
}

TEST_F(TickPipelineTest, ReportingIngestSaysWhichTicksWereRejected) {
  std::vector<RawTick> ticks = {{"A", 1.0, at(kT0 + 1)}, {"bad name!", 1.0, at(kT0 + 1)},
                                {"A", -1.0, at(kT0 + 2)}};
  std::vector<TickRejection> rejections;
  EXPECT_EQ(pipeline_.ingest(live_, ticks, rejections), 1u);
  ASSERT_EQ(rejections.size(), 2u);
  EXPECT_EQ(rejections[0].index, 1u);
  EXPECT_EQ(rejections[0].code, ErrorCode::kInvalidAsset);
  EXPECT_EQ(rejections[1].index, 2u);
  EXPECT_EQ(rejections[1].code, ErrorCode::kInvalidPrice);
}

// The tick journal, failing on demand.
class FlakyJournal final : public DurableSink {
 public:
  bool accepting() const override { return true; }
  bool append(const IngestBatch& b) override {
    if (fail_next > 0) {
      --fail_next;
      return false;
    }
    stored += b.ticks.size();
    return true;
  }
  int fail_next = 0;
  std::size_t stored = 0;
};

std::uint64_t volume_1m(const TickPipeline& p, std::string_view asset) {
  const Candle* c = p.candles().forming(*p.assets().find(asset), Timeframe::k1m);
  return c ? c->volume : 0;
}

TEST_F(TickPipelineTest, AnExactRepeatGetsNoSeqAndCountsOnce) {
  // a b a b c: the broker re-sends what it sent a moment ago.
  const std::vector<RawTick> raw = {{"EURUSD_otc", 1.08123, at(kT0 + 9.101)},
                                    {"EURUSD_otc", 1.08125, at(kT0 + 9.350)},
                                    {"EURUSD_otc", 1.08123, at(kT0 + 9.101)},
                                    {"EURUSD_otc", 1.08125, at(kT0 + 9.350)},
                                    {"EURUSD_otc", 1.08121, at(kT0 + 9.702)}};
  EXPECT_EQ(pipeline_.ingest(live_, raw), 3u);
  ASSERT_EQ(sink_.ticks.size(), 3u);
  EXPECT_EQ(sink_.ticks[2].seq, 3u);
  EXPECT_EQ(sink_.ticks[2].price, 1.08121);
  EXPECT_EQ(volume_1m(pipeline_, "EURUSD_otc"), 3u);
  EXPECT_EQ(pipeline_.stats().accepted, 3u);
  EXPECT_EQ(pipeline_.stats().duplicates, 2u);
  EXPECT_EQ(pipeline_.stats().rejected, 0u);
  const std::string m = metrics_.render();
  EXPECT_NE(m.find(R"(quflx_feed_rejected_total{feed="sim",reason="duplicate"} 2)"),
            std::string::npos);
  EXPECT_NE(m.find(R"(quflx_ticks_accepted_total{asset="EURUSD_otc"} 3)"), std::string::npos);
}

TEST_F(TickPipelineTest, RepeatsAcrossBatchesAndFeedsAreCountedPerFeed) {
  // The broker's clock runs two hours ahead; after its offset its ticks are the sim's.
  const FeedId broker = pipeline_.register_feed({"broker", false, 7200s});
  const std::vector<RawTick> first = {{"EURUSD_otc", 1.1, at(kT0 + 8.0)},
                                      {"BTCUSD", 65000.5, at(kT0 + 8.0)}};
  const std::vector<RawTick> again = {{"EURUSD_otc", 1.1, at(kT0 + 8.0 + 7200)},
                                      {"BTCUSD", 65000.5, at(kT0 + 8.0004 + 7200)},  // same ms
                                      {"BTCUSD", 65000.5, at(kT0 + 8.001 + 7200)}};  // next ms
  EXPECT_EQ(pipeline_.ingest(live_, first), 2u);
  EXPECT_EQ(pipeline_.ingest(broker, again), 1u);
  EXPECT_EQ(pipeline_.ingest(live_, first), 0u);
  ASSERT_EQ(sink_.ticks.size(), 3u);
  EXPECT_EQ(sink_.ticks[2].seq, 2u);
  EXPECT_EQ(sink_.ticks[2].time, at(kT0 + 8.001));
  const std::string m = metrics_.render();
  EXPECT_NE(m.find(R"(quflx_feed_rejected_total{feed="broker",reason="duplicate"} 2)"),
            std::string::npos);
  EXPECT_NE(m.find(R"(quflx_feed_rejected_total{feed="sim",reason="duplicate"} 2)"),
            std::string::npos);
}

TEST_F(TickPipelineTest, EqualTimestampsWithOtherPricesAreTwoTicks) {
  const std::vector<RawTick> raw = {{"#AAPL_otc", 231.42, at(kT0 + 9.5)},
                                    {"#AAPL_otc", 231.43, at(kT0 + 9.5)},
                                    {"#AAPL_otc", 231.42, at(kT0 + 9.5)}};
  EXPECT_EQ(pipeline_.ingest(live_, raw), 2u);
  EXPECT_EQ(volume_1m(pipeline_, "#AAPL_otc"), 2u);
}

TEST_F(TickPipelineTest, ALateRepeatIsADuplicateAndALateNewTickIsNot) {
  clock_.set(at(kT0 + 30));
  std::vector<RawTick> raw;
  for (int i = 0; i < 20; ++i) {
    raw.push_back({"GBPUSD_otc", 1.27 + i * 1e-5, at(kT0 + 20 + i * 0.4)});
  }
  EXPECT_EQ(pipeline_.ingest(live_, raw), 20u);
  const std::vector<RawTick> late = {{"GBPUSD_otc", 1.27, at(kT0 + 20)},          // repeat
                                     {"GBPUSD_otc", 1.27, at(kT0 + 19.999)}};    // new, late
  EXPECT_EQ(pipeline_.ingest(live_, late), 1u);
  EXPECT_EQ(sink_.ticks.back().seq, 21u);
}

TEST_F(TickPipelineTest, ReportingIngestNamesDuplicates) {
  const std::vector<RawTick> raw = {{"A", 1.5, at(kT0 + 1)}, {"A", 1.5, at(kT0 + 1)},
                                    {"A", 1.6, at(kT0 + 1)}};
  std::vector<TickRejection> rejections;
  EXPECT_EQ(pipeline_.ingest(live_, raw, rejections), 2u);
  ASSERT_EQ(rejections.size(), 1u);
  EXPECT_EQ(rejections[0].index, 1u);
  EXPECT_EQ(rejections[0].code, ErrorCode::kDuplicate);
  EXPECT_EQ(to_string(rejections[0].code), "duplicate");
}

TEST_F(TickPipelineTest, AWithdrawnBatchLeavesNoIdentityBehindSoItsRetryIsStored) {
  FlakyJournal journal;
  pipeline_.set_durable_sink(journal);
  const std::vector<RawTick> stored = {{"EURUSD_otc", 1.1, at(kT0 + 5)}};
  ASSERT_EQ(pipeline_.ingest(live_, stored), 1u);
  // A batch with an in-batch repeat and a repeat of the stored tick; the disk fails.
  const std::vector<RawTick> batch = {{"EURUSD_otc", 1.2, at(kT0 + 6)},
                                      {"EURUSD_otc", 1.2, at(kT0 + 6)},
                                      {"EURUSD_otc", 1.1, at(kT0 + 5)},
                                      {"USDJPY_otc", 151.234, at(kT0 + 6)}};
  journal.fail_next = 1;
  std::vector<TickRejection> rejections;
  EXPECT_EQ(pipeline_.ingest(live_, batch, rejections), 0u);
  ASSERT_EQ(rejections.size(), 4u);
  std::size_t unavailable = 0, duplicates = 0;
  for (const auto& r : rejections) {
    unavailable += r.code == ErrorCode::kUnavailable ? 1 : 0;
    duplicates += r.code == ErrorCode::kDuplicate ? 1 : 0;
    // Only the repeat of the stored tick is a duplicate: the in-batch repeat (index 1) repeats
    // a tick that was not stored either, so a producer must retry it too.
    if (r.code == ErrorCode::kDuplicate) {
      EXPECT_EQ(r.index, 2u);
    }
  }
  EXPECT_EQ(unavailable, 3u);
  EXPECT_EQ(duplicates, 1u);
  // The producer retries: nothing of the failed batch counts as seen.
  EXPECT_EQ(pipeline_.ingest(live_, batch), 2u);
  EXPECT_EQ(journal.stored, 3u);
  ASSERT_EQ(sink_.ticks.size(), 3u);
  EXPECT_EQ(sink_.ticks[1].seq, 2u);
  EXPECT_EQ(sink_.ticks[1].price, 1.2);
  EXPECT_EQ(sink_.ticks[2].seq, 1u);
  // The stored tick stayed seen through the withdrawal.
  EXPECT_EQ(pipeline_.ingest(live_, stored), 0u);
}

TEST_F(TickPipelineTest, RestoredTicksAreSeenAfterARestart) {
  // What the journal tail held for the asset before the restart.
  const AssetId eur = pipeline_.assets().intern("EURUSD_otc");
  const std::vector<SequencedTick> durable = {{eur, 1.10, at(kT0 + 7), 41},
                                              {eur, 1.11, at(kT0 + 8), 42},
                                              {eur, 1.11, at(kT0 + 8), 42}};
  EXPECT_EQ(pipeline_.restore_recent_ticks(durable), 2u);
  pipeline_.sequencer().restore(eur, 42);
  // The feed reconnects and re-sends its last ticks, then a new one.
  const std::vector<RawTick> resent = {{"EURUSD_otc", 1.10, at(kT0 + 7)},
                                       {"EURUSD_otc", 1.11, at(kT0 + 8)},
                                       {"EURUSD_otc", 1.12, at(kT0 + 9)}};
  EXPECT_EQ(pipeline_.ingest(live_, resent), 1u);
  ASSERT_EQ(sink_.ticks.size(), 1u);
  EXPECT_EQ(sink_.ticks[0].seq, 43u);
}

TEST_F(TickPipelineTest, ARecordingWithMostTicksRepeatedFormsBarsOfItsDistinctTicks) {
  // Like the EURUSD_otc recording: every tick, then the broker's snapshot of its last ticks
  // again, in bursts that arrive out of order.
  const FeedId replay = pipeline_.register_feed({"csv", true, 0us});
  const double start = kT0 - 3600;  // an hour old: the replay's clock decides, not the wall's
  std::vector<RawTick> stream;
  std::vector<RawTick> distinct;
  double price = 1.16050;
  for (int i = 0; i < 600; ++i) {
    price += (i * 7 % 5 - 2) * 1e-5;
    const RawTick t{"EURUSD_otc", price, at(start + i * 0.25 + (i % 3) * 0.0004)};
    distinct.push_back(t);
    stream.push_back(t);
    if (i % 4 == 3) {  // the snapshot: the last four ticks again, newest first
      for (int k = 0; k < 4; ++k) stream.push_back(distinct[distinct.size() - 1 - k]);
    }
  }
  std::size_t accepted = 0;
  for (std::size_t b = 0; b < stream.size(); b += 37) {
    const std::size_t n = std::min<std::size_t>(37, stream.size() - b);
    accepted += pipeline_.ingest(replay, std::span(stream).subspan(b, n));
  }
  EXPECT_EQ(accepted, distinct.size());
  EXPECT_EQ(pipeline_.stats().duplicates, stream.size() - distinct.size());
  const AssetId eur = *pipeline_.assets().find("EURUSD_otc");
  std::uint64_t volume = 0;
  for (const Candle& c : pipeline_.candles().closed(eur, Timeframe::k1m)) volume += c.volume;
  volume += volume_1m(pipeline_, "EURUSD_otc");
  EXPECT_EQ(volume, distinct.size());
}

TEST_F(TickPipelineTest, TheCheckCanBeSwitchedOffToMeasureIt) {
  ManualClock clock(at(kT0));
  MetricsRegistry metrics;
  PipelineOptions options;
  options.drop_duplicates = false;
  TickPipeline p(clock, options, metrics);
  const FeedId f = p.register_feed({"sim", false, 0us});
  const std::vector<RawTick> raw = {{"BTCUSD", 1.0, at(kT0)}, {"BTCUSD", 1.0, at(kT0)}};
  EXPECT_EQ(p.ingest(f, raw), 2u);
  EXPECT_EQ(p.stats().duplicates, 0u);
}

}  // namespace
}  // namespace quflx
