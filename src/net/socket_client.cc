// SocketClient: Socket.IO packets of one session, the event queue and rate limit, replies.

#include "net/socket_client.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "common/json_out.h"
#include "net/socket_server.h"

namespace quflx::net {

namespace asio = boost::asio;
namespace json = boost::json;

class ClientTimer {
 public:
  explicit ClientTimer(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
};

SocketClient::SocketClient(SocketServer& server, std::shared_ptr<EngineSession> session)
    : server_(server),
      session_(std::move(session)),
      tokens_(server.options_.event_burst),
      refilled_(std::chrono::steady_clock::now()) {}

SocketClient::~SocketClient() = default;

bool SocketClient::send(const FrameRef& frame) { return session_->send(frame); }

void SocketClient::expect_connect_within(std::chrono::milliseconds timeout) {
  connect_timer_ = std::make_unique<ClientTimer>(server_.executor_);
  connect_timer_->timer.expires_after(timeout);
  connect_timer_->timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto c = weak.lock();
    if (ec || !c || c->connected_) return;
    c->session_->close("connect timeout");
  });
}

void SocketClient::on_session_closed() {
  if (connect_timer_) connect_timer_->timer.cancel();
  binary_.reset();
  events_.clear();
  if (connected_) leave();
}

void SocketClient::leave() {
  connected_ = false;
  --server_.connected_;
  events_.clear();
  server_.rooms_.leave_all(*this);
  server_.handler_.on_disconnect(*this);
}

void SocketClient::emit(std::string_view event, std::string_view json_text) {
  session_->send(Frame::build([&](std::string& out) {
    sio::append_event_message(out, event, json_text);
  }));
}

void SocketClient::reply(std::optional<std::uint64_t> ack, std::string_view event,
                         std::string_view json_text) {
  if (!ack) {
    emit(event, json_text);
    return;
  }
  session_->send(Frame::build([&](std::string& out) {
    sio::append_ack_message(out, *ack, json_text);
  }));
}

void SocketClient::error(std::optional<std::uint64_t> ack, std::string_view request,
                         ErrorCode code, std::string_view message) {
  server_.errors_.count(code);
  std::string body = "{\"code\":\"";
  body.append(to_string(code));
  body.append("\",\"message\":");
  json_out::append_string(body, message);
  if (!request.empty()) {
    body.append(",\"event\":");
    json_out::append_string(body, request);
  }
  body.push_back('}');
  if (ack) {
    reply(ack, "error", "{\"error\":" + body + "}");
  } else {
    emit("error", body);
  }
}

bool SocketClient::take_token() {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - refilled_).count();
  refilled_ = now;
  tokens_ = std::min(server_.options_.event_burst,
                     tokens_ + elapsed * server_.options_.events_per_second);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void SocketClient::refuse_rate_limited(std::optional<std::uint64_t> ack, std::string_view event) {
  server_.m_rate_limited_.inc();
  // Through the ack when there is one (the client waits for it); otherwise one error a second
  // is enough to tell a flooding client, the rest are only counted.
  const auto now = std::chrono::steady_clock::now();
  if (ack || now - last_limit_error_ >= std::chrono::seconds(1)) {
    last_limit_error_ = now;
    error(ack, event, ErrorCode::kRateLimited,
          "too many requests: at most " +
              std::to_string(static_cast<int>(server_.options_.events_per_second)) +
              " packets per second, " + std::to_string(server_.options_.max_queued_events) +
              " waiting");
  } else {
    server_.errors_.count(ErrorCode::kRateLimited);
  }
}

void SocketClient::dispatch(sio::Event event, std::optional<std::uint64_t> ack) {
  server_.m_events_.inc();
  if (events_.size() >= server_.options_.max_queued_events) {
    refuse_rate_limited(ack, event.name);
    return;
  }
  events_.push_back({std::move(event), ack});
  if (!running_) {
    running_ = true;
    asio::co_spawn(server_.executor_, run_events(), asio::detached);
  }
}

asio::awaitable<void> SocketClient::run_events() {
  auto self = shared_from_this();
  while (connected_ && !events_.empty()) {
    auto e = std::move(events_.front());
    events_.pop_front();
    try {
      co_await server_.handler_.on_event(self, std::move(e.event), e.ack);
    } catch (const std::exception& ex) {
      spdlog::error("socket.io: handler failed: {}", ex.what());
      if (connected_) error(e.ack, "", ErrorCode::kInternal, "internal error");
    }
  }
  running_ = false;
}

void SocketClient::on_packet(std::string_view data, bool binary) {
  auto protocol_error = [&](const Error& e) {
    if (connected_) {
      error(std::nullopt, "", e.code, e.message);
    } else {
      server_.errors_.count(e.code);
    }
  };
  if (binary) {
    if (!binary_) {
      protocol_error(make_error(ErrorCode::kProtocol, "binary data without a binary packet"));
      return;
    }
    binary_->attachments.emplace_back(data);
    if (binary_->attachments.size() < binary_->expected) return;
    auto pending = std::move(*binary_);
    binary_.reset();
    if (pending.discard) return;
    json::value args(std::move(pending.event.args));
    if (auto r = sio::fill_placeholders(args, pending.attachments); !r.ok()) {
      error(pending.ack, pending.event.name, r.error().code, r.error().message);
      return;
    }
    if (auto* a = args.if_array()) pending.event.args = std::move(*a);  // fill keeps the array
    dispatch(std::move(pending.event), pending.ack);
    return;
  }
  if (binary_) {
    // A text packet where an attachment was due: the binary packet is abandoned.
    binary_.reset();
    protocol_error(make_error(ErrorCode::kProtocol, "text packet while binary attachments were due"));
  }
  auto p = sio::decode(data);
  // Every packet of a connected client spends from its budget, malformed ones included, so
  // a flood costs the server a header parse and a counter, not a reply each.
  if (connected_ && !take_token()) {
    refuse_rate_limited(p.ok() ? p->ack_id : std::nullopt, "");
    return;
  }
  if (!p.ok()) {
    protocol_error(p.error());
    return;
  }
  if (p->nsp != "/") {
    if (p->type == sio::PacketType::kConnect) {
      server_.errors_.count(ErrorCode::kNotFound);
      session_->send(Frame::build([&](std::string& out) {
        sio::append_connect_error_message(out, p->nsp, "Invalid namespace", "not_found");
      }));
    } else {
      protocol_error(make_error(ErrorCode::kProtocol, "namespace " + std::string(p->nsp) + " is not connected"));
    }
    return;
  }
  switch (p->type) {
    case sio::PacketType::kConnect: {
      if (connected_) {
        protocol_error(make_error(ErrorCode::kProtocol, "already connected"));
        return;
      }
      auto auth = sio::parse_connect(p->payload);
      Result<bool> allowed = auth.ok() ? server_.handler_.authorize(*auth) : Result<bool>(auth.error());
      if (!allowed.ok()) {
        server_.errors_.count(allowed.error().code);
        session_->send(Frame::build([&](std::string& out) {
          sio::append_connect_error_message(out, "/", allowed.error().message, to_string(allowed.error().code));
        }));
        return;
      }
      connected_ = true;
      may_write_ = *allowed;
      ++server_.connected_;
      if (connect_timer_) connect_timer_->timer.cancel();
      id_ = server_.new_id();
      session_->send(Frame::build([&](std::string& out) {
        sio::append_connect_message(out, id_);
      }));
      server_.handler_.on_connect(shared_from_this());
      return;
    }
    case sio::PacketType::kDisconnect:
      if (connected_) leave();
      return;
    case sio::PacketType::kEvent:
    case sio::PacketType::kBinaryEvent: {
      if (!connected_) {
        server_.errors_.count(ErrorCode::kProtocol);
        return;
      }
      auto e = sio::parse_event(p->payload);
      if (p->type == sio::PacketType::kBinaryEvent && p->attachments > 0) {
        binary_ = PendingBinary{};
        binary_->expected = p->attachments;
        binary_->ack = p->ack_id;
        if (!e.ok()) {
          binary_->discard = true;
        } else {
          binary_->event = std::move(*e);
          return;
        }
      }
      if (!e.ok()) {
        error(p->ack_id, "", e.error().code, e.error().message);
        return;
      }
      dispatch(std::move(*e), p->ack_id);
      return;
    }
    case sio::PacketType::kAck:
    case sio::PacketType::kBinaryAck:
      // The server never asks clients for acks.
      protocol_error(make_error(ErrorCode::kProtocol, "unexpected ACK"));
      if (p->type == sio::PacketType::kBinaryAck && p->attachments > 0) {
        binary_ = PendingBinary{};
        binary_->expected = p->attachments;
        binary_->discard = true;
      }
      return;
    case sio::PacketType::kConnectError:
      protocol_error(make_error(ErrorCode::kProtocol, "CONNECT_ERROR is sent by servers only"));
      return;
  }
}

}  // namespace quflx::net
