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
// detaches: list the targets again, with backoff and jitter, until one matches; UpstreamFeed).

#include <memory>
#include <string>
#include <unordered_map>

#include "feed/upstream_feed.h"

namespace quflx {

// format, stale_after, backoff and client options: UpstreamOptions.
struct CdpFeedOptions : UpstreamOptions {
  WebUrl cdp_url;             // http://HOST:9222
  std::string target_filter;  // substring of the page URL; empty: the first page
};

class CdpFeed final : public UpstreamFeed {
 public:
  CdpFeed(boost::asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
          CdpFeedOptions options, const Clock& clock, MetricsRegistry& metrics);
  ~CdpFeed() override;

 private:
  boost::asio::awaitable<Result<void>> session() override;
  std::string describe() const override;
  boost::asio::awaitable<Result<void>> attach();
  boost::asio::awaitable<Result<void>> capture();

  CdpFeedOptions options_;
  std::unordered_map<std::string, std::unique_ptr<FeedDecoder>> sockets_;  // by requestId
  std::string page_url_;
  std::uint64_t frames_seen_ = 0;
};

}  // namespace quflx
