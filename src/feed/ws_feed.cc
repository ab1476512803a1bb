#include "feed/ws_feed.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>

namespace quflx {

namespace asio = boost::asio;

WsFeed::WsFeed(asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
               WsFeedOptions options, const Clock& clock, MetricsRegistry& metrics)
    : UpstreamFeed("ws", executor, ingest, feed, options, clock, metrics),
      options_(std::move(options)),
      decoder_(make_feed_decoder(options_.format, frames_, this)) {}

WsFeed::~WsFeed() = default;

std::string WsFeed::describe() const {
  return fmt::format("{}; {} messages", options_.url.display(), messages_);
}

void WsFeed::on_housekeeping() {
  const auto now = std::chrono::steady_clock::now();
  if (connected_ && !options_.keepalive_message.empty() &&
      now - last_keepalive_ >= options_.keepalive_interval) {
    last_keepalive_ = now;
    client_.send(options_.keepalive_message);
  }
}

asio::awaitable<Result<void>> WsFeed::session() {
  auto r = co_await client_.connect(options_.url);
  if (!r.ok() || !running()) co_return r;
  connected(fmt::format("connected to {}", options_.url.display()));
  decoder_->reset();
  connected_ = true;
  set_state("running");
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
    if (!running()) break;
  }
  connected_ = false;
  client_.close();
  co_return r;
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
