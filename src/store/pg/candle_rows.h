#pragma once
// Candles in PostgreSQL's `candles` table: the one upsert that every writer uses (the
// persister for closed bars, CandleStore for imported and client-supplied candles), and the
// reads of the history path. Runs on a connection owned by the calling thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "core/candle.h"
#include "store/pg/connection.h"
#include "store/pg/copy_binary.h"

namespace quflx::pg {

struct CandleRow {
  std::string_view pair;
  Timeframe timeframe = Timeframe::k1s;
  std::int64_t open_time_s = 0;
  double open = 0, high = 0, low = 0, close = 0;
  std::uint64_t volume = 0;
};

// Creates the session's temporary staging table (once per connection).
Result<void> prepare_candle_staging(Connection& conn);

// Inserts or updates `rows` (a row for the same bar replaces it: amended bars win). Must run
// inside a transaction the caller commits; rows must not repeat a (pair, timeframe, timestamp)
// (keep the latest). `scratch` is reused between calls.
Result<std::uint64_t> upsert_candles(Connection& conn, std::span<const CandleRow> rows,
                                     CopyBinaryWriter& scratch);

// The latest `limit` candles of (pair, timeframe), oldest first, closed:true.
Result<std::vector<Candle>> latest_candles(Connection& conn, std::string_view pair,
                                           Timeframe timeframe, std::size_t limit);

// The latest `limit` bars of (pair, timeframe) computed from historical_ticks (for pairs whose
// candles are not in the table): ticks of the last `limit` bar intervals up to the newest tick
// (by seq), bars that have not ended by `now_s` left out. Open is the earliest tick by time (then
// seq), close the latest, volume the tick count.
Result<std::vector<Candle>> candles_from_ticks(Connection& conn, std::string_view pair,
                                               Timeframe timeframe, std::size_t limit,
                                               std::int64_t now_s);

}  // namespace quflx::pg
