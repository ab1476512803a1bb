#include "server/service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <map>

#include "common/json_out.h"
#include "feed/feed_factory.h"
#include "feed/frame_ingest.h"
#include "net/engine_server.h"
#include "net/http_server.h"
#include "net/rooms.h"
#include "net/socket_server.h"
#include "server/api_routes.h"
#include "server/history_service.h"
#include "server/push_route.h"
#include "server/persistence.h"
#include "server/live_updates.h"
#include "server/socket_api.h"
#include "server/status_routes.h"
#include "pipeline/tick_pipeline.h"
#include "store/redis/connection.h"
#include "store/redis/seq_heads.h"
#include "store/redis/subscriber.h"
#include "store/redis/tick_log.h"
#include "store/redis/tick_writer.h"

namespace quflx {

namespace asio = boost::asio;

namespace {

// The Host names a request may carry (SPEC §11): --allowed-hosts and the name listened on.
http_host::AllowList allowed_hosts(const ServeConfig& config) {
  http_host::AllowList list{config.allowed_hosts};
  if (auto own = http_host::host_of(config.host)) list.names.push_back(*own);
  return list;
}

// Loopback only: 127.0.0.0/8, ::1 or localhost. Anything else (0.0.0.0, a LAN address, a name)
// may be reached from elsewhere.
bool loopback_only(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  boost::system::error_code ec;
  const auto a = asio::ip::make_address(host, ec);
  return !ec && a.is_loopback();
}

}  // namespace

struct Service::Impl {
  explicit Impl(ServeConfig c)
      : config(std::move(c)),
        pipeline(clock,
                 PipelineOptions{CandleOptions{config.late_grace, 500}, config.max_future_skew},
                 metrics),
        http(ioc.get_executor(),
             net::HttpServerOptions{.max_body_bytes = std::max<std::size_t>(
                                        1u << 20, config.max_payload + 4096),
                                    .hosts = allowed_hosts(config)},
             metrics),
        rooms(metrics),
        protocol_errors(metrics),
        clock_timer(ioc),
        signals(ioc, SIGINT, SIGTERM) {}

  void start_redis();
  Result<void> start_persistence();
  asio::awaitable<void> restore_sequence();
  void start_socketio();
  void register_routes();
  void watch_frames(FrameIngest& frames);
  std::optional<Candle> forming_bar(std::string_view asset, Timeframe tf) const;
  void create_feeds();
  asio::awaitable<void> start_feeds();
  void schedule_clock();
  asio::awaitable<void> shutdown(int signal);
  ServiceState state() const;

  ServeConfig config;
  asio::io_context ioc{1};
  SystemClock clock;
  MetricsRegistry metrics;
  TickPipeline pipeline;
  std::unique_ptr<redis::Connection> redis;
  std::unique_ptr<RedisTickWriter> redis_writer;
  std::unique_ptr<TickLog> tick_log;
  std::unique_ptr<HistoryService> history;
  std::unique_ptr<Persistence> persistence;
  net::HttpServer http;
  net::Rooms rooms;
  net::ProtocolErrorCounter protocol_errors;
  std::unique_ptr<LiveUpdates> live;
  std::unique_ptr<SocketApi> api;
  std::unique_ptr<net::SocketServer> sockets;
  std::unique_ptr<net::EngineServer> engine;
  FeedSet feeds;  // created before the HTTP server listens, started after restore_sequence()
  bool feeds_started = false;
  // detect_asset: the symbol the broker's chart shows, from the latest updateCharts.
  std::string active_asset;
  asio::steady_timer clock_timer;
  asio::signal_set signals;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  bool stopping = false;
  int exit_code = 0;
};

void Service::Impl::start_redis() {
  if (!config.redis_url) {
    spdlog::info("redis: not configured (--redis-url none); streaming without Redis");
    return;
  }
  auto ep = redis::parse_redis_url(*config.redis_url);  // validated with the configuration
  redis = std::make_unique<redis::Connection>(
      ioc.get_executor(), redis::ConnectionOptions{.endpoint = *ep, .name = "writer",
                               .request_timeout = config.redis_timeout},
      &metrics);
  redis_writer = std::make_unique<RedisTickWriter>(
      *redis, pipeline.assets(), pipeline.candles(),
      RedisTickWriterOptions{config.buffer_size, config.history_candles, config.history_ttl},
      metrics);
  pipeline.add_sink(*redis_writer);
  tick_log = std::make_unique<TickLog>(*redis);
  redis->start();
}

Result<void> Service::Impl::start_persistence() {
  if (!config.database_url) {
    spdlog::info("postgres: not configured (--database-url none); nothing is persisted");
    return {};
  }
  auto p = Persistence::open(ioc.get_executor(), pipeline, config, metrics);
  if (!p.ok()) return p.error();
  persistence = std::move(*p);
  history->set_fallback(&persistence->history_fallback());
  return {};
}

asio::awaitable<void> Service::Impl::restore_sequence() {
  // Numbering continues after the highest seq that the journal, the database or Redis knows,
  // so a restart never hands out a seq twice even if one of them lost its state.
  if (persistence && !persistence->numbering_known() &&
      !co_await persistence->await_numbering(stopping)) {
    co_return;
  }
  std::vector<std::pair<std::string, std::uint64_t>> known;
  if (persistence) known = persistence->known_seqs();
  // The tick-identity index (SPEC §1) starts from what is durable: per asset, its newest ticks
  // in the tick journal and in its ticks:{A} list together (either may lack an asset: the
  // journal keeps only what is not yet committed plus its newest segment, a new state
  // directory has nothing, Redis may be new or absent), each seq once, in seq order.
  std::map<std::string, std::vector<SequencedTick>, std::less<>> recent;
  if (persistence) {
    for (auto& r : persistence->journal().take_recent_ticks()) {
      auto& v = recent[r.asset];
      const AssetId a = pipeline.assets().intern(r.asset);
      for (const auto& t : r.ticks) v.push_back(SequencedTick{a, t.price, from_unix_micros(t.time_us), t.seq});
    }
  }
  if (redis && redis->connected()) {
    auto lists = co_await read_tick_lists(*redis, pipeline.recent_ticks().options().max_ticks);
    if (lists.ok()) {
      for (auto& l : *lists) {
        known.emplace_back(l.asset, l.last_seq);
        auto& v = recent[l.asset];
        const AssetId a = pipeline.assets().intern(l.asset);
        for (const auto& t : l.ticks) v.push_back(SequencedTick{a, t.price, t.time, t.seq});
      }
    } else {
      spdlog::warn("redis: cannot read ticks:{{A}} (newest seq, recent ticks): {}", lists.error().message);
    }
  }
  std::vector<SequencedTick> restored;
  for (auto& [asset, v] : recent) {
    std::sort(v.begin(), v.end(), [](const SequencedTick& x, const SequencedTick& y) { return x.seq < y.seq; });
    v.erase(std::unique(v.begin(), v.end(),
                        [](const SequencedTick& x, const SequencedTick& y) { return x.seq == y.seq; }),
            v.end());
    restored.insert(restored.end(), v.begin(), v.end());
  }
  for (const auto& [asset, seq] : known) {
    pipeline.sequencer().restore(pipeline.assets().intern(asset), seq);
  }
  if (!restored.empty()) {
    const std::size_t n = pipeline.restore_recent_ticks(restored);
    spdlog::info("tick identity: {} recent ticks of {} assets restored from the tick journal and "
                 "ticks:{{A}}", n, recent.size());
  }
  if (!persistence) co_return;
  if (auto r = persistence->begin(); !r.ok()) {
    spdlog::error("{}", r.error().message);
    exit_code = 1;
    ioc.stop();
    co_return;
  }
  co_await persistence->seed_candles();
  if (redis_writer && redis && redis->connected()) redis_writer->refresh_all_history();
}

std::optional<Candle> Service::Impl::forming_bar(std::string_view asset, Timeframe tf) const {
  if (live && live->ingested_here(asset)) {
    const auto id = pipeline.assets().find(asset);
    const Candle* c = id ? pipeline.candles().forming(*id, tf) : nullptr;
    return c ? std::optional<Candle>(*c) : std::nullopt;
  }
  return live ? live->relayed_forming_bar(asset, tf) : std::nullopt;
}

void Service::Impl::start_socketio() {
  // Sinks run in order: the Redis writer (and durable sinks) before clients see anything.
  std::unique_ptr<RedisSubscriber> sub;
  if (config.redis_url) {
    sub = std::make_unique<RedisSubscriber>(
        ioc.get_executor(),
        redis::ConnectionOptions{.endpoint = *redis::parse_redis_url(*config.redis_url),
                                 .name = "subscriber",
                                 .request_timeout = config.redis_timeout},
        &metrics);
  }
  live = std::make_unique<LiveUpdates>(ioc.get_executor(), rooms, &pipeline, tick_log.get(),
                                       std::move(sub), metrics);
  pipeline.add_sink(*live);
  SocketApiDeps deps;
  deps.clock = &clock;
  deps.history = history.get();
  deps.live = live.get();
  deps.rooms = &rooms;
  deps.tick_log = tick_log.get();
  deps.redis = redis.get();
  deps.history_candles = config.history_candles;
  deps.auth_token = config.auth_token;
  if (config.auth_token.empty() && !loopback_only(config.host)) {
    deps.writes_disabled = fmt::format(
        "write events are disabled: the server listens on {} without --auth-token", config.host);
    spdlog::warn("{}; set --auth-token to allow them", deps.writes_disabled);
  }
  deps.version = QUFLX_VERSION;
  deps.forming = [this](std::string_view asset, Timeframe tf) { return forming_bar(asset, tf); };
  // The push feed only takes what producers send; is_running counts the feeds that produce.
  deps.ingesting = [this] {
    return feeds_started && !stopping &&
           std::any_of(feeds.all.begin(), feeds.all.end(),
                       [](const auto& f) { return f->name() != "push"; });
  };
  deps.active_asset = [this]() -> std::optional<std::string> {
    if (active_asset.empty()) return std::nullopt;
    return active_asset;
  };
  deps.can_detect_asset = [this] {
    const bool capture = std::any_of(config.feeds.begin(), config.feeds.end(),
                                     [](const std::string& f) { return f == "ws" || f == "cdp"; });
    return capture && config.ws_format == "pocketoption";
  };
  deps.persister_status = [this](boost::json::object& out) {
    if (persistence) {
      const auto s = persistence->status();
      persistence_json(&s, out);
    } else {
      persistence_json(nullptr, out);
    }
  };
  api = std::make_unique<SocketApi>(std::move(deps));
  net::SocketOptions so;
  so.events_per_second = config.client_rate;
  so.event_burst = 2 * config.client_rate;
  sockets = std::make_unique<net::SocketServer>(ioc.get_executor(), so, *api, rooms,
                                                protocol_errors, metrics);
  net::EngineOptions eo;
  eo.ping_interval = config.ping_interval;
  eo.ping_timeout = config.ping_timeout;
  eo.max_payload = config.max_payload;
  eo.allowed_origins = config.cors_origins;
  eo.send_queue = {config.client_conflate_bytes, config.client_max_bytes};
  engine = std::make_unique<net::EngineServer>(ioc.get_executor(), eo, *sockets, metrics,
                                               protocol_errors);
  engine->attach(http);
  live->start();
}

void Service::Impl::watch_frames(FrameIngest& frames) {
  frames.set_active_asset_handler([this](std::string_view asset) {
    if (asset == active_asset) return;
    active_asset = std::string(asset);
    spdlog::info("detect_asset: the broker's chart shows {}", active_asset);
  });
  // Staleness is logged and exported by FrameIngest; clients hear of it as feed_stale.
  frames.set_stale_handler([this](const StaleChange& c) {
    if (!api) return;
    api->emit_to_all("feed_stale", json_out::Object()
                                       .str("feed", c.feed)
                                       .str("asset", c.asset)
                                       .boolean("stale", c.stale)
                                       .time("last_tick", c.last_tick)
                                       .num("stale_after",
                                            static_cast<double>(config.stale_after.count()) / 1e6)
                                       .done());
  });
}

void Service::Impl::register_routes() {
  register_status_routes(http, metrics, [this] { return state(); });
  if (feeds.push) {
    // With persistence the reply waits until the accepted ticks are synced to disk.
    PushRouteDeps deps{feeds.push, config.auth_token,
                       [this] { return persistence != nullptr; }, {}};
    deps.sync = [this]() -> asio::awaitable<bool> { return persistence->synced(); };
    register_push_route(http, std::move(deps));
  }
  register_api_routes(http, ApiRoutesDeps{history.get(), tick_log.get(),
                                          [this](std::string_view asset, Timeframe tf) {
                                            return forming_bar(asset, tf);
                                          }});
}

void Service::Impl::create_feeds() {
  FeedContext context{ioc.get_executor(), pipeline, {}, clock, metrics};
  // The push feed's replies list each refused tick: the pipeline's reporting ingest.
  context.push_ingest = [this](FeedId id, std::span<const RawTick> ticks,
                               std::vector<PushRefusal>& refused) {
    std::vector<TickRejection> rejections;
    const std::size_t accepted = pipeline.ingest(id, ticks, rejections);
    for (auto& r : rejections) refused.push_back({r.index, r.code, std::move(r.message)});
    return accepted;
  };
  feeds = make_feeds(config, context);
  for (auto& f : feeds.all) {
    if (FrameIngest* frames = f->frames()) watch_frames(*frames);
  }
}

asio::awaitable<void> Service::Impl::start_feeds() {
  // Give Redis its first connect before ticks flow, so a normal start leaves no hole at the
  // head of ticks:{A}. If it is down, go on without it: the writer counts what it misses.
  if (redis) {
    asio::steady_timer wait(ioc);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!redis->connected() && !stopping && std::chrono::steady_clock::now() < until) {
      wait.expires_after(std::chrono::milliseconds(5));
      co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
  if (stopping) co_return;
  co_await restore_sequence();
  if (stopping || exit_code != 0) co_return;
  if (feeds.all.empty()) spdlog::info("feeds: none; serving what other servers publish");
  for (auto& f : feeds.all) f->start();
  feeds_started = true;
}

void Service::Impl::schedule_clock() {
  // Wake just after each wall-clock second, when 1s bars (and longer ones on their
  // boundaries) end.
  const auto now = clock.now();
  const auto us = unix_micros(now);
  const auto next = (us / 1'000'000 + 1) * 1'000'000 + 1'000;
  clock_timer.expires_after(std::chrono::microseconds(next - us));
  clock_timer.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping) return;
    pipeline.advance_live_clock();
    schedule_clock();
  });
}

ServiceState Service::Impl::state() const {
  ServiceState s;
  s.uptime = std::chrono::steady_clock::now() - started;
  s.pipeline = &pipeline;
  s.redis = redis.get();
  s.redis_writer = redis_writer.get();
  if (persistence) s.persistence = persistence->status();
  for (const auto& f : feeds.all) s.feeds.push_back(f->status());
  s.active_asset = active_asset;
  s.stopping = stopping;
  return s;
}

asio::awaitable<void> Service::Impl::shutdown(int signal) {
  stopping = true;
  spdlog::info("received {}; shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
  // A second signal means "now".
  signals.async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    spdlog::warn("second signal: exiting without waiting for pending writes");
    std::_Exit(1);
  });
  for (auto& f : feeds.all) f->stop();
  clock_timer.cancel();
  // One deadline for everything pending (Redis, then PostgreSQL).
  const auto deadline = std::chrono::steady_clock::now() + config.shutdown_timeout;
  const auto remaining = [&deadline] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  if (redis) {
    const auto stats = redis->stats();
    if (stats.in_flight > 0) {
      spdlog::info("redis: flushing {} pending commands", stats.in_flight);
    }
    const bool flushed = co_await redis->drain(remaining());
    if (!flushed) {
      spdlog::warn("redis: {} commands not confirmed before shutdown ({})",
                   redis->stats().in_flight,
                   redis->connected() ? "timeout" : "redis is down");
    }
    redis->stop();
  }
  if (persistence) {
    const auto pending = persistence->status().persister.backlog_ticks;
    if (pending > 0) spdlog::info("postgres: committing {} pending ticks", pending);
    if (co_await persistence->drain(remaining())) {
      spdlog::info("postgres: every accepted tick is committed");
    } else {
      spdlog::warn("postgres: {} ticks not committed before the deadline ({}); they stay in the "
                   "tick journal and are written at the next start",
                   persistence->status().persister.backlog_ticks,
                   persistence->status().persister.last_error);
    }
    persistence->stop();
  }
  if (engine) engine->stop();
  if (live) live->stop();
  http.stop();
  spdlog::info("stopped after accepting {} ticks", pipeline.stats().accepted);
  signals.cancel();
}

Service::Service(ServeConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Service::~Service() = default;

int Service::run() {
  Impl& i = *impl_;
  i.start_redis();
  i.history = std::make_unique<HistoryService>(
      i.redis.get(), HistoryOptions{i.config.history_candles, i.config.history_ttl}, i.metrics);
  i.start_socketio();
  i.create_feeds();
  i.register_routes();
  auto port = i.http.listen(i.config.host, i.config.port);
  if (!port.ok()) {
    spdlog::error("{}", port.error().message);
    return 1;
  }
  if (auto p = i.start_persistence(); !p.ok()) {
    spdlog::error("{}", p.error().message);
    return 1;
  }
  asio::co_spawn(i.ioc, i.start_feeds(), asio::detached);
  i.schedule_clock();
  i.signals.async_wait([&i](boost::system::error_code ec, int signal) {
    if (ec) return;
    asio::co_spawn(i.ioc, i.shutdown(signal), asio::detached);
  });
  spdlog::info("listening on http://{}:{}/ (health: /health, metrics: /metrics)", i.config.host,
               *port);
  i.ioc.run();
  return i.exit_code;
}

}  // namespace quflx
