#include "feed/sim_feed.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include <boost/asio/io_context.hpp>
#include <map>
#include <string>
#include <vector>

namespace quflx {
namespace {

// Records what the feed emits (pure bookkeeping; the real pipeline has its own tests).
class RecordingIngest final : public TickIngest {
 public:
  struct Rec {
    std::string asset;
    double price;
    UtcMicros time;
  };
  FeedId register_feed(FeedRegistration) override { return 0; }
  std::size_t ingest(FeedId, std::span<const RawTick> ticks) override {
    ++calls;
    for (const auto& t : ticks) recs.push_back({std::string(t.asset), t.price, t.time});
    return ticks.size();
  }
  void advance_feed_clock(FeedId, UtcMicros) override {}
  std::size_t seed_history(FeedId, const HistorySeed&) override { return 0; }
  std::vector<Rec> recs;
  int calls = 0;
};

SimOptions options(double rate, std::uint64_t seed) {
  SimOptions o;
  o.assets = {default_sim_asset("EURUSD_otc"), default_sim_asset("BTCUSD")};
  o.ticks_per_second_per_asset = rate;
  o.seed = seed;
  return o;
}

std::vector<RecordingIngest::Rec> run_for(SimOptions o, std::chrono::milliseconds d,
                                          int* calls = nullptr) {
  boost::asio::io_context ioc;
  RecordingIngest sink;
  SystemClock clock;
  SimFeed feed(ioc.get_executor(), sink, 0, std::move(o), clock);
  feed.start();
  ioc.run_for(d);
  feed.stop();
  if (calls) *calls = sink.calls;
  EXPECT_EQ(feed.ticks_emitted(), sink.recs.size());
  return sink.recs;
}

TEST(SimFeed, AssetsTakeTurnsAtEvenlySpacedTimes) {
  const auto recs = run_for(options(50, 1), std::chrono::milliseconds(300));
  ASSERT_GE(recs.size(), 4u);
  for (std::size_t k = 0; k < recs.size(); ++k) {
    EXPECT_EQ(recs[k].asset, k % 2 == 0 ? "EURUSD_otc" : "BTCUSD");
    // 100 ticks/s in total: 10 ms apart.
    EXPECT_EQ(unix_micros(recs[k].time) - unix_micros(recs[0].time),
              static_cast<std::int64_t>(k) * 10'000);
  }
}

TEST(SimFeed, SameSeedGivesTheSamePrices) {
  auto prices = [](const std::vector<RecordingIngest::Rec>& recs, std::size_t n) {
    std::vector<double> p;
    for (std::size_t i = 0; i < n && i < recs.size(); ++i) p.push_back(recs[i].price);
    return p;
  };
  const auto a = run_for(options(200, 7), std::chrono::milliseconds(150));
  const auto b = run_for(options(200, 7), std::chrono::milliseconds(150));
  const auto c = run_for(options(200, 8), std::chrono::milliseconds(150));
  const std::size_t n = std::min({a.size(), b.size(), c.size()});
  ASSERT_GE(n, 10u);
  EXPECT_EQ(prices(a, n), prices(b, n));
  EXPECT_NE(prices(a, n), prices(c, n));
}

TEST(SimFeed, HighRatesArriveInBatches) {
  int calls = 0;
  const auto recs = run_for(options(50'000, 1), std::chrono::milliseconds(200), &calls);
  ASSERT_GT(calls, 0);
  // 100k ticks/s with a 1 ms minimum step: many ticks per ingest call, not one call each.
  EXPECT_GT(recs.size() / static_cast<std::size_t>(calls), 10u);
}

TEST(SimFeed, NeverRepeatsAPriceWithinOneMillisecond) {
  // 20 ticks of each asset per millisecond: the rounded walk alone repeats prices often.
  const auto recs = run_for(options(20'000, 3), std::chrono::milliseconds(200));
  ASSERT_GT(recs.size(), 1000u);
  std::set<std::tuple<std::string, std::int64_t, double>> seen;
  for (const auto& r : recs) {
    EXPECT_TRUE(seen.emplace(r.asset, unix_micros(r.time) / 1000, r.price).second)
        << r.asset << " repeats " << r.price << " at " << unix_micros(r.time);
  }
}

}  // namespace
}  // namespace quflx
