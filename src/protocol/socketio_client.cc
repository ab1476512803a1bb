#include "protocol/socketio_client.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "protocol/json_cursor.h"

namespace quflx {
namespace {

Error bad(std::string message) { return make_error(ErrorCode::kProtocol, std::move(message)); }

bool digits(std::string_view& s, std::uint64_t& out, std::size_t max_digits) {
  std::size_t n = 0;
  std::uint64_t v = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
    if (n >= max_digits) return false;
    v = v * 10 + static_cast<std::uint64_t>(s[n] - '0');
    ++n;
  }
  if (n == 0) return false;
  out = v;
  s.remove_prefix(n);
  return true;
}

}  // namespace

Result<EioPacket> parse_eio_packet(std::string_view text) {
  if (text.empty()) return bad("empty Engine.IO packet");
  const char t = text.front();
  if (t < '0' || t > '6') return bad(fmt::format("unknown Engine.IO packet type '{}'", t));
  return EioPacket{static_cast<EioType>(t - '0'), text.substr(1)};
}

Result<SioPacket> parse_sio_packet(std::string_view s) {
  if (s.empty()) return bad("empty Socket.IO packet");
  const char t = s.front();
  if (t < '0' || t > '6') return bad(fmt::format("unknown Socket.IO packet type '{}'", t));
  SioPacket p;
  p.type = static_cast<SioType>(t - '0');
  s.remove_prefix(1);
  if (p.type == SioType::kBinaryEvent || p.type == SioType::kBinaryAck) {
    std::uint64_t n = 0;
    if (!digits(s, n, 6) || s.empty() || s.front() != '-') {
      return bad("binary Socket.IO packet without '<attachments>-'");
    }
    s.remove_prefix(1);
    p.attachments = n;
  }
  if (!s.empty() && s.front() == '/') {
    const auto comma = s.find(',');
    p.nsp = s.substr(0, comma);
    s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
  }
  if (!s.empty() && s.front() >= '0' && s.front() <= '9') {
    std::uint64_t id = 0;
    if (!digits(s, id, 19)) return bad("ack id too long");
    p.ack_id = id;
  }
  p.payload = s;
  return p;
}

Result<SioEvent> parse_sio_event(std::string_view payload, std::size_t attachments) {
  JsonCursor c(payload);
  SioEvent ev;
  std::string scratch;
  std::string_view name;
  if (!c.consume('[') || !c.string(name, scratch)) {
    return bad("event payload is not [\"name\", ...]");
  }
  ev.name = std::string(name);
  while (c.consume(',')) {
    std::string_view raw;
    if (!c.skip_value(&raw)) return bad(fmt::format("event '{}': malformed argument", ev.name));
    SioEventArg arg{raw, -1};
    // {"_placeholder":true,"num":N}, keys in either order.
    if (raw.size() < 64 && raw.find("_placeholder") != std::string_view::npos) {
      JsonCursor o(raw);
      bool placeholder = false;
      double num = -1;
      bool ok = o.consume('{');
      std::string key_scratch;
      while (ok) {
        std::string_view key;
        if (!o.string(key, key_scratch) || !o.consume(':')) {
          ok = false;
          break;
        }
        if (key == "_placeholder" && o.peek() == 't') {
          placeholder = o.skip_value();
        } else if (key == "num") {
          ok = o.number(num);
        } else {
          ok = o.skip_value();
        }
        if (!ok || !o.consume(',')) break;
      }
      if (ok && placeholder && o.consume('}') && o.at_end()) {
        if (num < 0 || num != static_cast<double>(static_cast<std::size_t>(num)) ||
            static_cast<std::size_t>(num) >= attachments) {
          return bad(fmt::format("event '{}': placeholder {} but {} attachments", ev.name, num,
                                 attachments));
        }
        arg.attachment = static_cast<int>(num);
      }
    }
    ev.args.push_back(arg);
  }
  if (!c.consume(']') || !c.at_end()) return bad(fmt::format("event '{}': malformed payload", ev.name));
  return ev;
}

Result<EioOpen> parse_eio_open(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return bad("Engine.IO open packet is not a JSON object");
  const auto& o = v.get_object();
  EioOpen open;
  if (const auto* sid = o.if_contains("sid"); sid && sid->is_string()) {
    open.sid = std::string(sid->get_string());
  } else {
    return bad("Engine.IO open packet without sid");
  }
  auto num = [&](const char* key, std::int64_t& out) {
    if (const auto* x = o.if_contains(key); x && x->is_int64() && x->get_int64() > 0) {
      out = x->get_int64();
    }
  };
  num("pingInterval", open.ping_interval_ms);
  num("pingTimeout", open.ping_timeout_ms);
  num("maxPayload", open.max_payload);
  return open;
}

}  // namespace quflx
