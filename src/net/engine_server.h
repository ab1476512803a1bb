#pragma once
// EngineServer: the server side of Engine.IO v4 on our HttpServer.
//
//   GET  /socket.io/?EIO=4&transport=polling            handshake: the open packet
//   GET  /socket.io/?EIO=4&transport=polling&sid=S       long poll: queued packets, or wait
//   POST /socket.io/?EIO=4&transport=polling&sid=S       packets from the client
//   GET  /socket.io/?EIO=4&transport=websocket[&sid=S]   WebSocket, new or upgrading S
//
// It answers the polling routes, performs the WebSocket handshake and the upgrade, checks
// CORS, and opens EngineSessions (engine_session.h: heartbeat, send queue, flush once per loop
// turn) whose packets go to the EngineHandler. A WebSocket message or polling body above
// max_payload closes that one session (WebSocket close 1009 / HTTP 413). Browsers' Origin
// must be the same origin, localhost, or in the allow-list; other clients send no Origin and
// are not checked.
//
// Owned by the service; what sessions and coroutines share lives in the EngineCore, which
// outlives this object while they run. Threading: everything runs on the executor given at
// construction (single-threaded).

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "common/metrics.h"
#include "net/engine_handler.h"
#include "net/engine_options.h"
#include "net/engine_session.h"
#include "net/http_server.h"
#include "net/protocol_error_counter.h"

namespace quflx::net {

struct EngineCore;

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
