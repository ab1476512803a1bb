#pragma once
// WsFeed: ticks from an upstream WebSocket (SPEC §2 "ws"). Connects to `url` (ws:// or wss://),
// decodes every message with a FeedDecoder (pocketoption: a Socket.IO v4 client side that
// answers Engine.IO pings and the `40` connect; json: plain tick objects) and hands what it
// decodes to the pipeline through FrameIngest. After connecting (for pocketoption: once the
// Socket.IO namespace is connected) it sends the configured messages, e.g. an auth event and
// changeSymbol subscriptions, and every `keepalive_interval` the keep-alive message if one is
// set. A lost or silent connection is retried forever with exponential backoff and jitter.
// Reconnecting, staleness checks and status: UpstreamFeed.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "feed/upstream_feed.h"

namespace quflx {

// format, stale_after, backoff and client options: UpstreamOptions.
struct WsFeedOptions : UpstreamOptions {
  WebUrl url;
  std::vector<std::string> send_on_connect;  // raw text messages, in order
  std::string keepalive_message;             // empty: WebSocket pings only
  std::chrono::milliseconds keepalive_interval{20000};
  WsFeedOptions() { backoff_max = std::chrono::milliseconds{30000}; }
};

class WsFeed final : public UpstreamFeed, private SocketControl {
 public:
  WsFeed(boost::asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
         WsFeedOptions options, const Clock& clock, MetricsRegistry& metrics);
  ~WsFeed() override;

 private:
  boost::asio::awaitable<Result<void>> session() override;
  std::string describe() const override;
  void on_housekeeping() override;
  void send_text(std::string_view text) override;
  void on_open(const EioOpen& open) override;
  void on_connected() override;
  void on_server_close(std::string_view why) override;
  void send_configured();

  WsFeedOptions options_;
  std::unique_ptr<FeedDecoder> decoder_;
  std::chrono::steady_clock::time_point last_keepalive_{};
  bool connected_ = false;
  std::uint64_t messages_ = 0;
};

}  // namespace quflx
