// EngineSession: session state, heartbeat, send queue, flushing, close.

#include "net/engine_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "net/engine_core.h"
#include "net/session_timers.h"
#include "net/websocket_connection.h"
#include "protocol/engineio.h"

namespace quflx::net {

namespace asio = boost::asio;

std::string_view to_string(Transport t) {
  return t == Transport::kPolling ? "polling" : "websocket";
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
