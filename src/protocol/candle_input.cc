#include "protocol/candle_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace quflx {
namespace json = boost::json;

namespace {

Error bad(std::string message) { return make_error(ErrorCode::kBadPayload, std::move(message)); }

std::optional<double> number_of(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::nullopt;
}

Result<double> price_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v) return bad(fmt::format("missing '{}'", name));
  const auto d = number_of(*v);
  if (!d) return bad(fmt::format("'{}' must be a number", name));
  if (!std::isfinite(*d) || *d <= 0) return bad(fmt::format("'{}' must be finite and > 0", name));
  return *d;
}

Result<std::int64_t> open_time(const json::object& o, Timeframe tf) {
  const json::value* v = o.if_contains("timestamp");
  if (!v) v = o.if_contains("time");
  if (!v) return bad("missing 'timestamp'");
  std::optional<UtcMicros> t;
  if (const auto d = number_of(*v)) {
    t = from_unix_auto(*d);
  } else if (v->is_string()) {
    t = parse_iso8601(v->get_string());
  } else {
    return bad("'timestamp' must be a number (Unix time) or an ISO-8601 string");
  }
  if (!t) return bad("'timestamp' is not a time between 1970 and 2200");
  const std::int64_t us = unix_micros(*t);
  const std::int64_t step_us = duration_seconds(tf) * 1'000'000;
  if (us % step_us != 0) {
    return bad(fmt::format("'timestamp' is not the open time of a {} bar", to_string(tf)));
  }
  return us / 1'000'000;
}

}  // namespace

Result<Candle> parse_candle(const json::object& o, Timeframe tf) {
  Candle c;
  auto t = open_time(o, tf);
  if (!t.ok()) return t.error();
  c.open_time_s = *t;
  double* fields[] = {&c.open, &c.high, &c.low, &c.close};
  const std::string_view names[] = {"open", "high", "low", "close"};
  for (std::size_t i = 0; i < 4; ++i) {
    auto p = price_field(o, names[i]);
    if (!p.ok()) return p.error();
    *fields[i] = *p;
  }
  if (c.low > c.high || c.open > c.high || c.close > c.high || c.open < c.low ||
      c.close < c.low) {
    return bad("prices must satisfy low <= open, close <= high");
  }
  if (const auto* v = o.if_contains("volume"); v && !v->is_null()) {
    const auto d = number_of(*v);
    if (!d || !std::isfinite(*d) || *d < 0 || *d != std::floor(*d) || *d > 9e15) {
      return bad("'volume' must be a whole number >= 0");
    }
    c.volume = static_cast<std::uint64_t>(*d);
  }
  c.closed = true;
  return c;
}

Result<std::vector<Candle>> parse_candle_array(const json::value& value, Timeframe tf) {
  const auto* arr = value.if_array();
  if (!arr) return bad("candles must be an array");
  if (arr->size() > kMaxInputCandles) {
    return make_error(ErrorCode::kPayloadTooLarge,
                      fmt::format("more than {} candles", kMaxInputCandles));
  }
  std::vector<Candle> out;
  out.reserve(arr->size());
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto* o = (*arr)[i].if_object();
    if (!o) return bad(fmt::format("candle {} is not an object", i));
    auto c = parse_candle(*o, tf);
    if (!c.ok()) return bad(fmt::format("candle {}: {}", i, c.error().message));
    out.push_back(*c);
  }
  // Oldest first, one per open time: the later element of the input wins.
  std::stable_sort(out.begin(), out.end(),
                   [](const Candle& a, const Candle& b) { return a.open_time_s < b.open_time_s; });
  std::vector<Candle> unique;
  unique.reserve(out.size());
  for (const auto& c : out) {
    if (!unique.empty() && unique.back().open_time_s == c.open_time_s) {
      unique.back() = c;
    } else {
      unique.push_back(c);
    }
  }
  return unique;
}

Result<std::vector<Candle>> parse_candle_array_text(std::string_view text, Timeframe tf) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec) return make_error(ErrorCode::kBadJson, "not valid JSON: " + ec.message());
  return parse_candle_array(v, tf);
}

}  // namespace quflx
