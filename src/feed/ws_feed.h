#pragma once
// WsFeed: ticks from an upstream WebSocket (SPEC §2 "ws"). Connects to `url` (ws:// or wss://),
// decodes every message with a FeedDecoder (pocketoption: a Socket.IO v4 client side that
// answers Engine.IO pings and the `40` connect; json: plain tick objects) and hands what it
// decodes to the pipeline through FrameIngest. After connecting (for pocketoption: once the
// Socket.IO namespace is connected) it sends the configured messages, e.g. an auth event and
// changeSymbol subscriptions, and every `keepalive_interval` the keep-alive message if one is
// set. A lost or silent connection is retried forever with exponential backoff and jitter.
// Every second it checks for assets that stopped ticking (FrameIngest::check_staleness).
//
// Runs on the ingest loop.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "common/time.h"
#include "core/ingest.h"
#include "feed/backoff.h"
#include "feed/feed.h"
#include "feed/frame_ingest.h"
#include "feed/ws_client.h"
#include "protocol/feed_decoder.h"

namespace quflx {

struct WsFeedOptions {
  WebUrl url;
  FeedFormat format = FeedFormat::kPocketOption;
  std::vector<std::string> send_on_connect;  // raw text messages, in order
  std::string keepalive_message;             // empty: WebSocket pings only
  std::chrono::milliseconds keepalive_interval{20000};
  Micros stale_after = std::chrono::seconds{10};
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{30000};
  WsClientOptions client;
};

class WsFeed final : public Feed, private SocketControl {
 public:
  WsFeed(boost::asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
         WsFeedOptions options, const Clock& clock, MetricsRegistry& metrics);
  ~WsFeed() override;

  std::string_view name() const override { return "ws"; }
  void start() override;
  void stop() override;
  FeedStatus status() const override;

  FrameIngest& frames() { return frames_; }

 private:
  boost::asio::awaitable<void> run();
  void schedule_housekeeping();
  void send_text(std::string_view text) override;
  void on_open(const EioOpen& open) override;
  void on_connected() override;
  void on_server_close(std::string_view why) override;
  void send_configured();

  boost::asio::any_io_executor executor_;
  WsFeedOptions options_;
  FeedFaults faults_;
  FrameIngest frames_;
  std::unique_ptr<FeedDecoder> decoder_;
  WsClient client_;
  Backoff backoff_;
  boost::asio::steady_timer wait_;
  boost::asio::steady_timer housekeeping_;
  std::chrono::steady_clock::time_point last_keepalive_{};
  Counter& m_connects_;
  bool running_ = false;
  bool connected_ = false;
  std::string state_ = "stopped";
  std::string detail_;
  std::uint64_t messages_ = 0;
};

}  // namespace quflx
