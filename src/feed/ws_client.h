#pragma once
// WsClient: one outgoing WebSocket connection (ws:// or wss:// with TLS through OpenSSL,
// verifying the server against the system's CA store), for feeds that read an upstream: the
// broker's socket (ws feed) and a browser's DevTools socket (cdp feed). Also a one-shot HTTP
// GET for the DevTools target list. Beast stays inside ws_client.cc.
//
// Reads and writes are coroutines on the executor given at construction; one read at a time,
// sends are queued and written one after another. Every failure is a Result, never a throw.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace quflx {

struct WebUrl {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // path and query, at least "/"
  std::string display() const;  // scheme://host:port/path without the query (which may hold secrets)
};
// ws://, wss://, http://, https://.
Result<WebUrl> parse_web_url(std::string_view url);

struct WsClientOptions {
  std::chrono::milliseconds connect_timeout{10000};
  // With no message for this long the connection counts as dead. Beast pings the server at
  // half of it, which is also the keep-alive for upstreams that do not ping themselves.
  std::chrono::milliseconds idle_timeout{30000};
  // A larger message is an error (closes the connection): no upstream frame is legitimately
  // this large, and it bounds memory.
  std::size_t max_message_bytes = 16u << 20;
  std::vector<std::pair<std::string, std::string>> headers;  // extra handshake headers
  // PEM file of certificates trusted for wss:// and https:// in addition to the system's CA
  // store (a private CA, or a self-signed upstream); empty: the system store only.
  std::string ca_file;
};

struct WsMessage {
  bool binary = false;
  std::string_view data;  // valid until the next read()
};

class WsClient {
 public:
  WsClient(boost::asio::any_io_executor executor, WsClientOptions options);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  boost::asio::awaitable<Result<void>> connect(const WebUrl& url);
  boost::asio::awaitable<Result<WsMessage>> read();
  // Queues a text message; false if not connected.
  bool send(std::string text);
  // Closes the socket; a pending read() completes with an error.
  void close();
  bool is_open() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// GET `url` and return the body (2xx only), within `timeout`. `ca_file` as in
// WsClientOptions.
boost::asio::awaitable<Result<std::string>> http_get(boost::asio::any_io_executor executor,
                                                     const WebUrl& url,
                                                     std::chrono::milliseconds timeout,
                                                     const std::string& ca_file = {});

}  // namespace quflx
