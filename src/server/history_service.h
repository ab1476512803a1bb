#pragma once
// HistoryService: the one cache-first path for candle history, used by the Socket.IO events
// (`start_stream`, `change_asset`, `get_cached_historical_data`) and `GET /api/candles`.
//
//   historical:{A}:{TF} (RedisCandleCache)  --hit-->  source "redis_cache"
//          | miss (absent, unreadable, Redis down or not configured)
//          v
//   HistoryFallback (the database; plugged in by the persistence layer)
//          | found: fill the cache (SET ... EX ttl), source "database"
//          v
//   nothing: source "cache_miss", no candles
//
// Closed candles only, oldest first; the forming bar is the caller's business (it lives in
// the aggregator or in the live updates, not in any store). A cache entry that does not parse
// is logged and treated as a miss rather than handed to clients.
//
// Runs on the ingest loop (the Redis connection's executor).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "common/metrics.h"
#include "common/result.h"
#include "core/candle.h"

namespace quflx {

namespace redis {
class Connection;
}
class RedisCandleCache;

enum class HistorySource { kRedisCache, kDatabase, kCacheMiss };
// "redis_cache", "database", "cache_miss" (SPEC §5).
std::string_view to_string(HistorySource source);

struct History {
  std::vector<Candle> candles;  // closed, oldest first
  HistorySource source = HistorySource::kCacheMiss;
};

// The database side of history. Implemented by the persistence layer; absent until then.
class HistoryFallback {
 public:
  virtual ~HistoryFallback() = default;
  // The latest `limit` closed candles of (asset, tf), oldest first; empty if there are none.
  // An error means the store could not be asked (the service then answers "cache_miss").
  virtual boost::asio::awaitable<Result<std::vector<Candle>>> load(std::string asset,
                                                                   Timeframe tf,
                                                                   std::size_t limit) = 0;
  // Stores imported candles (store_csv_candles) for good: insert or update by open time.
  // Returns how many rows were written. The default stores nothing.
  virtual boost::asio::awaitable<Result<std::size_t>> upsert(std::string asset, Timeframe tf,
                                                             std::vector<Candle> candles);
};

struct ImportResult {
  std::size_t accepted = 0;                 // candles given (validated by the caller)
  std::size_t cached = 0;                   // what historical:{A}:{TF} holds afterwards
  std::optional<std::size_t> stored;        // rows the database took; empty: no database
};

struct HistoryOptions {
  std::size_t cache_candles = 200;        // what historical:{A}:{TF} holds (--history-candles)
  std::chrono::seconds cache_ttl{3600};   // TTL when the service fills the cache (--history-ttl)
};

class HistoryService {
 public:
  // `redis` may be null (running without Redis).
  HistoryService(redis::Connection* redis, HistoryOptions options, MetricsRegistry& metrics);
  ~HistoryService();

  // The database fallback; null removes it. Not owned.
  void set_fallback(HistoryFallback* fallback) { fallback_ = fallback; }

  // The latest `limit` closed candles of a valid asset name and timeframe.
  boost::asio::awaitable<History> load(std::string asset, Timeframe tf, std::size_t limit);

  // Replaces historical:{A}:{TF} with the latest cache_candles of `candles` (closed, oldest
  // first). Returns how many were stored.
  boost::asio::awaitable<Result<std::size_t>> store(std::string asset, Timeframe tf,
                                                    std::vector<Candle> candles);
  // Merges `candles` into what historical:{A}:{TF} holds (the newer value of an open time
  // wins) and stores the latest cache_candles. Returns how many the cache now holds.
  boost::asio::awaitable<Result<std::size_t>> merge(std::string asset, Timeframe tf,
                                                    std::vector<Candle> candles);
  // Imported candles (store_csv_candles): upserted into the database when there is one, and
  // merged into the cache. Fails only if neither could take them.
  boost::asio::awaitable<Result<ImportResult>> import(std::string asset, Timeframe tf,
                                                      std::vector<Candle> candles);
  // Deletes historical:{A}:{TF}.
  boost::asio::awaitable<Result<void>> clear(std::string asset, Timeframe tf);

  const HistoryOptions& options() const { return options_; }

 private:
  std::unique_ptr<RedisCandleCache> cache_;  // null without Redis
  HistoryOptions options_;
  HistoryFallback* fallback_ = nullptr;
  LogLimiter log_;
  Counter* m_source_[3];
  Histogram* m_latency_[3];
};

}  // namespace quflx
