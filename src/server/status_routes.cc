#include "server/status_routes.h"

#include <boost/json.hpp>

#include "pipeline/tick_pipeline.h"
#include "store/redis/connection.h"
#include "store/redis/tick_writer.h"

namespace quflx {

namespace json = boost::json;

void persistence_json(const PersistenceStatus* p, json::object& db) {
  db["configured"] = p != nullptr;
  if (!p) return;
  const auto& st = p->persister;
  db["endpoint"] = p->endpoint;
  db["connected"] = st.connected;
  db["state"] = st.state;
  db["last_error"] = st.last_error;
  db["last_commit"] = st.last_commit_unix_ms > 0
                          ? json::value(static_cast<double>(st.last_commit_unix_ms) / 1e3)
                          : json::value(nullptr);
  db["rows_per_second"] = st.rows_per_second;
  db["backlog_ticks"] = st.backlog_ticks;
  db["backlog_bytes"] = st.backlog_bytes;
  db["spool_bytes"] = st.spool_bytes;
  db["spool_max_bytes"] = p->spool_max_bytes;
  db["oldest_unpersisted_age_seconds"] = st.oldest_unpersisted_age_s;
  db["ticks_committed"] = st.ticks_committed;
  db["candles_committed"] = st.candles_committed;
  db["ticks_refused"] = p->ticks_refused;
  db["duplicates"] = st.duplicates;
  // false: started without the database and an empty journal; nothing is numbered until the
  // database says where numbering stopped.
  db["numbering_known"] = p->numbering_known;
  db["ticks_clashed"] = st.ticks_clashed;
  db["journal"] = json::object{{"dir", p->journal_dir},
                               {"accepting", p->accepting},
                               {"segments", p->journal.segments},
                               {"fsync_interval_ms", p->fsync_interval.count()},
                               {"write_errors", p->journal.write_errors},
                               {"halted", p->journal.halted},
                               {"last_error", p->journal.last_error}};
}

std::string health_json(const ServiceState& s) {
  json::object root;
  bool degraded = false;
  root["uptime_seconds"] =
      std::chrono::duration_cast<std::chrono::seconds>(s.uptime).count();
  root["version"] = QUFLX_VERSION;
  if (s.pipeline) {
    const auto& st = s.pipeline->stats();
    root["ticks_accepted"] = st.accepted;
    root["ticks_rejected"] = st.rejected;
    root["assets"] = s.pipeline->assets().size();
  }
  json::object redis;
  redis["configured"] = s.redis != nullptr;
  if (s.redis) {
    const auto cs = s.redis->stats();
    redis["connected"] = s.redis->connected();
    redis["endpoint"] = s.redis->endpoint().display();
    redis["last_error"] = s.redis->last_error();
    redis["commands_not_sent"] = cs.refused_disconnected + cs.refused_backpressure;
    redis["commands_lost_in_flight"] = cs.lost_in_flight;
    redis["pending_commands"] = cs.in_flight;
    if (s.redis_writer) redis["ticks_unwritten"] = s.redis_writer->stats().ticks_unwritten;
    degraded |= !s.redis->connected();
  }
  root["redis"] = std::move(redis);
  json::object db;
  persistence_json(s.persistence ? &*s.persistence : nullptr, db);
  if (s.persistence) {
    degraded |= !s.persistence->persister.connected || !s.persistence->accepting;
  }
  root["database"] = std::move(db);

  json::array feeds;
  for (const auto& f : s.feeds) {
    feeds.push_back(json::object{{"name", f.name}, {"state", f.state}, {"detail", f.detail},
                                 {"ticks", f.ticks}});
  }
  root["feeds"] = std::move(feeds);
  if (!s.active_asset.empty()) root["active_asset"] = s.active_asset;
  root["status"] = s.stopping ? "stopping" : degraded ? "degraded" : "ok";
  return json::serialize(root);
}

namespace {

// Until the dashboard (web/) is built and served here, `/` says what there is.
constexpr const char* kIndexPage = R"(<!doctype html>
<html><head><meta charset="utf-8"><title>QuFLX Stream</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">
<h1>QuFLX Stream</h1>
<p>The server is running. The web dashboard is not part of this build yet.</p>
<ul>
<li><a href="/health">/health</a>: liveness and dependency status (JSON)</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
</ul>
</body></html>
)";

}  // namespace

void register_status_routes(net::HttpServer& http, MetricsRegistry& metrics,
                            std::function<ServiceState()> state) {
  http.route("GET", "/", [](const net::HttpRequest&) -> boost::asio::awaitable<net::HttpResponse> {
    co_return net::HttpResponse::text(200, kIndexPage, "text/html; charset=utf-8");
  });
  http.route("GET", "/health",
             [state](const net::HttpRequest&) -> boost::asio::awaitable<net::HttpResponse> {
               co_return net::HttpResponse::json(200, health_json(state()));
             });
  http.route("GET", "/metrics",
             [&metrics](const net::HttpRequest&) -> boost::asio::awaitable<net::HttpResponse> {
               co_return net::HttpResponse::text(200, metrics.render(),
                                                 "text/plain; version=0.0.4; charset=utf-8");
             });
}

}  // namespace quflx
