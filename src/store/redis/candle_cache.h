#pragma once
// RedisCandleCache: the candle cache `historical:{A}:{TF}` (SPEC §3), the one place that reads,
// writes and deletes it, with the one encoder of its value. Used by RedisTickWriter (rewrites
// on every bar close, fire-and-forget in the batch's pipelined write) and HistoryService
// (cache-first reads, fills from the database, imports, `clear_cached_historical_data`).
//
// The value is a JSON array of the latest `candles` closed bars, oldest first, each as
// protocol's append_candle_json writes it; every write sets the TTL (`SET key value EX ttl`).
// A value that does not parse as candles is logged and treated as absent, never handed on.
//
// Holds no state but its options and a reused encode buffer: each user keeps its own. Runs on
// the connection's executor.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "core/candle.h"

namespace quflx {

namespace redis {
class Connection;
}

struct CandleCacheOptions {
  std::size_t candles = 200;       // closed bars a key holds (--history-candles)
  std::chrono::seconds ttl{3600};  // SPEC §3 (--history-ttl)
};

class RedisCandleCache {
 public:
  RedisCandleCache(redis::Connection& connection, CandleCacheOptions options);

  // The cache value: the latest `max_count` of `candles` (closed, oldest first) as a JSON
  // array. Appends to `out`.
  static void encode(std::string& out, std::string_view asset, Timeframe tf,
                     const std::deque<Candle>& candles, std::size_t max_count);
  static void encode(std::string& out, std::string_view asset, Timeframe tf,
                     std::span<const Candle> candles, std::size_t max_count);

  // Queues `SET key <latest options.candles of closed> EX ttl` without waiting for the reply.
  // `key` is historical:{asset}:{tf} (the tick writer keeps them built). False if refused.
  bool send_write(std::string_view key, std::string_view asset, Timeframe tf,
                  const std::deque<Candle>& closed);

  // The cached candles, oldest first; empty when absent, unreadable or Redis is down.
  boost::asio::awaitable<std::optional<std::vector<Candle>>> read(std::string asset,
                                                                  Timeframe tf);
  // Replaces the key with the latest options.candles of `candles`; returns how many it holds.
  // `candles` must stay valid until the awaitable completes.
  boost::asio::awaitable<Result<std::size_t>> write(std::string asset, Timeframe tf,
                                                    std::span<const Candle> candles);
  boost::asio::awaitable<Result<void>> clear(std::string asset, Timeframe tf);

  // Whether Redis can be asked now (reads answer "absent" while it cannot).
  bool connected() const;
  const CandleCacheOptions& options() const { return options_; }

 private:
  redis::Connection& conn_;
  CandleCacheOptions options_;
  std::string ttl_;
  std::string scratch_;
  LogLimiter log_;
};

}  // namespace quflx
