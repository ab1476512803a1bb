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

std::optional<TickRecord> parse_tick_json(std::string_view text) {
  namespace json = boost::json;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  const auto* asset = o.if_contains("asset");
  const auto* price = o.if_contains("price");
  const auto* ts = o.if_contains("timestamp");
  const auto* seq = o.if_contains("seq");
  if (!asset || !asset->is_string() || !price || !ts || !seq) return std::nullopt;
  if (!is_valid_asset_name(asset->get_string())) return std::nullopt;
  TickRecord t;
  t.asset = std::string(asset->get_string());
  if (price->is_double()) {
    t.price = price->get_double();
  } else if (price->is_int64()) {
    t.price = static_cast<double>(price->get_int64());
  } else if (price->is_uint64()) {
    t.price = static_cast<double>(price->get_uint64());
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(t.price)) return std::nullopt;
  std::optional<UtcMicros> time;
  if (ts->is_double()) time = from_unix_seconds(ts->get_double());
  if (ts->is_int64()) time = from_unix_seconds(static_cast<double>(ts->get_int64()));
  if (ts->is_uint64()) time = from_unix_seconds(static_cast<double>(ts->get_uint64()));
  if (!time) return std::nullopt;
  t.time = *time;
  if (seq->is_uint64()) {
    t.seq = seq->get_uint64();
  } else if (seq->is_int64() && seq->get_int64() > 0) {
    t.seq = static_cast<std::uint64_t>(seq->get_int64());
  }
  if (t.seq == 0) return std::nullopt;
  return t;
}

std::optional<CandleUpdateRecord> parse_candle_update_json(std::string_view text) {
  namespace json = boost::json;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  const auto* asset = o.if_contains("asset");
  const auto* tf = o.if_contains("timeframe");
  const auto* seq = o.if_contains("seq");
  const auto* closed = o.if_contains("closed");
  if (!asset || !asset->is_string() || !is_valid_asset_name(asset->get_string())) return std::nullopt;
  if (!tf || !tf->is_string()) return std::nullopt;
  const auto timeframe = parse_timeframe(tf->get_string());
  if (!timeframe) return std::nullopt;
  auto candle = parse_candle(o, *timeframe);
  if (!candle.ok()) return std::nullopt;
  CandleUpdateRecord r;
  r.asset = std::string(asset->get_string());
  r.timeframe = *timeframe;
  r.candle = *candle;
  r.candle.closed = closed && closed->is_bool() && closed->get_bool();
  if (seq && seq->is_uint64()) r.candle.last_seq = seq->get_uint64();
  if (seq && seq->is_int64() && seq->get_int64() > 0) {
    r.candle.last_seq = static_cast<std::uint64_t>(seq->get_int64());
  }
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

void append_history_json(std::string& out, std::string_view asset, Timeframe tf,
                         const std::deque<Candle>& closed, std::size_t max_count) {
  const std::size_t n = std::min(max_count, closed.size());
  out.push_back('[');
  for (std::size_t i = closed.size() - n; i < closed.size(); ++i) {
    if (i != closed.size() - n) out.push_back(',');
    append_candle_json(out, asset, tf, closed[i]);
  }
  out.push_back(']');
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
