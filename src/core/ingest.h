#pragma once
// The seams of the tick path. Feeds push RawTicks into a TickIngest; the ingest pipeline
// validates, sequences and aggregates them and hands each resulting IngestBatch to its
// IngestSinks in registration order (durable sinks first: nothing may be visible before it is
// durable). Everything here runs on the ingest loop's thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/candle.h"
#include "core/candle_aggregator.h"
#include "core/tick.h"

namespace quflx {

using FeedId = std::uint32_t;

// How a feed identifies itself to the pipeline, once, before its first tick.
struct FeedRegistration {
  std::string name;
  bool replay_clock = false;  // the feed's data time is its clock (CSV replay)
  Micros clock_offset{0};     // subtracted from every timestamp of the feed
};

// History payloads (SPEC §2): bars and ticks of one asset from a feed's history event, in the
// feed's own clock (before its clock offset), bucketed by the payload's own period. They seed
// candles and the candle cache; they are not ticks of the stream (no seq, not stored as ticks).
struct HistoryBar {
  std::int64_t open_time_s = 0;
  double open = 0, high = 0, low = 0, close = 0;
};

struct HistoryPoint {
  UtcMicros time{};
  double price = 0;
};

struct HistorySeed {
  std::string_view asset;
  std::int64_t period_s = 0;             // must be one of the timeframes
  std::span<const HistoryBar> bars;      // time order
  std::span<const HistoryPoint> ticks;   // time order; bucketed into bars of the period
};

class TickIngest {
 public:
  virtual ~TickIngest() = default;
  // Gives a feed its id (for metrics per feed, its clock and its clock offset).
  virtual FeedId register_feed(FeedRegistration feed) = 0;
  // Accepts what is valid, counts and skips the rest; returns how many were accepted.
  virtual std::size_t ingest(FeedId feed, std::span<const RawTick> ticks) = 0;
  // For feeds with their own event clock (replays): the feed's time has reached `now`, so bars
  // of its assets that ended before it close.
  virtual void advance_feed_clock(FeedId feed, UtcMicros now) = 0;
  // Merges a history payload into the candles (see HistorySeed); invalid parts are counted
  // and skipped like bad ticks. Returns how many bars it merged.
  virtual std::size_t seed_history(FeedId feed, const HistorySeed& seed) = 0;
};

// One unit of work for the sinks: the ticks accepted in one ingest call and every candle
// change they (or the clock) caused. `tick_json[i]` is the wire form of `ticks[i]`,
// `candle_json[i]` that of `candles[i]`, encoded once for every sink.
struct IngestBatch {
  std::span<const SequencedTick> ticks;
  std::span<const std::string_view> tick_json;
  std::span<const CandleUpdate> candles;
  std::span<const std::string_view> candle_json;
  std::span<const AssetTimeframe> history_changed;
  // Bars merged from history payloads (no seq; closed ones are not in `candles`), for sinks
  // that persist candles.
  std::span<const CandleUpdate> seeded;
};

// A sink must not call back into the pipeline from on_batch (the batch's storage is reused).
class IngestSink {
 public:
  virtual ~IngestSink() = default;
  virtual void on_batch(const IngestBatch& batch) = 0;
};

// The durable hand-off (the tick journal): the pipeline asks it before sequencing ticks and hands
// it every batch before any IngestSink, so nothing is visible before it is durable and no seq
// number is spent on a tick that is not.
class DurableSink {
 public:
  virtual ~DurableSink() = default;
  // False while it cannot take more (its spool bound is reached, or writing failed): the
  // pipeline then refuses the ticks (counted per feed, reason "not_durable") rather than
  // accept what it cannot keep.
  virtual bool accepting() const = 0;
  // Makes the batch durable. False if that failed: the pipeline withdraws the batch's seq
  // numbers and shows the batch to no sink.
  virtual bool append(const IngestBatch& batch) = 0;
};

}  // namespace quflx
