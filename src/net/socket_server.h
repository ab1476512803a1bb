#pragma once
// SocketServer: Socket.IO v4 (protocol v5) on top of the EngineServer, for the default
// namespace "/" (any other namespace gets CONNECT_ERROR "Invalid namespace"). It is the
// EngineHandler: a SocketClient per Engine.IO session (socket_client.h: packets, events, acks,
// the rate limit), the client ids, and a client's end (its rooms emptied, the SocketHandler
// told). Only Engine.IO-level violations close a session; Socket.IO-level ones are answered
// with an `error` event.
//
// Owned by the service, with the SocketHandler, Rooms and ProtocolErrorCounter it is given
// (which must outlive it). Threading: the loop of the EngineServer.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/metrics.h"
#include "net/engine_handler.h"
#include "net/protocol_error_counter.h"
#include "net/rooms.h"
#include "net/socket_client.h"
#include "net/socket_handler.h"

namespace quflx::net {

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

class SocketServer final : public EngineHandler {
 public:
  SocketServer(boost::asio::any_io_executor executor, SocketOptions options,
               SocketHandler& handler, Rooms& rooms, ProtocolErrorCounter& errors,
               MetricsRegistry& metrics);

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
  SocketHandler& handler_;
  Rooms& rooms_;
  ProtocolErrorCounter& errors_;
  std::size_t connected_ = 0;
  std::uint64_t next_id_ = 0;
  std::string id_prefix_;
  Counter& m_events_;
  Counter& m_rate_limited_;
};

}  // namespace quflx::net
