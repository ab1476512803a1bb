#include "protocol/feed_frames.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "protocol/json_cursor.h"

namespace quflx {
namespace json = boost::json;

std::string_view to_string(FrameFault fault) {
  switch (fault) {
#define QUFLX_X(name, str) \
  case FrameFault::name:   \
    return str;
    QUFLX_FRAME_FAULTS(QUFLX_X)
#undef QUFLX_X
  }
  return "unknown";
}

namespace {

// A detail for logs: the start of the offending text, never the whole of a large payload.
std::string excerpt(std::string_view s) {
  constexpr std::size_t kMax = 120;
  if (s.size() <= kMax) return std::string(s);
  return fmt::format("{}... ({} bytes)", s.substr(0, kMax), s.size());
}

bool read_asset(JsonCursor& c, TickScratch& scratch, std::string_view& asset) {
  std::string tmp;
  if (!c.string(asset, tmp)) return false;
  if (!tmp.empty() && asset.data() == tmp.data()) {
    scratch.unescaped.push_back(std::move(tmp));
    asset = scratch.unescaped.back();
  }
  return true;
}

bool read_time(JsonCursor& c, UtcMicros& out) {
  std::string_view text;
  if (c.peek() == '"') {
    std::string tmp;
    if (!c.string(text, tmp)) return false;
    auto t = parse_timestamp_text(text);
    if (!t) return false;
    out = *t;
    return true;
  }
  if (!c.number_text(text)) return false;
  auto t = from_unix_decimal(text);
  if (!t) return false;
  out = *t;
  return true;
}

// ["ASSET", time, price]
bool stream_tick(JsonCursor& c, TickScratch& scratch) {
  RawTick t;
  if (!c.consume('[') || !read_asset(c, scratch, t.asset) || !c.consume(',') ||
      !read_time(c, t.time) || !c.consume(',') || !c.number(t.price) || !c.consume(']')) {
    return false;
  }
  scratch.ticks.push_back(t);
  return true;
}

// {"asset":..,"price":..,"timestamp":..}; other keys are ignored.
bool object_tick(JsonCursor& c, TickScratch& scratch) {
  if (!c.consume('{')) return false;
  RawTick t;
  bool has_asset = false, has_price = false, has_time = false;
  if (!c.consume('}')) {
    std::string key_scratch;
    for (;;) {
      std::string_view key;
      if (!c.string(key, key_scratch) || !c.consume(':')) return false;
      if (key == "asset") {
        if (!read_asset(c, scratch, t.asset)) return false;
        has_asset = true;
      } else if (key == "price") {
        if (!c.number(t.price)) return false;
        has_price = true;
      } else if (key == "timestamp") {
        if (!read_time(c, t.time)) return false;
        has_time = true;
      } else if (!c.skip_value()) {
        return false;
      }
      if (c.consume(',')) continue;
      if (!c.consume('}')) return false;
      break;
    }
  }
  if (!has_asset || !has_price || !has_time) return false;
  scratch.ticks.push_back(t);
  return true;
}

// Runs `one` over a single element or every element of an array. An element that fails is
// reported and skipped (the cursor moves past it if it is at least well-formed JSON); a
// syntax error that cannot be stepped over ends the payload, keeping what came before.
template <class One>
void decode_elements(std::string_view json_text, TickScratch& scratch, FrameSink& sink,
                     char element_open, One&& one) {
  scratch.clear();
  JsonCursor c(json_text);
  auto element = [&]() {
    const std::size_t start = c.position();
    if (one(c, scratch)) return true;
    c.seek(start);
    std::string_view raw;
    if (!c.skip_value(&raw)) return false;
    sink.on_fault(FrameFault::kBadTick, excerpt(raw));
    return true;
  };
  bool ok = false;
  if (c.peek() == '[') {
    // An array of elements, unless it is itself one element (["A",t,p]).
    JsonCursor probe(json_text);
    probe.consume('[');
    if (element_open == '[' && probe.peek() == '"') {
      ok = element() && c.at_end();
    } else {
      ok = c.array(element) && c.at_end();
    }
  } else if (c.peek() == element_open) {
    ok = element() && c.at_end();
  } else if (c.peek() != '\0' && c.skip_value() && c.at_end()) {
    sink.on_fault(FrameFault::kBadTick, excerpt(json_text));
    ok = true;
  }
  if (!ok) sink.on_fault(FrameFault::kBadJson, excerpt(json_text));
  if (!scratch.ticks.empty()) sink.on_ticks(scratch.ticks);
}

std::optional<double> as_number(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::nullopt;
}

const json::value* field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

std::optional<std::int64_t> whole_seconds(const json::value& v) {
  auto d = as_number(v);
  if (!d || !std::isfinite(*d)) return std::nullopt;
  auto t = from_unix_auto(*d);
  if (!t) return std::nullopt;
  return unix_micros(*t) / 1'000'000;
}

bool bar_from_array(const json::value& v, HistoryBar& bar) {  // [t, open, close, high, low]
  const auto* a = v.if_array();
  if (!a || a->size() < 5) return false;
  auto t = whole_seconds((*a)[0]);
  auto o = as_number((*a)[1]), cl = as_number((*a)[2]), h = as_number((*a)[3]),
       l = as_number((*a)[4]);
  if (!t || !o || !cl || !h || !l) return false;
  bar = HistoryBar{*t, *o, *h, *l, *cl};
  return true;
}

bool bar_from_object(const json::value& v, HistoryBar& bar) {  // {time, open, close, high, low}
  const auto* o = v.if_object();
  if (!o) return false;
  const json::value* t = field(*o, "time");
  if (!t) t = field(*o, "timestamp");
  const json::value *op = field(*o, "open"), *cl = field(*o, "close"), *h = field(*o, "high"),
                    *l = field(*o, "low");
  if (!t || !op || !cl || !h || !l) return false;
  auto ts = whole_seconds(*t);
  auto a = as_number(*op), b = as_number(*cl), c = as_number(*h), d = as_number(*l);
  if (!ts || !a || !b || !c || !d) return false;
  bar = HistoryBar{*ts, *a, *c, *d, *b};
  return true;
}

bool point_from_array(const json::value& v, HistoryPoint& p) {  // [t, price]
  const auto* a = v.if_array();
  if (!a || a->size() < 2) return false;
  auto t = as_number((*a)[0]);
  auto price = as_number((*a)[1]);
  if (!t || !price) return false;
  auto time = from_unix_auto(*t);
  if (!time) return false;
  p = HistoryPoint{*time, *price};
  return true;
}

}  // namespace

void decode_stream_ticks(std::string_view json_text, TickScratch& scratch, FrameSink& sink) {
  decode_elements(json_text, scratch, sink, '[', stream_tick);
}

void decode_json_ticks(std::string_view json_text, TickScratch& scratch, FrameSink& sink) {
  decode_elements(json_text, scratch, sink, '{', object_tick);
}

void decode_history(std::string_view event, std::string_view json_text, FrameSink& sink) {
  boost::system::error_code ec;
  json::value root = json::parse(json_text, ec);
  if (ec) {
    sink.on_fault(FrameFault::kBadJson, fmt::format("{}: {}", event, excerpt(json_text)));
    return;
  }
  const auto* o = root.if_object();
  if (!o) {
    sink.on_fault(FrameFault::kBadHistory, fmt::format("{}: not an object", event));
    return;
  }
  HistoryPayload h;
  h.event = event;
  std::string asset_storage;
  if (const auto* a = field(*o, "asset"); a && a->is_string()) {
    asset_storage = std::string(a->get_string());
  }
  if (const auto* p = field(*o, "period")) {
    if (auto d = as_number(*p); d && *d >= 1 && *d <= 86400 * 31 && std::floor(*d) == *d) {
      h.period_s = static_cast<std::int64_t>(*d);
    }
  }
  std::size_t bad = 0;
  if (const auto* c = field(*o, "candles"); c && c->is_array()) {
    for (const auto& v : c->get_array()) {
      HistoryBar b;
      if (bar_from_array(v, b)) h.candles.push_back(b); else ++bad;
    }
  }
  if (const auto* d = field(*o, "data"); d && d->is_array()) {
    for (const auto& v : d->get_array()) {
      HistoryBar b;
      if (bar_from_object(v, b)) {
        h.candles.push_back(b);
        if (asset_storage.empty()) {
          if (const auto* a = field(v.get_object(), "asset"); a && a->is_string()) {
            asset_storage = std::string(a->get_string());
          }
        }
      } else {
        ++bad;
      }
    }
  }
  if (const auto* t = field(*o, "history"); t && t->is_array()) {
    for (const auto& v : t->get_array()) {
      HistoryPoint p;
      if (point_from_array(v, p)) h.ticks.push_back(p); else ++bad;
    }
  }
  if (asset_storage.empty() || h.period_s == 0) {
    sink.on_fault(FrameFault::kBadHistory,
                  fmt::format("{}: needs \"asset\" and a whole \"period\" in seconds: {}", event,
                              excerpt(json_text)));
    return;
  }
  if (bad > 0) {
    sink.on_fault(FrameFault::kBadHistory,
                  fmt::format("{} {}: {} malformed elements skipped", event, asset_storage, bad));
  }
  // Brokers send newest first; the pipeline wants time order.
  std::stable_sort(h.candles.begin(), h.candles.end(),
                   [](const HistoryBar& a, const HistoryBar& b) { return a.open_time_s < b.open_time_s; });
  std::stable_sort(h.ticks.begin(), h.ticks.end(),
                   [](const HistoryPoint& a, const HistoryPoint& b) { return a.time < b.time; });
  h.asset = asset_storage;
  sink.on_history(h);
}

void decode_update_charts(std::string_view json_text, FrameSink& sink) {
  boost::system::error_code ec;
  json::value root = json::parse(json_text, ec);
  if (ec) {
    sink.on_fault(FrameFault::kBadJson, "updateCharts: " + excerpt(json_text));
    return;
  }
  std::string symbol;
  auto from_chart = [&](const json::value& chart) {
    const auto* o = chart.if_object();
    if (!o) return;
    const json::value* settings = field(*o, "settings");
    json::value parsed;
    if (settings && settings->is_string()) {
      boost::system::error_code ec2;
      parsed = json::parse(settings->get_string(), ec2);
      settings = ec2 ? nullptr : &parsed;
    }
    const json::object* where = settings && settings->is_object() ? &settings->get_object() : o;
    for (const char* key : {"symbol", "asset"}) {
      if (const auto* s = field(*where, key); s && s->is_string() && !s->get_string().empty()) {
        symbol = std::string(s->get_string());
        return;
      }
    }
  };
  if (const auto* a = root.if_array()) {
    for (const auto& chart : *a) from_chart(chart);
  } else {
    from_chart(root);
  }
  if (symbol.empty()) {
    sink.on_fault(FrameFault::kBadChart, "updateCharts without a symbol: " + excerpt(json_text));
    return;
  }
  sink.on_active_asset(symbol);
}

}  // namespace quflx
