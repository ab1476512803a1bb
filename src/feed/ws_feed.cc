#include "feed/ws_feed.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace quflx {

namespace asio = boost::asio;

WsFeed::WsFeed(asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
               WsFeedOptions options, const Clock& clock, MetricsRegistry& metrics)
    : executor_(executor),
      options_(std::move(options)),
      faults_("ws", metrics),
      frames_(ingest, feed, "ws", faults_, clock, metrics, options_.stale_after),
      decoder_(make_feed_decoder(options_.format, frames_, this)),
      client_(executor, options_.client),
      backoff_(options_.backoff_initial, options_.backoff_max),
      wait_(executor),
      housekeeping_(executor),
      m_connects_(metrics.counter("quflx_feed_connects_total",
                                  "Connections a feed made to its upstream", {{"feed", "ws"}})) {}

WsFeed::~WsFeed() = default;

void WsFeed::start() {
  if (running_) return;
  running_ = true;
  asio::co_spawn(executor_, run(), asio::detached);
  schedule_housekeeping();
}

void WsFeed::stop() {
  running_ = false;
  wait_.cancel();
  housekeeping_.cancel();
  client_.close();
  state_ = "stopped";
}

FeedStatus WsFeed::status() const {
  FeedStatus s;
  s.name = "ws";
  s.state = state_;
  s.ticks = frames_.ticks();
  s.detail = fmt::format("{}; {} messages, {} history bars, {} inputs skipped, {} stale assets{}{}",
                         options_.url.display(), messages_, frames_.history_bars(),
                         faults_.total(), frames_.stale_assets(), detail_.empty() ? "" : "; ",
                         detail_);
  return s;
}

void WsFeed::schedule_housekeeping() {
  housekeeping_.expires_after(std::chrono::seconds(1));
  housekeeping_.async_wait([this](boost::system::error_code ec) {
    if (ec || !running_) return;
    frames_.check_staleness();
    const auto now = std::chrono::steady_clock::now();
    if (connected_ && !options_.keepalive_message.empty() &&
        now - last_keepalive_ >= options_.keepalive_interval) {
      last_keepalive_ = now;
      client_.send(options_.keepalive_message);
    }
    schedule_housekeeping();
  });
}

asio::awaitable<void> WsFeed::run() {
  LogLimiter log(3, std::chrono::seconds(60));
  while (running_) {
    state_ = "connecting";
    auto r = co_await client_.connect(options_.url);
    if (!running_) break;
    if (r.ok()) {
      m_connects_.inc();
      spdlog::info("feed ws: connected to {}", options_.url.display());
      decoder_->reset();
      connected_ = true;
      state_ = "running";
      detail_.clear();
      last_keepalive_ = std::chrono::steady_clock::now();
      if (options_.format == FeedFormat::kJson) send_configured();
      for (;;) {
        auto m = co_await client_.read();
        if (!m.ok()) {
          if (m.error().code == ErrorCode::kPayloadTooLarge) {
            faults_.count(FrameFault::kTooLarge, m.error().message);
          }
          r = m.error();
          break;
        }
        ++messages_;
        backoff_.reset();  // the upstream delivers: a later loss starts the backoff afresh
        if (m->binary) {
          decoder_->on_binary(m->data);
        } else {
          decoder_->on_text(m->data);
        }
        if (!running_) break;
      }
      connected_ = false;
      client_.close();
    }
    if (!running_) break;
    state_ = "reconnecting";
    detail_ = r.ok() ? "connection closed" : r.error().message;
    const auto delay = backoff_.next();
    if (log.allow()) {
      spdlog::warn("feed ws: {}; reconnecting in {} ms ({} similar suppressed)", detail_,
                   delay.count(), log.take_suppressed());
    }
    wait_.expires_after(delay);
    co_await wait_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  connected_ = false;
}

void WsFeed::send_text(std::string_view text) { client_.send(std::string(text)); }

void WsFeed::on_open(const EioOpen& open) {
  spdlog::debug("feed ws: Engine.IO session {} (ping every {} ms)", open.sid, open.ping_interval_ms);
}

void WsFeed::on_connected() { send_configured(); }

void WsFeed::on_server_close(std::string_view why) {
  spdlog::warn("feed ws: upstream ended the session ({})", why);
  client_.close();
}

void WsFeed::send_configured() {
  for (const auto& m : options_.send_on_connect) client_.send(m);
  if (!options_.send_on_connect.empty()) {
    spdlog::info("feed ws: sent {} configured messages", options_.send_on_connect.size());
  }
}

}  // namespace quflx
