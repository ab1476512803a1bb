#include "feed/ws_client.h"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url/parse.hpp>
#include <deque>

namespace quflx {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

Error net_error(std::string what, const boost::system::error_code& ec) {
  return make_error(ErrorCode::kUnavailable, fmt::format("{}: {}", what, ec.message()));
}

// A client context that verifies the peer against the system store (and `ca_file`).
Result<std::unique_ptr<ssl::context>> make_tls_context(const std::string& ca_file) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_default_verify_paths();
  ctx->set_verify_mode(ssl::verify_peer);
  if (!ca_file.empty()) {
    boost::system::error_code ec;
    ctx->load_verify_file(ca_file, ec);
    if (ec) return net_error("TLS: cannot load CA file " + ca_file, ec);
  }
  return ctx;
}

// Resolves and connects `layer` (a tcp_stream) within the stream's current expiry.
asio::awaitable<Result<void>> tcp_connect(beast::tcp_stream& layer, const WebUrl& url) {
  tcp::resolver resolver(layer.get_executor());
  auto [rec, results] = co_await resolver.async_resolve(url.host, url.port, kNoThrow);
  if (rec) co_return net_error(fmt::format("resolving {}", url.host), rec);
  auto [cec, ep] = co_await layer.async_connect(results, kNoThrow);
  if (cec) co_return net_error(fmt::format("connecting to {}:{}", url.host, url.port), cec);
  co_return Result<void>{};
}

Result<void> prepare_tls(ssl::stream<beast::tcp_stream>& s, const WebUrl& url) {
  // SSL_set_tlsext_host_name, without the macro's C cast.
  if (!SSL_ctrl(s.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                static_cast<void*>(const_cast<char*>(url.host.c_str())))) {
    return make_error(ErrorCode::kUnavailable, "TLS: cannot set server name " + url.host);
  }
  s.set_verify_callback(ssl::host_name_verification(url.host));
  return {};
}

}  // namespace

std::string WebUrl::display() const {
  const auto q = target.find('?');
  return fmt::format("{}://{}:{}{}", tls ? "wss" : "ws", host, port, target.substr(0, q));
}

Result<WebUrl> parse_web_url(std::string_view text) {
  auto u = boost::urls::parse_uri(text);
  if (!u) {
    return make_error(ErrorCode::kInvalidConfig,
                      fmt::format("'{}' is not a URL ({})", text, u.error().message()));
  }
  WebUrl w;
  const std::string scheme(u->scheme());
  if (scheme == "ws" || scheme == "http") {
    w.tls = false;
  } else if (scheme == "wss" || scheme == "https") {
    w.tls = true;
  } else {
    return make_error(ErrorCode::kInvalidConfig,
                      fmt::format("'{}': scheme must be ws, wss, http or https", text));
  }
  w.host = std::string(u->host_address());
  if (w.host.empty()) return make_error(ErrorCode::kInvalidConfig, fmt::format("'{}': no host", text));
  w.port = u->has_port() ? std::string(u->port()) : (w.tls ? "443" : "80");
  w.target = std::string(u->encoded_path());
  if (w.target.empty()) w.target = "/";
  if (u->has_query()) w.target += "?" + std::string(u->encoded_query());
  return w;
}

// One connection attempt: its streams, read buffer and send queue. A reconnect makes a new
// Conn; the old one lives on for as long as a write still in flight on it (its write loop
// holds a reference), so nothing ever touches a destroyed stream.
struct WsConn {
  using Plain = websocket::stream<beast::tcp_stream>;
  using Secure = websocket::stream<ssl::stream<beast::tcp_stream>>;

  std::unique_ptr<ssl::context> tls;  // declared before `secure`: must outlive it
  std::unique_ptr<Plain> plain;
  std::unique_ptr<Secure> secure;
  beast::flat_buffer buffer;
  std::deque<std::string> queue;
  bool writing = false;

  void close() {
    boost::system::error_code ec;
    // Beast's idle-ping timer outlives a closed socket (it re-arms every idle_timeout/2 until
    // it notices); with it pending, the io_context would not run out of work at shutdown.
    // Timeouts of none cancel it.
    const auto off = websocket::stream_base::timeout{websocket::stream_base::none(),
                                                     websocket::stream_base::none(), false};
    if (plain) {
      plain->set_option(off);
      beast::get_lowest_layer(*plain).socket().close(ec);
    }
    if (secure) {
      secure->set_option(off);
      beast::get_lowest_layer(*secure).socket().close(ec);
    }
  }
  bool is_open() const { return (plain && plain->is_open()) || (secure && secure->is_open()); }
};

struct WsClient::Impl {
  Impl(asio::any_io_executor e, WsClientOptions o) : ex(std::move(e)), opt(std::move(o)) {}

  template <class Ws>
  asio::awaitable<Result<void>> handshake(Ws& ws, const WebUrl& url) {
    beast::get_lowest_layer(ws).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = opt.connect_timeout;
    t.idle_timeout = opt.idle_timeout;
    t.keep_alive_pings = true;
    ws.set_option(t);
    ws.set_option(websocket::stream_base::decorator([h = opt.headers](websocket::request_type& req) {
      req.set(http::field::user_agent, "quflx-stream");
      for (const auto& [k, v] : h) req.set(k, v);
    }));
    ws.read_message_max(opt.max_message_bytes);
    ws.text(true);
    const std::string host = url.host + ":" + url.port;
    auto [ec] = co_await ws.async_handshake(host, url.target, kNoThrow);
    if (ec) co_return net_error("WebSocket handshake with " + url.display(), ec);
    co_return Result<void>{};
  }

  asio::awaitable<Result<void>> connect(WebUrl url) {
    close();
    auto c = std::make_shared<WsConn>();
    conn = c;
    if (url.tls) {
      auto ctx = make_tls_context(opt.ca_file);
      if (!ctx.ok()) co_return ctx.error();
      c->tls = std::move(*ctx);
      c->secure = std::make_unique<WsConn::Secure>(ex, *c->tls);
      auto& layer = beast::get_lowest_layer(*c->secure);
      layer.expires_after(opt.connect_timeout);
      if (auto r = co_await tcp_connect(layer, url); !r.ok()) co_return r;
      if (auto r = prepare_tls(c->secure->next_layer(), url); !r.ok()) co_return r;
      auto [ec] = co_await c->secure->next_layer().async_handshake(ssl::stream_base::client, kNoThrow);
      if (ec) co_return net_error("TLS handshake with " + url.host, ec);
      co_return co_await handshake(*c->secure, url);
    }
    c->plain = std::make_unique<WsConn::Plain>(ex);
    auto& layer = beast::get_lowest_layer(*c->plain);
    layer.expires_after(opt.connect_timeout);
    if (auto r = co_await tcp_connect(layer, url); !r.ok()) co_return r;
    co_return co_await handshake(*c->plain, url);
  }

  asio::awaitable<Result<WsMessage>> read() {
    auto c = conn;
    if (!c || (!c->plain && !c->secure)) co_return make_error(ErrorCode::kUnavailable, "not connected");
    reading = c;  // keeps the buffer the returned view points into until the next read()
    c->buffer.consume(c->buffer.size());
    boost::system::error_code ec;
    bool binary = false;
    if (c->secure) {
      std::tie(ec, std::ignore) = co_await c->secure->async_read(c->buffer, kNoThrow);
      binary = c->secure->got_binary();
    } else {
      std::tie(ec, std::ignore) = co_await c->plain->async_read(c->buffer, kNoThrow);
      binary = c->plain->got_binary();
    }
    if (ec) {
      if (ec == websocket::error::message_too_big) {
        co_return make_error(ErrorCode::kPayloadTooLarge,
                             fmt::format("message over {} bytes", opt.max_message_bytes));
      }
      co_return net_error("reading", ec);
    }
    const auto data = c->buffer.cdata();
    co_return WsMessage{binary, std::string_view(static_cast<const char*>(data.data()), data.size())};
  }

  bool send(std::string text) {
    auto c = conn;
    if (!c || !c->is_open()) return false;
    c->queue.push_back(std::move(text));
    if (!c->writing) {
      c->writing = true;
      asio::co_spawn(ex, write_loop(c), asio::detached);
    }
    return true;
  }

  static asio::awaitable<void> write_loop(std::shared_ptr<WsConn> c) {
    while (!c->queue.empty()) {
      const std::string msg = std::move(c->queue.front());
      c->queue.pop_front();
      boost::system::error_code ec;
      if (c->secure) {
        std::tie(ec, std::ignore) = co_await c->secure->async_write(asio::buffer(msg), kNoThrow);
      } else {
        std::tie(ec, std::ignore) = co_await c->plain->async_write(asio::buffer(msg), kNoThrow);
      }
      if (ec) {
        c->queue.clear();
        break;  // the read side sees the failure and reconnects
      }
    }
    c->writing = false;
  }

  void close() {
    if (conn) conn->close();
  }

  bool is_open() const { return conn && conn->is_open(); }

  asio::any_io_executor ex;
  WsClientOptions opt;
  std::shared_ptr<WsConn> conn;     // the current connection
  std::shared_ptr<WsConn> reading;  // the connection of the last read()
};

WsClient::WsClient(asio::any_io_executor executor, WsClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}
WsClient::~WsClient() { impl_->close(); }

asio::awaitable<Result<void>> WsClient::connect(const WebUrl& url) {
  auto self = impl_;
  co_return co_await self->connect(url);
}
asio::awaitable<Result<WsMessage>> WsClient::read() {
  auto self = impl_;
  co_return co_await self->read();
}
bool WsClient::send(std::string text) { return impl_->send(std::move(text)); }
void WsClient::close() { impl_->close(); }
bool WsClient::is_open() const { return impl_->is_open(); }

asio::awaitable<Result<std::string>> http_get(asio::any_io_executor executor, const WebUrl& url,
                                              std::chrono::milliseconds timeout,
                                              const std::string& ca_file) {
  http::request<http::empty_body> req{http::verb::get, url.target, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "quflx-stream");
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(8u << 20);
  boost::system::error_code ec;
  if (url.tls) {
    auto ctx = make_tls_context(ca_file);
    if (!ctx.ok()) co_return ctx.error();
    ssl::stream<beast::tcp_stream> s(executor, **ctx);
    beast::get_lowest_layer(s).expires_after(timeout);
    if (auto r = co_await tcp_connect(beast::get_lowest_layer(s), url); !r.ok()) co_return r.error();
    if (auto r = prepare_tls(s, url); !r.ok()) co_return r.error();
    std::tie(ec) = co_await s.async_handshake(ssl::stream_base::client, kNoThrow);
    if (!ec) std::tie(ec, std::ignore) = co_await http::async_write(s, req, kNoThrow);
    if (!ec) std::tie(ec, std::ignore) = co_await http::async_read(s, buf, parser, kNoThrow);
  } else {
    beast::tcp_stream s(executor);
    s.expires_after(timeout);
    if (auto r = co_await tcp_connect(s, url); !r.ok()) co_return r.error();
    std::tie(ec, std::ignore) = co_await http::async_write(s, req, kNoThrow);
    if (!ec) std::tie(ec, std::ignore) = co_await http::async_read(s, buf, parser, kNoThrow);
  }
  if (ec) co_return net_error(fmt::format("GET http://{}:{}{}", url.host, url.port, url.target), ec);
  auto res = parser.release();
  if (res.result_int() < 200 || res.result_int() >= 300) {
    co_return make_error(ErrorCode::kUnavailable,
                         fmt::format("GET {}: HTTP {}", url.target, res.result_int()));
  }
  co_return std::move(res.body());
}

}  // namespace quflx
