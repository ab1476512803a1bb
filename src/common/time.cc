#include "common/time.h"

#include <cmath>

namespace quflx {
namespace {

constexpr double kMinSeconds = 0.0;               // 1970-01-01
constexpr double kMaxSeconds = 7'258'118'400.0;   // 2200-01-01

bool take_digits(std::string_view& s, int n, int& out) {
  if (static_cast<int>(s.size()) < n) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  s.remove_prefix(static_cast<std::size_t>(n));
  return true;
}

bool take_char(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<UtcMicros> from_unix_seconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < kMinSeconds || seconds >= kMaxSeconds) {
    return std::nullopt;
  }
  return from_unix_micros(static_cast<std::int64_t>(std::llround(seconds * 1e6)));
}

std::optional<UtcMicros> from_unix_auto(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  const double a = std::fabs(value);
  if (a < 1e11) return from_unix_seconds(value);
  if (a < 1e14) return from_unix_seconds(value / 1e3);
  if (a < 1e17) return from_unix_seconds(value / 1e6);
  return std::nullopt;
}

std::optional<UtcMicros> parse_iso8601(std::string_view s) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!take_digits(s, 4, y) || !take_char(s, '-') || !take_digits(s, 2, mo) ||
      !take_char(s, '-') || !take_digits(s, 2, d)) {
    return std::nullopt;
  }
  if (!take_char(s, 'T') && !take_char(s, ' ') && !take_char(s, 't')) return std::nullopt;
  if (!take_digits(s, 2, h) || !take_char(s, ':') || !take_digits(s, 2, mi)) return std::nullopt;
  std::int64_t frac_us = 0;
  if (take_char(s, ':')) {
    if (!take_digits(s, 2, sec)) return std::nullopt;
    if (take_char(s, '.') || take_char(s, ',')) {
      int digits = 0;
      std::int64_t scale = 100'000;
      while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
        if (digits < 6) frac_us += (s.front() - '0') * scale;
        scale /= 10;
        ++digits;
        s.remove_prefix(1);
      }
      if (digits == 0) return std::nullopt;
    }
  }
  int offset_min = 0;
  if (take_char(s, 'Z') || take_char(s, 'z')) {
  } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    const int sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
    int oh = 0, om = 0;
    if (!take_digits(s, 2, oh)) return std::nullopt;
    take_char(s, ':');
    if (!s.empty() && !take_digits(s, 2, om)) return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_min = sign * (oh * 60 + om);
  }
  if (!s.empty()) return std::nullopt;
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  const sys_days days{ymd};
  const auto t = time_point_cast<Micros>(days) + hours{h} + minutes{mi} + seconds{sec} +
                 Micros{frac_us} - minutes{offset_min};
  if (t < UtcMicros{} || t >= from_unix_micros(static_cast<std::int64_t>(kMaxSeconds) * 1'000'000)) {
    return std::nullopt;
  }
  return t;
}

double to_unix_seconds(UtcMicros t) { return static_cast<double>(unix_micros(t)) / 1e6; }

}  // namespace quflx
