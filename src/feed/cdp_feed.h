#pragma once
// CdpFeed: ticks captured from a running Chrome/Chromium through the DevTools Protocol (SPEC
// §2 "cdp"). Lists the browser's targets (GET <cdp_url>/json/list), attaches to the first page
// whose URL contains `target_filter`, enables the Network domain and reads
// Network.webSocketFrameReceived: text and binary (base64) frames of every WebSocket the page
// opens go to a FeedDecoder of their own (so `451-` headers pair with the attachments of the
// same socket) and from there through the same parsers as the ws feed. The page answers its
// own socket; this feed only listens.
//
// Survives the page reloading (the Network domain stays enabled on the target; new sockets get
// new decoders) and the browser or page going away (the DevTools socket closes or the target
// detaches: list the targets again, with backoff and jitter, until one matches).
//
// Runs on the ingest loop.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/metrics.h"
#include "core/ingest.h"
#include "feed/backoff.h"
#include "feed/feed.h"
#include "feed/frame_ingest.h"
#include "feed/ws_client.h"
#include "protocol/feed_decoder.h"

namespace quflx {

struct CdpFeedOptions {
  WebUrl cdp_url;             // http://HOST:9222
  std::string target_filter;  // substring of the page URL; empty: the first page
  FeedFormat format = FeedFormat::kPocketOption;
  Micros stale_after = std::chrono::seconds{10};
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{10000};
  WsClientOptions client;
};

class CdpFeed final : public Feed {
 public:
  CdpFeed(boost::asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
          CdpFeedOptions options, const Clock& clock, MetricsRegistry& metrics);
  ~CdpFeed() override;

  std::string_view name() const override { return "cdp"; }
  void start() override;
  void stop() override;
  FeedStatus status() const override;

  FrameIngest& frames() { return frames_; }

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<Result<void>> attach();
  boost::asio::awaitable<Result<void>> capture();
  void schedule_housekeeping();

  boost::asio::any_io_executor executor_;
  CdpFeedOptions options_;
  FeedFaults faults_;
  FrameIngest frames_;
  WsClient client_;
  Backoff backoff_;
  boost::asio::steady_timer wait_;
  boost::asio::steady_timer housekeeping_;
  std::unordered_map<std::string, std::unique_ptr<FeedDecoder>> sockets_;  // by requestId
  Counter& m_connects_;
  bool running_ = false;
  std::string state_ = "stopped";
  std::string detail_;
  std::string page_url_;
  std::uint64_t frames_seen_ = 0;
};

}  // namespace quflx
