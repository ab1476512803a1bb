// SocketServer: a SocketClient per Engine.IO session, client ids, the clients gauge.

#include "net/socket_server.h"

#include <random>

namespace quflx::net {

namespace asio = boost::asio;

SocketServer::SocketServer(asio::any_io_executor executor, SocketOptions options,
                           SocketHandler& handler, Rooms& rooms, ProtocolErrorCounter& errors,
                           MetricsRegistry& metrics)
    : executor_(std::move(executor)),
      options_(options),
      handler_(handler),
      rooms_(rooms),
      errors_(errors),
      m_events_(metrics.counter("quflx_socketio_events_total", "Socket.IO events received")),
      m_rate_limited_(metrics.counter("quflx_socketio_rate_limited_total",
                                      "Socket.IO events refused by the per-client rate limit")) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::mt19937_64 rng(std::random_device{}());
  for (int i = 0; i < 12; ++i) id_prefix_.push_back(kAlphabet[rng() % 64]);
  metrics.add_collector([this](MetricsWriter& w) {
    w.gauge("quflx_socketio_clients", "Socket.IO clients connected to the namespace /", {},
            static_cast<double>(connected_));
  });
}

std::string SocketServer::new_id() {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id = id_prefix_;
  auto n = ++next_id_;
  do {
    id.push_back(kAlphabet[n % 36]);
    n /= 36;
  } while (n > 0);
  return id;
}

void SocketServer::on_open(const std::shared_ptr<EngineSession>& session) {
  auto client = std::make_shared<SocketClient>(*this, session);
  client->expect_connect_within(options_.connect_timeout);
  session->user = client;
}

void SocketServer::on_message(const std::shared_ptr<EngineSession>& session,
                              std::string_view data, bool binary) {
  auto client = std::static_pointer_cast<SocketClient>(session->user);
  if (client) client->on_packet(data, binary);
}

void SocketServer::on_close(EngineSession& session, std::string_view) {
  auto client = std::static_pointer_cast<SocketClient>(session.user);
  session.user.reset();
  if (!client) return;
  client->on_session_closed();
}

}  // namespace quflx::net
