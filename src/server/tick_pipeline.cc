#include "server/tick_pipeline.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <bit>
#include <cmath>

#include "protocol/market_json.h"

namespace quflx {
namespace {

constexpr const char* kReasonNames[] = {"invalid_asset", "invalid_price", "invalid_timestamp",
                                        "future_timestamp"};

}  // namespace

TickPipeline::TickPipeline(const Clock& clock, PipelineOptions options, MetricsRegistry& metrics)
    : clock_(clock),
      options_(options),
      metrics_(metrics),
      aggregator_(options.candles),
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
  for (int r = 0; r < 4; ++r) {
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

void TickPipeline::reject(Feed& f, Reason reason, std::string_view detail) {
  ++stats_.rejected;
  f.rejected[reason]->inc();
  if (f.reject_log.allow()) {
    spdlog::warn("feed {}: tick rejected ({}): {} ({} similar suppressed)", f.reg.name,
                 kReasonNames[reason], detail, f.reject_log.take_suppressed());
  }
}

std::size_t TickPipeline::ingest(FeedId feed_id, std::span<const RawTick> raw) {
  Feed& f = feeds_.at(feed_id);
  ticks_.clear();
  events_.clear();
  const UtcMicros wall = clock_.now();
  const bool live = f.domain == 0;
  const UtcMicros min_time = from_unix_micros(1);

  for (const RawTick& r : raw) {
    if (!is_valid_asset_name(r.asset)) {
      reject(f, kAsset, validate_asset_name(r.asset).error().message);
      continue;
    }
    if (!std::isfinite(r.price) || r.price <= 0.0) {
      reject(f, kPrice, fmt::format("{}: price must be a finite number > 0, got {}", r.asset, r.price));
      continue;
    }
    const UtcMicros t = r.time - f.reg.clock_offset;
    if (t < min_time) {
      reject(f, kTime, fmt::format("{}: timestamp before 1970 (after a clock offset of {} s)",
                                   r.asset, f.reg.clock_offset.count() / 1e6));
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
                         options_.max_future_skew.count() / 1e6));
      continue;
    }
    const AssetId asset = assets_.intern(r.asset);
    if (asset >= asset_domain_.size()) asset_domain_.resize(asset + 1, 0);
    asset_domain_[asset] = f.domain;
    const std::uint64_t seq = sequencer_.next(asset);
    ticks_.push_back(SequencedTick{asset, r.price, t, seq});
    accepted_counter(asset).inc();
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
  stats_.accepted += ticks_.size();
  if (!ticks_.empty() || !events_.empty()) dispatch();
  return ticks_.size();
}

void TickPipeline::close_domain(std::uint32_t domain, UtcMicros now) {
  ticks_.clear();
  events_.clear();
  for (AssetId a = 0; a < asset_domain_.size(); ++a) {
    if (asset_domain_[a] == domain) aggregator_.advance_clock(a, now, events_);
  }
  if (!events_.empty()) dispatch();
}

void TickPipeline::advance_feed_clock(FeedId feed_id, UtcMicros now) {
  Feed& f = feeds_.at(feed_id);
  if (f.domain == 0) return;  // live feeds follow the wall clock
  f.clock = std::max(f.clock, now);
  close_domain(f.domain, f.clock);
}

void TickPipeline::advance_live_clock() { close_domain(0, clock_.now()); }

void TickPipeline::dispatch() {
  ++stats_.batches;
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
  for (IngestSink* s : sinks_) s->on_batch(batch);
}

}  // namespace quflx
