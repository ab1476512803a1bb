#include "feed/upstream_feed.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"

namespace quflx {

namespace asio = boost::asio;

UpstreamFeed::UpstreamFeed(std::string name, asio::any_io_executor executor, TickIngest& ingest,
                           FeedId feed, const UpstreamOptions& options, const Clock& clock,
                           MetricsRegistry& metrics)
    : executor_(executor),
      faults_(name, metrics),
      frames_(ingest, feed, name, faults_, clock, metrics, options.stale_after),
      client_(executor, options.client),
      backoff_(options.backoff_initial, options.backoff_max),
      name_(std::move(name)),
      wait_(executor),
      housekeeping_(executor),
      m_connects_(metrics.counter("quflx_feed_connects_total",
                                  "Connections a feed made to its upstream", {{"feed", name_}})) {}

UpstreamFeed::~UpstreamFeed() = default;

void UpstreamFeed::start() {
  if (running_) return;
  running_ = true;
  asio::co_spawn(executor_, run(), asio::detached);
  schedule_housekeeping();
}

void UpstreamFeed::stop() {
  running_ = false;
  wait_.cancel();
  housekeeping_.cancel();
  client_.close();
  state_ = "stopped";
}

FeedStatus UpstreamFeed::status() const {
  FeedStatus s;
  s.name = name_;
  s.state = state_;
  s.ticks = frames_.ticks();
  s.detail = fmt::format("{}, {} history bars, {} inputs skipped, {} stale assets{}{}", describe(),
                         frames_.history_bars(), faults_.total(), frames_.stale_assets(),
                         detail_.empty() ? "" : "; ", detail_);
  return s;
}

void UpstreamFeed::connected(std::string_view what) {
  m_connects_.inc();
  detail_.clear();
  spdlog::info("feed {}: {}", name_, what);
}

void UpstreamFeed::schedule_housekeeping() {
  housekeeping_.expires_after(std::chrono::seconds(1));
  housekeeping_.async_wait([this](boost::system::error_code ec) {
    if (ec || !running_) return;
    frames_.check_staleness();
    on_housekeeping();
    schedule_housekeeping();
  });
}

asio::awaitable<void> UpstreamFeed::run() {
  LogLimiter log(3, std::chrono::seconds(60));
  while (running_) {
    state_ = "connecting";
    const auto r = co_await session();
    if (!running_) break;
    state_ = "reconnecting";
    detail_ = r.ok() ? "connection closed" : r.error().message;
    const auto delay = backoff_.next();
    if (log.allow()) {
      spdlog::warn("feed {}: {}; reconnecting in {} ms ({} similar suppressed)", name_, detail_,
                   delay.count(), log.take_suppressed());
    }
    wait_.expires_after(delay);
    co_await wait_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace quflx
