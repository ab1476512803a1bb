#include "protocol/socketio.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include "common/json_out.h"
#include "common/text.h"
#include "protocol/engineio.h"

namespace quflx::sio {
namespace json = boost::json;

namespace {

Error protocol(std::string message) { return make_error(ErrorCode::kProtocol, std::move(message)); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Names the Socket.IO client and server reserve for themselves; an event with one of them is
// invalid on the wire.
bool is_reserved(std::string_view name) {
  return name == "connect" || name == "connect_error" || name == "disconnect" ||
         name == "disconnecting" || name == "newListener" || name == "removeListener";
}

Result<json::value> parse_json(std::string_view text) {
  if (!text::is_valid_utf8(text)) {
    return make_error(ErrorCode::kInvalidUtf8, "payload is not valid UTF-8");
  }
  json::parse_options opt;
  opt.max_depth = 32;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opt);
  if (ec) return make_error(ErrorCode::kBadJson, "payload is not valid JSON: " + ec.message());
  return v;
}

}  // namespace

Result<Packet> decode(std::string_view text) {
  if (text.empty()) return protocol("empty packet");
  if (text[0] < '0' || text[0] > '6') {
    return protocol(fmt::format("unknown packet type '{}'", text[0] >= 0x20 && text[0] < 0x7f ? text[0] : '?'));
  }
  Packet p;
  p.type = static_cast<PacketType>(text[0] - '0');
  std::size_t i = 1;
  if (p.type == PacketType::kBinaryEvent || p.type == PacketType::kBinaryAck) {
    std::size_t n = 0;
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i]) && i - start < 4) n = n * 10 + static_cast<std::size_t>(text[i++] - '0');
    if (i == start || i >= text.size() || text[i] != '-') {
      return protocol("binary packet without '<attachments>-'");
    }
    if (n > kMaxAttachments) {
      return make_error(ErrorCode::kPayloadTooLarge,
                        fmt::format("more than {} binary attachments", kMaxAttachments));
    }
    p.attachments = n;
    ++i;
  }
  if (i < text.size() && text[i] == '/') {
    const auto comma = text.find(',', i);
    const auto end = comma == std::string_view::npos ? text.size() : comma;
    p.nsp = text.substr(i, end - i);
    if (p.nsp.size() > 128) return protocol("namespace longer than 128 characters");
    for (char c : p.nsp) {
      if (c < 0x21 || c > 0x7e) return protocol("namespace with a control, space or non-ASCII character");
    }
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }
  if (i < text.size() && is_digit(text[i])) {
    std::uint64_t id = 0;
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) {
      if (i - start >= 15) return protocol("ack id too long");
      id = id * 10 + static_cast<std::uint64_t>(text[i++] - '0');
    }
    p.ack_id = id;
  }
  p.payload = text.substr(i);
  switch (p.type) {
    case PacketType::kConnect:
    case PacketType::kDisconnect:
    case PacketType::kConnectError:
      if (p.ack_id) return protocol("this packet type takes no ack id");
      break;
    case PacketType::kAck:
    case PacketType::kBinaryAck:
      if (!p.ack_id) return protocol("ack without an id");
      break;
    default:
      break;
  }
  if (p.type == PacketType::kDisconnect && !p.payload.empty()) {
    return protocol("DISCONNECT takes no payload");
  }
  return p;
}

Result<Event> parse_event(std::string_view payload) {
  if (payload.empty()) return make_error(ErrorCode::kBadPayload, "event without a payload");
  auto v = parse_json(payload);
  if (!v.ok()) return v.error();
  auto* arr = v->if_array();
  if (!arr || arr->empty()) {
    return make_error(ErrorCode::kBadPayload, "event payload must be an array starting with the event name");
  }
  if (!(*arr)[0].is_string()) {
    return make_error(ErrorCode::kBadPayload, "event name must be a string");
  }
  Event e;
  e.name = std::string((*arr)[0].get_string());
  if (is_reserved(e.name)) {
    return make_error(ErrorCode::kBadPayload, "'" + e.name + "' is a reserved event name");
  }
  arr->erase(arr->begin());
  e.args = std::move(*arr);
  return e;
}

Result<json::value> parse_connect(std::string_view payload) {
  if (payload.empty()) return json::value(json::object());
  auto v = parse_json(payload);
  if (!v.ok()) return v.error();
  if (!v->is_object()) return make_error(ErrorCode::kBadPayload, "CONNECT payload must be an object");
  return v;
}

namespace {

// The attachment a placeholder's `num` names: an integer in [0, count), else nothing.
std::optional<std::size_t> placeholder_index(const json::value* num, std::size_t count) {
  if (!num) return std::nullopt;
  if (const auto* i = num->if_int64()) {
    if (*i >= 0 && static_cast<std::uint64_t>(*i) < count) return static_cast<std::size_t>(*i);
  } else if (const auto* u = num->if_uint64()) {
    if (*u < count) return static_cast<std::size_t>(*u);
  }
  return std::nullopt;
}

Result<void> fill(json::value& v, std::span<const std::string> attachments,
                  std::vector<bool>& used, int depth) {
  if (depth > 32) return make_error(ErrorCode::kBadPayload, "payload nested too deeply");
  if (auto* o = v.if_object()) {
    const auto* ph = o->if_contains("_placeholder");
    if (ph && ph->is_bool() && ph->get_bool()) {
      // `num` is the client's: read it without accessors that throw (a uint64 above INT64_MAX
      // or a double must be a bad placeholder, not an exception).
      const auto n = placeholder_index(o->if_contains("num"), attachments.size());
      if (!n) return make_error(ErrorCode::kBadPayload, "binary placeholder refers to no attachment");
      if (!text::is_valid_utf8(attachments[*n])) {
        return make_error(ErrorCode::kInvalidUtf8,
                          fmt::format("binary attachment {} is not UTF-8 text", *n));
      }
      used[*n] = true;
      v = json::string(attachments[*n]);
      return {};
    }
    for (auto& kv : *o) {
      if (auto r = fill(kv.value(), attachments, used, depth + 1); !r.ok()) return r;
    }
  } else if (auto* a = v.if_array()) {
    for (auto& e : *a) {
      if (auto r = fill(e, attachments, used, depth + 1); !r.ok()) return r;
    }
  }
  return {};
}

}  // namespace

Result<void> fill_placeholders(json::value& v, std::span<const std::string> attachments) {
  std::vector<bool> used(attachments.size(), false);
  if (auto r = fill(v, attachments, used, 0); !r.ok()) return r;
  for (std::size_t i = 0; i < used.size(); ++i) {
    if (!used[i]) {
      return make_error(ErrorCode::kBadPayload, fmt::format("binary attachment {} has no placeholder", i));
    }
  }
  return {};
}

void append_event(std::string& out, std::string_view name, std::string_view json_text) {
  out.append("2[");
  json_out::append_string(out, name);
  if (!json_text.empty()) {
    out.push_back(',');
    out.append(json_text);
  }
  out.push_back(']');
}

void append_ack(std::string& out, std::uint64_t ack_id, std::string_view json_text) {
  out.push_back('3');
  json_out::append_uint(out, ack_id);
  out.push_back('[');
  out.append(json_text);
  out.push_back(']');
}

void append_connect(std::string& out, std::string_view sid) {
  out.append("0{\"sid\":");
  json_out::append_string(out, sid);
  out.push_back('}');
}

void append_connect_error(std::string& out, std::string_view nsp, std::string_view message,
                          std::string_view code) {
  out.push_back('4');
  if (nsp != "/") {
    out.append(nsp);
    out.push_back(',');
  }
  out.append("{\"message\":");
  json_out::append_string(out, message);
  out.append(",\"data\":{\"code\":");
  json_out::append_string(out, code);
  out.append("}}");
}

namespace {
constexpr char kEngineMessage = static_cast<char>(eio::PacketType::kMessage);
}  // namespace

void append_event_message(std::string& out, std::string_view name, std::string_view json_text) {
  // 42[ "name" , json ]
  out.reserve(out.size() + name.size() + json_text.size() + 7);
  out.push_back(kEngineMessage);
  append_event(out, name, json_text);
}

void append_data_event_message(std::string& out, std::string_view name,
                               std::string_view json_text) {
  constexpr std::string_view kOpen = ",{\"data\":";
  // 42[ "name" ,{"data": json }]
  out.reserve(out.size() + name.size() + json_text.size() + 7 + kOpen.size());
  out.push_back(kEngineMessage);
  out.append("2[");
  json_out::append_string(out, name);
  out.append(kOpen);
  out.append(json_text);
  out.append("}]");
}

void append_ack_message(std::string& out, std::uint64_t ack_id, std::string_view json_text) {
  out.push_back(kEngineMessage);
  append_ack(out, ack_id, json_text);
}

void append_connect_message(std::string& out, std::string_view sid) {
  out.push_back(kEngineMessage);
  append_connect(out, sid);
}

void append_connect_error_message(std::string& out, std::string_view nsp,
                                  std::string_view message, std::string_view code) {
  out.push_back(kEngineMessage);
  append_connect_error(out, nsp, message, code);
}

}  // namespace quflx::sio
