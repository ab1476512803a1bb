#include "common/json_out.h"

#include <gtest/gtest.h>

namespace quflx {
namespace {

std::string str(std::string_view s) {
  std::string out;
  json_out::append_string(out, s);
  return out;
}

TEST(JsonOut, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(str("EURUSD_otc"), "\"EURUSD_otc\"");
  EXPECT_EQ(str("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(str(std::string_view("x\n\t\x01y", 5)), "\"x\\n\\t\\u0001y\"");
  EXPECT_EQ(str("h\xc3\xa9"), "\"h\xc3\xa9\"");
}

TEST(JsonOut, DoublesRoundTripAndNonFiniteBecomesNull) {
  std::string out;
  json_out::append_double(out, 1.08231);
  out.push_back(' ');
  json_out::append_double(out, 0.1 + 0.2);
  out.push_back(' ');
  json_out::append_double(out, std::numeric_limits<double>::infinity());
  EXPECT_EQ(out, "1.08231 0.30000000000000004 null");
}

TEST(JsonOut, UnixSecondsAreExactWithTrimmedFraction) {
  auto s = [](std::int64_t us) {
    std::string out;
    json_out::append_unix_seconds(out, from_unix_micros(us));
    return out;
  };
  EXPECT_EQ(s(1756869696775000), "1756869696.775");
  EXPECT_EQ(s(1756869696000000), "1756869696");
  EXPECT_EQ(s(1756869696000001), "1756869696.000001");
  EXPECT_EQ(s(-1500000), "-1.5");
}

}  // namespace
TEST(JsonOut, ObjectBuilderWritesFieldsInOrder) {
  const std::string s = json_out::Object()
                            .str("asset", "A\"B")
                            .uint("count", 3)
                            .num("price", 1.5)
                            .boolean("ok", true)
                            .null("none")
                            .raw("list", "[1,2]")
                            .time("timestamp", from_unix_micros(1'500'000))
                            .done();
  EXPECT_EQ(s, R"({"asset":"A\"B","count":3,"price":1.5,"ok":true,"none":null,"list":[1,2],"timestamp":1.5})");
  EXPECT_EQ(json_out::Object().done(), "{}");
}

}  // namespace quflx
