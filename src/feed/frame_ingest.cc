#include "feed/frame_ingest.h"

#include <spdlog/spdlog.h>

namespace quflx {

FeedFaults::FeedFaults(std::string feed, MetricsRegistry& metrics) : feed_(std::move(feed)) {
  for (std::size_t i = 0; i < kFrameFaultCount; ++i) {
    counters_[i] = &metrics.counter(
        "quflx_feed_rejected_total", "Feed input rejected, by feed and reason",
        {{"feed", feed_}, {"reason", std::string(to_string(static_cast<FrameFault>(i)))}});
  }
}

void FeedFaults::count(FrameFault fault, std::string_view detail) {
  ++total_;
  counters_[static_cast<std::size_t>(fault)]->inc();
  if (log_.allow()) {
    spdlog::warn("feed {}: input skipped ({}): {} ({} similar suppressed)", feed_,
                 to_string(fault), detail, log_.take_suppressed());
  }
}

std::uint64_t FeedFaults::count_of(FrameFault fault) const {
  return counters_[static_cast<std::size_t>(fault)]->value();
}

FrameIngest::FrameIngest(TickIngest& ingest, FeedId feed, std::string feed_name,
                         FeedFaults& faults, const Clock& clock, MetricsRegistry& metrics,
                         Micros stale_after)
    : ingest_(ingest),
      feed_(feed),
      feed_name_(std::move(feed_name)),
      faults_(faults),
      clock_(clock),
      metrics_(metrics),
      stale_after_(stale_after) {
  // Read on the scraping thread; the HTTP server runs on the ingest loop, like this object.
  collector_ = metrics_.add_collector([this](MetricsWriter& w) {
    const UtcMicros now = clock_.now();
    for (const auto& [asset, st] : assets_) {
      const Labels labels{{"feed", feed_name_}, {"asset", asset}};
      w.gauge("quflx_feed_asset_stale", "1 while an asset has not ticked for --stale-after",
              labels, st.stale ? 1.0 : 0.0);
      w.gauge("quflx_feed_asset_last_tick_age_seconds", "Seconds since an asset's latest tick",
              labels, static_cast<double>((now - st.last_tick).count()) / 1e6);
    }
  });
}

FrameIngest::~FrameIngest() { metrics_.remove_collector(collector_); }

void FrameIngest::on_ticks(std::span<const RawTick> ticks) {
  ingest_.ingest(feed_, ticks);
  note_ticks(ticks);
}

void FrameIngest::note_ticks(std::span<const RawTick> ticks) {
  ticks_ += ticks.size();
  const UtcMicros now = clock_.now();
  // Consecutive ticks of one asset are the common case: one lookup per run.
  std::string_view last;
  for (const RawTick& t : ticks) {
    if (t.asset == last) continue;
    last = t.asset;
    auto [it, added] = assets_.try_emplace(std::string(t.asset));
    it->second.last_tick = now;
    if (it->second.stale) {
      it->second.stale = false;
      spdlog::info("feed {}: {} ticks again", feed_name_, it->first);
      if (on_stale_) on_stale_(StaleChange{feed_name_, it->first, false, now});
    }
  }
}

void FrameIngest::check_staleness() {
  const UtcMicros now = clock_.now();
  for (auto& [asset, st] : assets_) {
    if (st.stale || now - st.last_tick < stale_after_) continue;
    st.stale = true;
    spdlog::warn("feed {}: no tick for {} since {:.1f} s", feed_name_, asset,
                 static_cast<double>((now - st.last_tick).count()) / 1e6);
    if (on_stale_) on_stale_(StaleChange{feed_name_, asset, true, st.last_tick});
  }
}

std::size_t FrameIngest::stale_assets() const {
  std::size_t n = 0;
  for (const auto& [asset, st] : assets_) n += st.stale ? 1 : 0;
  return n;
}

void FrameIngest::on_history(const HistoryPayload& h) {
  history_bars_ += ingest_.seed_history(feed_, HistorySeed{h.asset, h.period_s, h.candles, h.ticks});
}

void FrameIngest::on_active_asset(std::string_view asset) {
  if (on_active_) on_active_(asset);
}

void FrameIngest::on_fault(FrameFault fault, std::string_view detail) { faults_.count(fault, detail); }

}  // namespace quflx
