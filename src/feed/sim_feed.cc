#include "feed/sim_feed.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace quflx {

SimFeed::SimFeed(boost::asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
                 SimOptions options, const Clock& clock)
    : ingest_(ingest),
      feed_(feed),
      options_(std::move(options)),
      clock_(clock),
      timer_(std::move(executor)),
      total_rate_(options_.ticks_per_second_per_asset *
                  static_cast<double>(options_.assets.size())) {
  const double step = 1.0 / options_.ticks_per_second_per_asset;
  for (const auto& a : options_.assets) {
    walks_.emplace_back(a, asset_seed(options_.seed, a.name), step);
    current_ms_.emplace_back();
  }
}

void SimFeed::start() {
  if (running_ || options_.assets.empty()) return;
  running_ = true;
  start_steady_ = std::chrono::steady_clock::now();
  last_due_ = start_steady_;
  start_wall_ = clock_.now();
  spdlog::info("feed sim: {} assets at {} ticks/s each ({} ticks/s in total), seed {}",
               options_.assets.size(), options_.ticks_per_second_per_asset, total_rate_,
               options_.seed);
  emit_due();
  schedule();
}

void SimFeed::stop() {
  running_ = false;
  timer_.cancel();
}

FeedStatus SimFeed::status() const {
  FeedStatus s;
  s.name = "sim";
  s.state = running_ ? "running" : "stopped";
  s.ticks = emitted_ - skipped_;
  if (skipped_ > 0) s.detail = std::to_string(skipped_) + " ticks skipped to keep up";
  return s;
}

void SimFeed::schedule() {
  if (!running_) return;
  // Next tick's due time, but no sooner than min_step after the previous wake-up's due time.
  // Measured from the schedule, not from now: every wake-up is a little late, and counting
  // min_step from after it would let the ticks fall behind their own timestamps by up to
  // min_step (at 1,000 ticks/s, half a millisecond on average). After a stall, one wake-up at
  // once catches up; the missed ones are not replayed.
  const double next_s = static_cast<double>(emitted_) / total_rate_;
  auto due = start_steady_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(next_s));
  due = std::max(due, last_due_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      options_.min_step));
  due = std::max(due, std::chrono::steady_clock::now());
  last_due_ = due;
  timer_.expires_at(due);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !running_) return;
    emit_due();
    schedule();
  });
}

double SimFeed::distinct_price(std::size_t asset, UtcMicros time, double price) {
  // Within one millisecond an asset's prices only rise (each at least one tick size above the
  // last), so they are distinct in O(1); the walk itself is untouched.
  Millisecond& m = current_ms_[asset];
  const std::int64_t ms = unix_micros(time) / 1000;
  if (m.ms == ms && price <= m.highest) price = walks_[asset].moved(m.highest, 1);
  m.ms = ms;
  m.highest = price;
  return price;
}

void SimFeed::emit_due() {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_steady_).count();
  const auto due = static_cast<std::uint64_t>(std::floor(elapsed * total_rate_)) + 1;
  if (due <= emitted_) return;
  std::uint64_t n = due - emitted_;
  const auto one_second = static_cast<std::uint64_t>(std::ceil(total_rate_));
  if (n > one_second + options_.max_batch) {
    const std::uint64_t skip = n - options_.max_batch;
    skipped_ += skip;
    emitted_ += skip;
    n -= skip;
  }
  n = std::min<std::uint64_t>(n, options_.max_batch);

  batch_.clear();
  const std::size_t assets = options_.assets.size();
  for (std::uint64_t k = emitted_; k < emitted_ + n; ++k) {
    const std::size_t i = static_cast<std::size_t>(k % assets);
    const auto offset = Micros{static_cast<std::int64_t>(static_cast<double>(k) / total_rate_ * 1e6)};
    const UtcMicros time = start_wall_ + offset;
    batch_.push_back(RawTick{options_.assets[i].name, distinct_price(i, time, walks_[i].next()), time});
  }
  emitted_ += n;
  ingest_.ingest(feed_, batch_);
}

}  // namespace quflx
