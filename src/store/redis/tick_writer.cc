#include "store/redis/tick_writer.h"

#include <spdlog/spdlog.h>

#include "store/redis/keys.h"

namespace quflx {

RedisTickWriter::RedisTickWriter(redis::Connection& connection, const AssetRegistry& assets,
                                 const CandleAggregator& candles, RedisTickWriterOptions options,
                                 MetricsRegistry& metrics)
    : conn_(connection),
      assets_(assets),
      candles_(candles),
      options_(options),
      ltrim_stop_(std::to_string(options.tick_list_cap == 0 ? 0 : options.tick_list_cap - 1)),
      cache_(connection, CandleCacheOptions{options.history_candles, options.history_ttl}),
      m_unwritten_(metrics.counter("quflx_redis_ticks_unwritten_total",
                                   "Accepted ticks not written to Redis (down or backlogged)")),
      m_latency_(metrics.histogram("quflx_stage_latency_seconds",
                                   "Latency per pipeline stage, seconds",
                                   latency_buckets_seconds(), {{"stage", "redis_write"}})) {
  metrics.add_collector([this](MetricsWriter& w) {
    w.counter("quflx_redis_ticks_written_total", "Ticks written to ticks:{A} and published", {},
              static_cast<double>(stats_.ticks_written));
    w.counter("quflx_redis_history_writes_total", "historical:{A}:{TF} refreshes", {},
              static_cast<double>(stats_.history_writes));
  });
  conn_.on_state_change([this](bool up) {
    if (!up) {
      unwritten_at_down_ = stats_.ticks_unwritten;
      return;
    }
    if (const auto missed = stats_.ticks_unwritten - unwritten_at_down_; missed > 0) {
      spdlog::warn("redis: {} ticks could not be written to Redis while it was unreachable; "
                   "the latest {} per asset are written back to ticks:{{A}}",
                   missed, options_.tick_list_cap);
    }
    restore_tick_lists();
    refresh_all_history();
  });
}

const RedisTickWriter::AssetKeys& RedisTickWriter::keys(AssetId asset) {
  while (keys_.size() <= asset) {
    const auto name = assets_.name(static_cast<AssetId>(keys_.size()));
    AssetKeys k{redis_keys::ticks(name), redis_keys::updates(name), {}};
    for (Timeframe tf : kAllTimeframes) k.historical.push_back(redis_keys::historical(name, tf));
    keys_.push_back(std::move(k));
  }
  return keys_[asset];
}

void RedisTickWriter::count_unwritten(std::size_t n) {
  stats_.ticks_unwritten += n;
  m_unwritten_.inc(n);
}

bool RedisTickWriter::write_history(AssetId asset, Timeframe tf) {
  const auto& k = keys(asset).historical[index_of(tf)];
  if (!cache_.send_write(k, assets_.name(asset), tf, candles_.closed(asset, tf))) return false;
  ++stats_.history_writes;
  return true;
}

void RedisTickWriter::remember(const IngestBatch& batch) {
  const std::size_t cap = options_.tick_list_cap;
  if (cap == 0) return;
  for (std::size_t i = 0; i < batch.ticks.size(); ++i) {
    const AssetId a = batch.ticks[i].asset;
    if (a >= recent_.size()) recent_.resize(a + 1);
    Recent& r = recent_[a];
    if (r.ring.size() < cap) r.ring.resize(cap);
    r.ring[r.next].assign(batch.tick_json[i]);
    r.next = (r.next + 1) % cap;
    r.count = std::min(r.count + 1, cap);
  }
}

void RedisTickWriter::restore_tick_lists() {
  const std::size_t cap = options_.tick_list_cap;
  std::size_t lists = 0;
  for (AssetId a = 0; a < recent_.size(); ++a) {
    const Recent& r = recent_[a];
    if (r.count == 0) continue;
    const auto& k = keys(a);
    argv_.clear();
    argv_.push_back("LPUSH");
    argv_.push_back(k.ticks);
    // Oldest first, so the newest ends at the head, as on_batch writes them.
    for (std::size_t j = 0; j < r.count; ++j) argv_.push_back(r.ring[(r.next + cap - r.count + j) % cap]);
    if (!conn_.send({"MULTI"})) return;
    conn_.send({"DEL", k.ticks});
    conn_.send(argv_);
    conn_.send({"EXEC"});
    ++lists;
  }
  if (lists > 0) spdlog::info("redis: rewrote ticks:{{A}} of {} assets", lists);
}

void RedisTickWriter::on_batch(const IngestBatch& batch) {
  remember(batch);
  if (!conn_.connected()) {
    count_unwritten(batch.ticks.size());
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  bool sent_any = false;

  // Group tick indexes by asset, keeping their order.
  touched_.clear();
  for (std::uint32_t i = 0; i < batch.ticks.size(); ++i) {
    const AssetId a = batch.ticks[i].asset;
    if (a >= by_asset_.size()) by_asset_.resize(a + 1);
    if (by_asset_[a].empty()) touched_.push_back(a);
    by_asset_[a].push_back(i);
  }
  for (AssetId a : touched_) {
    auto& idx = by_asset_[a];
    const auto& k = keys(a);
    argv_.clear();
    argv_.push_back("LPUSH");
    argv_.push_back(k.ticks);
    for (auto i : idx) argv_.push_back(batch.tick_json[i]);
    if (conn_.send(argv_)) {
      conn_.send({"LTRIM", k.ticks, "0", ltrim_stop_});
      sent_any = true;
    } else {
      count_unwritten(idx.size());
      idx.clear();  // not listed: not published either, so no one sees a seq missing from the list
    }
  }
  for (std::uint32_t i = 0; i < batch.ticks.size(); ++i) {
    const AssetId a = batch.ticks[i].asset;
    auto& idx = by_asset_[a];
    if (idx.empty()) continue;  // its LPUSH was refused
    if (conn_.send({"PUBLISH", keys(a).updates, batch.tick_json[i]})) ++stats_.ticks_written;
  }
  for (AssetId a : touched_) by_asset_[a].clear();

  for (std::size_t i = 0; i < batch.candles.size(); ++i) {
    if (conn_.send({"PUBLISH", keys(batch.candles[i].asset).updates, batch.candle_json[i]})) {
      ++stats_.candle_updates_published;
      sent_any = true;
    }
  }
  for (const auto& at : batch.history_changed) sent_any |= write_history(at.asset, at.timeframe);

  if (sent_any) {
    // One marker per batch: the reply to PING arrives after every reply of this batch.
    conn_.send({"PING"}, [this, started](const redis::Reply&) {
      m_latency_.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    });
  }
}

void RedisTickWriter::refresh_all_history() {
  std::size_t n = 0;
  for (AssetId a = 0; a < assets_.size(); ++a) {
    for (Timeframe tf : kAllTimeframes) {
      if (candles_.closed(a, tf).empty()) continue;
      if (write_history(a, tf)) ++n;
    }
  }
  if (n > 0) spdlog::info("redis: refreshed {} candle cache keys", n);
}

}  // namespace quflx
