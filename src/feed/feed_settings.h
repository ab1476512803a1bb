#pragma once
// FeedSettings: what the feed factory builds the configured feeds from (SPEC §2): which feeds
// run, the options of each, the clock offset per feed and the staleness threshold. A plain
// struct; `quflx serve` fills it from its options (ServeConfig derives from it, so the options
// table and its tests name the fields flat: c.ws_url).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "feed/random_walk.h"

namespace quflx {

struct FeedSettings {
  std::vector<std::string> feeds;  // "sim", "ws", "cdp", "csv", "push", in the order named

  std::vector<SimAsset> sim_assets;
  double sim_rate = 0;  // ticks per second per asset
  std::uint64_t sim_seed = 0;
  bool sim_seed_given = false;

  // Network and replay feeds.
  std::string ws_url;
  std::string ws_format = "pocketoption";  // or "json"; also the cdp feed's
  std::vector<std::string> ws_send;        // messages after connecting
  std::string ws_keepalive;                // keep-alive message; empty: pings only
  std::chrono::milliseconds ws_keepalive_interval{0};
  std::chrono::milliseconds ws_idle_timeout{0};
  std::string ws_ca_file;  // extra trusted certificates for wss:// / https://
  std::string cdp_url;
  std::string cdp_target;
  std::string csv_file;
  double csv_speed = 0;  // 0: max
  std::string csv_asset;
  std::string csv_timeframe;
  // Seconds subtracted from each feed's timestamps: per feed name, "*" for the default.
  std::vector<std::pair<std::string, std::chrono::microseconds>> clock_offsets;
  std::chrono::microseconds stale_after{0};  // ws, cdp and push assets

  // The clock offset of `feed`: its own entry, else "*", else 0; always 0 for sim, whose
  // timestamps are the wall clock's.
  std::chrono::microseconds clock_offset(std::string_view feed) const;
};

}  // namespace quflx
