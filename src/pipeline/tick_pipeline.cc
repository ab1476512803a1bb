#include "pipeline/tick_pipeline.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <iterator>
#include <optional>
#include <cmath>

#include "protocol/market_json.h"

namespace quflx {
namespace {

constexpr const char* kReasonNames[] = {"invalid_asset",     "invalid_price",
                                        "invalid_timestamp", "future_timestamp",
                                        "invalid_candle",    "unsupported_period",
                                        "misaligned_history", "not_durable",
                                        "duplicate"};
constexpr ErrorCode kReasonCodes[] = {ErrorCode::kInvalidAsset,     ErrorCode::kInvalidPrice,
                                      ErrorCode::kInvalidTimestamp, ErrorCode::kFutureTimestamp,
                                      ErrorCode::kBadPayload,       ErrorCode::kBadPayload,
                                      ErrorCode::kBadPayload,       ErrorCode::kUnavailable,
                                      ErrorCode::kDuplicate};

bool valid_bar(const HistoryBar& b) {
  for (double v : {b.open, b.high, b.low, b.close}) {
    if (!std::isfinite(v) || v <= 0) return false;
  }
  return b.low <= b.high && b.low <= std::min(b.open, b.close) &&
         b.high >= std::max(b.open, b.close);
}

std::optional<Timeframe> timeframe_of_period(std::int64_t period_s) {
  for (Timeframe tf : kAllTimeframes) {
    if (duration_seconds(tf) == period_s) return tf;
  }
  return std::nullopt;
}

}  // namespace

TickPipeline::TickPipeline(const Clock& clock, PipelineOptions options, MetricsRegistry& metrics)
    : clock_(clock),
      options_(options),
      metrics_(metrics),
      aggregator_(options.candles),
      recent_(options.identity),
      m_late_amended_(metrics.counter("quflx_late_ticks_total",
                                      "Late ticks per timeframe, by what happened to them",
                                      {{"outcome", "amended"}})),
      m_late_dropped_(metrics.counter("quflx_late_ticks_total",
                                      "Late ticks per timeframe, by what happened to them",
                                      {{"outcome", "dropped"}})),
      m_feed_lag_(metrics.histogram("quflx_stage_latency_seconds",
                                    "Latency per pipeline stage, seconds",
                                    latency_buckets_seconds(), {{"stage", "feed_to_ingest"}})) {
  metrics.add_collector([this](MetricsWriter& w) {
    w.gauge("quflx_assets", "Assets seen since start", {}, static_cast<double>(assets_.size()));
  });
}

FeedId TickPipeline::register_feed(FeedRegistration reg) {
  const auto id = static_cast<FeedId>(feeds_.size());
  Feed& f = feeds_.emplace_back();
  f.domain = reg.replay_clock ? id + 1 : 0;
  static_assert(std::size(kReasonNames) == kReasonCount && std::size(kReasonCodes) == kReasonCount);
  for (int r = 0; r < kReasonCount; ++r) {
    f.rejected[r] = &metrics_.counter("quflx_feed_rejected_total",
                                      "Feed input rejected, by feed and reason",
                                      {{"feed", reg.name}, {"reason", kReasonNames[r]}});
  }
  f.reg = std::move(reg);
  return id;
}

void TickPipeline::add_sink(IngestSink& sink) { sinks_.push_back(&sink); }

Counter& TickPipeline::accepted_counter(AssetId asset) {
  if (asset >= accepted_.size()) accepted_.resize(asset + 1, nullptr);
  if (!accepted_[asset]) {
    accepted_[asset] = &metrics_.counter("quflx_ticks_accepted_total", "Ticks accepted, per asset",
                                         {{"asset", std::string(assets_.name(asset))}});
  }
  return *accepted_[asset];
}

void TickPipeline::reject(Feed& f, Reason reason, std::string_view detail, std::size_t index) {
  ++stats_.rejected;
  f.rejected[reason]->inc();
  if (rejections_) rejections_->push_back(TickRejection{index, kReasonCodes[reason], std::string(detail)});
  if (f.reject_log.allow()) {
    spdlog::warn("feed {}: tick rejected ({}): {} ({} similar suppressed)", f.reg.name,
                 kReasonNames[reason], detail, f.reject_log.take_suppressed());
  }
}

void TickPipeline::drop_duplicate(Feed& f, const RawTick& tick, std::size_t index) {
  ++stats_.duplicates;
  f.rejected[kDuplicate]->inc();
  if (rejections_) {
    rejections_->push_back(TickRejection{
        index, ErrorCode::kDuplicate,
        fmt::format("{}: a repeat of a tick already accepted (same timestamp to the millisecond, "
                    "same price)", tick.asset)});
  }
}

std::size_t TickPipeline::restore_recent_ticks(std::span<const SequencedTick> ticks) {
  std::size_t n = 0;
  for (const SequencedTick& t : ticks) n += recent_.restore(t.asset, t.time, t.price) ? 1 : 0;
  return n;
}

std::size_t TickPipeline::ingest(FeedId feed_id, std::span<const RawTick> raw,
                                 std::vector<TickRejection>& rejections) {
  rejections_ = &rejections;
  rejections_from_ = rejections.size();
  const std::size_t n = ingest(feed_id, raw);
  rejections_ = nullptr;
  return n;
}

std::size_t TickPipeline::ingest(FeedId feed_id, std::span<const RawTick> raw) {
  Feed& f = feeds_.at(feed_id);
  ticks_.clear();
  events_.clear();
  if (durable_ && !raw.empty() && !durable_->accepting()) {
    accepted_raw_.clear();
    for (std::size_t i = 0; rejections_ && i < raw.size(); ++i) accepted_raw_.push_back(i);
    refuse_not_durable(f, raw.size(), "the tick journal cannot take more (spool full or failing; "
                                      "see /health)");
    return 0;
  }
  const UtcMicros wall = clock_.now();
  const bool live = f.domain == 0;
  const UtcMicros min_time = from_unix_micros(1);
  accepted_raw_.clear();

  for (std::size_t i = 0; i < raw.size(); ++i) {
    const RawTick& r = raw[i];
    if (!is_valid_asset_name(r.asset)) {
      reject(f, kAsset, validate_asset_name(r.asset).error().message, i);
      continue;
    }
    if (!std::isfinite(r.price) || r.price <= 0.0) {
      reject(f, kPrice, fmt::format("{}: price must be a finite number > 0, got {}", r.asset, r.price), i);
      continue;
    }
    const UtcMicros t = r.time - f.reg.clock_offset;
    if (t < min_time) {
      reject(f, kTime, fmt::format("{}: timestamp before 1970 (after a clock offset of {} s)",
                                   r.asset, f.reg.clock_offset.count() / 1e6), i);
      continue;
    }
    UtcMicros now = wall;
    if (!live) {
      f.clock = std::max(f.clock, t);
      now = f.clock;
    }
    if (t > now + options_.max_future_skew) {
      reject(f, kFuture,
             fmt::format("{}: timestamp {:.3f} s ahead of the clock (limit {} s); is the feed's "
                         "clock offset set?",
                         r.asset, static_cast<double>((t - now).count()) / 1e6,
                         options_.max_future_skew.count() / 1e6), i);
      continue;
    }
    const AssetId asset = assets_.intern(r.asset);
    // Inserted as accepted, so a repeat later in the same batch is caught too.
    if (options_.drop_duplicates && !recent_.insert(asset, t, r.price)) {
      drop_duplicate(f, r, i);
      continue;
    }
    if (asset >= asset_domain_.size()) asset_domain_.resize(asset + 1, 0);
    asset_domain_[asset] = f.domain;
    const std::uint64_t seq = sequencer_.next(asset);
    ticks_.push_back(SequencedTick{asset, r.price, t, seq});
    if (rejections_) accepted_raw_.push_back(i);
    if (live) m_feed_lag_.observe(std::max(0.0, static_cast<double>((wall - t).count()) / 1e6));

    const TickFold fold = aggregator_.on_tick(asset, t, r.price, seq, now, events_);
    if (fold.amended) {
      const auto n = static_cast<std::uint64_t>(std::popcount(fold.amended));
      stats_.late_amended += n;
      m_late_amended_.inc(n);
    }
    if (fold.dropped) {
      const auto n = static_cast<std::uint64_t>(std::popcount(fold.dropped));
      stats_.late_dropped += n;
      m_late_dropped_.inc(n);
    }
  }
  if ((!ticks_.empty() || !events_.empty()) && !dispatch()) {
    // Not durable, so never visible: the seq numbers are handed out again, and the ticks are
    // not "seen" (their retry must not count as duplicates).
    for (auto it = ticks_.rbegin(); it != ticks_.rend(); ++it) {
      sequencer_.withdraw(it->asset, it->seq);
    }
    recent_.rollback();
    // A repeat of a tick earlier in this batch repeats nothing stored now (the index no longer
    // holds it after the rollback): it is refused with it, so the producer retries it too.
    if (rejections_) {
      for (std::size_t i = rejections_from_; i < rejections_->size(); ++i) {
        TickRejection& r = (*rejections_)[i];
        if (r.code != ErrorCode::kDuplicate) continue;
        const RawTick& d = raw[r.index];
        const auto asset = assets_.find(d.asset);
        if (asset && recent_.contains(*asset, d.time - f.reg.clock_offset, d.price)) continue;
        r.code = ErrorCode::kUnavailable;
        r.message = "the tick journal failed to store it (nor the tick it repeats)";
      }
    }
    refuse_not_durable(f, ticks_.size(), "the tick journal failed to store them");
    return 0;
  }
  recent_.commit();
  for (const auto& t : ticks_) accepted_counter(t.asset).inc();
  stats_.accepted += ticks_.size();
  return ticks_.size();
}

void TickPipeline::refuse_not_durable(Feed& f, std::size_t n, std::string_view why) {
  stats_.rejected += n;
  stats_.not_durable += n;
  f.rejected[kNotDurable]->inc(n);
  if (rejections_) {
    for (std::size_t i : accepted_raw_) {
      rejections_->push_back(TickRejection{i, ErrorCode::kUnavailable, std::string(why)});
    }
  }
  if (f.reject_log.allow()) {
    spdlog::warn("feed {}: {} ticks refused: {} ({} similar suppressed)", f.reg.name, n, why,
                 f.reject_log.take_suppressed());
  }
}

std::size_t TickPipeline::seed_history(FeedId feed_id, const HistorySeed& seed) {
  Feed& f = feeds_.at(feed_id);
  if (!is_valid_asset_name(seed.asset)) {
    reject(f, kAsset, "history: " + validate_asset_name(seed.asset).error().message);
    return 0;
  }
  const auto tf = timeframe_of_period(seed.period_s);
  if (!tf) {
    reject(f, kPeriod, fmt::format("history for {}: period {} s is not one of the timeframes",
                                   seed.asset, seed.period_s));
    return 0;
  }
  const std::int64_t d = duration_seconds(*tf);
  const std::int64_t offset_us = f.reg.clock_offset.count();
  const bool live = f.domain == 0;
  seed_bars_.clear();

  // The payload's own bars; they shift with the clock offset, which must keep them aligned.
  if (!seed.bars.empty() && offset_us % (d * 1'000'000) != 0) {
    reject(f, kAlign,
           fmt::format("history for {}: {} bars of {} cannot be aligned to UTC after a clock "
                       "offset of {} s", seed.asset, seed.bars.size(), to_string(*tf), offset_us / 1e6));
  } else {
    for (const HistoryBar& b : seed.bars) {
      const std::int64_t open = b.open_time_s - offset_us / 1'000'000;
      if (!valid_bar(b) || open <= 0 || open % d != 0) {
        reject(f, kCandle, fmt::format("history for {}: bar at {} (o {} h {} l {} c {}) is not a "
                                       "valid {} bar", seed.asset, b.open_time_s, b.open, b.high,
                                       b.low, b.close, to_string(*tf)));
        continue;
      }
      Candle c;
      c.open_time_s = open;
      c.open = b.open;
      c.high = b.high;
      c.low = b.low;
      c.close = b.close;
      c.volume = 0;  // the broker's bars say nothing about how many ticks they had
      c.first_tick = c.last_tick = from_unix_micros(open * 1'000'000);
      seed_bars_.push_back(c);
    }
  }
  // History ticks, bucketed into bars of the period; a bar the payload also gave wins.
  const std::size_t given = seed_bars_.size();
  for (const HistoryPoint& p : seed.ticks) {
    const UtcMicros t = p.time - f.reg.clock_offset;
    if (!std::isfinite(p.price) || p.price <= 0.0) {
      reject(f, kPrice, fmt::format("history for {}: price must be a finite number > 0, got {}",
                                    seed.asset, p.price));
      continue;
    }
    if (t < from_unix_micros(1)) {
      reject(f, kTime, fmt::format("history for {}: timestamp before 1970", seed.asset));
      continue;
    }
    const std::int64_t s = unix_micros(t) / 1'000'000;
    const std::int64_t open = s - s % d;
    if (seed_bars_.size() > given && seed_bars_.back().open_time_s == open) {
      Candle& c = seed_bars_.back();
      if (t < c.first_tick) {
        c.first_tick = t;
        c.open = p.price;
      }
      if (t >= c.last_tick) {
        c.last_tick = t;
        c.close = p.price;
      }
      c.high = std::max(c.high, p.price);
      c.low = std::min(c.low, p.price);
      ++c.volume;
      continue;
    }
    Candle c;
    c.open_time_s = open;
    c.open = c.high = c.low = c.close = p.price;
    c.volume = 1;
    c.first_tick = c.last_tick = t;
    seed_bars_.push_back(c);
  }
  if (seed_bars_.size() > given) {
    // Keep the payload's bars where both exist, then restore time order.
    std::vector<Candle> merged;
    merged.reserve(seed_bars_.size());
    std::merge(seed_bars_.begin(), seed_bars_.begin() + static_cast<std::ptrdiff_t>(given),
               seed_bars_.begin() + static_cast<std::ptrdiff_t>(given), seed_bars_.end(),
               std::back_inserter(merged),
               [](const Candle& a, const Candle& b) { return a.open_time_s < b.open_time_s; });
    seed_bars_.clear();
    for (const Candle& c : merged) {
      if (!seed_bars_.empty() && seed_bars_.back().open_time_s == c.open_time_s) continue;
      seed_bars_.push_back(c);
    }
  }
  if (seed_bars_.empty()) return 0;

  const AssetId asset = assets_.intern(seed.asset);
  if (asset >= asset_domain_.size()) asset_domain_.resize(asset + 1, 0);
  asset_domain_[asset] = f.domain;
  UtcMicros now = clock_.now();
  if (!live) {
    f.clock = std::max(f.clock, seed_bars_.back().last_tick);
    now = f.clock;
  }
  ticks_.clear();
  events_.clear();
  seeded_.clear();
  const std::size_t n = aggregator_.seed(asset, *tf, seed_bars_, now, events_, seeded_);
  stats_.history_bars += n;
  if ((!events_.empty() || !seeded_.empty()) && !dispatch()) {
    spdlog::error("tick journal: {} history bars of {} could not be stored; they stay out of "
                  "the database", seeded_.size(), seed.asset);
  }
  seeded_.clear();
  return n;
}

std::size_t TickPipeline::restore_candles(AssetId asset, Timeframe tf,
                                         std::span<const Candle> bars) {
  CandleEvents discarded;
  std::vector<CandleUpdate> taken;
  return aggregator_.seed(asset, tf, bars, clock_.now(), discarded, taken);
}

void TickPipeline::close_domain(std::uint32_t domain, UtcMicros now) {
  ticks_.clear();
  events_.clear();
  for (AssetId a = 0; a < asset_domain_.size(); ++a) {
    if (asset_domain_[a] == domain) aggregator_.advance_clock(a, now, events_);
  }
  if (!events_.empty() && !dispatch()) {
    spdlog::error("tick journal: {} closed candles could not be stored; they stay out of the "
                  "database", events_.updates().size());
  }
}

void TickPipeline::advance_feed_clock(FeedId feed_id, UtcMicros now) {
  Feed& f = feeds_.at(feed_id);
  if (f.domain == 0) return;  // live feeds follow the wall clock
  f.clock = std::max(f.clock, now);
  close_domain(f.domain, f.clock);
}

void TickPipeline::advance_live_clock() { close_domain(0, clock_.now()); }

bool TickPipeline::dispatch() {
  // Encode every tick and candle update once; sinks share the bytes.
  arena_.clear();
  tick_spans_.clear();
  candle_spans_.clear();
  for (const auto& t : ticks_) {
    const std::size_t start = arena_.size();
    append_tick_json(arena_, assets_.name(t.asset), t);
    tick_spans_.emplace_back(start, arena_.size() - start);
  }
  for (const auto& u : events_.updates()) {
    const std::size_t start = arena_.size();
    append_candle_update_json(arena_, assets_.name(u.asset), u.timeframe, u.candle);
    candle_spans_.emplace_back(start, arena_.size() - start);
  }
  tick_json_.clear();
  candle_json_.clear();
  for (auto [s, n] : tick_spans_) tick_json_.emplace_back(arena_.data() + s, n);
  for (auto [s, n] : candle_spans_) candle_json_.emplace_back(arena_.data() + s, n);

  IngestBatch batch;
  batch.ticks = ticks_;
  batch.tick_json = tick_json_;
  batch.candles = events_.updates();
  batch.candle_json = candle_json_;
  batch.history_changed = events_.history_changed();
  batch.seeded = seeded_;
  if (durable_ && !durable_->append(batch)) return false;
  ++stats_.batches;
  for (IngestSink* s : sinks_) s->on_batch(batch);
  return true;
}

}  // namespace quflx
