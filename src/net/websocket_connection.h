#pragma once
// WebSocketConnection: one WebSocket after the handshake, for one EngineSession: reads client
// frames from the raw TCP socket with ws::MessageReader and hands their Engine.IO packets to
// the session (or, while probing an upgrade, answers the probe itself); writes our control
// frames and the session's queued Frames with one gather write in flight. Attached to its
// session either as the transport or, during an upgrade, as the probing connection.
//
// Owned by its EngineSession (and its own read loop and pending write); the loop of the
// EngineServer. Internal to src/net: it pulls in Asio's socket and timer templates.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/frame.h"
#include "protocol/websocket.h"

namespace quflx::net {

struct EngineCore;
class EngineSession;

class WebSocketConnection : public std::enable_shared_from_this<WebSocketConnection> {
 public:
  WebSocketConnection(boost::asio::ip::tcp::socket socket, std::shared_ptr<EngineCore> core);

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
  boost::asio::awaitable<void> read_loop();
  void handle(ws::Message& m);
  void on_engine_packet(std::string_view data, bool binary);
  void shutdown();

  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<EngineCore> core_;
  std::shared_ptr<EngineSession> session_;
  ws::MessageReader reader_;
  // The pong to the latest ping not yet written: only the most recent ping is answered
  // (RFC 6455 5.5.3), so a peer that pings without reading costs one frame, not a queue.
  std::string pong_;
  std::string close_frame_;  // written last, then the socket is shut down
  boost::asio::steady_timer close_timer_;
  std::deque<FrameRef> direct_;
  std::vector<FrameRef> inflight_;
  std::string inflight_raw_;
  std::vector<boost::asio::const_buffer> buffers_;
  bool writing_ = false;
  bool closing_ = false;  // a close frame is queued: write it, then shut down
  bool closed_ = false;
};

}  // namespace quflx::net
