#pragma once
// SimFeed: simulated ticks for a list of assets at a fixed total rate (SPEC §2 "sim").
//
// Tick k of the run is due at start + k / total_rate; assets take turns, so each asset ticks
// at `ticks_per_second_per_asset`. A steady timer wakes every max(1 ms, 1 / total_rate) and
// emits everything due in one ingest call, so high rates arrive as batches (one per event-loop
// turn) rather than one call per tick. Timestamps are the tick's due time on the wall clock.
// If the pipeline cannot keep up for more than a second, the backlog is skipped (and counted)
// rather than replayed late, which would only produce late ticks.
//
// Prices are deterministic for a given seed (see RandomWalk); timestamps follow the clock.
// Ticks are distinct by the identity rule (SPEC §1: asset, millisecond, price), which a real
// feed's ticks are: above 1,000 ticks/s per asset the rounded walk would often repeat a price
// within one millisecond, so a price not above the millisecond's highest so far is moved to one
// tick size above it.
// Runs on the ingest loop.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <vector>

#include "common/time.h"
#include "core/ingest.h"
#include "feed/feed.h"
#include "feed/random_walk.h"

namespace quflx {

struct SimOptions {
  std::vector<SimAsset> assets;
  double ticks_per_second_per_asset = 2.0;
  std::uint64_t seed = 1;
  // Shortest timer period: below a millisecond, timer overhead beats batching benefits.
  std::chrono::microseconds min_step{1000};
  // Most ticks per ingest call, so one wake-up never stalls the loop for long.
  std::size_t max_batch = 50'000;
};

class SimFeed final : public Feed {
 public:
  SimFeed(boost::asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
          SimOptions options, const Clock& clock);

  std::string_view name() const override { return "sim"; }
  void start() override;
  void stop() override;
  FeedStatus status() const override;

  std::uint64_t ticks_emitted() const { return emitted_; }
  std::uint64_t ticks_skipped() const { return skipped_; }

 private:
  void schedule();
  void emit_due();
  // `price`, or one tick size above the highest the asset used in `time`'s millisecond.
  double distinct_price(std::size_t asset, UtcMicros time, double price);

  TickIngest& ingest_;
  FeedId feed_;
  SimOptions options_;
  const Clock& clock_;
  boost::asio::steady_timer timer_;
  std::vector<RandomWalk> walks_;
  // Per asset: the millisecond of its last tick and the highest price it used in it.
  struct Millisecond {
    std::int64_t ms = -1;
    double highest = 0;
  };
  std::vector<Millisecond> current_ms_;
  std::vector<RawTick> batch_;
  double total_rate_;
  std::chrono::steady_clock::time_point start_steady_{};
  std::chrono::steady_clock::time_point last_due_{};  // of the latest wake-up scheduled
  UtcMicros start_wall_{};
  std::uint64_t emitted_ = 0;  // index of the next tick of the run
  std::uint64_t skipped_ = 0;
  bool running_ = false;
};

}  // namespace quflx
