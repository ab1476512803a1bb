#pragma once
// The client API of SPEC §5 on the Socket.IO server: CONNECT's `auth`, the event table, and
// what every event shares (argument checks, replies, errors, per-client state).
//
// Each event is one entry in an EventTable, filled by one register_*_events() per feature
// file (events_stream.cc, events_redis.cc, events_cache.cc, events_status.cc). Adding an event
// is one handler and one `table.add(...)` line. A handler runs for one client at a time (the
// Socket.IO layer queues a client's events), may co_await, and replies through its
// EventContext; after any co_await it must check ctx.client->connected() before touching
// rooms. docs/contract.md lists every event with its payloads and errors.
//
// Runs on the ingest loop.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/result.h"
#include "common/time.h"
#include "core/candle.h"
#include "net/rooms.h"
#include "net/socket_client.h"
#include "net/socket_handler.h"

namespace boost::json {
class object;
}

namespace quflx {

class HistoryService;
class LiveUpdates;
class TickLog;
namespace redis {
class Connection;
}

struct SocketApiDeps {
  const Clock* clock = nullptr;
  HistoryService* history = nullptr;
  LiveUpdates* live = nullptr;
  net::Rooms* rooms = nullptr;
  TickLog* tick_log = nullptr;          // null without Redis
  redis::Connection* redis = nullptr;   // null without Redis
  std::size_t history_candles = 200;    // candles in a history seed
  std::string auth_token;               // set: write events need auth {token}; empty: open
  // Non-empty: no client may write (listening beyond loopback without a token); the reason.
  std::string writes_disabled;
  std::string version;
  // The bar being formed for (asset, tf), if this server knows it.
  std::function<std::optional<Candle>(std::string_view asset, Timeframe tf)> forming;
  // Whether this server's feeds are running (batch_status.is_running).
  std::function<bool()> ingesting;
  // batch_status.persister: the persistence layer's status, filled in by it when present.
  std::function<void(boost::json::object& persister)> persister_status;
  // detect_asset: the symbol the broker's chart shows (from updateCharts), if known, and
  // whether any feed could report one (ws/cdp with the PocketOption format).
  std::function<std::optional<std::string>()> active_asset;
  std::function<bool()> can_detect_asset;
};

// Per-client state kept by the API (the Socket.IO layer keeps room memberships).
struct ClientState {
  std::map<std::string, Timeframe, std::less<>> streams;  // start_stream: asset -> timeframe
  Timeframe timeframe = Timeframe::k1m;                   // of the latest stream
  std::set<std::string, std::less<>> redis_subscriptions;
};

class EventContext {
 public:
  EventContext(SocketApiDeps& deps, std::shared_ptr<net::SocketClient> client,
               std::string_view event, const boost::json::object* payload,
               std::optional<std::uint64_t> ack);

  SocketApiDeps& deps;
  std::shared_ptr<net::SocketClient> client;
  std::string_view event;
  const boost::json::object* payload;  // the first argument when it is an object, else null
  std::optional<std::uint64_t> ack;

  ClientState& state() const;
  bool connected() const { return client->connected(); }
  UtcMicros now() const { return deps.clock->now(); }

  // The reply: through the ack if the client asked for one (only the first reply of a request
  // goes there), else as `reply_event`.
  void reply(std::string_view reply_event, std::string_view json);
  // A further event to this client (history seeds, replays).
  void emit(std::string_view reply_event, std::string_view json) const;
  void fail(const Error& e);

 private:
  bool acked_ = false;
};

using EventHandler = boost::asio::awaitable<void> (*)(EventContext& ctx);

struct EventSpec {
  EventHandler handler = nullptr;
  bool write = false;             // needs auth {token} when --auth-token is set
  bool payload_required = true;   // the first argument must be an object
};

class EventTable {
 public:
  void add(std::string name, EventSpec spec) { events_[std::move(name)] = spec; }
  const EventSpec* find(std::string_view name) const;

 private:
  std::map<std::string, EventSpec, std::less<>> events_;
};

void register_stream_events(EventTable& table);  // start_stream, stop_stream, change_asset
void register_redis_events(EventTable& table);   // (un)subscribe_redis_updates
void register_cache_events(EventTable& table);   // *_cached_historical_data, store_csv_candles
void register_status_events(EventTable& table);  // get_redis_status, detect_asset

// Argument checks shared by the handlers; errors carry the code of the table.
Result<std::string> asset_arg(const boost::json::object* payload);
Result<std::optional<std::string>> optional_asset_arg(const boost::json::object* payload);
Result<Timeframe> timeframe_arg(const boost::json::object* payload, Timeframe fallback);
Result<std::optional<std::uint64_t>> seq_arg(const boost::json::object* payload,
                                             std::string_view key);

class SocketApi final : public net::SocketHandler {
 public:
  explicit SocketApi(SocketApiDeps deps);

  Result<bool> authorize(const boost::json::value& auth) override;
  void on_connect(const std::shared_ptr<net::SocketClient>& client) override;
  boost::asio::awaitable<void> on_event(std::shared_ptr<net::SocketClient> client,
                                        sio::Event event,
                                        std::optional<std::uint64_t> ack) override;
  void on_disconnect(net::SocketClient& client) override;

  EventTable& table() { return table_; }
  SocketApiDeps& deps() { return deps_; }

  // A server-initiated event to every connected client (rare notices such as feed_stale;
  // live data goes through rooms, encoded once).
  void emit_to_all(std::string_view event, std::string_view json);

 private:
  SocketApiDeps deps_;
  EventTable table_;
  std::unordered_set<net::SocketClient*> clients_;  // connected; removed in on_disconnect
};

}  // namespace quflx
