#pragma once
// Engine.IO protocol v4 packets (https://socket.io/docs/v4/engine-io-protocol/), as pure
// functions.
//
//   text packet:    <type digit><data>      e.g. "2" (ping), "3probe", "4hello" (message)
//   binary packet:  raw bytes (WebSocket binary frame), always a message
//   polling payload: packets joined by the record separator 0x1E; a binary message in a
//                   payload is "b" followed by its base64
//
// Types: 0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace quflx::eio {

enum class PacketType : char {
  kOpen = '0',
  kClose = '1',
  kPing = '2',
  kPong = '3',
  kMessage = '4',
  kUpgrade = '5',
  kNoop = '6',
};

inline constexpr char kRecordSeparator = '\x1e';

struct Packet {
  PacketType type = PacketType::kNoop;
  bool binary = false;   // a binary message: `data` holds raw bytes
  std::string data;      // text after the type digit, or the decoded binary bytes
};

// One text packet. Empty if it does not start with a known type digit.
std::optional<Packet> decode_text(std::string_view text);

// The same without a copy: `data` views into `text`.
struct PacketView {
  PacketType type = PacketType::kNoop;
  std::string_view data;
};
std::optional<PacketView> decode_text_view(std::string_view text);

// A polling request body: appends its packets to `out`. Errors (code protocol_error) name the
// packet that is wrong: an empty packet, an unknown type, bad base64. At most `max_packets`
// packets are accepted (more is an error), so a body of separators cannot cost unbounded work.
Result<void> decode_payload(std::string_view body, std::vector<Packet>& out,
                            std::size_t max_packets = 10'000);

// Appends `packet` (a text packet) to a polling response body, with a separator if `out` is
// not empty.
void append_to_payload(std::string& out, std::string_view packet);

struct Handshake {
  std::string sid;
  bool upgrade_to_websocket = true;  // false once on WebSocket already
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::size_t max_payload = 1'000'000;
};

// The open packet: 0{"sid":..,"upgrades":[..],"pingInterval":..,"pingTimeout":..,"maxPayload":..}
std::string open_packet(const Handshake& h);

// Error bodies for HTTP 400/403 answers, as the reference server sends them.
enum class HttpError {
  kUnknownTransport = 0,
  kUnknownSid = 1,
  kBadHandshakeMethod = 2,
  kBadRequest = 3,
  kForbidden = 4,
  kUnsupportedProtocolVersion = 5,
};
std::string http_error_body(HttpError e);

}  // namespace quflx::eio
