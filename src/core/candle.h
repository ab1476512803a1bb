#pragma once

#include <cstdint>

#include "common/time.h"
#include "core/asset.h"
#include "core/timeframe.h"

namespace quflx {

// One bar. `open_time_s` is the bar's open time in whole Unix seconds, aligned to the
// timeframe. `volume` counts ticks. The first/last tick times decide which tick sets open and
// close when ticks arrive out of order within the bar.
struct Candle {
  std::int64_t open_time_s = 0;
  double open = 0.0;
  double high = 0.0;
  double low = 0.0;
  double close = 0.0;
  std::uint64_t volume = 0;
  bool closed = false;
  UtcMicros first_tick{};
  UtcMicros last_tick{};
  std::uint64_t last_seq = 0;  // seq of the most recent tick folded in (0: none, e.g. imported)

  friend bool operator==(const Candle&, const Candle&) = default;
};

// How a bar changed, for publishing. kAmended: a late tick changed an already closed bar.
enum class CandleChange : std::uint8_t { kForming, kClosed, kAmended };

struct CandleUpdate {
  AssetId asset = 0;
  Timeframe timeframe = Timeframe::k1s;
  CandleChange change = CandleChange::kForming;
  Candle candle;
};

}  // namespace quflx
