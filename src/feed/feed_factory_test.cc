#include "feed/feed_factory.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <vector>

namespace quflx {
namespace {

class RegisteringIngest final : public TickIngest {
 public:
  FeedId register_feed(FeedRegistration r) override {
    registered.push_back(std::move(r));
    return static_cast<FeedId>(registered.size() - 1);
  }
  std::size_t ingest(FeedId, std::span<const RawTick> ticks) override { return ticks.size(); }
  void advance_feed_clock(FeedId, UtcMicros) override {}
  std::size_t seed_history(FeedId, const HistorySeed&) override { return 0; }
  std::vector<FeedRegistration> registered;
};

TEST(FeedFactory, BuildsTheNamedFeedsInOrderEachWithItsClock) {
  boost::asio::io_context ioc;
  SystemClock clock;
  MetricsRegistry metrics;
  RegisteringIngest ingest;
  FeedSettings s;
  s.feeds = {"push", "sim", "csv", "cdp"};
  s.sim_assets = {default_sim_asset("EURUSD_otc")};
  s.sim_rate = 1;
  s.csv_file = "/nonexistent.csv";
  s.cdp_url = "http://";  // does not parse: left out, the others run
  s.clock_offsets = {{"*", std::chrono::seconds(7200)}, {"csv", std::chrono::seconds(-1)}};
  const FeedSet set = make_feeds(s, FeedContext{ioc.get_executor(), ingest, {}, clock, metrics});

  ASSERT_EQ(set.all.size(), 3u);
  EXPECT_EQ(set.all[0]->name(), "push");
  EXPECT_EQ(set.all[1]->name(), "sim");
  EXPECT_EQ(set.all[2]->name(), "csv");
  EXPECT_EQ(set.push, set.all[0].get());
  EXPECT_NE(set.push->frames(), nullptr);
  EXPECT_EQ(set.all[1]->frames(), nullptr);

  ASSERT_EQ(ingest.registered.size(), 4u);
  EXPECT_EQ(ingest.registered[0].clock_offset, std::chrono::seconds(7200));
  EXPECT_FALSE(ingest.registered[0].replay_clock);
  EXPECT_EQ(ingest.registered[1].clock_offset, Micros{0});  // sim: the wall clock as it is
  EXPECT_EQ(ingest.registered[2].clock_offset, std::chrono::seconds(-1));
  EXPECT_TRUE(ingest.registered[2].replay_clock);
  EXPECT_EQ(ingest.registered[3].name, "cdp");
}

}  // namespace
}  // namespace quflx
