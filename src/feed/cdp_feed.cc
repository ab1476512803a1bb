#include "feed/cdp_feed.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>

#include "protocol/cdp_messages.h"

namespace quflx {

namespace asio = boost::asio;

CdpFeed::CdpFeed(asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
                 CdpFeedOptions options, const Clock& clock, MetricsRegistry& metrics)
    : UpstreamFeed("cdp", executor, ingest, feed, options, clock, metrics),
      options_(std::move(options)) {}

CdpFeed::~CdpFeed() = default;

std::string CdpFeed::describe() const {
  return fmt::format("page {}; {} frames from {} sockets", page_url_.empty() ? "(none)" : page_url_,
                     frames_seen_, sockets_.size());
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
    if (!running()) co_return Result<void>{};
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
        set_state("running");
        break;
      case CdpKind::kOther:
        break;
    }
  }
}

asio::awaitable<Result<void>> CdpFeed::session() {
  auto r = co_await attach();
  if (!r.ok() || !running()) co_return r;
  connected(fmt::format("attached to {}", page_url_));
  r = co_await capture();
  client_.close();
  sockets_.clear();
  co_return r;
}

}  // namespace quflx
