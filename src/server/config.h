#pragma once
// Configuration of `quflx serve` (SPEC §9). Every option is declared once in a table
// (config.cc) with its flag, TOML key, environment variable, default and the reason for the
// default; the flag parser, the TOML reader, the environment lookup and docs/configuration.md
// all follow that table. Precedence: flags > environment > TOML file > defaults. An invalid or
// unknown option fails start-up with one line naming it and where it came from.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "feed/random_walk.h"

namespace CLI {
class App;
}

namespace quflx {

struct ServeConfig {
  std::string host;
  std::uint16_t port = 0;
  std::string log_level;
  std::optional<std::string> redis_url;  // empty: run without Redis
  std::vector<std::string> feeds;        // "sim", "ws", "cdp", "csv", "push"

  std::vector<SimAsset> sim_assets;
  double sim_rate = 0;  // ticks per second per asset
  std::uint64_t sim_seed = 0;
  bool sim_seed_given = false;

  // Network and replay feeds (SPEC §2).
  std::string ws_url;
  std::string ws_format = "pocketoption";       // or "json"
  std::vector<std::string> ws_send;              // messages after connecting
  std::string ws_keepalive;                      // keep-alive message; empty: pings only
  std::chrono::milliseconds ws_keepalive_interval{0};
  std::chrono::milliseconds ws_idle_timeout{0};
  std::string ws_ca_file;  // extra trusted certificates for wss:// / https://
  std::string cdp_url;
  std::string cdp_target;
  std::string csv_file;
  double csv_speed = 0;                          // 0: max
  std::string csv_asset;
  std::string csv_timeframe;
  // Seconds subtracted from each feed's timestamps: per feed name, "*" for the default.
  std::vector<std::pair<std::string, std::chrono::microseconds>> clock_offsets;
  std::chrono::microseconds stale_after{0};
  std::string auth_token;                        // empty: write endpoints refuse

  // The clock offset of `feed` (its own entry, else "*", else 0).
  std::chrono::microseconds clock_offset(std::string_view feed) const;

  std::size_t buffer_size = 0;      // ticks:{A} cap
  std::size_t history_candles = 0;  // historical:{A}:{TF} length
  std::chrono::seconds history_ttl{0};
  std::chrono::microseconds late_grace{0};
  std::chrono::microseconds max_future_skew{0};
  std::chrono::milliseconds shutdown_timeout{0};

  // Persistence (SPEC §4).
  std::optional<std::string> database_url;  // empty: run without PostgreSQL
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
  double client_rate = 0;                  // events per second per connection
  std::size_t client_conflate_bytes = 0;   // a client's backlog above which updates merge
  std::size_t client_max_bytes = 0;        // a client's backlog that disconnects it
};

// How an environment variable is looked up (injected for tests).
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

// Collects raw option values from the command line; resolved later by resolve().
class ServeOptionsParser {
 public:
  // Adds every serve option (and --config) to `app`.
  explicit ServeOptionsParser(CLI::App& app);
  ~ServeOptionsParser();
  // Applies the precedence rules, reads the TOML file if one was named, validates.
  Result<ServeConfig> resolve(const EnvLookup& env) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Convenience for tests and tools: parses `args` (without the program name) as `serve`
// arguments.
Result<ServeConfig> parse_serve_config(const std::vector<std::string>& args, const EnvLookup& env);

// Markdown table of every option: flag, TOML key, environment variable, default, reason.
std::string serve_options_markdown();

}  // namespace quflx
