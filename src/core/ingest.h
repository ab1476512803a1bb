#pragma once
// The seams of the tick path. Feeds push RawTicks into a TickIngest; the ingest pipeline
// validates, sequences and aggregates them and hands each resulting IngestBatch to its
// IngestSinks in registration order (durable sinks first: nothing may be visible before it is
// durable). Everything here runs on the ingest loop's thread.

#include <cstdint>
#include <span>
#include <string_view>

#include "core/candle.h"
#include "core/candle_aggregator.h"
#include "core/tick.h"

namespace quflx {

using FeedId = std::uint32_t;

class TickIngest {
 public:
  virtual ~TickIngest() = default;
  // Accepts what is valid, counts and skips the rest; returns how many were accepted.
  virtual std::size_t ingest(FeedId feed, std::span<const RawTick> ticks) = 0;
  // For feeds with their own event clock (replays): the feed's time has reached `now`, so bars
  // of its assets that ended before it close.
  virtual void advance_feed_clock(FeedId feed, UtcMicros now) = 0;
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
};

// A sink must not call back into the pipeline from on_batch (the batch's storage is reused).
class IngestSink {
 public:
  virtual ~IngestSink() = default;
  virtual void on_batch(const IngestBatch& batch) = 0;
};

}  // namespace quflx
