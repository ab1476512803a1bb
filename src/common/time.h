#pragma once
// Time vocabulary. Tick and bar times are UTC instants with microsecond resolution held as
// integers, so bucketing into bars is exact; JSON carries them as seconds with a fraction.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace quflx {

using Micros = std::chrono::microseconds;
using UtcMicros = std::chrono::sys_time<Micros>;

constexpr UtcMicros from_unix_micros(std::int64_t us) { return UtcMicros{Micros{us}}; }
constexpr std::int64_t unix_micros(UtcMicros t) { return t.time_since_epoch().count(); }
constexpr std::int64_t unix_millis(UtcMicros t) {
  // floor, so that a pre-1970 time never rounds towards zero; ticks are never that old anyway
  const std::int64_t us = unix_micros(t);
  return us >= 0 ? us / 1000 : -((-us + 999) / 1000);
}

// Seconds (with fraction) to an instant, rounded to the nearest microsecond. Empty if the value
// is not finite or outside the years 1970..2200.
std::optional<UtcMicros> from_unix_seconds(double seconds);
// Seconds, milliseconds or microseconds since the epoch, told apart by magnitude, as broker
// feeds and CSV files mix them.
std::optional<UtcMicros> from_unix_auto(double value);
// ISO-8601 / RFC 3339 forms: "2025-10-25 10:16:00Z", "2025-10-25T10:16:00.123+02:00",
// "2025-10-25 10:16:00" (taken as UTC).
std::optional<UtcMicros> parse_iso8601(std::string_view text);
// A decimal number as written ("1756869696.775", "1756869696775", "1.7568696967e9"): seconds,
// milliseconds or microseconds told apart by magnitude like from_unix_auto, but exact: the
// digits become microseconds without passing through a double (beyond microseconds the
// fraction is rounded half up). Empty if not a number or not a plausible time.
std::optional<UtcMicros> from_unix_decimal(std::string_view text);
// from_unix_decimal, else parse_iso8601.
std::optional<UtcMicros> parse_timestamp_text(std::string_view text);

double to_unix_seconds(UtcMicros t);

// Source of "now". Injected everywhere time matters so tests can drive it.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual UtcMicros now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UtcMicros now() const override {
    return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
  }
};

// The process's one SystemClock: the default for components that take a `const Clock&`.
const Clock& wall_clock();

class ManualClock final : public Clock {
 public:
  explicit ManualClock(UtcMicros start) : now_(start) {}
  UtcMicros now() const override { return now_; }
  void set(UtcMicros t) { now_ = t; }
  void advance(Micros d) { now_ += d; }

 private:
  UtcMicros now_;
};

}  // namespace quflx
