#pragma once
// The bar intervals of the product (SPEC §1). Lower case is canonical; upper-case units
// ("1M", "1H") are accepted on input because the original's clients send them.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace quflx {

enum class Timeframe : std::uint8_t { k1s, k5s, k15s, k30s, k1m, k5m, k15m, k30m, k1h, k4h, k1d };

inline constexpr std::size_t kTimeframeCount = 11;
inline constexpr std::array<Timeframe, kTimeframeCount> kAllTimeframes = {
    Timeframe::k1s,  Timeframe::k5s,  Timeframe::k15s, Timeframe::k30s,
    Timeframe::k1m,  Timeframe::k5m,  Timeframe::k15m, Timeframe::k30m,
    Timeframe::k1h,  Timeframe::k4h,  Timeframe::k1d};

constexpr std::int64_t duration_seconds(Timeframe tf) {
  constexpr std::array<std::int64_t, kTimeframeCount> kSeconds = {
      1, 5, 15, 30, 60, 300, 900, 1800, 3600, 14400, 86400};
  return kSeconds[static_cast<std::size_t>(tf)];
}

constexpr std::string_view to_string(Timeframe tf) {
  constexpr std::array<std::string_view, kTimeframeCount> kNames = {
      "1s", "5s", "15s", "30s", "1m", "5m", "15m", "30m", "1h", "4h", "1d"};
  return kNames[static_cast<std::size_t>(tf)];
}

constexpr std::size_t index_of(Timeframe tf) { return static_cast<std::size_t>(tf); }

std::optional<Timeframe> parse_timeframe(std::string_view text);
// parse_timeframe with a client-facing message naming the accepted values.
Result<Timeframe> validate_timeframe(std::string_view text);

}  // namespace quflx
