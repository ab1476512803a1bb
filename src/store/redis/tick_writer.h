#pragma once
// RedisTickWriter: the IngestSink that keeps Redis current (SPEC §3).
//
// Per batch, in one pipelined write: for each asset, `LPUSH ticks:{A}` of its new ticks (one
// command, oldest first so the newest ends at the head) and `LTRIM` to the cap; then a
// `PUBLISH updates:{A}` per tick and per candle update, in order; then `SET
// historical:{A}:{TF} ... EX ttl` (RedisCandleCache) for every (asset, timeframe) whose closed
// bars changed. The
// list is written before the publish, so whoever receives seq N can already find it in the
// list (gap-free resume relies on this).
//
// Redis is not the durable path: while it is down the writer counts the ticks it could not
// write and carries on. When it comes back every candle cache key is rewritten, since a
// restarted Redis may have lost them and long timeframes would otherwise stay empty for hours,
// and so is every `ticks:{A}`, from the last `tick_list_cap` ticks the writer keeps per asset:
// the ticks of the outage (and whatever a restarted Redis lost from its append-only file) are
// back in the list, so a client resuming with `last_seq` finds them.
//
// Runs on the ingest loop (same executor as the connection).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "core/ingest.h"
#include "store/redis/candle_cache.h"
#include "store/redis/connection.h"

namespace quflx {

struct RedisTickWriterOptions {
  std::size_t tick_list_cap = 1000;        // SPEC §3 buffer_size
  std::size_t history_candles = 200;       // closed bars in historical:{A}:{TF}
  std::chrono::seconds history_ttl{3600};  // SPEC §3
};

struct RedisTickWriterStats {
  std::uint64_t ticks_written = 0;    // handed to the connection
  std::uint64_t ticks_unwritten = 0;  // refused: Redis down or backlog full
  std::uint64_t candle_updates_published = 0;
  std::uint64_t history_writes = 0;
};

class RedisTickWriter final : public IngestSink {
 public:
  RedisTickWriter(redis::Connection& connection, const AssetRegistry& assets,
                  const CandleAggregator& candles, RedisTickWriterOptions options,
                  MetricsRegistry& metrics);

  void on_batch(const IngestBatch& batch) override;
  // Rewrites every candle cache key from the aggregator's state.
  void refresh_all_history();
  // Rewrites every ticks:{A} from the ticks kept in memory (atomically: MULTI/EXEC).
  void restore_tick_lists();

  const RedisTickWriterStats& stats() const { return stats_; }

 private:
  struct AssetKeys {
    std::string ticks;
    std::string updates;
    std::vector<std::string> historical;  // per timeframe
  };
  // The latest tick_list_cap ticks of an asset as written (ring; the strings keep their
  // capacity, so after warm-up remembering a tick copies ~100 bytes and allocates nothing).
  struct Recent {
    std::vector<std::string> ring;
    std::size_t next = 0;
    std::size_t count = 0;
  };
  void remember(const IngestBatch& batch);
  const AssetKeys& keys(AssetId asset);
  bool write_history(AssetId asset, Timeframe tf);
  void count_unwritten(std::size_t n);

  redis::Connection& conn_;
  const AssetRegistry& assets_;
  const CandleAggregator& candles_;
  RedisTickWriterOptions options_;
  RedisTickWriterStats stats_;
  std::uint64_t unwritten_at_down_ = 0;
  std::vector<AssetKeys> keys_;
  std::vector<Recent> recent_;
  std::string ltrim_stop_;

  // Reused per batch: tick indexes grouped by asset, and argv for LPUSH.
  std::vector<std::vector<std::uint32_t>> by_asset_;
  std::vector<AssetId> touched_;
  std::vector<std::string_view> argv_;
  RedisCandleCache cache_;

  Counter& m_unwritten_;
  Histogram& m_latency_;
};

}  // namespace quflx
