#include "protocol/csv_format.h"

#include <gtest/gtest.h>

namespace quflx {
namespace {

TEST(CsvFormat, TickFilesByHeader) {
  auto l = parse_csv_header("timestamp,asset,price\r");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->kind, CsvKind::kTicks);
  auto r = parse_csv_tick_row(*l, "1756869696.775,EURUSD_otc,1.08231\r");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->asset, "EURUSD_otc");
  EXPECT_EQ(unix_micros(r->time), 1756869696775000);
  EXPECT_EQ(r->price, 1.08231);
  auto iso = parse_csv_tick_row(*l, "\"2025-10-25 10:16:00Z\", BTCUSD , 100");
  ASSERT_TRUE(iso.ok());
  EXPECT_EQ(unix_micros(iso->time), 1761387360000000);
  EXPECT_EQ(iso->asset, "BTCUSD");
  auto ms = parse_csv_tick_row(*l, "1756869696775,A,1");
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(unix_micros(ms->time), 1756869696775000);
}

TEST(CsvFormat, CandleColumnsInAnyOrder) {
  auto orig = parse_csv_header("timestamp,open,close,high,low");
  ASSERT_TRUE(orig.ok());
  EXPECT_EQ(orig->kind, CsvKind::kCandles);
  auto r = parse_csv_candle_row(*orig, "1756869660,1.0,1.2,1.3,0.9");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->open, 1.0);
  EXPECT_EQ(r->close, 1.2);
  EXPECT_EQ(r->high, 1.3);
  EXPECT_EQ(r->low, 0.9);
  EXPECT_FALSE(r->volume);
  auto ohlc = parse_csv_header("Time,Open,High,Low,Close,Volume");
  ASSERT_TRUE(ohlc.ok());
  auto v = parse_csv_candle_row(*ohlc, "2025-10-25T10:16:00Z,1,3,0.5,2,17");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->high, 3);
  EXPECT_EQ(v->close, 2);
  EXPECT_EQ(*v->volume, 17u);
}

TEST(CsvFormat, BadRowsSayWhy) {
  auto l = parse_csv_header("timestamp,asset,price");
  ASSERT_TRUE(l.ok());
  auto cols = parse_csv_tick_row(*l, "1,2");
  ASSERT_FALSE(cols.ok());
  EXPECT_EQ(cols.error().message, "expected 3 columns, found 2");
  auto price = parse_csv_tick_row(*l, "1756869696,A,abc");
  ASSERT_FALSE(price.ok());
  EXPECT_EQ(price.error().message, "price: not a number: 'abc'");
  EXPECT_FALSE(parse_csv_tick_row(*l, "yesterday,A,1").ok());
  EXPECT_FALSE(parse_csv_tick_row(*l, "1756869696,,1").ok());
  EXPECT_FALSE(parse_csv_header("open,close").ok());
  EXPECT_FALSE(parse_csv_header("timestamp,open,close").ok());
  EXPECT_FALSE(parse_csv_header("timestamp,price,price").ok());
}

TEST(CsvFormat, AssetAndTimeframeFromTheFileName) {
  auto h = hints_from_file_name("/data/EURUSD_otc_1m.csv");
  EXPECT_EQ(h.asset, "EURUSD_otc");
  EXPECT_EQ(h.timeframe, Timeframe::k1m);
  auto h2 = hints_from_file_name("#AAPL_otc-5M_2025.csv");
  EXPECT_EQ(h2.asset, "#AAPL_otc");
  EXPECT_EQ(h2.timeframe, Timeframe::k5m);
  auto h3 = hints_from_file_name("BTCUSD.csv");
  EXPECT_EQ(h3.asset, "BTCUSD");
  EXPECT_FALSE(h3.timeframe);
}

}  // namespace
}  // namespace quflx
