// WebSocketConnection: RFC 6455 framing over a TCP socket after the handshake, for one
// Engine.IO session (or the probe of an upgrade).

#include "net/websocket_connection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "net/engine_core.h"
#include "net/engine_session.h"
#include "net/session_timers.h"

namespace quflx::net {

namespace asio = boost::asio;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// Frames per gather write; Asio hands the kernel 64 buffers per writev.
constexpr std::size_t kMaxFramesPerWrite = 256;
constexpr std::size_t kMaxBytesPerWrite = 1u << 20;
// A peer that does not take our close frame within this long is cut off.
constexpr auto kCloseGrace = std::chrono::seconds(2);
}  // namespace

WebSocketConnection::WebSocketConnection(asio::ip::tcp::socket socket,
                                         std::shared_ptr<EngineCore> core)
    : socket_(std::move(socket)),
      core_(std::move(core)),
      reader_(core_->options.max_payload),
      close_timer_(core_->executor) {}

void WebSocketConnection::start(std::shared_ptr<EngineSession> session, bool probe,
                                std::string_view leftover) {
  session_ = std::move(session);
  probing = probe;
  if (!leftover.empty()) reader_.append(leftover);
  asio::co_spawn(core_->executor, read_loop(), asio::detached);
}

asio::awaitable<void> WebSocketConnection::read_loop() {
  auto self = shared_from_this();
  ws::Message m;
  while (!closed_) {
    ws::MessageReader::Status st = ws::MessageReader::Status::kNeedMore;
    try {
      while (!closing_ && (st = reader_.next(m)) == ws::MessageReader::Status::kMessage) handle(m);
    } catch (const std::exception& e) {
      // A bug in what handles a message must not end this loop silently (it is detached): the
      // cleanup below has to run, or the session and this connection keep each other alive.
      core_->errors.count(ErrorCode::kInternal);
      spdlog::error("socket.io: closing WebSocket of {}: handling a message failed: {}",
                    session_ ? session_->remote_address() : "?", e.what());
      close(ws::kProtocolError, "protocol error");
      if (session_ && !probing) session_->close("protocol error");
      break;
    }
    if (closing_ || closed_) break;
    if (st == ws::MessageReader::Status::kError) {
      const auto code = reader_.error_code();
      core_->errors.count(code == ws::kMessageTooBig    ? ErrorCode::kPayloadTooLarge
                          : code == ws::kInvalidPayload ? ErrorCode::kInvalidUtf8
                                                        : ErrorCode::kProtocol);
      if (core_->log.allow()) {
        spdlog::info("socket.io: closing WebSocket of {}: {} ({})",
                     session_ ? session_->remote_address() : "?", reader_.error_reason(), code);
      }
      close(code, reader_.error_reason());
      if (session_ && !probing) {
        session_->close(code == ws::kMessageTooBig ? "payload too large" : "protocol error");
      }
      break;
    }
    constexpr std::size_t kChunk = 16 * 1024;
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(reader_.prepare(kChunk), kChunk),
                                                    kUseTuple);
    if (ec) {
      shutdown();
      break;
    }
    reader_.commit(n);
  }
  // The peer is gone or we are closing: an active session ends with its transport, a probe
  // just fails (the session carries on polling).
  if (session_ && !probing && session_->ws_.get() == this) session_->close("transport close");
  if (session_ && probing && session_->upgrading_.get() == this) {
    session_->upgrading_.reset();
    session_->probed_ = false;
    session_->wake_poll();
  }
  session_.reset();  // the session may still point at us; we must not point back
}

void WebSocketConnection::handle(ws::Message& m) {
  switch (m.kind) {
    case ws::Message::Kind::kText:
      on_engine_packet(m.data, false);
      break;
    case ws::Message::Kind::kBinary:
      on_engine_packet(m.data, true);
      break;
    case ws::Message::Kind::kPing:
      pong_ = ws::encode_frame(ws::Opcode::kPong, m.data);
      write_more();
      break;
    case ws::Message::Kind::kPong:
      break;
    case ws::Message::Kind::kClose:
      close(m.close_code == 1005 ? std::uint16_t{ws::kNormal} : m.close_code, "");
      break;
  }
}

void WebSocketConnection::on_engine_packet(std::string_view data, bool binary) {
  if (!session_) return;
  if (!probing) {
    session_->on_packet(data, binary);
    return;
  }
  EngineSession& s = *session_;
  if (!s.open_ || s.upgrading_.get() != this) {
    close(ws::kGoingAway, "session gone", true);
    return;
  }
  if (!binary && data == "2probe") {
    // One answer pending is enough, however often a client that does not read asks.
    if (direct_.empty()) direct_.push_back(Frame::make("3probe"));
    write_more();
    // From now on a GET is answered at once, so the client can pause polling.
    s.probed_ = true;
    s.wake_poll();
    return;
  }
  if (!binary && data == "5" && s.probed_) {
    probing = false;
    s.upgrading_.reset();
    s.ws_ = shared_from_this();
    s.transport_ = Transport::kWebSocket;
    --core_->counts.polling;
    ++core_->counts.websocket;
    core_->m_upgrades.inc();
    s.timers_->upgrade.cancel();
    s.wake_poll();
    if (!s.queue_.empty()) s.mark_dirty();
    return;
  }
  // Anything else during an upgrade is a broken client: drop the probe, keep polling.
  core_->errors.count(ErrorCode::kProtocol);
  s.upgrading_.reset();
  s.probed_ = false;
  s.wake_poll();
  close(ws::kProtocolError, "unexpected packet during upgrade");
}

void WebSocketConnection::send_direct(FrameRef frame) { direct_.push_back(std::move(frame)); }

void WebSocketConnection::write_more() {
  if (writing_ || closed_) return;
  inflight_.clear();
  buffers_.clear();
  inflight_raw_.clear();
  inflight_raw_.swap(pong_);
  while (!direct_.empty()) {
    inflight_.push_back(std::move(direct_.front()));
    direct_.pop_front();
  }
  if (!closing_ && session_ && !probing && session_->ws_.get() == this && session_->open_) {
    session_->queue_.take(inflight_, kMaxFramesPerWrite, kMaxBytesPerWrite);
  }
  bool sends_close = false;
  if (closing_ && !close_frame_.empty()) {
    inflight_raw_.append(close_frame_);
    close_frame_.clear();
    sends_close = true;
  }
  for (const auto& f : inflight_) buffers_.push_back(asio::buffer(f->websocket_bytes()));
  if (!inflight_raw_.empty()) {
    // Pongs and the close frame: pongs may go first, the close frame must be last.
    if (sends_close) {
      buffers_.push_back(asio::buffer(inflight_raw_));
    } else {
      buffers_.insert(buffers_.begin(), asio::buffer(inflight_raw_));
    }
  }
  if (buffers_.empty()) {
    if (closing_) shutdown();
    return;
  }
  writing_ = true;
  asio::async_write(socket_, buffers_,
                    [self = shared_from_this(), sends_close](boost::system::error_code ec,
                                                             std::size_t) {
                      self->writing_ = false;
                      self->inflight_.clear();
                      if (ec || sends_close) {
                        self->shutdown();
                        return;
                      }
                      self->write_more();
                    });
}

void WebSocketConnection::close(std::uint16_t code, std::string_view reason, bool hard) {
  if (closed_) return;
  if (hard) {
    shutdown();
    return;
  }
  if (closing_) return;
  closing_ = true;
  close_frame_ = ws::encode_close(code, reason);
  close_timer_.expires_after(kCloseGrace);
  close_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->shutdown();
  });
  write_more();
}

void WebSocketConnection::shutdown() {
  if (closed_) return;
  closed_ = true;
  closing_ = true;
  close_timer_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  direct_.clear();
  pong_.clear();
}

}  // namespace quflx::net
