// HistoryService against a real redis-server: the cache-first path, the fallback seam, and
// what a broken or absent cache does.

#include "server/history_service.h"
#include "store/redis/candle_cache.h"

#include <gtest/gtest.h>

#include "protocol/market_json.h"
#include "store/redis/connection.h"
#include "tests/integration/asio_test_util.h"
#include "tests/support/redis_server.h"

namespace quflx {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::RedisClient;
using testing::RedisServer;
using testing::run_task;
using testing::run_until;

constexpr std::int64_t kT0 = 1761350400;  // 2025-10-25T00:00:00Z

std::vector<Candle> bars(int n, std::int64_t first = kT0, double base = 1.0) {
  std::vector<Candle> out;
  for (int i = 0; i < n; ++i) {
    Candle c;
    c.open_time_s = first + 60 * i;
    c.open = c.high = c.low = c.close = base + i;
    c.volume = static_cast<std::uint64_t>(i);
    c.closed = true;
    out.push_back(c);
  }
  return out;
}

// A stand-in database: records what it was asked and answers from a vector.
class FakeDatabase final : public HistoryFallback {
 public:
  asio::awaitable<Result<std::vector<Candle>>> load(std::string asset, Timeframe tf,
                                                    std::size_t limit) override {
    asked.emplace_back(asset + " " + std::string(to_string(tf)), limit);
    if (fail) co_return make_error(ErrorCode::kUnavailable, "database down");
    co_return candles;
  }
  std::vector<Candle> candles;
  bool fail = false;
  std::vector<std::pair<std::string, std::size_t>> asked;
};

class HistoryServiceTest : public ::testing::Test {
 protected:
  HistoryServiceTest() {
    redis::ConnectionOptions o;
    o.endpoint = *redis::parse_redis_url(redis_.url());
    o.backoff_initial = 20ms;
    o.backoff_max = 100ms;
    conn_ = std::make_unique<redis::Connection>(ioc_.get_executor(), o);
    conn_->start();
    EXPECT_TRUE(run_until(ioc_, [&] { return conn_->connected(); }));
    history_ = std::make_unique<HistoryService>(conn_.get(), HistoryOptions{5, 3600s}, metrics_);
  }
  History load(const std::string& asset, std::size_t limit = 200) {
    return run_task(ioc_, history_->load(asset, Timeframe::k1m, limit));
  }

  RedisServer redis_;
  asio::io_context ioc_;
  MetricsRegistry metrics_;
  std::unique_ptr<redis::Connection> conn_;
  std::unique_ptr<HistoryService> history_;
};

TEST_F(HistoryServiceTest, MissWithoutFallbackIsCacheMissWithNoCandles) {
  const auto h = load("EURUSD_otc");
  EXPECT_EQ(h.source, HistorySource::kCacheMiss);
  EXPECT_TRUE(h.candles.empty());
}

TEST_F(HistoryServiceTest, StoreKeepsTheLatestCacheCandlesAndLoadReturnsThemOldestFirst) {
  auto stored = run_task(ioc_, history_->store("EURUSD_otc", Timeframe::k1m, bars(8)));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, 5u);
  RedisClient c(redis_.port());
  EXPECT_GT(c.integer({"TTL", "historical:{EURUSD_otc}:1m"}), 3500);
  const auto h = load("EURUSD_otc");
  EXPECT_EQ(h.source, HistorySource::kRedisCache);
  ASSERT_EQ(h.candles.size(), 5u);
  EXPECT_EQ(h.candles.front().open_time_s, kT0 + 180);
  EXPECT_EQ(h.candles.back().open_time_s, kT0 + 420);
  EXPECT_EQ(load("EURUSD_otc", 2).candles.front().open_time_s, kT0 + 360);
}

TEST_F(HistoryServiceTest, ReadsWhatTheTickWriterWrites) {
  // The writer's format (RedisCandleCache::encode) is the cache format.
  std::string body;
  std::deque<Candle> closed;
  for (const auto& b : bars(3)) closed.push_back(b);
  RedisCandleCache::encode(body, "#AAPL_otc", Timeframe::k1m, closed, 200);
  RedisClient c(redis_.port());
  c.command({"SET", "historical:{#AAPL_otc}:1m", body});
  const auto h = load("#AAPL_otc");
  EXPECT_EQ(h.source, HistorySource::kRedisCache);
  ASSERT_EQ(h.candles.size(), 3u);
  EXPECT_EQ(h.candles[2].close, 3.0);
  EXPECT_EQ(h.candles[2].volume, 2u);
}

TEST_F(HistoryServiceTest, UnreadableCacheEntryIsAMissNotAnAnswer) {
  RedisClient c(redis_.port());
  c.command({"SET", "historical:{EURUSD_otc}:1m", "[{\"timestamp\":\"garbage\"}]"});
  EXPECT_EQ(load("EURUSD_otc").source, HistorySource::kCacheMiss);
  c.command({"SET", "historical:{EURUSD_otc}:1m", "not json"});
  EXPECT_EQ(load("EURUSD_otc").source, HistorySource::kCacheMiss);
}

TEST_F(HistoryServiceTest, FallbackAnswersAMissAndFillsTheCache) {
  FakeDatabase db;
  db.candles = bars(7);
  history_->set_fallback(&db);
  const auto h = load("EURUSD_otc", 3);
  EXPECT_EQ(h.source, HistorySource::kDatabase);
  ASSERT_EQ(h.candles.size(), 3u);
  EXPECT_EQ(h.candles.back().open_time_s, kT0 + 360);
  ASSERT_EQ(db.asked.size(), 1u);
  EXPECT_EQ(db.asked[0].first, "EURUSD_otc 1m");
  EXPECT_EQ(db.asked[0].second, 5u);  // at least what the cache holds
  // The next request is a hit and the database is not asked again.
  const auto again = load("EURUSD_otc");
  EXPECT_EQ(again.source, HistorySource::kRedisCache);
  EXPECT_EQ(again.candles.size(), 5u);
  EXPECT_EQ(db.asked.size(), 1u);
}

TEST_F(HistoryServiceTest, FailingFallbackIsACacheMiss) {
  FakeDatabase db;
  db.fail = true;
  history_->set_fallback(&db);
  EXPECT_EQ(load("EURUSD_otc").source, HistorySource::kCacheMiss);
}

TEST_F(HistoryServiceTest, MergeAddsToTheCacheAndClearRemovesIt) {
  ASSERT_TRUE(run_task(ioc_, history_->store("EURUSD_otc", Timeframe::k1m, bars(3))).ok());
  auto merged = run_task(ioc_, history_->merge("EURUSD_otc", Timeframe::k1m,
                                               bars(2, kT0 + 120, 10.0)));
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(*merged, 4u);  // 0, 60, 120 (replaced), 180
  auto h = load("EURUSD_otc");
  ASSERT_EQ(h.candles.size(), 4u);
  EXPECT_EQ(h.candles[2].close, 10.0);
  ASSERT_TRUE(run_task(ioc_, history_->clear("EURUSD_otc", Timeframe::k1m)).ok());
  EXPECT_EQ(load("EURUSD_otc").source, HistorySource::kCacheMiss);
}

TEST_F(HistoryServiceTest, RedisDownIsACacheMissAndWritesSayUnavailable) {
  redis_.kill9();
  ASSERT_TRUE(run_until(ioc_, [&] { return !conn_->connected(); }));
  EXPECT_EQ(load("EURUSD_otc").source, HistorySource::kCacheMiss);
  auto stored = run_task(ioc_, history_->store("EURUSD_otc", Timeframe::k1m, bars(1)));
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace quflx
