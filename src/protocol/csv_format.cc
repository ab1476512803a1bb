#include "protocol/csv_format.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

#include "common/text.h"

namespace quflx {
namespace {

constexpr std::size_t kMaxColumns = 32;

Error bad(std::string message) { return make_error(ErrorCode::kBadPayload, std::move(message)); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// Splits into at most kMaxColumns fields; returns the count, or kMaxColumns + 1 if more.
std::size_t split(std::string_view line, std::array<std::string_view, kMaxColumns>& out) {
  std::size_t n = 0;
  for (;;) {
    const auto comma = line.find(',');
    if (n == kMaxColumns) return kMaxColumns + 1;
    out[n++] = trim(line.substr(0, comma));
    if (comma == std::string_view::npos) return n;
    line.remove_prefix(comma + 1);
  }
}

Result<double> number_field(std::string_view text, const char* column) {
  double v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || !std::isfinite(v)) {
    return bad(fmt::format("{}: not a number: '{}'", column, text));
  }
  return v;
}

Result<UtcMicros> time_field(std::string_view text) {
  if (auto t = parse_timestamp_text(text)) return *t;
  return bad(fmt::format(
      "timestamp: '{}' is neither Unix seconds/milliseconds nor ISO-8601 (2025-10-25 10:16:00Z)",
      text));
}

Result<std::size_t> fields(const CsvLayout& layout, std::string_view line,
                           std::array<std::string_view, kMaxColumns>& f) {
  const std::size_t n = split(line, f);
  if (n != layout.columns) {
    return bad(fmt::format("expected {} columns, found {}", layout.columns,
                           n > kMaxColumns ? fmt::format("more than {}", kMaxColumns) : std::to_string(n)));
  }
  return n;
}

}  // namespace

Result<CsvLayout> parse_csv_header(std::string_view line) {
  if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 byte order mark
  std::array<std::string_view, kMaxColumns> f;
  const std::size_t n = split(line, f);
  if (n > kMaxColumns) return bad(fmt::format("header has more than {} columns", kMaxColumns));
  CsvLayout l;
  l.columns = n;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = text::to_lower_ascii(f[i]);
    int* slot = nullptr;
    if (name == "timestamp" || name == "time" || name == "date" || name == "datetime") {
      slot = &l.timestamp;
    } else if (name == "asset" || name == "symbol" || name == "pair") {
      slot = &l.asset;
    } else if (name == "price") {
      slot = &l.price;
    } else if (name == "open") {
      slot = &l.open;
    } else if (name == "high") {
      slot = &l.high;
    } else if (name == "low") {
      slot = &l.low;
    } else if (name == "close") {
      slot = &l.close;
    } else if (name == "volume") {
      slot = &l.volume;
    } else {
      continue;  // extra columns are ignored
    }
    if (*slot >= 0) return bad(fmt::format("header names column '{}' twice", name));
    *slot = static_cast<int>(i);
  }
  if (l.timestamp < 0) {
    return bad(fmt::format("header '{}' has no timestamp column (expected timestamp,asset,price "
                           "or timestamp,open,high,low,close)", trim(line)));
  }
  const bool ohlc = l.open >= 0 && l.high >= 0 && l.low >= 0 && l.close >= 0;
  if (l.price >= 0) {
    l.kind = CsvKind::kTicks;
  } else if (ohlc) {
    l.kind = CsvKind::kCandles;
  } else {
    return bad(fmt::format("header '{}' is neither ticks (timestamp,asset,price) nor candles "
                           "(timestamp,open,high,low,close[,volume])", trim(line)));
  }
  return l;
}

Result<CsvTickRow> parse_csv_tick_row(const CsvLayout& l, std::string_view line) {
  std::array<std::string_view, kMaxColumns> f;
  if (auto n = fields(l, line, f); !n.ok()) return n.error();
  CsvTickRow row;
  auto t = time_field(f[static_cast<std::size_t>(l.timestamp)]);
  if (!t.ok()) return t.error();
  row.time = *t;
  auto p = number_field(f[static_cast<std::size_t>(l.price)], "price");
  if (!p.ok()) return p.error();
  row.price = *p;
  if (l.asset >= 0) {
    row.asset = f[static_cast<std::size_t>(l.asset)];
    if (row.asset.empty()) return bad("asset: empty");
  }
  return row;
}

Result<CsvCandleRow> parse_csv_candle_row(const CsvLayout& l, std::string_view line) {
  std::array<std::string_view, kMaxColumns> f;
  if (auto n = fields(l, line, f); !n.ok()) return n.error();
  CsvCandleRow row;
  auto t = time_field(f[static_cast<std::size_t>(l.timestamp)]);
  if (!t.ok()) return t.error();
  row.time = *t;
  struct Col {
    int index;
    const char* name;
    double* out;
  };
  for (const Col& c : {Col{l.open, "open", &row.open}, Col{l.high, "high", &row.high},
                       Col{l.low, "low", &row.low}, Col{l.close, "close", &row.close}}) {
    auto v = number_field(f[static_cast<std::size_t>(c.index)], c.name);
    if (!v.ok()) return v.error();
    *c.out = *v;
  }
  if (l.volume >= 0) {
    const auto text = f[static_cast<std::size_t>(l.volume)];
    auto v = number_field(text, "volume");
    if (!v.ok()) return v.error();
    if (*v < 0 || *v > 1e15) return bad(fmt::format("volume: out of range: '{}'", text));
    row.volume = static_cast<std::uint64_t>(std::llround(*v));
  }
  return row;
}

FileNameHints hints_from_file_name(std::string_view name) {
  if (const auto slash = name.find_last_of('/'); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  if (const auto dot = name.find('.'); dot != std::string_view::npos) name = name.substr(0, dot);
  FileNameHints h;
  // The first '_'-separated token that is a timeframe splits asset (before) from the rest.
  std::size_t start = 0;
  while (start < name.size()) {
    auto end = name.find_first_of("_-", start);
    if (end == std::string_view::npos) end = name.size();
    if (start > 0) {
      if (auto tf = parse_timeframe(name.substr(start, end - start))) {
        h.timeframe = tf;
        h.asset = name.substr(0, start - 1);
        return h;
      }
    }
    start = end + 1;
  }
  h.asset = name;
  return h;
}

}  // namespace quflx
