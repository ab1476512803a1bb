#pragma once
// CSV files of ticks and candles (SPEC §2 "csv"), as pure functions over lines.
//
//   ticks:    timestamp,asset,price          (asset may be left out when the caller knows it)
//   candles:  timestamp,open,high,low,close[,volume] in any column order, by header, so the
//             original's timestamp,open,close,high,low works too
//
// Header names are matched case-insensitively (time/date/datetime for timestamp, symbol/pair
// for asset). Timestamps: Unix seconds with a fraction, milliseconds, microseconds or ISO-8601.
// Fields may be quoted; fields with embedded commas are not supported (no such column exists).
// Errors say which column and why; the caller adds file and line.

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.h"
#include "common/time.h"
#include "core/timeframe.h"

namespace quflx {

enum class CsvKind : std::uint8_t { kTicks, kCandles };

struct CsvLayout {
  CsvKind kind = CsvKind::kTicks;
  std::size_t columns = 0;
  int timestamp = -1, asset = -1, price = -1;
  int open = -1, high = -1, low = -1, close = -1, volume = -1;
};

struct CsvTickRow {
  std::string_view asset;  // empty if the file has no asset column
  double price = 0;
  UtcMicros time{};
};

struct CsvCandleRow {
  UtcMicros time{};
  double open = 0, high = 0, low = 0, close = 0;
  std::optional<std::uint64_t> volume;
};

Result<CsvLayout> parse_csv_header(std::string_view line);
Result<CsvTickRow> parse_csv_tick_row(const CsvLayout& layout, std::string_view line);
Result<CsvCandleRow> parse_csv_candle_row(const CsvLayout& layout, std::string_view line);

// "EURUSD_otc_1m.csv" -> {"EURUSD_otc", 1m}; either part may be missing.
struct FileNameHints {
  std::string_view asset;
  std::optional<Timeframe> timeframe;
};
FileNameHints hints_from_file_name(std::string_view file_name);

}  // namespace quflx
