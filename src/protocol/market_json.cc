#include "protocol/market_json.h"

#include <boost/json.hpp>
#include <cmath>

#include "common/json_out.h"
#include "protocol/candle_input.h"

namespace quflx {
namespace {

void append_candle_fields(std::string& out, std::string_view asset, Timeframe tf,
                          const Candle& c) {
  out.append("\"asset\":");
  json_out::append_string(out, asset);
  out.append(",\"timeframe\":\"");
  out.append(to_string(tf));
  out.append("\",\"timestamp\":");
  json_out::append_int(out, c.open_time_s);
  out.append(",\"open\":");
  json_out::append_double(out, c.open);
  out.append(",\"high\":");
  json_out::append_double(out, c.high);
  out.append(",\"low\":");
  json_out::append_double(out, c.low);
  out.append(",\"close\":");
  json_out::append_double(out, c.close);
  out.append(",\"volume\":");
  json_out::append_uint(out, c.volume);
  out.append(c.closed ? ",\"closed\":true" : ",\"closed\":false");
}

}  // namespace

namespace {

namespace json = boost::json;

// The JSON object of an updates:{A} message and its valid "asset", or nothing.
std::optional<std::pair<json::value, std::string>> object_with_asset(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* asset = v.get_object().if_contains("asset");
  if (!asset || !asset->is_string() || !is_valid_asset_name(asset->get_string())) {
    return std::nullopt;
  }
  std::string name(asset->get_string());
  return std::make_pair(std::move(v), std::move(name));
}

std::optional<double> number(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return std::nullopt;
}

// A seq >= 1, or 0.
std::uint64_t seq_of(const json::value* v) {
  if (v && v->is_uint64()) return v->get_uint64();
  if (v && v->is_int64() && v->get_int64() > 0) return static_cast<std::uint64_t>(v->get_int64());
  return 0;
}

}  // namespace

std::optional<TickRecord> parse_tick_json(std::string_view text) {
  auto parsed = object_with_asset(text);
  if (!parsed) return std::nullopt;
  const auto& o = parsed->first.get_object();
  const auto price = number(o.if_contains("price"));
  const auto ts = number(o.if_contains("timestamp"));
  if (!price || !std::isfinite(*price) || !ts) return std::nullopt;
  const auto time = from_unix_seconds(*ts);
  const auto seq = seq_of(o.if_contains("seq"));
  if (!time || seq == 0) return std::nullopt;
  return TickRecord{std::move(parsed->second), *price, *time, seq};
}

std::optional<CandleUpdateRecord> parse_candle_update_json(std::string_view text) {
  auto parsed = object_with_asset(text);
  if (!parsed) return std::nullopt;
  const auto& o = parsed->first.get_object();
  const auto* tf = o.if_contains("timeframe");
  if (!tf || !tf->is_string()) return std::nullopt;
  const auto timeframe = parse_timeframe(tf->get_string());
  if (!timeframe) return std::nullopt;
  auto candle = parse_candle(o, *timeframe);
  if (!candle.ok()) return std::nullopt;
  CandleUpdateRecord r{std::move(parsed->second), *timeframe, *candle};
  const auto* closed = o.if_contains("closed");
  r.candle.closed = closed && closed->is_bool() && closed->get_bool();
  r.candle.last_seq = seq_of(o.if_contains("seq"));
  return r;
}

void append_tick_json(std::string& out, std::string_view asset, const SequencedTick& tick) {
  out.append("{\"type\":\"tick\",\"asset\":");
  json_out::append_string(out, asset);
  out.append(",\"price\":");
  json_out::append_double(out, tick.price);
  out.append(",\"timestamp\":");
  json_out::append_unix_seconds(out, tick.time);
  out.append(",\"seq\":");
  json_out::append_uint(out, tick.seq);
  out.push_back('}');
}

void append_candle_update_json(std::string& out, std::string_view asset, Timeframe tf,
                               const Candle& candle) {
  out.append("{\"type\":\"candle\",");
  append_candle_fields(out, asset, tf, candle);
  out.append(",\"seq\":");
  json_out::append_uint(out, candle.last_seq);
  out.push_back('}');
}

void append_candle_json(std::string& out, std::string_view asset, Timeframe tf,
                        const Candle& candle) {
  out.push_back('{');
  append_candle_fields(out, asset, tf, candle);
  out.push_back('}');
}

void append_candles_json(std::string& out, std::string_view asset, Timeframe tf,
                         std::span<const Candle> candles) {
  out.push_back('[');
  for (std::size_t i = 0; i < candles.size(); ++i) {
    if (i != 0) out.push_back(',');
    append_candle_json(out, asset, tf, candles[i]);
  }
  out.push_back(']');
}

}  // namespace quflx
