#pragma once
// ServeConfig: everything `quflx serve` is configured with (SPEC §9), as the Service takes it.
// A plain struct: its options (flags, environment, TOML, defaults, validation, the reference
// in docs/configuration.md) are declared in app/serve_options.cc, which fills it. The feeds'
// part is FeedSettings, which the feed factory builds the feeds from.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feed/feed_settings.h"

namespace quflx {

struct ServeConfig : FeedSettings {
  std::string host;
  std::uint16_t port = 0;
  std::string log_level;
  std::optional<std::string> redis_url;  // empty: run without Redis
  std::chrono::milliseconds redis_timeout{5000};  // a command unanswered this long: reconnect
  std::string auth_token;                // empty: write endpoints refuse

  std::size_t buffer_size = 0;      // ticks:{A} cap
  std::size_t history_candles = 0;  // historical:{A}:{TF} length
  std::chrono::seconds history_ttl{0};
  std::chrono::microseconds late_grace{0};
  std::chrono::microseconds max_future_skew{0};
  std::chrono::milliseconds shutdown_timeout{0};

  // Persistence (SPEC §4).
  std::optional<std::string> database_url;  // empty: run without PostgreSQL
  std::chrono::milliseconds pg_timeout{30000};  // deadline of every PostgreSQL request
  std::string state_dir;                    // the tick journal lives in <state_dir>/journal
  std::chrono::milliseconds batch_interval{0};
  std::size_t batch_max_rows = 0;
  std::uint64_t spool_max_bytes = 0;
  std::chrono::milliseconds fsync_interval{0};  // 0: fsync every batch
  // Socket.IO
  std::chrono::milliseconds ping_interval{0};
  std::chrono::milliseconds ping_timeout{0};
  std::size_t max_payload = 0;
  std::vector<std::string> cors_origins;
  std::vector<std::string> allowed_hosts;  // Host names besides IPs, localhost and `host`
  double client_rate = 0;                  // events per second per connection
  std::size_t client_conflate_bytes = 0;   // a client's backlog above which updates merge
  std::size_t client_max_bytes = 0;        // a client's backlog that disconnects it
};

}  // namespace quflx
