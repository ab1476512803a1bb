// get_redis_status and detect_asset.
//
// get_redis_status: Redis's own figures (INFO) and the state of the tick path into Redis.
//
//   redis_status {connected, redis_info{version, used_memory, connected_clients,
//                 total_commands_processed, keyspace_hits, keyspace_misses},
//                 batch_status{is_running, active_assets, last_processed_times, buffer_sizes,
//                              pending, persister}, timestamp}
//
// batch_status describes what exists now: is_running (this server's feeds run), the assets it
// ingests, the time of each one's latest tick, LLEN ticks:{A}, and `pending` (commands sent to
// Redis and not yet confirmed). `persister` is the persistence layer's status, the same object
// as /health's `database` ({"configured":false} without a database).

#include <boost/json.hpp>

#include "common/json_out.h"
#include "server/live_updates.h"
#include "server/socket_api.h"
#include "store/redis/connection.h"
#include "store/redis/server_info.h"
#include "store/redis/tick_log.h"

namespace quflx {
namespace {

namespace json = boost::json;

// In the order INFO lists them.
json::object redis_info(const redis::ServerInfo& info) {
  json::object out;
  if (info.version) out["version"] = json::string(*info.version);
  if (info.connected_clients) out["connected_clients"] = *info.connected_clients;
  if (info.used_memory) out["used_memory"] = *info.used_memory;
  if (info.total_commands_processed) {
    out["total_commands_processed"] = *info.total_commands_processed;
  }
  if (info.keyspace_hits) out["keyspace_hits"] = *info.keyspace_hits;
  if (info.keyspace_misses) out["keyspace_misses"] = *info.keyspace_misses;
  return out;
}

boost::asio::awaitable<void> get_redis_status(EventContext& ctx) {
  auto& d = ctx.deps;
  json::object root;
  const bool connected = d.redis && d.redis->connected();
  root["connected"] = connected;
  json::value info = nullptr;
  if (connected) {
    const auto r = co_await redis::fetch_server_info(*d.redis);
    if (r.ok()) {
      info = redis_info(*r);
    } else {
      root["error"] = r.error().message;
    }
  } else {
    root["error"] = d.redis ? "redis is not connected" : "the server runs without Redis";
  }
  root["redis_info"] = std::move(info);

  json::object batch;
  batch["is_running"] = d.ingesting ? d.ingesting() : false;
  json::array active;
  json::object times;
  json::object sizes;
  const std::vector<std::string> assets = d.live->ingested_assets();
  for (const auto& a : assets) {
    active.emplace_back(a);
    times[a] = d.live->last_tick_time(a);
    if (connected && d.tick_log) {
      if (const auto n = co_await d.tick_log->length(a); n.ok()) sizes[a] = *n;
    }
  }
  if (!ctx.connected()) co_return;
  batch["active_assets"] = std::move(active);
  batch["last_processed_times"] = std::move(times);
  batch["buffer_sizes"] = std::move(sizes);
  batch["pending"] = d.redis ? d.redis->stats().in_flight : 0;
  if (d.persister_status) {
    json::object p;
    d.persister_status(p);
    batch["persister"] = std::move(p);
  } else {
    batch["persister"] = nullptr;
  }
  root["batch_status"] = std::move(batch);
  root["timestamp"] = to_unix_seconds(ctx.now());
  ctx.reply("redis_status", json::serialize(root));
}

// detect_asset: the broker's active chart symbol, as the ws/cdp feeds read it from
// updateCharts. A reply either way: asset_detected {asset} or asset_detection_failed {error}.
boost::asio::awaitable<void> detect_asset(EventContext& ctx) {
  const auto& d = ctx.deps;
  if (auto asset = d.active_asset ? d.active_asset() : std::nullopt) {
    ctx.reply("asset_detected", json_out::Object().str("asset", *asset).done());
    co_return;
  }
  const bool possible = d.can_detect_asset && d.can_detect_asset();
  ctx.reply("asset_detection_failed",
            json_out::Object()
                .str("error", possible ? "the broker has not named its chart's symbol yet "
                                         "(no updateCharts seen)"
                                       : "no ws or cdp feed with the pocketoption format is "
                                         "running on this server")
                .done());
  co_return;
}

}  // namespace

void register_status_events(EventTable& table) {
  table.add("get_redis_status", {get_redis_status, false, false});
  table.add("detect_asset", {detect_asset, false, false});
}

}  // namespace quflx
