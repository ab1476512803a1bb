#include "protocol/market_json.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace quflx {
namespace {

TEST(MarketJson, TickCarriesSeqAndExactTimestamp) {
  std::string out;
  append_tick_json(out, "EURUSD_otc",
                   SequencedTick{0, 1.08231, from_unix_micros(1756869696775000), 42});
  EXPECT_EQ(out,
            R"({"type":"tick","asset":"EURUSD_otc","price":1.08231,"timestamp":1756869696.775,"seq":42})");
  const auto v = boost::json::parse(out).as_object();
  EXPECT_EQ(v.at("seq").as_int64(), 42);
}

TEST(MarketJson, CandleUpdateAndHistoryParseBack) {
  Candle c;
  c.open_time_s = 1756869660;
  c.open = 1.5;
  c.high = 2.0;
  c.low = 1.25;
  c.close = 1.75;
  c.volume = 12;
  c.last_seq = 7;
  std::string upd;
  append_candle_update_json(upd, "#AAPL_otc", Timeframe::k1m, c);
  const auto u = boost::json::parse(upd).as_object();
  EXPECT_EQ(u.at("type").as_string(), "candle");
  EXPECT_EQ(u.at("asset").as_string(), "#AAPL_otc");
  EXPECT_EQ(u.at("timeframe").as_string(), "1m");
  EXPECT_EQ(u.at("timestamp").as_int64(), 1756869660);
  EXPECT_EQ(u.at("high").to_number<double>(), 2.0);  // written as 2: JSON has one number type
  EXPECT_EQ(u.at("volume").as_int64(), 12);
  EXPECT_FALSE(u.at("closed").as_bool());
  EXPECT_EQ(u.at("seq").as_int64(), 7);

}

}  // namespace
}  // namespace quflx

namespace quflx {
namespace {

TEST(MarketJson, TickParsesBackFromItsWireForm) {
  std::string out;
  append_tick_json(out, "#AAPL_otc", SequencedTick{0, 231.5, from_unix_micros(1756869696775123), 9});
  auto t = parse_tick_json(out);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->asset, "#AAPL_otc");
  EXPECT_EQ(t->price, 231.5);
  EXPECT_EQ(unix_micros(t->time), 1756869696775123);
  EXPECT_EQ(t->seq, 9u);
}

TEST(MarketJson, TickParserRejectsWhatIsNotATick) {
  for (const char* bad : {"", "[]", "{}", R"({"asset":"A","price":1,"timestamp":1,"seq":0})",
                          R"({"asset":"A B","price":1,"timestamp":1,"seq":1})",
                          R"({"asset":"A","price":"1","timestamp":1,"seq":1})",
                          R"({"asset":"A","price":1,"timestamp":-1,"seq":1})",
                          R"({"asset":"A","price":1,"timestamp":1,"seq":-3})",
                          R"({"asset":"A","price":1,"timestamp":1})"}) {
    EXPECT_FALSE(parse_tick_json(bad)) << bad;
  }
}

}  // namespace
}  // namespace quflx

namespace quflx {
namespace {

TEST(MarketJson, CandleUpdateParsesBackFromItsWireForm) {
  Candle c;
  c.open_time_s = 1756869660;
  c.open = 1.5;
  c.high = 2.0;
  c.low = 1.25;
  c.close = 1.75;
  c.volume = 12;
  c.last_seq = 7;
  std::string upd;
  append_candle_update_json(upd, "#AAPL_otc", Timeframe::k1m, c);
  auto r = parse_candle_update_json(upd);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->asset, "#AAPL_otc");
  EXPECT_EQ(r->timeframe, Timeframe::k1m);
  EXPECT_EQ(r->candle.open_time_s, 1756869660);
  EXPECT_EQ(r->candle.volume, 12u);
  EXPECT_EQ(r->candle.last_seq, 7u);
  EXPECT_FALSE(r->candle.closed);
  EXPECT_FALSE(parse_candle_update_json(R"({"asset":"A","timeframe":"2m","timestamp":0})"));
  EXPECT_FALSE(parse_candle_update_json("[]"));
}

}  // namespace
}  // namespace quflx
