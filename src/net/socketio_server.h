#pragma once
// SocketServer: Socket.IO v4 (protocol v5) on top of the EngineServer, for the default
// namespace "/" (any other namespace gets CONNECT_ERROR "Invalid namespace").
//
// Per client: CONNECT with the `auth` payload (checked by the SocketApi), EVENT and
// BINARY_EVENT (attachments put back where their placeholders were), DISCONNECT. Events are
// handed to the SocketApi one at a time per client, in arrival order, after a per-client
// token-bucket rate limit; replies go through the ack when the client asked for one. A
// malformed packet or payload is answered with an `error {code, message}` event, counted, and
// the client stays connected; only Engine.IO-level violations close the session.
//
// Rooms carry the live updates: a broadcast hands the same Frame to every member. A held
// membership (joined while a snapshot or a replay is prepared) collects frames until
// release(), which sends those newer than a given seq and makes the membership live.
//
// Threading: the loop of the EngineServer.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/metrics.h"
#include "common/result.h"
#include "net/engineio_server.h"
#include "protocol/socketio.h"

namespace quflx::net {

using RoomId = std::uint64_t;
class Rooms;
class SocketServer;

// Per-client event budget.
struct SocketOptions {
  // Packets per second (events, malformed ones too). A chart client sends a handful per
  // minute; 20/s with bursts of 40 leaves room for scripts while a flood gets errors instead
  // of the server's time.
  double events_per_second = 20;
  double event_burst = 40;
  // Events waiting for the previous one to finish; beyond this they are rate limited too.
  std::size_t max_queued_events = 32;
  // Engine.IO sessions that never connect a namespace are closed after this long.
  std::chrono::milliseconds connect_timeout{45000};
  // Frames a held membership may collect before it drops (and counts) further updates.
  std::size_t max_held_frames = 100'000;
};

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

  // The API's per-client state.
  std::shared_ptr<void> state;

 private:
  friend class SocketServer;
  friend class Rooms;

  void on_packet(std::string_view data, bool binary);
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

// The API on top: what CONNECT is allowed to do and what each event does.
class SocketApi {
 public:
  virtual ~SocketApi() = default;
  // Checks a CONNECT's `auth` object. The value says whether the client may use write events;
  // an error refuses the connection with CONNECT_ERROR (message and data.code).
  virtual Result<bool> authorize(const boost::json::value& auth) = 0;
  virtual void on_connect(const std::shared_ptr<SocketClient>& client) = 0;
  // One event at a time per client, in arrival order.
  virtual boost::asio::awaitable<void> on_event(std::shared_ptr<SocketClient> client,
                                                sio::Event event,
                                                std::optional<std::uint64_t> ack) = 0;
  // The client left (DISCONNECT or the session closed); it is no longer in any room.
  virtual void on_disconnect(SocketClient& client) = 0;
};

class Rooms {
 public:
  explicit Rooms(MetricsRegistry& metrics, std::size_t max_held_frames = 100'000);

  // Idempotent; a held join of a room the client is already in live changes nothing.
  void join(SocketClient& client, RoomId room, bool held = false);
  void leave(SocketClient& client, RoomId room);
  void leave_all(SocketClient& client);
  // Makes a held membership live, first sending the frames it collected whose seq is above
  // `after_seq` (frames without a seq always); later broadcasts with a seq up to `after_seq`
  // skip this member too (the client has them). Returns how many were sent.
  std::size_t release(SocketClient& client, RoomId room, std::uint64_t after_seq);

  bool is_member(const SocketClient& client, RoomId room) const;
  std::size_t size(RoomId room) const;
  bool empty(RoomId room) const { return size(room) == 0; }
  // Sends `frame` to every member; returns to how many (held members collect it; a member
  // released past the frame's seq skips it).
  std::size_t broadcast(RoomId room, const FrameRef& frame);

 private:
  struct Member {
    SocketClient* client;
    std::unique_ptr<std::vector<FrameRef>> held;  // non-null while held
    // Set by release(): frames with a seq up to it were given already and are skipped, until
    // the first frame above it passes.
    std::uint64_t floor = 0;
  };
  Member* find(SocketClient& client, RoomId room);
  void compact();

  std::unordered_map<RoomId, std::vector<Member>> rooms_;
  std::size_t max_held_;
  int broadcasting_ = 0;
  std::vector<RoomId> to_compact_;
  Counter& m_dropped_;
};

class SocketServer final : public EngineHandler {
 public:
  SocketServer(boost::asio::any_io_executor executor, SocketOptions options, SocketApi& api,
               Rooms& rooms, ProtocolErrorCounter& errors, MetricsRegistry& metrics);

  void on_open(const std::shared_ptr<EngineSession>& session) override;
  void on_message(const std::shared_ptr<EngineSession>& session, std::string_view data,
                  bool binary) override;
  void on_close(EngineSession& session, std::string_view reason) override;

  std::size_t connected_clients() const { return connected_; }
  Rooms& rooms() { return rooms_; }

 private:
  friend class SocketClient;
  std::string new_id();

  boost::asio::any_io_executor executor_;
  SocketOptions options_;
  SocketApi& api_;
  Rooms& rooms_;
  ProtocolErrorCounter& errors_;
  std::size_t connected_ = 0;
  std::uint64_t next_id_ = 0;
  std::string id_prefix_;
  Counter& m_events_;
  Counter& m_rate_limited_;
};

}  // namespace quflx::net
