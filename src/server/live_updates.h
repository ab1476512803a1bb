#pragma once
// LiveUpdates: every tick and candle update this server can deliver, into the Socket.IO rooms
// that want them, each encoded once into a Frame shared by every member.
//
//   this server's pipeline ──IngestSink (after the Redis writer)──┐
//                                                                  ├─> per-asset gate ─> rooms
//   other servers ──Redis updates:{A} (RedisSubscriber)────────────┘
//
// The gate makes "each seq once and in order" hold for every client on every server: a tick
// is delivered only if its seq is above the last one delivered for its asset; an asset this
// process ingests ignores its own Redis echo; on a relaying server, a tick that arrives after
// a gap (a lost Redis connection, a slow subscriber) holds further ticks of that asset back
// while the gap is filled from `ticks:{A}`, then they follow in order. What the list no longer
// holds is counted (quflx_live_gap_ticks_total) and shows as a jump in seq.
//
// Channels are subscribed per asset on demand (follow()), never per client; the subscriber
// re-subscribes them after a reconnect, and each confirmation starts a gap fill. An asset this process ingests is never
// subscribed: its updates come from the pipeline. Every few seconds, assets this process does
// not ingest and no client is in a room of are dropped and their channels unsubscribed, so
// clients naming ever new assets cannot grow the server or its subscriptions.
//
// Rooms: ticks_room(A) gets `tick_update`, redis_room(A) gets `redis_update {data: tick}`,
// candles_room(A, TF) gets `candle_update`. Live frames carry a conflate key (per asset for
// ticks, per bar for candles) for the slow-consumer policy, and the tick's seq.
//
// Runs on the ingest loop.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/log.h"
#include "common/metrics.h"
#include "core/candle.h"
#include "core/ingest.h"
#include "net/frame.h"
#include "net/rooms.h"

namespace quflx {

class TickPipeline;
class TickLog;
class RedisSubscriber;

struct LiveUpdatesStats {
  std::uint64_t local_ticks = 0;
  std::uint64_t remote_ticks = 0;      // delivered from Redis
  std::uint64_t duplicates = 0;        // seen twice (echo or overlap with a fill), skipped
  std::uint64_t gap_fills = 0;
  std::uint64_t gap_ticks_filled = 0;
  std::uint64_t gap_ticks_lost = 0;    // no longer in ticks:{A} when the gap was filled
  std::uint64_t bad_messages = 0;      // Redis messages that were not ticks or candles
};

class LiveUpdates final : public IngestSink {
 public:
  // `pipeline` (may be null) tells which assets this process ingests; `tick_log` (may be null
  // without Redis) fills gaps; `subscriber` (null without Redis, not started; owned from now
  // on) is where other servers' updates come from.
  LiveUpdates(boost::asio::any_io_executor executor, net::Rooms& rooms,
              const TickPipeline* pipeline, TickLog* tick_log,
              std::unique_ptr<RedisSubscriber> subscriber, MetricsRegistry& metrics);
  ~LiveUpdates() override;

  void start();
  void stop();

  void on_batch(const IngestBatch& batch) override;

  // Makes updates of `asset` (a valid name) flow to this server: returns at once for an
  // asset ingested here or already followed; otherwise subscribes and returns once the
  // subscription is confirmed (or after a short timeout when Redis is unreachable).
  boost::asio::awaitable<void> follow(std::string asset);

  net::RoomId ticks_room(std::string_view asset);
  net::RoomId redis_room(std::string_view asset);
  net::RoomId candles_room(std::string_view asset, Timeframe tf);

  // Whether this process ingested a tick of `asset` (its updates come from the pipeline).
  bool ingested_here(std::string_view asset) const;
  // The assets this process ingested, sorted.
  std::vector<std::string> ingested_assets() const;
  // The latest seq delivered for `asset`, 0 if none yet.
  std::uint64_t last_seq(std::string_view asset) const;
  // The forming bar of (asset, tf) as the latest candle update from Redis showed it.
  std::optional<Candle> relayed_forming_bar(std::string_view asset, Timeframe tf) const;
  // Unix seconds of the latest tick delivered for `asset` (0 if none).
  double last_tick_time(std::string_view asset) const;

  // A `redis_update` frame for a replayed tick (not conflated: a resume is complete).
  static net::FrameRef replay_frame(std::string_view tick_json, std::uint64_t seq);

  const LiveUpdatesStats& stats() const { return stats_; }

 private:
  struct Asset;
  struct PruneTimer;
  Asset& asset(std::string_view name);
  const Asset* find(std::string_view name) const;

  void deliver_tick(Asset& a, std::uint64_t seq, std::string_view json, double time);
  void deliver_candle(Asset& a, Timeframe tf, const Candle& c, std::string_view json);
  void on_subscribed(std::string_view channel);
  void on_message(std::string_view channel, std::string_view payload);
  void on_remote_tick(Asset& a, std::string_view json);
  void on_remote_candle(Asset& a, std::string_view json);
  void subscribe(Asset& a);
  void start_fill(Asset& a);
  boost::asio::awaitable<void> fill(std::uint32_t index);
  boost::asio::awaitable<void> prune_loop();
  bool wanted(const Asset& a) const;
  void prune();

  boost::asio::any_io_executor executor_;
  net::Rooms& rooms_;
  const TickPipeline* pipeline_;
  TickLog* tick_log_;
  std::unique_ptr<RedisSubscriber> subscriber_;
  std::vector<std::unique_ptr<Asset>> assets_;  // by index; null: a free slot
  std::vector<std::uint32_t> free_;              // free indexes, reused by new assets
  std::unordered_map<std::string, std::uint32_t> by_name_;
  std::vector<std::uint32_t> by_pipeline_id_;  // pipeline AssetId -> index + 1 (0: unknown)
  LiveUpdatesStats stats_;
  LogLimiter log_;
  std::unique_ptr<PruneTimer> prune_timer_;
  bool stopped_ = false;
};

}  // namespace quflx
