#include "protocol/engineio.h"

#include <fmt/format.h>

#include "common/json_out.h"
#include "common/text.h"

namespace quflx::eio {

std::optional<PacketView> decode_text_view(std::string_view text) {
  if (text.empty() || text[0] < '0' || text[0] > '6') return std::nullopt;
  return PacketView{static_cast<PacketType>(text[0]), text.substr(1)};
}

std::optional<Packet> decode_text(std::string_view text) {
  const auto v = decode_text_view(text);
  if (!v) return std::nullopt;
  return Packet{v->type, false, std::string(v->data)};
}

Result<void> decode_payload(std::string_view body, std::vector<Packet>& out,
                            std::size_t max_packets) {
  std::size_t start = 0;
  std::size_t index = 0;
  while (start <= body.size()) {
    if (index == max_packets) {
      return make_error(ErrorCode::kProtocol,
                        fmt::format("payload has more than {} packets", max_packets));
    }
    auto end = body.find(kRecordSeparator, start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view p = body.substr(start, end - start);
    if (p.empty()) {
      return make_error(ErrorCode::kProtocol, fmt::format("packet {} of the payload is empty", index));
    }
    if (p[0] == 'b') {
      Packet bin{PacketType::kMessage, true, {}};
      if (!text::base64_decode(p.substr(1), bin.data)) {
        return make_error(ErrorCode::kProtocol,
                          fmt::format("packet {} of the payload is not valid base64", index));
      }
      out.push_back(std::move(bin));
    } else if (auto t = decode_text(p)) {
      out.push_back(std::move(*t));
    } else {
      return make_error(ErrorCode::kProtocol,
                        fmt::format("packet {} of the payload has no valid type", index));
    }
    ++index;
    start = end + 1;
  }
  return {};
}

void append_to_payload(std::string& out, std::string_view packet) {
  if (!out.empty()) out.push_back(kRecordSeparator);
  out.append(packet);
}

std::string open_packet(const Handshake& h) {
  std::string out = "0{\"sid\":";
  json_out::append_string(out, h.sid);
  out.append(h.upgrade_to_websocket ? ",\"upgrades\":[\"websocket\"]" : ",\"upgrades\":[]");
  out.append(",\"pingInterval\":");
  json_out::append_int(out, h.ping_interval.count());
  out.append(",\"pingTimeout\":");
  json_out::append_int(out, h.ping_timeout.count());
  out.append(",\"maxPayload\":");
  json_out::append_uint(out, h.max_payload);
  out.push_back('}');
  return out;
}

std::string http_error_body(HttpError e) {
  static constexpr std::string_view kMessages[] = {
      "Transport unknown",  "Session ID unknown", "Bad handshake method",
      "Bad request",        "Forbidden",          "Unsupported protocol version"};
  const auto i = static_cast<std::size_t>(e);
  return fmt::format(R"({{"code":{},"message":"{}"}})", i, kMessages[i]);
}

}  // namespace quflx::eio
