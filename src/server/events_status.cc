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
#include <charconv>

#include "common/json_out.h"
#include "server/live_updates.h"
#include "server/socket_api.h"
#include "store/redis/connection.h"
#include "store/redis_keys.h"

namespace quflx {
namespace {

namespace json = boost::json;

// "key:value" lines of INFO.
json::object redis_info(std::string_view info) {
  json::object out;
  auto number = [](std::string_view v) -> json::value {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc{} && p == v.data() + v.size()) return n;
    return json::string(v);
  };
  while (!info.empty()) {
    auto eol = info.find('\n');
    std::string_view line = info.substr(0, eol);
    info = eol == std::string_view::npos ? std::string_view{} : info.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto key = line.substr(0, colon);
    const auto value = line.substr(colon + 1);
    if (key == "redis_version") out["version"] = json::string(value);
    if (key == "used_memory" || key == "connected_clients" || key == "total_commands_processed" ||
        key == "keyspace_hits" || key == "keyspace_misses") {
      out[key] = number(value);
    }
  }
  return out;
}

boost::asio::awaitable<void> get_redis_status(EventContext& ctx) {
  auto& d = ctx.deps;
  json::object root;
  const bool connected = d.redis && d.redis->connected();
  root["connected"] = connected;
  json::value info = nullptr;
  if (connected) {
    std::vector<std::string> argv{"INFO"};
    const auto r = co_await d.redis->request(std::move(argv));
    if (r.is_string()) {
      info = redis_info(r.str);
    } else {
      root["error"] = r.str;
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
    if (connected) {
      std::vector<std::string> argv{"LLEN", redis_keys::ticks(a)};
      const auto r = co_await d.redis->request(std::move(argv));
      if (r.type == redis::Reply::Type::kInteger) sizes[a] = r.integer;
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
