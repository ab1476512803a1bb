#pragma once
// SessionTimers: the three timers of one EngineSession, kept out of engine_session.h because
// they pull in Asio's timer templates. Internal to src/net (engine_session.cc,
// engine_server.cc, websocket_connection.cc).
//
// Owned by its EngineSession; the loop of the EngineServer.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace quflx::net {

class SessionTimers {
 public:
  explicit SessionTimers(const boost::asio::any_io_executor& ex)
      : ping(ex), poll(ex), upgrade(ex) {}
  boost::asio::steady_timer ping;     // next ping, or the pong deadline
  boost::asio::steady_timer poll;     // wakes a waiting GET
  boost::asio::steady_timer upgrade;  // upgrade deadline
};

}  // namespace quflx::net
