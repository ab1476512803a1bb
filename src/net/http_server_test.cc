#include "net/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <thread>

namespace quflx::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Sends raw bytes and reads until the server closes or `until` appears `count` times.
std::string raw_exchange(std::uint16_t port, const std::string& bytes, const std::string& until = "",
                     int count = 1) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(s, asio::buffer(bytes));
  std::string out;
  char buf[4096];
  for (;;) {
    boost::system::error_code ec;
    const auto n = s.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
    if (!until.empty()) {
      int seen = 0;
      for (auto p = out.find(until); p != std::string::npos; p = out.find(until, p + 1)) ++seen;
      if (seen >= count) break;
    }
  }
  return out;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(ioc_.get_executor(),
                                           HttpServerOptions{.max_body_bytes = 1024}, metrics_);
    server_->route("GET", "/hello", [](const HttpRequest& r) -> asio::awaitable<HttpResponse> {
      co_return HttpResponse::text(200, "hi " + r.query_param("name").value_or("?"));
    });
    server_->route("POST", "/echo", [](const HttpRequest& r) -> asio::awaitable<HttpResponse> {
      co_return HttpResponse::text(200, r.body);
    });
    server_->route("GET", "/boom", [](const HttpRequest&) -> asio::awaitable<HttpResponse> {
      throw std::runtime_error("kaboom");
      co_return HttpResponse::text(200, "unreachable");
    });
    server_->route_prefix("GET", "/files/", [](const HttpRequest& r) -> asio::awaitable<HttpResponse> {
      co_return HttpResponse::text(200, "file " + r.path);
    });
    auto port = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = *port;
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    asio::post(ioc_, [this] { server_->stop(); });
    thread_.join();
  }
  std::string get(const std::string& target) {
    return raw_exchange(port_, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  }

  asio::io_context ioc_;
  MetricsRegistry metrics_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(HttpServerTest, RoutesExactPathsAndPrefixes) {
  const auto r = get("/hello?name=%23AAPL");
  EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(r.find("hi #AAPL"), std::string::npos);
  EXPECT_NE(get("/files/a/b.csv").find("file /files/a/b.csv"), std::string::npos);
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405) {
  EXPECT_NE(get("/nope").find("HTTP/1.1 404"), std::string::npos);
  EXPECT_NE(get("/echo").find("HTTP/1.1 405"), std::string::npos);
}

TEST_F(HttpServerTest, OversizeBodyIs413AndServerCarriesOn) {
  const std::string body(4096, 'x');
  const auto r = raw_exchange(port_, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4096\r\n\r\n" + body);
  EXPECT_NE(r.find("HTTP/1.1 413"), std::string::npos);
  EXPECT_NE(r.find("payload_too_large"), std::string::npos);
  EXPECT_NE(get("/hello").find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  const auto r = raw_exchange(port_, "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_NE(r.find("HTTP/1.1 400"), std::string::npos);
  EXPECT_NE(get("/hello").find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpServerTest, ThrowingHandlerIs500AndServerCarriesOn) {
  EXPECT_NE(get("/boom").find("HTTP/1.1 500"), std::string::npos);
  EXPECT_NE(get("/hello").find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  const std::string one = "GET /hello?name=a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const auto r = raw_exchange(port_, one + one + one, "HTTP/1.1 200", 3);
  int count = 0;
  for (auto p = r.find("hi a"); p != std::string::npos; p = r.find("hi a", p + 1)) ++count;
  EXPECT_EQ(count, 3);
}

TEST_F(HttpServerTest, ListenReportsABusyPort) {
  asio::io_context other;
  HttpServer second(other.get_executor(), {}, metrics_);
  auto r = second.listen("127.0.0.1", port_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(std::to_string(port_)), std::string::npos);
}

}  // namespace
}  // namespace quflx::net
