#include "net/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <list>
#include <map>

#include "common/log.h"
#include "common/text.h"
#include "net/http_upgrade.h"

namespace quflx::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

HttpRequest to_request(const http::request<http::string_body>& req, const std::string& remote) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  const std::string_view target = req.target();
  const auto q = target.find('?');
  r.path = percent_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  r.body = req.body();
  for (const auto& field : req) {
    r.headers.emplace_back(text::to_lower_ascii(field.name_string()), std::string(field.value()));
  }
  r.remote_address = remote;
  return r;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, HttpServerOptions opt, MetricsRegistry& metrics)
      : executor(std::move(ex)),
        options(opt),
        acceptor(executor),
        m_requests(metrics),
        m_connections(metrics.gauge("quflx_http_connections", "Open HTTP connections")) {}

  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    HttpHandler handler;
  };

  const Route* find_route(const std::string& method, const std::string& path, bool& path_known) {
    const Route* best = nullptr;
    path_known = false;
    for (const auto& r : routes) {
      const bool match = r.prefix ? path.starts_with(r.path) : path == r.path;
      if (!match) continue;
      path_known = true;
      if (r.method != method) continue;
      if (!best || (!r.prefix && best->prefix) ||
          (r.prefix == best->prefix && r.path.size() > best->path.size())) {
        best = &r;
      }
    }
    return best;
  }

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket socket);
  asio::awaitable<HttpResponse> respond(const HttpRequest& req, std::string& route_label);

  asio::any_io_executor executor;
  HttpServerOptions options;
  tcp::acceptor acceptor;
  std::vector<Route> routes;
  std::vector<std::pair<std::string, UpgradeHandler>> upgrades;
  std::list<beast::tcp_stream*> streams;  // open sessions, to close on stop()
  bool stopped = false;
  LogLimiter error_log;

  // Requests by route pattern (bounded cardinality, unlike raw paths) and status class.
  struct RequestCounters {
    explicit RequestCounters(MetricsRegistry& m) : metrics(m) {}
    Counter& get(const std::string& route, int status) {
      const std::string cls = std::to_string(status / 100) + "xx";
      auto key = route + " " + cls;
      auto it = cache.find(key);
      if (it == cache.end()) {
        it = cache.emplace(key, &metrics.counter("quflx_http_requests_total",
                                                 "HTTP requests by route and status class",
                                                 {{"route", route}, {"status", cls}}))
                 .first;
      }
      return *it->second;
    }
    MetricsRegistry& metrics;
    std::map<std::string, Counter*> cache;
  } m_requests;
  Gauge& m_connections;
};

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  auto self = shared_from_this();
  while (!stopped) {
    auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
    if (ec) {
      if (stopped || ec == asio::error::operation_aborted) break;
      // Out of descriptors and the like: say so, pause briefly, keep serving.
      if (error_log.allow()) spdlog::warn("http: accept failed: {}", ec.message());
      asio::steady_timer pause(executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    asio::co_spawn(executor, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<HttpResponse> HttpServer::Impl::respond(const HttpRequest& req,
                                                        std::string& route_label) {
  bool path_known = false;
  const Route* route = find_route(req.method, req.path, path_known);
  if (!route) {
    route_label = path_known ? "method_not_allowed" : "not_found";
    if (path_known) {
      co_return HttpResponse::error(405, ErrorCode::kNotFound,
                                    "method " + req.method + " not allowed on " + req.path);
    }
    co_return HttpResponse::error(404, ErrorCode::kNotFound, "no such path: " + req.path);
  }
  route_label = route->prefix ? route->path + "*" : route->path;
  // Copy: a handler may register routes, which would move the vector under us.
  HttpHandler handler = route->handler;
  try {
    co_return co_await handler(req);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} failed: {}", req.method, req.path, e.what());
  }
  co_return HttpResponse::error(500, ErrorCode::kInternal, "internal error");
}

asio::awaitable<void> HttpServer::Impl::session(tcp::socket socket) {
  auto self = shared_from_this();
  std::string remote;
  {
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  beast::tcp_stream stream(std::move(socket));
  auto registered = streams.insert(streams.end(), &stream);
  m_connections.add(1);
  struct Unregister {
    Impl* impl;
    std::list<beast::tcp_stream*>::iterator it;
    bool active = true;
    void release() {
      if (!active) return;
      active = false;
      impl->streams.erase(it);
      impl->m_connections.add(-1);
    }
    ~Unregister() { release(); }
  } unregister{this, registered};

  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(16 * 1024);
    stream.expires_after(options.idle_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kUseTuple);
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      break;
    }
    if (ec) {
      const bool too_big = ec == http::error::body_limit || ec == http::error::header_limit;
      const HttpResponse r =
          too_big ? HttpResponse::error(413, ErrorCode::kPayloadTooLarge,
                                        "request larger than " +
                                            std::to_string(options.max_body_bytes) + " bytes")
                  : HttpResponse::error(400, ErrorCode::kProtocol,
                                        "malformed HTTP request: " + ec.message());
      m_requests.get(too_big ? "too_large" : "bad_request", r.status).inc();
      http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
      res.set(http::field::content_type, r.content_type);
      res.set(http::field::connection, "close");
      res.body() = r.body;
      res.prepare_payload();
      stream.expires_after(std::chrono::seconds(5));
      co_await http::async_write(stream, res, kUseTuple);
      break;
    }
    auto req = parser.release();

    if (const auto host = req.find(http::field::host);
        !http_host::allowed(options.hosts, host == req.end()
                                               ? std::nullopt
                                               : std::optional<std::string_view>(host->value()))) {
      const HttpResponse r = HttpResponse::error(
          403, ErrorCode::kNotAuthorised,
          "Host '" + std::string(host->value().substr(0, 64)) +
              "' is not served here (DNS-rebinding protection); allow it with --allowed-hosts");
      m_requests.get("host_refused", r.status).inc();
      if (error_log.allow()) spdlog::warn("http: refused Host '{}' from {}", host->value().substr(0, 64), remote);
      http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
      res.set(http::field::content_type, r.content_type);
      res.set(http::field::connection, "close");
      res.body() = r.body;
      res.prepare_payload();
      stream.expires_after(std::chrono::seconds(5));
      co_await http::async_write(stream, res, kUseTuple);
      break;
    }

    if (beast::websocket::is_upgrade(req)) {
      const std::string_view path = req.target().substr(0, req.target().find('?'));
      for (const auto& [prefix, handler] : upgrades) {
        if (!path.starts_with(prefix)) continue;
        stream.expires_never();
        unregister.release();
        handler(UpgradeRequest{std::move(stream), std::move(req), std::move(buffer), remote});
        co_return;
      }
    }

    const HttpRequest hreq = to_request(req, remote);
    std::string route_label;
    HttpResponse r = co_await respond(hreq, route_label);
    m_requests.get(route_label, r.status).inc();

    http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
    res.set(http::field::server, "quflx");
    res.set(http::field::content_type, r.content_type);
    res.set(http::field::cache_control, "no-store");
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(req.keep_alive() && !stopped);
    res.body() = std::move(r.body);
    res.prepare_payload();
    stream.expires_after(options.idle_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, kUseTuple);
    if (wec || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

HttpServer::HttpServer(asio::any_io_executor executor, HttpServerOptions options,
                       MetricsRegistry& metrics)
    : impl_(std::make_shared<Impl>(std::move(executor), options, metrics)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(std::string_view method, std::string path, HttpHandler handler) {
  impl_->routes.push_back(Impl::Route{std::string(method), std::move(path), false, std::move(handler)});
}

void HttpServer::route_prefix(std::string_view method, std::string prefix, HttpHandler handler) {
  impl_->routes.push_back(Impl::Route{std::string(method), std::move(prefix), true, std::move(handler)});
}

void HttpServer::upgrade_prefix(std::string prefix, UpgradeHandler handler) {
  impl_->upgrades.emplace_back(std::move(prefix), std::move(handler));
}

Result<std::uint16_t> HttpServer::listen(const std::string& host, std::uint16_t port) {
  Impl& i = *impl_;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    return make_error(ErrorCode::kInvalidConfig, "host '" + host + "' is not an IP address");
  }
  const tcp::endpoint ep(address, port);
  i.acceptor.open(ep.protocol(), ec);
  if (!ec) i.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(ep, ec);
  if (!ec) i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    i.acceptor.close(ignored);
    return make_error(ErrorCode::kUnavailable, "cannot listen on " + host + ":" +
                                                   std::to_string(port) + ": " + ec.message());
  }
  const auto bound = i.acceptor.local_endpoint().port();
  asio::co_spawn(i.executor, i.accept_loop(), asio::detached);
  return bound;
}

void HttpServer::stop() {
  Impl& i = *impl_;
  if (i.stopped) return;
  i.stopped = true;
  boost::system::error_code ignored;
  i.acceptor.close(ignored);
  for (auto* s : i.streams) s->socket().close(ignored);
}

std::size_t HttpServer::open_connections() const { return impl_->streams.size(); }

}  // namespace quflx::net
