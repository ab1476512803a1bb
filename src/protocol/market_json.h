#pragma once
// JSON wire forms of ticks and candles, shared by Redis (list entries, pub/sub messages,
// candle cache) and clients. docs/contract.md shows each shape.
//
//   tick:    {"type":"tick","asset":"EURUSD_otc","price":1.08231,"timestamp":1756869696.775,"seq":42}
//   candle:  {"type":"candle","asset":"EURUSD_otc","timeframe":"1m","timestamp":1756869660,
//             "open":1.0823,"high":1.0824,"low":1.0822,"close":1.0823,"volume":12,
//             "closed":false,"seq":42}
//   history: [{"asset":..,"timeframe":..,"timestamp":..,"open":..,"high":..,"low":..,
//             "close":..,"volume":..,"closed":true}, ...]   (oldest first)

#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/candle.h"
#include "core/tick.h"

namespace quflx {

// A tick read back from its wire form (a `ticks:{A}` entry or an `updates:{A}` message).
struct TickRecord {
  std::string asset;
  double price = 0.0;
  UtcMicros time{};
  std::uint64_t seq = 0;
};

// Parses the tick JSON above. Empty if `text` is not a tick with a valid asset name, a finite
// price, a plausible timestamp and a seq >= 1.
std::optional<TickRecord> parse_tick_json(std::string_view text);

// A candle update read back from its wire form (an `updates:{A}` message).
struct CandleUpdateRecord {
  std::string asset;
  Timeframe timeframe = Timeframe::k1s;
  Candle candle;  // last_seq = the message's seq
};
std::optional<CandleUpdateRecord> parse_candle_update_json(std::string_view text);

void append_tick_json(std::string& out, std::string_view asset, const SequencedTick& tick);
// A live candle update: the bar's state after the tick with `candle.last_seq`.
void append_candle_update_json(std::string& out, std::string_view asset, Timeframe tf,
                               const Candle& candle);
// A candle as stored in the history cache (no type, no seq).
void append_candle_json(std::string& out, std::string_view asset, Timeframe tf,
                        const Candle& candle);
// `candles` as a JSON array of cache elements, in the order given.
void append_candles_json(std::string& out, std::string_view asset, Timeframe tf,
                         std::span<const Candle> candles);

}  // namespace quflx
