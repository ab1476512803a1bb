#include "protocol/cdp_messages.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <boost/json.hpp>

namespace quflx {
namespace json = boost::json;
namespace {

Error bad(std::string message) { return make_error(ErrorCode::kProtocol, std::move(message)); }

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

constexpr std::array<std::int8_t, 256> kBase64 = [] {
  std::array<std::int8_t, 256> t{};
  t.fill(-1);
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}();

}  // namespace

std::optional<std::string> base64_decode(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(s.size() / 4 * 3 + 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    const int v = kBase64[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

Result<std::vector<CdpTarget>> parse_cdp_targets(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) return bad("DevTools target list is not a JSON array");
  std::vector<CdpTarget> out;
  for (const auto& t : v.get_array()) {
    const auto* o = t.if_object();
    if (!o) continue;
    out.push_back(CdpTarget{string_field(*o, "id"), string_field(*o, "type"),
                            string_field(*o, "url"), string_field(*o, "title"),
                            string_field(*o, "webSocketDebuggerUrl")});
  }
  return out;
}

Result<CdpMessage> parse_cdp_message(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return bad("DevTools message is not a JSON object");
  const auto& o = v.get_object();
  CdpMessage m;
  if (const auto* id = o.if_contains("id"); id && id->is_int64()) {
    m.kind = CdpKind::kReply;
    m.id = id->get_int64();
    if (const auto* e = o.if_contains("error"); e && e->is_object()) {
      m.error = string_field(e->get_object(), "message");
      if (m.error.empty()) m.error = "error";
    }
    return m;
  }
  const std::string method = string_field(o, "method");
  const auto* params_v = o.if_contains("params");
  static const json::object kEmpty;
  const json::object& params = params_v && params_v->is_object() ? params_v->get_object() : kEmpty;
  if (method == "Network.webSocketFrameReceived") {
    m.kind = CdpKind::kFrameReceived;
    m.request_id = string_field(params, "requestId");
    const auto* r = params.if_contains("response");
    if (!r || !r->is_object()) return bad("webSocketFrameReceived without response");
    const auto& resp = r->get_object();
    const auto* op = resp.if_contains("opcode");
    const auto* data = resp.if_contains("payloadData");
    if (!op || !data || !data->is_string()) return bad("webSocketFrameReceived without opcode/payloadData");
    // A double opcode is converted only when it fits: casting 1e70 to an integer is undefined.
    const std::int64_t opcode =
        op->is_int64()                                             ? op->get_int64()
        : op->is_double() && std::abs(op->get_double()) < 1e15 ? static_cast<std::int64_t>(op->get_double())
                                                                   : -1;
    if (opcode == 1) {
      m.payload = std::string(data->get_string());
    } else if (opcode == 2) {
      auto bytes = base64_decode(data->get_string());
      if (!bytes) return bad("binary WebSocket frame with invalid base64 payloadData");
      m.binary = true;
      m.payload = std::move(*bytes);
    } else {
      m.kind = CdpKind::kOther;  // control frames (ping/pong/close) carry no data for us
    }
  } else if (method == "Network.webSocketCreated") {
    m.kind = CdpKind::kSocketCreated;
    m.request_id = string_field(params, "requestId");
    m.url = string_field(params, "url");
  } else if (method == "Network.webSocketClosed") {
    m.kind = CdpKind::kSocketClosed;
    m.request_id = string_field(params, "requestId");
  } else if (method == "Inspector.detached") {
    m.kind = CdpKind::kDetached;
    m.error = string_field(params, "reason");
  } else if (method == "Inspector.targetCrashed") {
    m.kind = CdpKind::kDetached;
    m.error = "target crashed";
  }
  return m;
}

}  // namespace quflx
