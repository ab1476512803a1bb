#pragma once
// TickPipeline: the one path every tick takes, whatever feed it came from.
//
//   feed -> validate -> clock offset -> intern asset -> identity -> seq -> candles -> encode
//   once -> sinks
//
// Validation rejects (and counts per feed and reason, with rate-limited logging) ticks with
// an invalid asset name, a price that is not finite and > 0, or a time that is implausible or
// further ahead of the feed's clock than `max_future_skew`. An exact repeat of a tick the asset
// accepted recently (same UTC time to the millisecond, same price; TickIdentityIndex) is a
// duplicate: counted per feed (reason "duplicate", not logged: recorded broker data repeats most
// ticks), given no seq, stored and shown nowhere. Everything else is accepted, gets the asset's
// next seq, and is handed on even if it is too late for the candles.
//
// Clocks: live feeds share the wall clock, and a timer calls advance_live_clock() at every
// second so bars close on time; a replay feed has its own clock, moved by its data (or by
// advance_feed_clock()), so a replay forms the same bars as the live stream did. An asset
// follows the clock of the feed that last produced it.
//
// Durability: with a DurableSink set (the tick journal), a batch is refused whole (reason
// "not_durable") while the sink is not accepting, before any seq is assigned; an accepted batch
// goes to the durable sink first and only then to the sinks, in registration order. If the
// durable append fails, the batch's seq numbers are withdrawn, its ticks leave the identity
// index again (a retry of them is not a duplicate) and no sink sees it (its ticks may already
// have moved the forming candles: that disk-failure case is documented, not hidden).
// Owned by the ingest loop; not thread-safe.

#include <string>
#include <vector>

#include "common/log.h"
#include "common/metrics.h"
#include "common/time.h"
#include "core/candle_aggregator.h"
#include "core/ingest.h"
#include "core/sequencer.h"
#include "pipeline/tick_identity.h"

namespace quflx {

struct PipelineOptions {
  CandleOptions candles;
  Micros max_future_skew = std::chrono::seconds{60};
  // SPEC §1 tick identity; off only to measure what the check costs (bench/pipeline_bench).
  bool drop_duplicates = true;
  TickIdentityOptions identity;
};

struct TickRejection {
  std::size_t index = 0;  // position in the ingest call
  ErrorCode code = ErrorCode::kBadPayload;
  std::string message;
};

struct PipelineStats {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;      // invalid input, and ticks refused as not durable
  std::uint64_t duplicates = 0;    // exact repeats of an accepted tick, dropped (not in rejected)
  std::uint64_t not_durable = 0;   // refused or withdrawn: the durable sink could not take them
  std::uint64_t late_amended = 0;  // (tick, timeframe) pairs folded into a closed bar
  std::uint64_t late_dropped = 0;  // (tick, timeframe) pairs left out of the candles
  std::uint64_t batches = 0;
  std::uint64_t history_bars = 0;  // bars merged from history payloads
};

class TickPipeline final : public TickIngest {
 public:
  TickPipeline(const Clock& clock, PipelineOptions options, MetricsRegistry& metrics);

  FeedId register_feed(FeedRegistration feed) override;
  void add_sink(IngestSink& sink);
  // At most one; it sees every batch before the sinks do.
  void set_durable_sink(DurableSink& sink) { durable_ = &sink; }

  std::size_t ingest(FeedId feed, std::span<const RawTick> ticks) override;
  // ingest() that also says which ticks were rejected and why (for replies to producers).
  std::size_t ingest(FeedId feed, std::span<const RawTick> ticks,
                     std::vector<TickRejection>& rejections);
  void advance_feed_clock(FeedId feed, UtcMicros now) override;
  std::size_t seed_history(FeedId feed, const HistorySeed& seed) override;
  // Closes the bars of live-clock assets that have ended by the wall clock.
  void advance_live_clock();

  const AssetRegistry& assets() const { return assets_; }
  AssetRegistry& assets() { return assets_; }
  const CandleAggregator& candles() const { return aggregator_; }
  // Puts closed candles from the database (after a restart) into the aggregator's history
  // (CandleAggregator::seed: bars it formed itself win). Nothing is published or stored again:
  // the candle cache is rewritten by the caller. Returns how many bars it took.
  std::size_t restore_candles(AssetId asset, Timeframe tf, std::span<const Candle> bars);
  // Rebuilds the identity index after a restart from ticks that were already durable (the
  // journal tail, ticks:{A}), each under its own asset, oldest first per asset, before the first
  // ingest. To cover the rule, pass per asset its last 4,096 ticks and any of the 10 s before its
  // newest beyond those (TickIdentityOptions). Repeats among them are skipped; returns how many
  // it took. Their seq and candles are restored elsewhere (Sequencer::restore, restore_candles).
  std::size_t restore_recent_ticks(std::span<const SequencedTick> ticks);
  const TickIdentityIndex& recent_ticks() const { return recent_; }
  Sequencer& sequencer() { return sequencer_; }
  const Sequencer& sequencer() const { return sequencer_; }
  const PipelineStats& stats() const { return stats_; }

 private:
  enum Reason {
    kAsset = 0, kPrice, kTime, kFuture, kCandle, kPeriod, kAlign, kNotDurable, kDuplicate,
    kReasonCount
  };
  struct Feed {
    FeedRegistration reg;
    std::uint32_t domain = 0;  // 0: the wall clock; otherwise the feed's own clock
    UtcMicros clock{};         // replay clock: latest data time seen
    LogLimiter reject_log;
    Counter* rejected[kReasonCount] = {};
  };

  void reject(Feed& f, Reason reason, std::string_view detail, std::size_t index = 0);
  void drop_duplicate(Feed& f, const RawTick& tick, std::size_t index);
  void refuse_not_durable(Feed& f, std::size_t n, std::string_view why);
  void close_domain(std::uint32_t domain, UtcMicros now);
  // False if the durable sink failed: the batch was withdrawn.
  bool dispatch();
  Counter& accepted_counter(AssetId asset);

  const Clock& clock_;
  PipelineOptions options_;
  MetricsRegistry& metrics_;
  AssetRegistry assets_;
  Sequencer sequencer_;
  CandleAggregator aggregator_;
  std::vector<IngestSink*> sinks_;
  DurableSink* durable_ = nullptr;
  std::vector<Feed> feeds_;
  std::vector<std::uint32_t> asset_domain_;
  std::vector<Counter*> accepted_;
  TickIdentityIndex recent_;
  PipelineStats stats_;

  // Per-batch scratch, reused.
  std::vector<SequencedTick> ticks_;
  CandleEvents events_;
  std::string arena_;
  std::vector<std::pair<std::size_t, std::size_t>> tick_spans_, candle_spans_;
  std::vector<std::string_view> tick_json_, candle_json_;
  std::vector<CandleUpdate> seeded_;
  std::vector<Candle> seed_bars_;
  std::vector<TickRejection>* rejections_ = nullptr;  // set during a reporting ingest()
  std::size_t rejections_from_ = 0;                    // this call's first entry in it
  std::vector<std::size_t> accepted_raw_;  // raw indexes of the batch's ticks (when reporting)

  Counter& m_late_amended_;
  Counter& m_late_dropped_;
  Histogram& m_feed_lag_;
};

}  // namespace quflx
