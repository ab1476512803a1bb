#pragma once
// The feed factory: builds the feeds that FeedSettings names, in that order, and registers
// each with the pipeline (TickIngest::register_feed) together with its clock: sim on the wall
// clock as it is, ws, cdp and push on the wall clock minus their --clock-offset, csv on its
// own replay clock (its data's time) minus its offset. A feed that cannot be built (a cdp URL
// that does not parse) is logged and left out; the others run.
//
// Called once by the wiring before the HTTP server listens; the feeds start later.

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <vector>

#include "common/metrics.h"
#include "common/time.h"
#include "core/ingest.h"
#include "feed/feed.h"
#include "feed/feed_settings.h"
#include "feed/push_feed.h"

namespace quflx {

// What every feed is built with.
struct FeedContext {
  boost::asio::any_io_executor executor;  // the ingest loop's
  TickIngest& ingest;
  PushIngest push_ingest;  // the push feed's ingest; needed when push is configured
  const Clock& clock;
  MetricsRegistry& metrics;
};

struct FeedSet {
  std::vector<std::unique_ptr<Feed>> all;  // in the order configured
  PushFeed* push = nullptr;  // one of `all` when push is configured: its input is an HTTP route
};

FeedSet make_feeds(const FeedSettings& settings, const FeedContext& context);

}  // namespace quflx
