#pragma once
// HttpServer: HTTP/1.1 on Boost.Beast with one coroutine per connection and keep-alive.
// Routes map (method, path) to coroutine handlers that take and return plain values; a
// handler that throws answers 500 and is logged, and never takes the server down. Bodies
// above `max_body_bytes` get 413; a Host header outside `hosts` gets 403. WebSocket upgrades on a registered path prefix are handed
// over whole to an UpgradeHandler (see http_upgrade.h), which then owns the connection.
//
// Threading: runs on the executor given at construction (single-threaded).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/metrics.h"
#include "common/result.h"
#include "net/http_types.h"
#include "protocol/http_host.h"

namespace quflx::net {

struct UpgradeRequest;  // http_upgrade.h
using HttpHandler = std::function<boost::asio::awaitable<HttpResponse>(const HttpRequest&)>;
using UpgradeHandler = std::function<void(UpgradeRequest&&)>;

struct HttpServerOptions {
  // Larger requests are not ours to serve: the largest legitimate body is a batch of pushed
  // ticks or candles, well under a megabyte.
  std::size_t max_body_bytes = 1u << 20;
  // Keep-alive connections idle this long are closed; a slow reader is not worth a socket.
  std::chrono::seconds idle_timeout{60};
  // Requests and upgrades whose Host header is not allowed get 403 and the connection closes
  // (DNS-rebinding protection, SPEC §11; protocol/http_host.h says what is allowed).
  http_host::AllowList hosts;
};

class HttpServer {
 public:
  HttpServer(boost::asio::any_io_executor executor, HttpServerOptions options,
             MetricsRegistry& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Exact path. `method` in upper case ("GET").
  void route(std::string_view method, std::string path, HttpHandler handler);
  // Any path starting with `prefix`; the longest matching prefix wins over shorter ones, and
  // exact routes win over prefixes.
  void route_prefix(std::string_view method, std::string prefix, HttpHandler handler);
  // WebSocket upgrade requests whose path starts with `prefix`.
  void upgrade_prefix(std::string prefix, UpgradeHandler handler);

  // Binds and starts accepting. Port 0 picks a free port. Returns the bound port, or an error
  // naming the address when it cannot bind.
  Result<std::uint16_t> listen(const std::string& host, std::uint16_t port);
  // Stops accepting and closes every connection.
  void stop();

  std::size_t open_connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace quflx::net
