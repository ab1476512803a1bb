#include "feed/feed_factory.h"

#include <spdlog/spdlog.h>

#include <random>

#include "core/timeframe.h"
#include "feed/cdp_feed.h"
#include "feed/csv_feed.h"
#include "feed/sim_feed.h"
#include "feed/ws_feed.h"

namespace quflx {
namespace {

FeedId register_with_clock(const FeedSettings& s, const FeedContext& ctx, const std::string& name) {
  const Micros offset = s.clock_offset(name);
  if (offset != Micros{0}) {
    spdlog::info("feed {}: clock offset {} s", name, static_cast<double>(offset.count()) / 1e6);
  }
  return ctx.ingest.register_feed(FeedRegistration{name, /*replay_clock=*/name == "csv", offset});
}

FeedFormat format_of(const FeedSettings& s) {
  return s.ws_format == "json" ? FeedFormat::kJson : FeedFormat::kPocketOption;
}

std::unique_ptr<Feed> make_sim(const FeedSettings& s, const FeedContext& ctx, FeedId id) {
  SimOptions o;
  o.assets = s.sim_assets;
  o.ticks_per_second_per_asset = s.sim_rate;
  o.seed = s.sim_seed_given ? s.sim_seed : std::random_device{}();
  return std::make_unique<SimFeed>(ctx.executor, ctx.ingest, id, o, ctx.clock);
}

std::unique_ptr<Feed> make_ws(const FeedSettings& s, const FeedContext& ctx, FeedId id) {
  WsFeedOptions o;
  o.url = *parse_web_url(s.ws_url);  // validated with the configuration
  o.format = format_of(s);
  o.send_on_connect = s.ws_send;
  o.keepalive_message = s.ws_keepalive;
  o.keepalive_interval = s.ws_keepalive_interval;
  o.stale_after = s.stale_after;
  o.client.idle_timeout = s.ws_idle_timeout;
  o.client.ca_file = s.ws_ca_file;
  return std::make_unique<WsFeed>(ctx.executor, ctx.ingest, id, o, ctx.clock, ctx.metrics);
}

std::unique_ptr<Feed> make_cdp(const FeedSettings& s, const FeedContext& ctx, FeedId id) {
  auto url = parse_web_url(s.cdp_url);
  if (!url.ok()) {
    spdlog::error("feed cdp: {}", url.error().message);
    return nullptr;
  }
  CdpFeedOptions o;
  o.cdp_url = *url;
  o.target_filter = s.cdp_target;
  o.format = format_of(s);
  o.stale_after = s.stale_after;
  o.client.idle_timeout = s.ws_idle_timeout;
  o.client.ca_file = s.ws_ca_file;
  return std::make_unique<CdpFeed>(ctx.executor, ctx.ingest, id, o, ctx.clock, ctx.metrics);
}

std::unique_ptr<Feed> make_csv(const FeedSettings& s, const FeedContext& ctx, FeedId id) {
  CsvFeedOptions o;
  o.path = s.csv_file;
  o.speed = s.csv_speed;
  o.asset = s.csv_asset;
  if (!s.csv_timeframe.empty()) o.timeframe = parse_timeframe(s.csv_timeframe);
  return std::make_unique<CsvFeed>(ctx.executor, ctx.ingest, id, o, ctx.metrics);
}

}  // namespace

FeedSet make_feeds(const FeedSettings& s, const FeedContext& ctx) {
  FeedSet set;
  for (const auto& name : s.feeds) {
    const FeedId id = register_with_clock(s, ctx, name);
    std::unique_ptr<Feed> feed;
    if (name == "sim") {
      feed = make_sim(s, ctx, id);
    } else if (name == "ws") {
      feed = make_ws(s, ctx, id);
    } else if (name == "cdp") {
      feed = make_cdp(s, ctx, id);
    } else if (name == "csv") {
      feed = make_csv(s, ctx, id);
    } else if (name == "push") {
      auto push = std::make_unique<PushFeed>(ctx.executor, ctx.ingest, ctx.push_ingest, id,
                                             s.stale_after, ctx.clock, ctx.metrics);
      set.push = push.get();
      feed = std::move(push);
    }
    if (feed) set.all.push_back(std::move(feed));
  }
  return set;
}

}  // namespace quflx
