#include "protocol/market_json.h"

#include "common/json_out.h"

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

}  // namespace quflx
