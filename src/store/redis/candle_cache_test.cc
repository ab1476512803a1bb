#include "store/redis/candle_cache.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/candle_input.h"
#include "protocol/market_json.h"

namespace quflx {
namespace {

std::deque<Candle> bars(int n) {
  std::deque<Candle> out;
  for (int i = 0; i < n; ++i) {
    Candle c;
    c.open_time_s = 1756869660 + 60 * i;
    c.open = 1.5 + i;
    c.high = 2.0 + i;
    c.low = 1.25 + i;
    c.close = 1.75 + i;
    c.volume = static_cast<std::uint64_t>(10 + i);
    c.closed = true;
    out.push_back(c);
  }
  return out;
}

TEST(RedisCandleCache, EncodesTheLatestBarsOldestFirstWithoutSeq) {
  std::string value;
  RedisCandleCache::encode(value, "#AAPL_otc", Timeframe::k1m, bars(5), 3);
  const auto arr = boost::json::parse(value).as_array();
  ASSERT_EQ(arr.size(), 3u);
  EXPECT_EQ(arr[0].as_object().at("timestamp").as_int64(), 1756869660 + 120);
  EXPECT_EQ(arr[2].as_object().at("timestamp").as_int64(), 1756869660 + 240);
  EXPECT_FALSE(arr[0].as_object().contains("seq"));
  std::string empty;
  RedisCandleCache::encode(empty, "X", Timeframe::k1s, std::deque<Candle>{}, 200);
  EXPECT_EQ(empty, "[]");
}

TEST(RedisCandleCache, BothInputShapesGiveTheBytesOfTheCandleArray) {
  // The tick writer's deque of closed bars and the history service's span give the bytes of
  // protocol's candle array (what clients also get in cached_historical_data).
  const auto closed = bars(7);
  const std::vector<Candle> vec(closed.begin(), closed.end());
  for (std::size_t max : {std::size_t{0}, std::size_t{3}, std::size_t{7}, std::size_t{200}}) {
    std::string from_history;
    append_candles_json(from_history, "EURUSD_otc", Timeframe::k5m,
                        std::span<const Candle>(vec).last(std::min(max, vec.size())));
    std::string a;
    RedisCandleCache::encode(a, "EURUSD_otc", Timeframe::k5m, closed, max);
    std::string b;
    RedisCandleCache::encode(b, "EURUSD_otc", Timeframe::k5m, std::span<const Candle>(vec), max);
    EXPECT_EQ(b, from_history) << max;
    EXPECT_EQ(a, b) << max;
  }
}

TEST(RedisCandleCache, ValueParsesBackToTheSameBars) {
  const auto closed = bars(4);
  std::string value;
  RedisCandleCache::encode(value, "BTCUSD", Timeframe::k1m, closed, 200);
  auto back = parse_candle_array_text(value, Timeframe::k1m);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*back)[i].open_time_s, closed[i].open_time_s);
    EXPECT_EQ((*back)[i].close, closed[i].close);
    EXPECT_EQ((*back)[i].volume, closed[i].volume);
  }
}

}  // namespace
}  // namespace quflx
