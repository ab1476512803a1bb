#pragma once
// FrameIngest: where a network feed's decoders deliver (the FrameSink of feed_frames.h).
// Ticks go to TickIngest in one call per payload, history payloads to seed_history, the
// broker's active symbol to a callback (detect_asset), and every fault is counted in
// quflx_feed_rejected_total{feed,reason} (the same family as the pipeline's tick rejections,
// so one metric answers "what did this feed throw away, and why") and logged, rate limited.
// It also tracks when each asset last ticked: check_staleness() (called every second by the
// feed) reports an asset that has not ticked for `stale_after` as stale, and as resumed with
// its next tick; both are exported as quflx_feed_asset_stale{feed,asset} and handed to a
// callback that tells clients.
//
// Runs on the ingest loop.

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/log.h"
#include "common/metrics.h"
#include "core/ingest.h"
#include "protocol/feed_frames.h"

namespace quflx {

// Per-feed fault counters and rate-limited logging, shared by every feed.
class FeedFaults {
 public:
  FeedFaults(std::string feed, MetricsRegistry& metrics);
  void count(FrameFault fault, std::string_view detail);
  std::uint64_t total() const { return total_; }
  std::uint64_t count_of(FrameFault fault) const;

 private:
  std::string feed_;
  std::array<Counter*, kFrameFaultCount> counters_{};
  LogLimiter log_;
  std::uint64_t total_ = 0;
};

// An asset of a feed went quiet (stale) or ticked again after being quiet.
struct StaleChange {
  std::string_view feed;
  std::string_view asset;
  bool stale = false;
  UtcMicros last_tick{};  // wall time of its latest tick
};
using StaleHandler = std::function<void(const StaleChange&)>;

class FrameIngest final : public FrameSink {
 public:
  using ActiveAssetHandler = std::function<void(std::string_view asset)>;

  FrameIngest(TickIngest& ingest, FeedId feed, std::string feed_name, FeedFaults& faults,
              const Clock& clock, MetricsRegistry& metrics, Micros stale_after);
  ~FrameIngest() override;
  FrameIngest(const FrameIngest&) = delete;
  FrameIngest& operator=(const FrameIngest&) = delete;

  void on_ticks(std::span<const RawTick> ticks) override;
  void on_history(const HistoryPayload& history) override;
  void on_active_asset(std::string_view asset) override;
  void on_fault(FrameFault fault, std::string_view detail) override;

  // Counts ticks that were ingested elsewhere (push) and refreshes their staleness.
  void note_ticks(std::span<const RawTick> ticks);

  void set_active_asset_handler(ActiveAssetHandler h) { on_active_ = std::move(h); }
  void set_stale_handler(StaleHandler h) { on_stale_ = std::move(h); }
  // Marks assets silent for `stale_after` as stale (each once until it ticks again).
  void check_staleness();

  std::uint64_t ticks() const { return ticks_; }
  std::uint64_t history_bars() const { return history_bars_; }
  std::size_t stale_assets() const;

 private:
  struct AssetState {
    UtcMicros last_tick{};
    bool stale = false;
  };

  TickIngest& ingest_;
  FeedId feed_;
  std::string feed_name_;
  FeedFaults& faults_;
  const Clock& clock_;
  MetricsRegistry& metrics_;
  Micros stale_after_;
  int collector_ = 0;
  ActiveAssetHandler on_active_;
  StaleHandler on_stale_;
  std::uint64_t ticks_ = 0;
  std::uint64_t history_bars_ = 0;
  std::unordered_map<std::string, AssetState> assets_;
};

}  // namespace quflx
