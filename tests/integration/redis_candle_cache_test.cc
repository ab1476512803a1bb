// RedisCandleCache against a real redis-server: what historical:{A}:{TF} holds after each kind
// of write, its TTL, and reads of absent, unreadable and cleared keys.

#include "store/redis/candle_cache.h"

#include <gtest/gtest.h>

#include "store/redis/connection.h"
#include "tests/integration/asio_test_util.h"
#include "tests/support/redis_server.h"

namespace quflx {
namespace {

using namespace std::chrono_literals;
using testing::RedisClient;
using testing::RedisServer;
using testing::run_task;
using testing::run_until;

constexpr std::int64_t kT0 = 1761350400;  // 2025-10-25T00:00:00Z

std::deque<Candle> bars(int n) {
  std::deque<Candle> out;
  for (int i = 0; i < n; ++i) {
    Candle c;
    c.open_time_s = kT0 + 60 * i;
    c.open = c.high = c.low = c.close = 1.0 + i;
    c.volume = static_cast<std::uint64_t>(i);
    c.closed = true;
    out.push_back(c);
  }
  return out;
}

class RedisCandleCacheTest : public ::testing::Test {
 protected:
  RedisCandleCacheTest() {
    redis::ConnectionOptions o;
    o.endpoint = *redis::parse_redis_url(redis_.url());
    conn_ = std::make_unique<redis::Connection>(ioc_.get_executor(), o);
    conn_->start();
    EXPECT_TRUE(run_until(ioc_, [&] { return conn_->connected(); }));
    cache_ = std::make_unique<RedisCandleCache>(*conn_, CandleCacheOptions{5, 600s});
  }
  void flush() { ASSERT_TRUE(run_until(ioc_, [&] { return conn_->stats().in_flight == 0; })); }

  RedisServer redis_;
  boost::asio::io_context ioc_;
  std::unique_ptr<redis::Connection> conn_;
  std::unique_ptr<RedisCandleCache> cache_;
};

TEST_F(RedisCandleCacheTest, BothWritesStoreTheEncodedLatestBarsWithTheTtl) {
  const auto closed = bars(8);
  std::string expected;
  RedisCandleCache::encode(expected, "EURUSD_otc", Timeframe::k1m, closed, 5);

  ASSERT_TRUE(cache_->send_write("historical:{EURUSD_otc}:1m", "EURUSD_otc", Timeframe::k1m,
                                 closed));
  flush();
  RedisClient c(redis_.port());
  EXPECT_EQ(c.string({"GET", "historical:{EURUSD_otc}:1m"}), expected);
  EXPECT_GT(c.integer({"TTL", "historical:{EURUSD_otc}:1m"}), 590);

  const std::vector<Candle> vec(closed.begin(), closed.end());
  auto n = run_task(ioc_, cache_->write("#AAPL_otc", Timeframe::k1m, vec));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5u);
  std::string expected_aapl;
  RedisCandleCache::encode(expected_aapl, "#AAPL_otc", Timeframe::k1m, closed, 5);
  EXPECT_EQ(c.string({"GET", "historical:{#AAPL_otc}:1m"}), expected_aapl);
  EXPECT_GT(c.integer({"TTL", "historical:{#AAPL_otc}:1m"}), 590);

  const auto back = run_task(ioc_, cache_->read("#AAPL_otc", Timeframe::k1m));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 5u);
  EXPECT_EQ(back->front().open_time_s, kT0 + 180);
  EXPECT_EQ(back->back().close, 8.0);
}

TEST_F(RedisCandleCacheTest, AbsentUnreadableAndClearedKeysReadAsEmpty) {
  EXPECT_FALSE(run_task(ioc_, cache_->read("EURUSD_otc", Timeframe::k1m)));
  RedisClient c(redis_.port());
  c.command({"SET", "historical:{EURUSD_otc}:1m", "not json"});
  EXPECT_FALSE(run_task(ioc_, cache_->read("EURUSD_otc", Timeframe::k1m)));

  const auto two = bars(2);
  const std::vector<Candle> vec(two.begin(), two.end());
  ASSERT_TRUE(run_task(ioc_, cache_->write("EURUSD_otc", Timeframe::k1m, vec)).ok());
  EXPECT_TRUE(run_task(ioc_, cache_->read("EURUSD_otc", Timeframe::k1m)));
  ASSERT_TRUE(run_task(ioc_, cache_->clear("EURUSD_otc", Timeframe::k1m)).ok());
  EXPECT_EQ(c.integer({"EXISTS", "historical:{EURUSD_otc}:1m"}), 0);
  EXPECT_FALSE(run_task(ioc_, cache_->read("EURUSD_otc", Timeframe::k1m)));
}

TEST_F(RedisCandleCacheTest, ReadsAreEmptyAndWritesFailWhileRedisIsDown) {
  redis_.kill9();
  ASSERT_TRUE(run_until(ioc_, [&] { return !conn_->connected(); }));
  EXPECT_FALSE(cache_->connected());
  EXPECT_FALSE(run_task(ioc_, cache_->read("EURUSD_otc", Timeframe::k1m)));
  EXPECT_FALSE(cache_->send_write("historical:{EURUSD_otc}:1m", "EURUSD_otc", Timeframe::k1m,
                                  bars(1)));
  const std::vector<Candle> one{bars(1).front()};
  EXPECT_FALSE(run_task(ioc_, cache_->write("EURUSD_otc", Timeframe::k1m, one)).ok());
}

}  // namespace
}  // namespace quflx
