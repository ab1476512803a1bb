#pragma once
// CandleAggregator folds accepted ticks into bars of every timeframe, per asset.
//
// Rules (SPEC §1): a bar's open time is aligned to its timeframe in UTC; bars close on the
// clock (the feed's event time), not only when a later tick arrives; a late tick (its bar has
// ended by the clock or is older than the forming bar) amends its bar if the bar ended no more
// than `late_grace` ago, re-emitted with closed:true, and is otherwise left out of the candles
// (the caller still stores it). Intervals without ticks get no bar.
//
// Owned by the ingest loop; not thread-safe. Output goes to a CandleEvents per batch, which
// keeps one update per bar per batch (the latest state), so a burst of ticks into one bar
// publishes one update, not one per tick.

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "common/time.h"
#include "core/candle.h"

namespace quflx {

struct CandleOptions {
  // How long after a bar ends a late tick may still amend it. Feeds reorder by tens of
  // milliseconds and brokers deliver in bursts; five seconds covers both without keeping a
  // bar's final value uncertain for long.
  Micros late_grace = std::chrono::seconds{5};
  // Closed bars kept per asset and timeframe: the candle cache needs 200, indicators 500.
  std::size_t keep_closed = 500;
};

struct AssetTimeframe {
  AssetId asset = 0;
  Timeframe timeframe = Timeframe::k1s;
  friend bool operator==(const AssetTimeframe&, const AssetTimeframe&) = default;
};

class CandleEvents {
 public:
  // Starts a new batch: forgets the previous batch's updates.
  void clear() {
    updates_.clear();
    history_changed_.clear();
    ++epoch_;
  }
  std::span<const CandleUpdate> updates() const { return updates_; }
  // (asset, timeframe) pairs whose closed history changed in this batch, each once.
  std::span<const AssetTimeframe> history_changed() const { return history_changed_; }
  bool empty() const { return updates_.empty() && history_changed_.empty(); }

 private:
  friend class CandleAggregator;
  std::vector<CandleUpdate> updates_;
  std::vector<AssetTimeframe> history_changed_;
  std::uint64_t epoch_ = 1;
};

// What one tick did to the candles: one bit per timeframe (bit i = kAllTimeframes[i]).
struct TickFold {
  std::uint16_t amended = 0;  // late, folded into an already closed bar
  std::uint16_t dropped = 0;  // late beyond the grace window: not in any bar of that timeframe
};

class CandleAggregator {
 public:
  explicit CandleAggregator(CandleOptions options = {}) : options_(options) {}

  // `clock_now` is the tick's feed clock: wall time for live feeds, the data time for replays.
  TickFold on_tick(AssetId asset, UtcMicros time, double price, std::uint64_t seq,
                   UtcMicros clock_now, CandleEvents& out);

  // Closes every forming bar of `asset` that has ended by `now`.
  void advance_clock(AssetId asset, UtcMicros now, CandleEvents& out);

  // Merges bars from a history payload (SPEC §2: history seeds candles, gets no seq). `bars`
  // are aligned to `tf`, in time order. Bars the live stream already formed win: a seeded bar
  // only fills an interval that has no bar. Bars that ended by `clock_now` join the closed
  // history (marked as changed, not published as updates); a bar still running becomes the
  // forming bar if there is none. Appends each bar it took to `taken`; returns how many.
  std::size_t seed(AssetId asset, Timeframe tf, std::span<const Candle> bars, UtcMicros clock_now,
                   CandleEvents& out, std::vector<CandleUpdate>& taken);

  // Closed bars, oldest first (at most keep_closed). Empty for unknown assets.
  const std::deque<Candle>& closed(AssetId asset, Timeframe tf) const;
  // The bar being formed, if any.
  const Candle* forming(AssetId asset, Timeframe tf) const;

  const CandleOptions& options() const { return options_; }

 private:
  struct TfState {
    std::optional<Candle> forming;
    std::deque<Candle> closed;
    // Conflation bookkeeping for the current CandleEvents batch.
    std::uint64_t update_epoch = 0;
    std::uint64_t history_epoch = 0;
    std::int64_t update_bar = 0;
    std::size_t update_index = 0;
  };
  struct AssetState {
    std::array<TfState, kTimeframeCount> tf;
  };

  AssetState& state(AssetId asset);
  void close_forming(AssetId asset, Timeframe tf, TfState& s, CandleEvents& out);
  bool amend_closed(TfState& s, std::int64_t bar_open, UtcMicros time, double price,
                    std::uint64_t seq, Candle& amended);
  void emit(AssetId asset, Timeframe tf, TfState& s, const Candle& c, CandleChange change,
            CandleEvents& out);
  static void mark_history(AssetId asset, Timeframe tf, TfState& s, CandleEvents& out);

  CandleOptions options_;
  std::vector<AssetState> assets_;
};

}  // namespace quflx
