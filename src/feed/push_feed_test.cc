#include "feed/push_feed.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

namespace quflx {
namespace {

// Takes every tick with a price above 1 and refuses the rest, as the pipeline would.
class FakeIngest final : public TickIngest {
 public:
  FeedId register_feed(FeedRegistration) override { return 0; }
  std::size_t ingest(FeedId, std::span<const RawTick> ticks) override { return ticks.size(); }
  void advance_feed_clock(FeedId, UtcMicros) override {}
  std::size_t seed_history(FeedId, const HistorySeed&) override { return 0; }

  PushIngest reporting() {
    return [this](FeedId, std::span<const RawTick> ticks, std::vector<PushRefusal>& refused) {
      std::size_t accepted = 0;
      for (std::size_t i = 0; i < ticks.size(); ++i) {
        if (ticks[i].price > 1) {
          assets.emplace_back(ticks[i].asset);
          ++accepted;
        } else {
          refused.push_back({i, ErrorCode::kInvalidPrice, "price too low"});
        }
      }
      return accepted;
    };
  }
  std::vector<std::string> assets;
};

class PushFeedTest : public ::testing::Test {
 protected:
  boost::asio::io_context ioc;
  ManualClock clock{UtcMicros{std::chrono::seconds(1'700'000'000)}};
  MetricsRegistry metrics;
  FakeIngest ingest;
  PushFeed feed{ioc.get_executor(), ingest, ingest.reporting(), 0, std::chrono::seconds(10),
                clock, metrics};
};

TEST_F(PushFeedTest, KeepsEveryValidTickAndSaysWhatBecameOfTheRest) {
  feed.start();
  const auto r = feed.push(R"([{"asset":"EURUSD_otc","price":1.5,"timestamp":1700000000},
                              {"asset":"EURUSD_otc","price":0.5,"timestamp":1700000000},
                              {"asset":"EURUSD_otc"},
                              {"asset":"BTCUSD","price":2,"timestamp":1700000000.5}])");
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(ingest.assets, (std::vector<std::string>{"EURUSD_otc", "BTCUSD"}));
  ASSERT_EQ(r.refused.size(), 1u);
  EXPECT_EQ(r.refused[0].index, 1u);
  ASSERT_EQ(r.faults.size(), 1u);
  EXPECT_FALSE(r.nothing_parsed);
  const auto s = feed.status();
  EXPECT_EQ(s.name, "push");
  EXPECT_EQ(s.state, "running");
  EXPECT_EQ(s.ticks, 3u);  // handed to the pipeline
  EXPECT_EQ(s.detail, "POST /api/ticks; 1 inputs skipped, 0 stale assets");
  feed.stop();
}

TEST_F(PushFeedTest, TakesPushesOnlyBetweenStartAndStop) {
  // Before start() the server has not restored numbering yet; after stop() it drains.
  EXPECT_FALSE(feed.accepting());
  EXPECT_EQ(feed.status().state, "starting");
  feed.start();
  EXPECT_TRUE(feed.accepting());
  EXPECT_EQ(feed.status().state, "running");
  feed.stop();
  EXPECT_FALSE(feed.accepting());
  EXPECT_EQ(feed.status().state, "stopped");
}

TEST_F(PushFeedTest, ABodyThatIsNotJsonParsesNothing) {
  const auto r = feed.push("{oops");
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_TRUE(r.nothing_parsed);
  ASSERT_EQ(r.faults.size(), 1u);
  EXPECT_EQ(r.faults[0].first, FrameFault::kBadJson);
  EXPECT_NE(metrics.render().find(
                R"(quflx_feed_rejected_total{feed="push",reason="bad_json"} 1)"),
            std::string::npos);
}

TEST_F(PushFeedTest, ReportsAnAssetThatStoppedTickingWhileRunning) {
  std::vector<bool> changes;
  feed.frames()->set_stale_handler([&](const StaleChange& c) { changes.push_back(c.stale); });
  feed.start();
  ASSERT_EQ(feed.push(R"({"asset":"EURUSD_otc","price":1.5,"timestamp":1700000000})").accepted, 1u);
  clock.advance(std::chrono::seconds(11));
  ioc.run_for(std::chrono::milliseconds(1500));  // one staleness check
  EXPECT_EQ(changes, std::vector<bool>{true});
  EXPECT_EQ(feed.status().detail, "POST /api/ticks; 0 inputs skipped, 1 stale assets");
  feed.stop();
  EXPECT_EQ(feed.status().state, "stopped");
  ioc.run();  // the check's timer is cancelled: nothing keeps the loop busy
}

}  // namespace
}  // namespace quflx
