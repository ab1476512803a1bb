#include "protocol/socketio_client.h"

#include <fmt/format.h>

#include <cmath>

#include <boost/json.hpp>

#include "protocol/json_cursor.h"

namespace quflx {
namespace {

Error bad(std::string message) { return make_error(ErrorCode::kProtocol, std::move(message)); }

}  // namespace

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
        // Range first: casting a double outside size_t's range is undefined.
        if (!(num >= 0 && num < static_cast<double>(attachments)) || num != std::floor(num)) {
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
