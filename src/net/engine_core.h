#pragma once
// EngineCore: the state that the EngineServer, its EngineSessions and their
// WebSocketConnections share: the registry of sessions by sid, the end-of-turn flush of the
// sessions that got frames during a loop turn, the handler above, the options and the
// counters. It is apart from EngineServer because sessions, long polls and upgrade coroutines
// hold it by shared_ptr and may outlive the EngineServer object (the owner in `server`), which
// only attaches the routes and stops. Internal to src/net.
//
// Threading: the loop of the EngineServer.

#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "common/metrics.h"
#include "net/engine_handler.h"
#include "net/engine_options.h"
#include "net/engine_session.h"
#include "net/protocol_error_counter.h"

namespace quflx::net {

struct EngineCore : std::enable_shared_from_this<EngineCore> {
  EngineCore(boost::asio::any_io_executor ex, EngineOptions opt, EngineHandler& h,
             MetricsRegistry& m, ProtocolErrorCounter& e);

  std::shared_ptr<EngineSession> create_session(std::string remote, Transport transport);
  std::shared_ptr<EngineSession> find(std::string_view sid) const;
  void remove(EngineSession& s, std::string_view reason);
  void schedule_flush(std::shared_ptr<EngineSession> s);
  void count_disconnect(std::string_view reason);

  boost::asio::any_io_executor executor;
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

}  // namespace quflx::net
