#include "store/pg/candle_rows.h"

#include <algorithm>
#include <string>

namespace quflx::pg {
namespace {

Candle row_to_candle(const Rows& rows, int i) {
  Candle c;
  c.open_time_s = rows.int64(i, 0);
  c.open = rows.float64(i, 1);
  c.high = rows.float64(i, 2);
  c.low = rows.float64(i, 3);
  c.close = rows.float64(i, 4);
  c.volume = static_cast<std::uint64_t>(rows.int64(i, 5));
  c.closed = true;
  return c;
}

// Rows come newest first (ORDER BY ... DESC LIMIT n); callers want oldest first.
std::vector<Candle> oldest_first(const Rows& rows) {
  std::vector<Candle> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = rows.size() - 1; i >= 0; --i) out.push_back(row_to_candle(rows, i));
  return out;
}

}  // namespace

Result<void> prepare_candle_staging(Connection& conn) {
  return conn.exec(
      "CREATE TEMP TABLE IF NOT EXISTS quflx_candles_stage ("
      " pair text, timeframe text, timestamp bigint, open double precision,"
      " high double precision, low double precision, close double precision, volume bigint)"
      " ON COMMIT DELETE ROWS");
}

Result<std::uint64_t> upsert_candles(Connection& conn, std::span<const CandleRow> rows,
                                     CopyBinaryWriter& w) {
  if (rows.empty()) return std::uint64_t{0};
  w.reset();
  for (const auto& r : rows) {
    w.begin_row(8);
    w.text(r.pair);
    w.text(to_string(r.timeframe));
    w.int8(r.open_time_s);
    w.float8(r.open);
    w.float8(r.high);
    w.float8(r.low);
    w.float8(r.close);
    w.int8(static_cast<std::int64_t>(r.volume));
  }
  if (auto c = conn.copy_in("COPY quflx_candles_stage FROM STDIN (FORMAT binary)", w.finish());
      !c.ok()) {
    return c.error();
  }
  return conn.command(
      "INSERT INTO candles (pair, timeframe, timestamp, open, high, low, close, volume)"
      " SELECT pair, timeframe, timestamp, open, high, low, close, volume FROM quflx_candles_stage"
      " ON CONFLICT (pair, timeframe, timestamp) DO UPDATE SET open = EXCLUDED.open,"
      " high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,"
      " volume = EXCLUDED.volume, updated_at = now()");
}

Result<std::vector<Candle>> latest_candles(Connection& conn, std::string_view pair,
                                           Timeframe timeframe, std::size_t limit) {
  auto rows = conn.query(
      "SELECT timestamp, open, high, low, close, volume FROM candles"
      " WHERE pair = $1 AND timeframe = $2 ORDER BY timestamp DESC LIMIT $3",
      {std::string(pair), std::string(to_string(timeframe)), std::to_string(limit)});
  if (!rows.ok()) return rows.error();
  return oldest_first(*rows);
}

Result<std::vector<Candle>> candles_from_ticks(Connection& conn, std::string_view pair,
                                               Timeframe timeframe, std::size_t limit,
                                               std::int64_t now_s) {
  // Integer arithmetic throughout: bars are aligned exactly as the aggregator aligns them. The
  // window ends at the pair's newest tick (highest seq, from the primary key); the window's
  // start is a parameter computed first, so the BRIN index on the time can find its blocks.
  auto rows = conn.query(
      "SELECT (timestamp / 1000 / $2) * $2 AS bar,"
      "       (array_agg(price ORDER BY timestamp, seq))[1], max(price), min(price),"
      "       (array_agg(price ORDER BY timestamp DESC, seq DESC))[1], count(*)"
      " FROM historical_ticks"
      " WHERE pair = $1 AND timestamp >= (SELECT ((timestamp / 1000 / $2) - $3 + 1) * $2 * 1000"
      "                                   FROM historical_ticks WHERE pair = $1"
      "                                   ORDER BY seq DESC LIMIT 1)"
      "   AND timestamp < ($4 / $2) * $2 * 1000"  // bars that have ended by now
      " GROUP BY bar ORDER BY bar DESC LIMIT $3",
      {std::string(pair), std::to_string(duration_seconds(timeframe)), std::to_string(limit),
       std::to_string(now_s)});
  if (!rows.ok()) return rows.error();
  return oldest_first(*rows);
}

}  // namespace quflx::pg
