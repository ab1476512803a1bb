#include "common/time.h"

#include <gtest/gtest.h>

namespace quflx {
namespace {

TEST(Time, SecondsWithFractionRoundToTheMicrosecond) {
  auto t = from_unix_seconds(1756869696.775);
  ASSERT_TRUE(t);
  EXPECT_EQ(unix_micros(*t), 1756869696775000);
  EXPECT_EQ(unix_millis(*t), 1756869696775);
}

TEST(Time, RejectsNonFiniteAndImplausibleSeconds) {
  EXPECT_FALSE(from_unix_seconds(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(from_unix_seconds(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(from_unix_seconds(-1.0));
  EXPECT_FALSE(from_unix_seconds(8e9));
}

TEST(Time, AutoDetectsSecondsMillisAndMicros) {
  EXPECT_EQ(unix_micros(*from_unix_auto(1756869696.5)), 1756869696500000);
  EXPECT_EQ(unix_micros(*from_unix_auto(1756869696500.0)), 1756869696500000);
  EXPECT_EQ(unix_micros(*from_unix_auto(1756869696500123.0)), 1756869696500123);
  EXPECT_FALSE(from_unix_auto(1e18));
}

TEST(Time, DecimalTimestampsAreExactInEveryUnit) {
  EXPECT_EQ(unix_micros(*from_unix_decimal("1756869696.775")), 1756869696775000);
  EXPECT_EQ(unix_micros(*from_unix_decimal("1756869696.7751234")), 1756869696775123);
  EXPECT_EQ(unix_micros(*from_unix_decimal("1756869696.7751235")), 1756869696775124);
  EXPECT_EQ(unix_micros(*from_unix_decimal("1756869696")), 1756869696000000);
  EXPECT_EQ(unix_micros(*from_unix_decimal("1756869696775")), 1756869696775000);
  EXPECT_EQ(unix_micros(*from_unix_decimal("1756869696775.5")), 1756869696775500);
  EXPECT_EQ(unix_micros(*from_unix_decimal("1756869696775123")), 1756869696775123);
  EXPECT_EQ(unix_micros(*from_unix_decimal("1.756869696775e9")), 1756869696775000);
  EXPECT_EQ(unix_micros(*from_unix_decimal(".5")), 500000);
  for (const char* bad : {"", "-1", "abc", "1.2.3", "12x", ".", "1e", "99999999999999999999",
                          "8000000000"}) {
    EXPECT_FALSE(from_unix_decimal(bad)) << bad;
  }
  EXPECT_EQ(unix_micros(*parse_timestamp_text("2025-10-25 10:16:00Z")), 1761387360000000);
}

TEST(Time, ParsesIso8601Forms) {
  EXPECT_EQ(unix_micros(*parse_iso8601("2025-10-25 10:16:00Z")), 1761387360000000);
  EXPECT_EQ(unix_micros(*parse_iso8601("2025-10-25T10:16:00Z")), 1761387360000000);
  EXPECT_EQ(unix_micros(*parse_iso8601("2025-10-25 10:16:00")), 1761387360000000);
  EXPECT_EQ(unix_micros(*parse_iso8601("2025-10-25T12:16:00+02:00")), 1761387360000000);
  EXPECT_EQ(unix_micros(*parse_iso8601("2025-10-25T12:16:00+0200")), 1761387360000000);
  EXPECT_EQ(unix_micros(*parse_iso8601("2025-10-25T10:16:00.25Z")), 1761387360250000);
  EXPECT_EQ(unix_micros(*parse_iso8601("2025-10-25T10:16:00.1234567Z")), 1761387360123456);
  EXPECT_EQ(unix_micros(*parse_iso8601("2025-10-25T10:16Z")), 1761387360000000);
}

TEST(Time, RejectsMalformedIso8601) {
  for (const char* s : {"", "2025-10-25", "2025-13-01 00:00:00Z", "2025-02-30 00:00:00Z",
                        "2025-10-25 25:00:00Z", "2025-10-25 10:16:00Zjunk", "25-10-25 10:16:00",
                        "2025-10-25 10:16:00.Z", "2025-10-25 10:16:00+99:00"}) {
    EXPECT_FALSE(parse_iso8601(s)) << s;
  }
}

TEST(Time, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(from_unix_micros(1000));
  EXPECT_EQ(unix_micros(clock.now()), 1000);
  clock.advance(Micros{500});
  EXPECT_EQ(unix_micros(clock.now()), 1500);
}

}  // namespace
}  // namespace quflx
