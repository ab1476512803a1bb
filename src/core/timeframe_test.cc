#include "core/timeframe.h"

#include <gtest/gtest.h>

namespace quflx {
namespace {

TEST(Timeframe, ParsesEveryCanonicalName) {
  for (Timeframe tf : kAllTimeframes) {
    auto parsed = parse_timeframe(to_string(tf));
    ASSERT_TRUE(parsed) << to_string(tf);
    EXPECT_EQ(*parsed, tf);
  }
}

TEST(Timeframe, NormalisesUpperCaseUnits) {
  EXPECT_EQ(parse_timeframe("1M"), Timeframe::k1m);
  EXPECT_EQ(parse_timeframe("1H"), Timeframe::k1h);
  EXPECT_EQ(parse_timeframe("4H"), Timeframe::k4h);
  EXPECT_EQ(parse_timeframe("15M"), Timeframe::k15m);
  EXPECT_EQ(parse_timeframe("1D"), Timeframe::k1d);
  EXPECT_EQ(parse_timeframe("5S"), Timeframe::k5s);
}

TEST(Timeframe, RejectsOthersWithAClearError) {
  for (const char* s : {"", "1", "m", "2m", "1w", "60", "1min", "01m", " 1m", "1m "}) {
    EXPECT_FALSE(parse_timeframe(s)) << s;
    const auto r = validate_timeframe(s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidTimeframe);
    EXPECT_NE(r.error().message.find("1s 5s 15s"), std::string::npos);
  }
}

TEST(Timeframe, DurationsInSeconds) {
  EXPECT_EQ(duration_seconds(Timeframe::k1s), 1);
  EXPECT_EQ(duration_seconds(Timeframe::k15m), 900);
  EXPECT_EQ(duration_seconds(Timeframe::k4h), 14400);
  EXPECT_EQ(duration_seconds(Timeframe::k1d), 86400);
}

}  // namespace
}  // namespace quflx
