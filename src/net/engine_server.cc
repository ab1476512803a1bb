// EngineServer: HTTP long-polling, the WebSocket handshake and the upgrade, CORS.

#include "net/engine_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>

#include "common/text.h"
#include "net/engine_core.h"
#include "net/http_upgrade.h"
#include "net/session_timers.h"
#include "net/websocket_connection.h"
#include "protocol/engineio.h"
#include "protocol/websocket.h"

namespace quflx::net {

namespace asio = boost::asio;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// "http://host:port" -> "host:port"; "" if it is not an origin.
std::string_view origin_authority(std::string_view origin) {
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return {};
  return origin.substr(scheme_end + 3);
}

std::string_view host_of(std::string_view authority) {
  if (authority.starts_with('[')) {
    const auto end = authority.find(']');
    return end == std::string_view::npos ? authority : authority.substr(0, end + 1);
  }
  return authority.substr(0, authority.find(':'));
}

// Browsers send Origin; other clients usually do not, and are not checked.
bool origin_allowed(const EngineOptions& o, std::optional<std::string_view> origin,
                    std::optional<std::string_view> host) {
  if (!origin) return true;
  for (const auto& allowed : o.allowed_origins) {
    if (allowed == "*" || text::to_lower_ascii(allowed) == text::to_lower_ascii(*origin)) return true;
  }
  const std::string authority = text::to_lower_ascii(origin_authority(*origin));
  if (authority.empty()) return false;
  if (host && authority == text::to_lower_ascii(*host)) return true;  // same origin
  const auto h = host_of(authority);
  return h == "localhost" || h == "127.0.0.1" || h == "[::1]";
}

struct Query {
  std::optional<std::string> eio, transport, sid;
};

Query parse_query(std::string_view raw) {
  HttpRequest r;
  r.query = std::string(raw);
  return {r.query_param("EIO"), r.query_param("transport"), r.query_param("sid")};
}

HttpResponse engine_error(int status, eio::HttpError e) {
  return HttpResponse::json(status, eio::http_error_body(e));
}

}  // namespace

struct EngineServerRoutes {
  static asio::awaitable<HttpResponse> handle(std::shared_ptr<EngineCore> core,
                                              const HttpRequest& req);
  static asio::awaitable<HttpResponse> handle_get(std::shared_ptr<EngineCore> core,
                                                  const HttpRequest& req, const Query& q);
  static HttpResponse handle_post(const std::shared_ptr<EngineCore>& core, const HttpRequest& req,
                                  const Query& q);
  static asio::awaitable<void> upgrade(std::shared_ptr<EngineCore> core, UpgradeRequest up);
};

asio::awaitable<HttpResponse> EngineServerRoutes::handle(std::shared_ptr<EngineCore> core,
                                                         const HttpRequest& req) {
  const auto origin = req.header("origin");
  std::vector<std::pair<std::string, std::string>> cors;
  if (!origin_allowed(core->options, origin, req.header("host"))) {
    core->errors.count(ErrorCode::kNotAuthorised);
    co_return engine_error(403, eio::HttpError::kForbidden);
  }
  if (origin) {
    cors = {{"Access-Control-Allow-Origin", std::string(*origin)},
            {"Access-Control-Allow-Credentials", "true"},
            {"Vary", "Origin"}};
  }
  HttpResponse r;
  if (req.method == "OPTIONS") {
    r.status = 204;
    r.content_type = "text/plain";
    cors.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    cors.emplace_back("Access-Control-Allow-Headers",
                      std::string(req.header("access-control-request-headers").value_or("content-type")));
  } else {
    const Query q = parse_query(req.query);
    if (q.eio != "4") {
      r = engine_error(400, eio::HttpError::kUnsupportedProtocolVersion);
    } else if (q.transport == "websocket") {
      r = engine_error(400, eio::HttpError::kBadRequest);  // a WebSocket without the upgrade
    } else if (q.transport != "polling") {
      r = engine_error(400, eio::HttpError::kUnknownTransport);
    } else if (req.method == "GET") {
      r = co_await handle_get(core, req, q);
    } else {
      r = handle_post(core, req, q);
    }
    if (r.status >= 400 && r.status != 413) core->errors.count(ErrorCode::kProtocol);
  }
  for (auto& h : cors) r.headers.push_back(std::move(h));
  co_return r;
}

asio::awaitable<HttpResponse> EngineServerRoutes::handle_get(std::shared_ptr<EngineCore> core,
                                                             const HttpRequest& req,
                                                             const Query& q) {
  if (core->stopped) co_return engine_error(400, eio::HttpError::kBadRequest);
  if (!q.sid) {
    auto s = core->create_session(req.remote_address, Transport::kPolling);
    const auto& o = core->options;
    HttpResponse r = HttpResponse::text(
        200, eio::open_packet({s->sid(), true, o.ping_interval, o.ping_timeout, o.max_payload}),
        "text/plain; charset=UTF-8");
    s->schedule_ping(o.ping_interval);
    if (core->handler) core->handler->on_open(s);
    co_return r;
  }
  auto s = core->find(*q.sid);
  if (!s) co_return engine_error(400, eio::HttpError::kUnknownSid);
  if (s->transport_ != Transport::kPolling) co_return engine_error(400, eio::HttpError::kBadRequest);
  if (s->poll_pending_) {
    // Two GETs at once: the client is broken (the protocol says close).
    s->close("protocol error");
    co_return engine_error(400, eio::HttpError::kBadRequest);
  }
  s->poll_pending_ = true;
  while (s->open_ && s->transport_ == Transport::kPolling && s->queue_.empty() && !s->probed_) {
    s->timers_->poll.expires_at(asio::steady_timer::time_point::max());
    co_await s->timers_->poll.async_wait(kUseTuple);
  }
  s->poll_pending_ = false;
  std::string body;
  if (!s->open_) {
    body = "1";
  } else if (s->transport_ == Transport::kPolling) {
    std::vector<FrameRef> frames;
    s->queue_.take(frames, SIZE_MAX, core->options.max_payload);
    for (const auto& f : frames) eio::append_to_payload(body, f->packet());
  }
  if (body.empty()) body = "6";  // upgrading or upgraded: let the client pause polling
  co_return HttpResponse::text(200, std::move(body), "text/plain; charset=UTF-8");
}

HttpResponse EngineServerRoutes::handle_post(const std::shared_ptr<EngineCore>& core,
                                             const HttpRequest& req, const Query& q) {
  if (!q.sid) return engine_error(400, eio::HttpError::kBadHandshakeMethod);
  auto s = core->find(*q.sid);
  if (!s) return engine_error(400, eio::HttpError::kUnknownSid);
  if (s->transport_ != Transport::kPolling) return engine_error(400, eio::HttpError::kBadRequest);
  if (req.body.size() > core->options.max_payload) {
    core->errors.count(ErrorCode::kPayloadTooLarge);
    s->close("payload too large");
    return HttpResponse::error(413, ErrorCode::kPayloadTooLarge,
                               "body larger than maxPayload (" +
                                   std::to_string(core->options.max_payload) + " bytes)");
  }
  std::vector<eio::Packet> packets;
  if (auto r = eio::decode_payload(req.body, packets); !r.ok()) {
    if (core->log.allow()) spdlog::info("socket.io: {} sent a bad payload: {}", s->remote_, r.error().message);
    s->close("protocol error");
    return engine_error(400, eio::HttpError::kBadRequest);
  }
  try {
    for (const auto& p : packets) {
      if (!s->open_) break;
      s->on_decoded(p);
    }
  } catch (const std::exception& e) {
    // As on a WebSocket: a failure handling a packet ends the session, which is left in no
    // half-handled state.
    core->errors.count(ErrorCode::kInternal);
    spdlog::error("socket.io: closing {}: handling a packet failed: {}", s->remote_, e.what());
    s->close("protocol error");
    return engine_error(400, eio::HttpError::kBadRequest);
  }
  return HttpResponse::text(200, "ok", "text/html");
}

asio::awaitable<void> EngineServerRoutes::upgrade(std::shared_ptr<EngineCore> core,
                                                  UpgradeRequest up) {
  auto& req = up.request;
  auto& socket = up.stream.socket();
  auto reject = [&](int status, std::string_view reason, eio::HttpError e) -> asio::awaitable<void> {
    core->errors.count(status == 403 ? ErrorCode::kNotAuthorised : ErrorCode::kProtocol);
    const std::string body = eio::http_error_body(e);
    std::string res = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
                      "\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    co_await asio::async_write(socket, asio::buffer(res), kUseTuple);
    boost::system::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  };
  const std::string_view target = req.target();
  const auto qpos = target.find('?');
  if (target.substr(0, qpos) != core->options.path || core->stopped) {
    co_return co_await reject(404, "Not Found", eio::HttpError::kBadRequest);
  }
  const Query q = parse_query(qpos == std::string_view::npos ? "" : target.substr(qpos + 1));
  auto header = [&](std::string_view name) -> std::optional<std::string_view> {
    auto it = req.find(name);
    if (it == req.end()) return std::nullopt;
    return it->value();
  };
  if (!origin_allowed(core->options, header("Origin"), header("Host"))) {
    co_return co_await reject(403, "Forbidden", eio::HttpError::kForbidden);
  }
  if (q.eio != "4") {
    co_return co_await reject(400, "Bad Request", eio::HttpError::kUnsupportedProtocolVersion);
  }
  if (q.transport != "websocket") {
    co_return co_await reject(400, "Bad Request", eio::HttpError::kUnknownTransport);
  }
  const auto key = header("Sec-WebSocket-Key");
  if (header("Sec-WebSocket-Version") != "13" || !key || !ws::is_valid_client_key(*key)) {
    co_return co_await reject(400, "Bad Request", eio::HttpError::kBadRequest);
  }
  std::shared_ptr<EngineSession> existing;
  if (q.sid) {
    existing = core->find(*q.sid);
    if (!existing) co_return co_await reject(400, "Bad Request", eio::HttpError::kUnknownSid);
    if (existing->transport_ != Transport::kPolling || existing->upgrading_) {
      co_return co_await reject(400, "Bad Request", eio::HttpError::kBadRequest);
    }
  }
  const std::string res =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      ws::accept_key(*key) + "\r\n\r\n";
  auto [ec, n] = co_await asio::async_write(socket, asio::buffer(res), kUseTuple);
  if (ec || core->stopped) co_return;
  boost::system::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  const std::string leftover = boost::beast::buffers_to_string(up.buffer.data());
  auto conn = std::make_shared<WebSocketConnection>(up.stream.release_socket(), core);

  if (existing) {
    // The session may have closed while we wrote the 101.
    if (!existing->open_ || existing->transport_ != Transport::kPolling || existing->upgrading_) {
      conn->close(ws::kGoingAway, "session gone", true);
      co_return;
    }
    existing->upgrading_ = conn;
    existing->timers_->upgrade.expires_after(core->options.upgrade_timeout);
    existing->timers_->upgrade.async_wait(
        [weak = std::weak_ptr<EngineSession>(existing), conn](boost::system::error_code e) {
          auto s = weak.lock();
          if (e || !s || s->upgrading_ != conn) return;
          s->upgrading_.reset();
          s->probed_ = false;
          s->wake_poll();
          conn->close(ws::kGoingAway, "upgrade timed out", true);
        });
    conn->start(existing, true, leftover);
    co_return;
  }
  auto s = core->create_session(up.remote_address, Transport::kWebSocket);
  s->ws_ = conn;
  conn->start(s, false, leftover);
  const auto& o = core->options;
  s->send(Frame::make(eio::open_packet({s->sid(), false, o.ping_interval, o.ping_timeout, o.max_payload})));
  s->schedule_ping(o.ping_interval);
  if (core->handler) core->handler->on_open(s);
}

EngineServer::EngineServer(asio::any_io_executor executor, EngineOptions options,
                           EngineHandler& handler, MetricsRegistry& metrics,
                           ProtocolErrorCounter& errors)
    : core_(std::make_shared<EngineCore>(std::move(executor), std::move(options), handler,
                                         metrics, errors)) {
  metrics.add_collector([weak = std::weak_ptr<EngineCore>(core_)](MetricsWriter& w) {
    auto core = weak.lock();
    if (!core) return;
    w.gauge("quflx_socketio_sessions", "Open Engine.IO sessions by transport",
            {{"transport", "polling"}}, static_cast<double>(core->counts.polling));
    w.gauge("quflx_socketio_sessions", "Open Engine.IO sessions by transport",
            {{"transport", "websocket"}}, static_cast<double>(core->counts.websocket));
  });
}

EngineServer::~EngineServer() { stop(); }

void EngineServer::attach(HttpServer& http) {
  auto core = core_;
  auto handler = [core](const HttpRequest& req) { return EngineServerRoutes::handle(core, req); };
  for (const char* method : {"GET", "POST", "OPTIONS"}) http.route(method, core_->options.path, handler);
  http.upgrade_prefix(core_->options.path, [core](UpgradeRequest&& up) {
    asio::co_spawn(core->executor, EngineServerRoutes::upgrade(core, std::move(up)),
                   asio::detached);
  });
}

void EngineServer::stop() {
  if (core_->stopped) return;
  core_->stopped = true;
  std::vector<std::shared_ptr<EngineSession>> all;
  for (auto& [sid, s] : core_->sessions) all.push_back(s);
  for (auto& s : all) s->close("server shutdown");
  core_->handler = nullptr;
}

EngineStats EngineServer::stats() const { return core_->counts; }
const EngineOptions& EngineServer::options() const { return core_->options; }

}  // namespace quflx::net
