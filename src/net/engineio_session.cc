// EngineSession and EngineCore: session state, heartbeat, send queue, flushing, close.

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "net/engineio_internal.h"
#include "protocol/engineio.h"

namespace quflx::net {

std::string_view to_string(Transport t) {
  return t == Transport::kPolling ? "polling" : "websocket";
}

ProtocolErrorCounter::ProtocolErrorCounter(MetricsRegistry& metrics) : metrics_(metrics) {}

void ProtocolErrorCounter::count(ErrorCode code) {
  const auto i = static_cast<std::size_t>(code);
  if (i >= by_code_.size()) by_code_.resize(i + 1, nullptr);
  if (!by_code_[i]) {
    by_code_[i] = &metrics_.counter("quflx_socketio_errors_total",
                                    "Rejected Socket.IO/Engine.IO input by error code",
                                    {{"code", std::string(to_string(code))}});
  }
  by_code_[i]->inc();
}

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

EngineSession::EngineSession(std::shared_ptr<EngineCore> core, std::string sid,
                             std::string remote, Transport transport)
    : core_(std::move(core)),
      sid_(std::move(sid)),
      remote_(std::move(remote)),
      transport_(transport),
      queue_(core_->options.send_queue),
      timers_(std::make_unique<SessionTimers>(core_->executor)) {}

EngineSession::~EngineSession() = default;

bool EngineSession::send(const FrameRef& frame) {
  if (!open_ || overflowed_) return false;
  switch (queue_.push(frame)) {
    case SendQueue::Push::kQueued:
      break;
    case SendQueue::Push::kConflated:
      core_->m_conflated.inc();
      break;
    case SendQueue::Push::kOverLimit:
      if (core_->log.allow()) {
        spdlog::warn("socket.io: closing {} ({}): {} bytes queued, client not reading",
                     sid_, remote_, queue_.pending_bytes());
      }
      // Replies and pongs can overflow too, from inside an event handler or a broadcast:
      // free the memory now, close once the caller is done.
      overflowed_ = true;
      if (const auto dropped = queue_.clear()) core_->m_dropped.inc(dropped);
      asio::post(core_->executor, [self = shared_from_this()] { self->close("slow consumer"); });
      return false;
  }
  core_->m_messages_out.inc();
  mark_dirty();
  return true;
}

void EngineSession::mark_dirty() {
  if (dirty_) return;
  dirty_ = true;
  core_->schedule_flush(shared_from_this());
}

void EngineSession::wake_poll() {
  if (poll_pending_) timers_->poll.cancel();
}

void EngineSession::flush() {
  if (transport_ == Transport::kWebSocket) {
    if (ws_) ws_->write_more();
  } else {
    wake_poll();
  }
}

void EngineSession::schedule_ping(std::chrono::milliseconds after) {
  timers_->ping.expires_after(after);
  timers_->ping.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || !self->open_) return;
    if (self->waiting_pong_) {
      self->close("ping timeout");
      return;
    }
    self->waiting_pong_ = true;
    self->send(Frame::make("2"));
    self->schedule_ping(self->core_->options.ping_timeout);
  });
}

void EngineSession::on_message_packet(std::string_view data, bool binary) {
  core_->m_messages_in.inc();
  if (core_->handler) core_->handler->on_message(shared_from_this(), data, binary);
}

void EngineSession::on_packet(std::string_view text, bool binary_message) {
  if (!open_) return;
  if (binary_message) {
    on_message_packet(text, true);
    return;
  }
  auto p = eio::decode_text(text);
  if (!p) {
    core_->errors.count(ErrorCode::kProtocol);
    close("protocol error");
    return;
  }
  on_decoded(*p);
}

void EngineSession::on_decoded(const eio::Packet& packet) {
  if (!open_) return;
  const eio::Packet* p = &packet;
  if (p->binary) {
    on_message_packet(p->data, true);
    return;
  }
  switch (p->type) {
    case eio::PacketType::kMessage:
      on_message_packet(p->data, false);
      break;
    case eio::PacketType::kPong:
      if (waiting_pong_) {
        waiting_pong_ = false;
        schedule_ping(core_->options.ping_interval);
      }
      break;
    case eio::PacketType::kPing:
      send(Frame::make("3" + p->data));
      break;
    case eio::PacketType::kClose:
      close("client close");
      break;
    case eio::PacketType::kNoop:
      break;
    case eio::PacketType::kOpen:
    case eio::PacketType::kUpgrade:
      core_->errors.count(ErrorCode::kProtocol);
      close("protocol error");
      break;
  }
}

void EngineSession::close(std::string_view reason) {
  if (!open_) return;
  auto self = shared_from_this();  // the registry may hold the last reference
  open_ = false;
  timers_->ping.cancel();
  timers_->upgrade.cancel();
  if (const auto dropped = queue_.clear()) core_->m_dropped.inc(dropped);
  if (ws_) {
    const std::uint16_t code = reason == "payload too large" ? ws::kMessageTooBig
                               : reason == "protocol error"  ? ws::kProtocolError
                               : reason == "slow consumer"   ? ws::kPolicyViolation
                                                             : ws::kNormal;
    ws_->close(code, reason, reason == "slow consumer");
  }
  if (upgrading_) upgrading_->close(ws::kGoingAway, reason, true);
  wake_poll();  // a waiting GET answers with the close packet
  core_->remove(*this, reason);
  if (core_->handler) core_->handler->on_close(*this, reason);
}

}  // namespace quflx::net
