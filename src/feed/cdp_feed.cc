#include "feed/cdp_feed.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "protocol/cdp_messages.h"

namespace quflx {

namespace asio = boost::asio;

CdpFeed::CdpFeed(asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
                 CdpFeedOptions options, const Clock& clock, MetricsRegistry& metrics)
    : executor_(executor),
      options_(std::move(options)),
      faults_("cdp", metrics),
      frames_(ingest, feed, "cdp", faults_, clock, metrics, options_.stale_after),
      client_(executor, options_.client),
      backoff_(options_.backoff_initial, options_.backoff_max),
      wait_(executor),
      housekeeping_(executor),
      m_connects_(metrics.counter("quflx_feed_connects_total",
                                  "Connections a feed made to its upstream", {{"feed", "cdp"}})) {}

CdpFeed::~CdpFeed() = default;

void CdpFeed::start() {
  if (running_) return;
  running_ = true;
  asio::co_spawn(executor_, run(), asio::detached);
  schedule_housekeeping();
}

void CdpFeed::stop() {
  running_ = false;
  wait_.cancel();
  housekeeping_.cancel();
  client_.close();
  state_ = "stopped";
}

FeedStatus CdpFeed::status() const {
  FeedStatus s;
  s.name = "cdp";
  s.state = state_;
  s.ticks = frames_.ticks();
  s.detail = fmt::format("page {}; {} frames from {} sockets, {} history bars, {} inputs skipped, "
                         "{} stale assets{}{}",
                         page_url_.empty() ? "(none)" : page_url_, frames_seen_, sockets_.size(),
                         frames_.history_bars(), faults_.total(), frames_.stale_assets(),
                         detail_.empty() ? "" : "; ", detail_);
  return s;
}

void CdpFeed::schedule_housekeeping() {
  housekeeping_.expires_after(std::chrono::seconds(1));
  housekeeping_.async_wait([this](boost::system::error_code ec) {
    if (ec || !running_) return;
    frames_.check_staleness();
    schedule_housekeeping();
  });
}

asio::awaitable<Result<void>> CdpFeed::attach() {
  WebUrl list = options_.cdp_url;
  list.target = "/json/list";
  auto body = co_await http_get(executor_, list, options_.client.connect_timeout,
                                options_.client.ca_file);
  if (!body.ok()) co_return body.error();
  auto targets = parse_cdp_targets(*body);
  if (!targets.ok()) co_return targets.error();
  for (const auto& t : *targets) {
    if (t.type != "page" || t.ws_url.empty()) continue;
    if (!options_.target_filter.empty() && t.url.find(options_.target_filter) == std::string::npos) {
      continue;
    }
    auto url = parse_web_url(t.ws_url);
    if (!url.ok()) co_return url.error();
    auto r = co_await client_.connect(*url);
    if (!r.ok()) co_return r;
    page_url_ = t.url;
    co_return Result<void>{};
  }
  co_return make_error(ErrorCode::kNotFound,
                       options_.target_filter.empty()
                           ? std::string("no page target")
                           : fmt::format("no page whose URL contains '{}'", options_.target_filter));
}

asio::awaitable<Result<void>> CdpFeed::capture() {
  client_.send(R"({"id":1,"method":"Network.enable","params":{"maxTotalBufferSize":0}})");
  for (;;) {
    auto m = co_await client_.read();
    if (!m.ok()) co_return m.error();
    if (!running_) co_return Result<void>{};
    backoff_.reset();
    auto msg = parse_cdp_message(m->data);
    if (!msg.ok()) {
      faults_.count(FrameFault::kMalformedFrame, msg.error().message);
      continue;
    }
    switch (msg->kind) {
      case CdpKind::kFrameReceived: {
        ++frames_seen_;
        auto& d = sockets_[msg->request_id];
        if (!d) d = make_feed_decoder(options_.format, frames_, nullptr);
        if (msg->binary) {
          d->on_binary(msg->payload);
        } else {
          d->on_text(msg->payload);
        }
        break;
      }
      case CdpKind::kSocketCreated:
        spdlog::info("feed cdp: page opened WebSocket {} ({})", msg->request_id,
                     msg->url.substr(0, msg->url.find('?')));
        sockets_[msg->request_id] = make_feed_decoder(options_.format, frames_, nullptr);
        break;
      case CdpKind::kSocketClosed:
        sockets_.erase(msg->request_id);
        break;
      case CdpKind::kDetached:
        co_return make_error(ErrorCode::kUnavailable, "page detached: " + msg->error);
      case CdpKind::kReply:
        if (!msg->error.empty()) {
          co_return make_error(ErrorCode::kProtocol, "DevTools refused Network.enable: " + msg->error);
        }
        state_ = "running";
        break;
      case CdpKind::kOther:
        break;
    }
  }
}

asio::awaitable<void> CdpFeed::run() {
  LogLimiter log(3, std::chrono::seconds(60));
  while (running_) {
    state_ = "connecting";
    auto r = co_await attach();
    if (!running_) break;
    if (r.ok()) {
      m_connects_.inc();
      spdlog::info("feed cdp: attached to {}", page_url_);
      detail_.clear();
      r = co_await capture();
      client_.close();
      sockets_.clear();
    }
    if (!running_) break;
    state_ = "reconnecting";
    detail_ = r.ok() ? "DevTools connection closed" : r.error().message;
    const auto delay = backoff_.next();
    if (log.allow()) {
      spdlog::warn("feed cdp: {}; retrying in {} ms ({} similar suppressed)", detail_,
                   delay.count(), log.take_suppressed());
    }
    wait_.expires_after(delay);
    co_await wait_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace quflx
