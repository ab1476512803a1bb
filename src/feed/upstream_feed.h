#pragma once
// UpstreamFeed: what the ws and cdp feeds share. Both hold one WebSocket to somebody else's
// server, decode what arrives with FeedDecoders into a FrameIngest, and must never give up:
// run() opens a session (the subclass's session(): connect, read until the connection ends),
// and when it ends, for whatever reason, waits with exponential backoff and jitter and opens
// the next one, logging the reason with rate limiting. Every second the housekeeping tick
// checks for assets that stopped ticking (FrameIngest::check_staleness) and gives the
// subclass its turn (on_housekeeping, e.g. a keep-alive message).
//
// Runs on the ingest loop.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "common/metrics.h"
#include "common/result.h"
#include "common/time.h"
#include "core/ingest.h"
#include "feed/backoff.h"
#include "feed/feed.h"
#include "feed/frame_ingest.h"
#include "feed/ws_client.h"
#include "protocol/feed_decoder.h"

namespace quflx {

struct UpstreamOptions {
  FeedFormat format = FeedFormat::kPocketOption;
  Micros stale_after = std::chrono::seconds{10};
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{10000};
  WsClientOptions client;
};

class UpstreamFeed : public Feed {
 public:
  ~UpstreamFeed() override;

  std::string_view name() const final { return name_; }
  void start() final;
  void stop() final;
  // state, ticks, and "<describe()>, N history bars, N inputs skipped, N stale assets[; why]".
  FeedStatus status() const final;

  FrameIngest* frames() final { return &frames_; }

 protected:
  UpstreamFeed(std::string name, boost::asio::any_io_executor executor, TickIngest& ingest,
               FeedId feed, const UpstreamOptions& options, const Clock& clock,
               MetricsRegistry& metrics);

  // One session with the upstream; returns why it ended (ok: closed without an error).
  virtual boost::asio::awaitable<Result<void>> session() = 0;
  // The feed's own part of the status detail, e.g. its URL and message counts.
  virtual std::string describe() const = 0;
  virtual void on_housekeeping() {}

  // Called by session() once the upstream is there: counts the connection, logs `what` and
  // clears the last error. The subclass says `running` when it is (set_state).
  void connected(std::string_view what);
  void set_state(std::string state) { state_ = std::move(state); }
  bool running() const { return running_; }

  boost::asio::any_io_executor executor_;
  FeedFaults faults_;
  FrameIngest frames_;
  WsClient client_;
  Backoff backoff_;  // reset by the subclass whenever the upstream delivers

 private:
  boost::asio::awaitable<void> run();
  void schedule_housekeeping();

  std::string name_;
  boost::asio::steady_timer wait_;
  boost::asio::steady_timer housekeeping_;
  Counter& m_connects_;
  bool running_ = false;
  std::string state_ = "stopped";
  std::string detail_;  // why the last session ended
};

}  // namespace quflx
