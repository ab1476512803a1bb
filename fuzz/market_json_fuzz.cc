// Tick JSON (ticks:{A} entries, updates:{A} messages) and candle arrays (the candle cache,
// candles sent by clients): untrusted text that comes back from Redis or from the network.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/check.h"
#include "protocol/candle_input.h"
#include "protocol/market_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto t = quflx::parse_tick_json(text)) {
    // Whatever parses re-encodes to a tick that parses to the same values.
    std::string again;
    quflx::append_tick_json(again, t->asset, quflx::SequencedTick{0, t->price, t->time, t->seq});
    auto back = quflx::parse_tick_json(again);
    // Times far from now lose a microsecond to double precision; anything more is a bug.
    QUFLX_CHECK(back && back->seq == t->seq && back->asset == t->asset &&
                    std::abs(quflx::unix_micros(back->time) - quflx::unix_micros(t->time)) <= 1,
                "tick round trip");
  }
  if (auto c = quflx::parse_candle_update_json(text)) {
    QUFLX_CHECK(c->candle.low <= c->candle.high, "candle update with low above high");
  }
  const auto tf = size > 0 ? quflx::kAllTimeframes[data[0] % quflx::kTimeframeCount]
                           : quflx::Timeframe::k1m;
  if (auto candles = quflx::parse_candle_array_text(text, tf); candles.ok()) {
    for (std::size_t i = 0; i < candles->size(); ++i) {
      const auto& c = (*candles)[i];
      QUFLX_CHECK(c.low <= c.open && c.open <= c.high && c.low <= c.close && c.close <= c.high,
                  "accepted candle with inconsistent prices");
      QUFLX_CHECK(c.open_time_s % quflx::duration_seconds(tf) == 0, "unaligned candle accepted");
      QUFLX_CHECK(i == 0 || (*candles)[i - 1].open_time_s < c.open_time_s, "not sorted");
    }
    std::string json;
    quflx::append_candles_json(json, "A", tf, *candles);
    auto back = quflx::parse_candle_array_text(json, tf);
    QUFLX_CHECK(back.ok() && back->size() == candles->size(), "candle array round trip");
  }
  return 0;
}
