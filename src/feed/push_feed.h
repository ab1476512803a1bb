#pragma once
// PushFeed: ticks that producers push (SPEC §2 "push"). Its input is one request body at a
// time, a JSON array of {"asset","price","timestamp"} (one object is accepted too), which the
// HTTP adapter (server/push_route: POST /api/ticks, authentication, the reply) hands to push().
// push() decodes it (protocol/feed_frames), gives the valid ticks to the pipeline in one call
// and says what became of each element, for the producer's reply: elements that did not decode
// (counted in quflx_feed_rejected_total{feed="push"} and logged, like every feed's faults) and
// ticks the pipeline refused. Like the network feeds it reports an asset that stopped ticking as
// stale (FrameIngest), from its own one-second check while it runs.
//
// The HTTP route is open from the moment the server listens until the end of the shutdown, but
// pushes are taken only between start() and stop() (accepting()); the route answers 503 outside.
//
// Runs on the ingest loop.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error_codes.h"
#include "common/metrics.h"
#include "common/time.h"
#include "core/ingest.h"
#include "feed/feed.h"
#include "feed/frame_ingest.h"

namespace quflx {

// A pushed tick the pipeline refused: its index in the push, why, and the error code.
struct PushRefusal {
  std::size_t index = 0;
  ErrorCode code = ErrorCode::kBadPayload;
  std::string message;
};

// TickIngest::ingest that also says which ticks were refused and why (the pipeline's reporting
// ingest, adapted by the wiring: feeds know only core's seams).
using PushIngest =
    std::function<std::size_t(FeedId, std::span<const RawTick>, std::vector<PushRefusal>&)>;

// What became of one push.
struct PushResult {
  std::size_t accepted = 0;
  std::vector<std::pair<FrameFault, std::string>> faults;  // elements that did not decode
  std::vector<PushRefusal> refused;                        // decoded ticks the pipeline refused
  bool nothing_parsed = false;  // no tick decoded and the body is not JSON
};

class PushFeed final : public Feed {
 public:
  PushFeed(boost::asio::any_io_executor executor, TickIngest& ingest, PushIngest push_ingest,
           FeedId feed, Micros stale_after, const Clock& clock, MetricsRegistry& metrics);
  ~PushFeed() override;

  std::string_view name() const override { return "push"; }
  // Starts the staleness check and taking pushes.
  void start() override;
  void stop() override;
  // "POST /api/ticks; N inputs skipped, N stale assets"; "starting", "running", "stopped".
  FeedStatus status() const override;
  // Pushes are taken only between start() and stop(): before start() the server has not yet
  // restored each asset's numbering (a push would be given a seq already used), and after
  // stop() it is draining. Outside that window POST /api/ticks answers 503 `unavailable`.
  bool accepting() const { return running_; }
  FrameIngest* frames() override { return &frames_; }

  PushResult push(std::string_view body);

 private:
  void schedule_housekeeping();

  PushIngest push_ingest_;
  FeedId feed_;
  FeedFaults faults_;
  FrameIngest frames_;
  boost::asio::steady_timer housekeeping_;
  bool running_ = false;
  bool stopped_ = false;
};

}  // namespace quflx
