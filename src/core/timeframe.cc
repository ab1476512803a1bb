#include "core/timeframe.h"

#include <fmt/format.h>

namespace quflx {

std::optional<Timeframe> parse_timeframe(std::string_view text) {
  if (text.size() < 2 || text.size() > 3) return std::nullopt;
  char unit = text.back();
  if (unit >= 'A' && unit <= 'Z') unit = static_cast<char>(unit - 'A' + 'a');
  const std::string_view number = text.substr(0, text.size() - 1);
  for (Timeframe tf : kAllTimeframes) {
    const std::string_view name = to_string(tf);
    if (name.back() == unit && name.substr(0, name.size() - 1) == number) return tf;
  }
  return std::nullopt;
}

Result<Timeframe> validate_timeframe(std::string_view text) {
  if (auto tf = parse_timeframe(text)) return *tf;
  std::string shown;
  for (char c : text.substr(0, 16)) shown.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return make_error(ErrorCode::kInvalidTimeframe,
                    fmt::format("invalid timeframe '{}': expected one of 1s 5s 15s 30s 1m 5m "
                                "15m 30m 1h 4h 1d",
                                shown));
}

}  // namespace quflx
