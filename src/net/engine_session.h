#pragma once
// EngineSession: one Engine.IO client, whichever transport carries it. It holds the sid, the
// heartbeat (a ping every ping_interval, closed if no pong within ping_timeout) and one
// SendQueue (the slow-consumer policy lives there) that outlives its transport: after an
// upgrade from polling the same queue drains into the WebSocket. Packets in: from the
// EngineServer's polling routes or the WebSocketConnection, decoded and handed to the
// EngineHandler. Packets out: send() queues a Frame; the session is flushed once at the end
// of the loop turn (one gather write on a WebSocket, the next long-poll answer on polling).
//
// Owned by the EngineCore's registry (and by whoever holds a shared_ptr) until closed.
// Threading: the loop of the EngineServer.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/frame.h"
#include "net/send_queue.h"

namespace quflx::eio {
struct Packet;
}

namespace quflx::net {

enum class Transport : std::uint8_t { kPolling, kWebSocket };
std::string_view to_string(Transport t);

// Open sessions by transport.
struct EngineStats {
  std::size_t polling = 0;
  std::size_t websocket = 0;
};

struct EngineCore;
class SessionTimers;
class WebSocketConnection;

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
  friend class WebSocketConnection;

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
  std::unique_ptr<SessionTimers> timers_;

  // Polling: a GET waiting for packets.
  bool poll_pending_ = false;
  // WebSocket: the transport, and during an upgrade the probing connection.
  std::shared_ptr<WebSocketConnection> ws_;
  std::shared_ptr<WebSocketConnection> upgrading_;
  bool probed_ = false;  // the upgrade probe succeeded: answer GETs at once
};

}  // namespace quflx::net
