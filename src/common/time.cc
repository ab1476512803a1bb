#include "common/time.h"

#include <charconv>
#include <cmath>
#include <system_error>

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

std::optional<UtcMicros> from_unix_decimal(std::string_view s) {
  const std::string_view text = s;
  if (s.empty() || s.front() == '-') return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  // Integer digits, then an optional fraction; an exponent goes the double way.
  std::int64_t whole = 0;
  int whole_digits = 0;
  while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
    if (whole_digits >= 17) return std::nullopt;  // beyond microseconds in 2200
    whole = whole * 10 + (s.front() - '0');
    ++whole_digits;
    s.remove_prefix(1);
  }
  std::string_view frac;
  if (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    frac = s.substr(0, n);
    s.remove_prefix(n);
    if (frac.empty() && whole_digits == 0) return std::nullopt;
  } else if (whole_digits == 0) {
    return std::nullopt;
  }
  if (!s.empty()) {
    if (s.front() != 'e' && s.front() != 'E') return std::nullopt;
    double v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
    return from_unix_auto(v);
  }
  // Unit by magnitude, as from_unix_auto: seconds below 1e11, milliseconds below 1e14.
  int frac_places = 6;
  std::int64_t scale = 1'000'000;
  if (whole >= 100'000'000'000'000) {
    frac_places = 0;
    scale = 1;
  } else if (whole >= 100'000'000'000) {
    frac_places = 3;
    scale = 1'000;
  }
  std::int64_t f = 0;
  for (int i = 0; i < frac_places; ++i) {
    f = f * 10 + (static_cast<std::size_t>(i) < frac.size() ? frac[static_cast<std::size_t>(i)] - '0' : 0);
  }
  if (frac.size() > static_cast<std::size_t>(frac_places) && frac[static_cast<std::size_t>(frac_places)] >= '5') ++f;
  const std::int64_t us = whole * scale + f;
  if (us >= static_cast<std::int64_t>(kMaxSeconds) * 1'000'000) return std::nullopt;
  return from_unix_micros(us);
}

std::optional<UtcMicros> parse_timestamp_text(std::string_view text) {
  if (auto t = from_unix_decimal(text)) return t;
  return parse_iso8601(text);
}

const Clock& wall_clock() {
  static const SystemClock clock;
  return clock;
}

double to_unix_seconds(UtcMicros t) { return static_cast<double>(unix_micros(t)) / 1e6; }

}  // namespace quflx
