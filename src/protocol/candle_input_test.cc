#include "protocol/candle_input.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace quflx {
namespace {

Result<std::vector<Candle>> parse(std::string_view text, Timeframe tf = Timeframe::k1m) {
  return parse_candle_array_text(text, tf);
}

TEST(CandleInput, AcceptsSecondsMillisecondsAndIsoTimesSortedOldestFirst) {
  auto r = parse(R"([
    {"timestamp":1761350520,"open":1.2,"high":1.3,"low":1.1,"close":1.25,"volume":4},
    {"time":1761350400000,"open":1,"high":2,"low":0.5,"close":1.5},
    {"timestamp":"2025-10-25T00:01:00Z","open":1.5,"high":1.5,"low":1.5,"close":1.5}])");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].open_time_s, 1761350400);
  EXPECT_EQ((*r)[1].open_time_s, 1761350460);
  EXPECT_EQ((*r)[2].open_time_s, 1761350520);
  EXPECT_EQ((*r)[2].volume, 4u);
  EXPECT_EQ((*r)[0].volume, 0u);
  for (const auto& c : *r) EXPECT_TRUE(c.closed);
}

TEST(CandleInput, LaterDuplicateOfAnOpenTimeWins) {
  auto r = parse(R"([{"timestamp":1761350400,"open":1,"high":1,"low":1,"close":1},
                     {"timestamp":1761350400,"open":2,"high":2,"low":2,"close":2}])");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].close, 2);
}

TEST(CandleInput, RejectionsNameTheCandleAndTheField) {
  struct Case {
    const char* json;
    ErrorCode code;
    const char* says;
  } cases[] = {
      {R"({"a":1})", ErrorCode::kBadPayload, "must be an array"},
      {R"([1])", ErrorCode::kBadPayload, "candle 0 is not an object"},
      {R"([{"open":1,"high":1,"low":1,"close":1}])", ErrorCode::kBadPayload, "missing 'timestamp'"},
      {R"([{"timestamp":1761350401,"open":1,"high":1,"low":1,"close":1}])", ErrorCode::kBadPayload,
       "not the open time of a 1m bar"},
      {R"([{"timestamp":true,"open":1,"high":1,"low":1,"close":1}])", ErrorCode::kBadPayload,
       "must be a number"},
      {R"([{"timestamp":1761350400,"open":"1","high":1,"low":1,"close":1}])",
       ErrorCode::kBadPayload, "'open' must be a number"},
      {R"([{"timestamp":1761350400,"open":-1,"high":1,"low":1,"close":1}])",
       ErrorCode::kBadPayload, "'open' must be finite and > 0"},
      {R"([{"timestamp":1761350400,"open":1,"high":1,"low":2,"close":1}])",
       ErrorCode::kBadPayload, "low <= open, close <= high"},
      {R"([{"timestamp":1761350400,"open":1,"high":1,"low":1,"close":1,"volume":1.5}])",
       ErrorCode::kBadPayload, "'volume' must be a whole number"},
      {R"([{"timestamp":-5,"open":1,"high":1,"low":1,"close":1}])", ErrorCode::kBadPayload,
       "between 1970 and 2200"},
      {R"([{"timestamp":1761350400,"open":1,"high":1,"low":1,"close":1},{"timestamp":"x"}])",
       ErrorCode::kBadPayload, "candle 1:"},
      {R"([{"timestamp":1761350400,)", ErrorCode::kBadJson, "not valid JSON"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().code, c.code) << c.json;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos)
        << c.json << " -> " << r.error().message;
  }
}

TEST(CandleInput, DayBarsAlignToMidnightUtc) {
  EXPECT_TRUE(parse(R"([{"timestamp":1761350400,"open":1,"high":1,"low":1,"close":1}])",
                    Timeframe::k1d)
                  .ok());
  EXPECT_FALSE(parse(R"([{"timestamp":1761354000,"open":1,"high":1,"low":1,"close":1}])",
                     Timeframe::k1d)
                   .ok());
}

}  // namespace
}  // namespace quflx
