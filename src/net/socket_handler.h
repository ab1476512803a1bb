#pragma once
// SocketHandler: what the application on top of the SocketServer implements: whether a
// CONNECT is allowed (and may write), what each event does, and what a client's leaving
// ends. src/server implements it with its event table (SocketApi). Called on the loop of the
// EngineServer.

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>

#include "common/result.h"
#include "protocol/socketio.h"

namespace quflx::net {

class SocketClient;

class SocketHandler {
 public:
  virtual ~SocketHandler() = default;
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

}  // namespace quflx::net
