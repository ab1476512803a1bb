#pragma once
// GET /health and GET /metrics, from a snapshot of the service's state.

#include <chrono>
#include <functional>
#include <string>
#include <optional>
#include <vector>

#include "common/metrics.h"
#include "feed/feed.h"
#include "net/http_server.h"
#include "server/persistence.h"

namespace boost::json {
class object;
}

namespace quflx {

class TickPipeline;
class RedisTickWriter;
namespace redis {
class Connection;
}

// What /health reports; pointers are null for parts that are not configured.
struct ServiceState {
  std::chrono::steady_clock::duration uptime{};
  const TickPipeline* pipeline = nullptr;
  const redis::Connection* redis = nullptr;
  const RedisTickWriter* redis_writer = nullptr;
  std::optional<PersistenceStatus> persistence;  // empty: --database-url none
  std::vector<FeedStatus> feeds;
  std::string active_asset;  // detect_asset: the broker chart's symbol (ws/cdp), if known
  bool stopping = false;
};

// /health: {"status":"ok"|"degraded"|"stopping", "uptime_seconds", "ticks_accepted",
//           "redis":{...}, "feeds":[...]}; always 200 while the process serves (liveness), the
// status field says whether a dependency is down.
std::string health_json(const ServiceState& state);

// The `database` object of /health (and of get_redis_status.batch_status.persister):
// {"configured":false} without a database (null `status`).
void persistence_json(const PersistenceStatus* status, boost::json::object& out);

void register_status_routes(net::HttpServer& http, MetricsRegistry& metrics,
                            std::function<ServiceState()> state);

}  // namespace quflx
