#pragma once
// Appending JSON fragments to a std::string without intermediate objects. Used on the hot
// path (tick and candle encoding), where a DOM would cost an allocation per field.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/time.h"

namespace quflx::json_out {

// Appends `s` as a quoted JSON string, escaping quotes, backslashes and control characters.
// Bytes >= 0x80 are copied unchanged, so valid UTF-8 stays valid.
void append_string(std::string& out, std::string_view s);

inline void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

inline void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Shortest text that reads back as the same double; `null` for NaN and infinities.
inline void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out.append("null");
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Unix seconds with up to six decimals, trailing zeros trimmed: exact, no float rounding.
void append_unix_seconds(std::string& out, UtcMicros t);

}  // namespace quflx::json_out
