// EngineCore: the session registry, disconnect counts and the end-of-turn flush.

#include "net/engine_core.h"

#include <boost/asio/post.hpp>

namespace quflx::net {

namespace asio = boost::asio;

EngineCore::EngineCore(asio::any_io_executor ex, EngineOptions opt, EngineHandler& h,
                       MetricsRegistry& m, ProtocolErrorCounter& e)
    : executor(std::move(ex)),
      options(std::move(opt)),
      handler(&h),
      rng(std::random_device{}()),
      metrics(m),
      errors(e),
      m_handshakes(m.counter("quflx_socketio_connections_total", "Engine.IO sessions opened")),
      m_upgrades(m.counter("quflx_socketio_upgrades_total",
                           "Sessions upgraded from polling to WebSocket")),
      m_messages_in(m.counter("quflx_socketio_messages_total",
                              "Engine.IO packets received and sent", {{"direction", "in"}})),
      m_messages_out(m.counter("quflx_socketio_messages_total",
                               "Engine.IO packets received and sent", {{"direction", "out"}})),
      m_conflated(m.counter("quflx_socketio_updates_conflated_total",
                            "Live updates merged into a newer one for a slow client")),
      m_dropped(m.counter("quflx_socketio_updates_dropped_total",
                          "Live updates discarded with a closed session or an overflowing hold")) {}

std::shared_ptr<EngineSession> EngineCore::create_session(std::string remote,
                                                          Transport transport) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string sid;
  do {
    sid.clear();
    for (int i = 0; i < 20; ++i) sid.push_back(kAlphabet[rng() % 64]);
  } while (sessions.contains(sid));
  auto s = std::make_shared<EngineSession>(shared_from_this(), sid, std::move(remote), transport);
  sessions.emplace(sid, s);
  (transport == Transport::kPolling ? counts.polling : counts.websocket)++;
  m_handshakes.inc();
  return s;
}

std::shared_ptr<EngineSession> EngineCore::find(std::string_view sid) const {
  auto it = sessions.find(sid);
  return it == sessions.end() ? nullptr : it->second;
}

void EngineCore::count_disconnect(std::string_view reason) {
  auto it = m_disconnects.find(reason);
  if (it == m_disconnects.end()) {
    it = m_disconnects
             .emplace(std::string(reason),
                      &metrics.counter("quflx_socketio_disconnects_total",
                                       "Engine.IO sessions closed, by reason",
                                       {{"reason", std::string(reason)}}))
             .first;
  }
  it->second->inc();
}

void EngineCore::remove(EngineSession& s, std::string_view reason) {
  (s.transport() == Transport::kPolling ? counts.polling : counts.websocket)--;
  count_disconnect(reason);
  sessions.erase(s.sid());
}

void EngineCore::schedule_flush(std::shared_ptr<EngineSession> s) {
  dirty.push_back(std::move(s));
  if (flush_posted) return;
  flush_posted = true;
  asio::post(executor, [self = shared_from_this()] {
    self->flush_posted = false;
    auto batch = std::move(self->dirty);
    self->dirty.clear();
    for (auto& session : batch) {
      session->dirty_ = false;
      session->flush();
    }
  });
}

}  // namespace quflx::net
