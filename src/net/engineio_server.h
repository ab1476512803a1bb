#pragma once
// EngineServer: the server side of Engine.IO v4 on our HttpServer.
//
//   GET  /socket.io/?EIO=4&transport=polling            handshake: the open packet
//   GET  /socket.io/?EIO=4&transport=polling&sid=S       long poll: queued packets, or wait
//   POST /socket.io/?EIO=4&transport=polling&sid=S       packets from the client
//   GET  /socket.io/?EIO=4&transport=websocket[&sid=S]   WebSocket, new or upgrading S
//
// Each EngineSession has one SendQueue (the slow-consumer policy lives there) that outlives
// its transport: after an upgrade from polling the same queue drains into the WebSocket.
// Sessions that received frames during an event-loop turn are flushed once at the end of the
// turn (one gather write per WebSocket session per turn, however many frames it got).
//
// Heartbeat: the server pings every ping_interval and closes a session that does not answer
// within ping_timeout. A WebSocket message or polling body above max_payload closes that one
// session (WebSocket close 1009 / HTTP 413). Browsers' Origin must be the same origin,
// localhost, or in the allow-list; other clients send no Origin and are not checked.
//
// Threading: everything runs on the executor given at construction (single-threaded).

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error_codes.h"
#include "common/metrics.h"
#include "net/frame.h"
#include "net/http_server.h"
#include "net/send_queue.h"

namespace quflx::eio {
struct Packet;
}

namespace quflx::net {

struct EngineOptions {
  std::string path = "/socket.io/";
  // The reference server's defaults, which every client copes with.
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds upgrade_timeout{10000};
  // Engine.IO's default: a message or polling body above it closes the session.
  std::size_t max_payload = 1'000'000;
  // Browser origins allowed besides the server's own and localhost ("*": any origin).
  std::vector<std::string> allowed_origins;
  SendQueueLimits send_queue;
};

enum class Transport : std::uint8_t { kPolling, kWebSocket };
std::string_view to_string(Transport t);

class EngineSession;
struct EngineCore;
class WsConnection;

// The layer above (Socket.IO). Called on the loop; may send on or close the session.
class EngineHandler {
 public:
  virtual ~EngineHandler() = default;
  virtual void on_open(const std::shared_ptr<EngineSession>& session) = 0;
  virtual void on_message(const std::shared_ptr<EngineSession>& session, std::string_view data,
                          bool binary) = 0;
  // After the session closed; it sends nothing more.
  virtual void on_close(EngineSession& session, std::string_view reason) = 0;
};

// Counts protocol errors by code (quflx_socketio_errors_total{code}); shared with Socket.IO.
class ProtocolErrorCounter {
 public:
  explicit ProtocolErrorCounter(MetricsRegistry& metrics);
  void count(ErrorCode code);

 private:
  MetricsRegistry& metrics_;
  std::vector<Counter*> by_code_;
};

class EngineSession : public std::enable_shared_from_this<EngineSession> {
 public:
  EngineSession(std::shared_ptr<EngineCore> core, std::string sid, std::string remote,
                Transport transport);
  ~EngineSession();
  EngineSession(const EngineSession&) = delete;
  EngineSession& operator=(const EngineSession&) = delete;

  const std::string& sid() const { return sid_; }
  Transport transport() const { return transport_; }
  const std::string& remote_address() const { return remote_; }
  bool is_open() const { return open_; }

  // Queues a packet. False if the session is closed, or if this packet found the queue past
  // its hard limit: what is queued is then dropped and the session is closed as a slow
  // consumer right after the current handler (never from inside send(), so a caller walking
  // clients or rooms is not pulled out from under itself); until then nothing more is queued.
  bool send(const FrameRef& frame);
  // Closes the session (packets still queued are dropped and counted).
  void close(std::string_view reason);

  const SendQueue& queue() const { return queue_; }

  // The layer above keeps its per-session state here.
  std::shared_ptr<void> user;

 private:
  friend struct EngineCore;
  friend struct EngineServerRoutes;
  friend class EngineServer;
  friend class WsConnection;

  void on_packet(std::string_view text_or_bytes, bool binary_message);
  void on_decoded(const eio::Packet& packet);
  void on_message_packet(std::string_view data, bool binary);
  void schedule_ping(std::chrono::milliseconds after);
  void mark_dirty();
  void flush();
  void wake_poll();

  std::shared_ptr<EngineCore> core_;
  std::string sid_;
  std::string remote_;
  Transport transport_;
  bool open_ = true;
  bool overflowed_ = false;  // past the hard limit: closing as a slow consumer
  bool dirty_ = false;
  SendQueue queue_;

  bool waiting_pong_ = false;
  std::unique_ptr<class SessionTimers> timers_;

  // Polling: a GET waiting for packets.
  bool poll_pending_ = false;
  // WebSocket: the transport, and during an upgrade the probing connection.
  std::shared_ptr<WsConnection> ws_;
  std::shared_ptr<WsConnection> upgrading_;
  bool probed_ = false;  // the upgrade probe succeeded: answer GETs at once
};

struct EngineStats {
  std::size_t polling = 0;
  std::size_t websocket = 0;
};

class EngineServer {
 public:
  // `errors` is shared with the Socket.IO layer and must outlive the server.
  EngineServer(boost::asio::any_io_executor executor, EngineOptions options,
               EngineHandler& handler, MetricsRegistry& metrics, ProtocolErrorCounter& errors);
  ~EngineServer();
  EngineServer(const EngineServer&) = delete;
  EngineServer& operator=(const EngineServer&) = delete;

  // Registers the polling routes and the WebSocket upgrade on `http`.
  void attach(HttpServer& http);
  // Closes every session (server shutdown).
  void stop();

  EngineStats stats() const;
  const EngineOptions& options() const;

 private:
  std::shared_ptr<EngineCore> core_;
};

}  // namespace quflx::net
