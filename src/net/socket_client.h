#pragma once
// SocketClient: one Socket.IO client of the default namespace on one EngineSession. It reads
// the session's Engine.IO messages as Socket.IO packets: CONNECT with the `auth` payload
// (checked by the SocketHandler), EVENT and BINARY_EVENT (attachments put back where their
// placeholders were), DISCONNECT. Events go to the SocketHandler one at a time, in arrival
// order, after a token-bucket rate limit; replies go through the ack when the client asked
// for one. A malformed packet or payload is answered with an `error {code, message}` event,
// counted, and the client stays connected. What it sends is framed by protocol/socketio.
//
// Owned by its session (EngineSession::user) and by the handler's coroutines while they run;
// created and ended by the SocketServer. Threading: the loop of the EngineServer.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error_codes.h"
#include "net/engine_session.h"
#include "net/frame.h"
#include "net/rooms.h"
#include "protocol/socketio.h"

namespace quflx::net {

class SocketServer;

class SocketClient : public std::enable_shared_from_this<SocketClient> {
 public:
  SocketClient(SocketServer& server, std::shared_ptr<EngineSession> session);
  ~SocketClient();

  const std::string& id() const { return id_; }
  const std::string& remote_address() const { return session_->remote_address(); }
  Transport transport() const { return session_->transport(); }
  bool connected() const { return connected_; }
  bool may_write() const { return may_write_; }

  // An event to this client; never conflated, never dropped.
  void emit(std::string_view event, std::string_view json);
  // The answer to a request: through the ack if the client asked for one, else as `event`.
  void reply(std::optional<std::uint64_t> ack, std::string_view event, std::string_view json);
  // A rejected request: `error {code, message, event}`, or through the ack as
  // {"error":{code, message, event}}. Counted per code.
  void error(std::optional<std::uint64_t> ack, std::string_view request, ErrorCode code,
             std::string_view message);
  // A pre-encoded frame (live updates). False if the session is gone.
  bool send(const FrameRef& frame);

  // The handler's per-client state.
  std::shared_ptr<void> state;

 private:
  friend class SocketServer;
  friend class Rooms;

  // Closes the session if no CONNECT comes within `timeout`.
  void expect_connect_within(std::chrono::milliseconds timeout);
  void on_packet(std::string_view data, bool binary);
  // The session closed: drops what is pending, and ends the connection if there is one.
  void on_session_closed();
  void leave();
  void dispatch(sio::Event event, std::optional<std::uint64_t> ack);
  void refuse_rate_limited(std::optional<std::uint64_t> ack, std::string_view event);
  boost::asio::awaitable<void> run_events();
  bool take_token();

  SocketServer& server_;
  std::shared_ptr<EngineSession> session_;
  std::string id_;
  bool connected_ = false;
  bool may_write_ = false;
  std::vector<RoomId> rooms_;

  // A BINARY_EVENT waiting for its attachments.
  struct PendingBinary {
    sio::Event event;
    std::optional<std::uint64_t> ack;
    std::size_t expected = 0;
    std::vector<std::string> attachments;
    bool discard = false;  // the header was bad: swallow the attachments
  };
  std::optional<PendingBinary> binary_;

  struct QueuedEvent {
    sio::Event event;
    std::optional<std::uint64_t> ack;
  };
  std::deque<QueuedEvent> events_;
  bool running_ = false;
  double tokens_;
  std::chrono::steady_clock::time_point refilled_;
  std::chrono::steady_clock::time_point last_limit_error_{};
  std::unique_ptr<class ClientTimer> connect_timer_;
};

}  // namespace quflx::net
