#pragma once
// Candles read from JSON: the candle cache (`historical:{A}:{TF}`, written by us or by anyone
// with access to Redis) and candles that clients send (`cache_historical_data`,
// `store_csv_candles`). Both are untrusted text, so every field is checked and the message of
// a rejection names the offending candle and field.
//
// A candle object: {"timestamp"|"time": T, "open", "high", "low", "close", "volume"?, ...}.
// T is Unix seconds, milliseconds or microseconds (told apart by magnitude) or an ISO-8601
// string, and must be the open time of a bar of the timeframe (aligned in UTC). Prices are
// finite and > 0 with low <= open, close <= high; volume, if present, a whole number >= 0.
// Other fields (asset, timeframe, closed, seq) are ignored: the caller says what the candles
// belong to.

#include <string_view>
#include <vector>

#include "common/result.h"
#include "core/candle.h"

namespace boost::json {
class value;
class object;
}  // namespace boost::json

namespace quflx {

// Candles accepted in one request or cache entry at most; far above the 200 a chart loads, far
// below what would make a reply unreasonably large.
inline constexpr std::size_t kMaxInputCandles = 100'000;

Result<Candle> parse_candle(const boost::json::object& object, Timeframe tf);

// A JSON array of candle objects. The result is sorted oldest first with one candle per open
// time (the later element wins), every candle marked closed.
Result<std::vector<Candle>> parse_candle_array(const boost::json::value& value, Timeframe tf);

// The same from JSON text (a cache entry).
Result<std::vector<Candle>> parse_candle_array_text(std::string_view text, Timeframe tf);

}  // namespace quflx
