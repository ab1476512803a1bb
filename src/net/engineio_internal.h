#pragma once
// Internals shared by engineio_server.cc, engineio_session.cc and websocket_connection.cc.
// Not for use outside src/net.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <map>
#include <random>

#include "common/log.h"
#include "net/engineio_server.h"
#include "protocol/websocket.h"

namespace quflx::net {

namespace asio = boost::asio;

struct EngineCore : std::enable_shared_from_this<EngineCore> {
  EngineCore(asio::any_io_executor ex, EngineOptions opt, EngineHandler& h, MetricsRegistry& m,
             ProtocolErrorCounter& e);

  std::shared_ptr<EngineSession> create_session(std::string remote, Transport transport);
  std::shared_ptr<EngineSession> find(std::string_view sid) const;
  void remove(EngineSession& s, std::string_view reason);
  void schedule_flush(std::shared_ptr<EngineSession> s);
  void count_disconnect(std::string_view reason);

  asio::any_io_executor executor;
  EngineOptions options;
  EngineHandler* handler;
  bool stopped = false;
  std::map<std::string, std::shared_ptr<EngineSession>, std::less<>> sessions;
  std::vector<std::shared_ptr<EngineSession>> dirty;
  bool flush_posted = false;
  std::mt19937_64 rng;
  LogLimiter log;
  EngineStats counts;

  MetricsRegistry& metrics;
  ProtocolErrorCounter& errors;
  Counter& m_handshakes;
  Counter& m_upgrades;
  Counter& m_messages_in;
  Counter& m_messages_out;
  Counter& m_conflated;
  Counter& m_dropped;
  std::map<std::string, Counter*, std::less<>> m_disconnects;
};

// Per-session timers (kept out of the public header: they pull in Asio).
class SessionTimers {
 public:
  explicit SessionTimers(const asio::any_io_executor& ex) : ping(ex), poll(ex), upgrade(ex) {}
  asio::steady_timer ping;     // next ping, or the pong deadline
  asio::steady_timer poll;     // wakes a waiting GET
  asio::steady_timer upgrade;  // upgrade deadline
};

// One WebSocket connection after the handshake: reads client frames with ws::MessageReader
// and writes frames with one gather write in flight. Attached to one EngineSession, either as
// its transport or, during an upgrade, as the probing connection.
class WsConnection : public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(asio::ip::tcp::socket socket, std::shared_ptr<EngineCore> core);

  // Starts reading; `leftover` is what the HTTP parser read past the upgrade request.
  void start(std::shared_ptr<EngineSession> session, bool probing, std::string_view leftover);
  // Writes what is queued: our own control frames first, then the session's frames when this
  // is the session's transport.
  void write_more();
  // Sends a close frame after what is in flight, then shuts the socket down. `hard` closes at
  // once (the peer is not reading anyway).
  void close(std::uint16_t code, std::string_view reason, bool hard = false);
  void send_direct(FrameRef frame);

  bool probing = false;

 private:
  asio::awaitable<void> read_loop();
  void handle(ws::Message& m);
  void on_engine_packet(std::string_view data, bool binary);
  void shutdown();

  asio::ip::tcp::socket socket_;
  std::shared_ptr<EngineCore> core_;
  std::shared_ptr<EngineSession> session_;
  ws::MessageReader reader_;
  // The pong to the latest ping not yet written: only the most recent ping is answered
  // (RFC 6455 5.5.3), so a peer that pings without reading costs one frame, not a queue.
  std::string pong_;
  std::string close_frame_;             // written last, then the socket is shut down
  asio::steady_timer close_timer_;
  std::deque<FrameRef> direct_;
  std::vector<FrameRef> inflight_;
  std::string inflight_raw_;
  std::vector<asio::const_buffer> buffers_;
  bool writing_ = false;
  bool closing_ = false;  // a close frame is queued: write it, then shut down
  bool closed_ = false;
};

}  // namespace quflx::net
