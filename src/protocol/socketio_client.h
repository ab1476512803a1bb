#pragma once
// The client side of Engine.IO v4 / Socket.IO v4 text packets over a WebSocket, as much as a
// feed needs to follow a broker's socket: packet types, the `40` connect, events with their
// JSON arguments, and binary events (`451-["event",{"_placeholder":true,"num":0}]`) whose
// attachments arrive as the following binary WebSocket messages.
//
//   Engine.IO:  0 open {sid,pingInterval,pingTimeout,maxPayload} | 1 close | 2 ping | 3 pong |
//               4 message | 5 upgrade | 6 noop
//   Socket.IO (inside 4): 0 connect | 1 disconnect | 2 event | 3 ack | 4 connect_error |
//               5 binary event | 6 binary ack; then [<attachments>-][/nsp,][ack id][JSON]
//
// Pure functions over text; no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace quflx {

enum class EioType : std::uint8_t { kOpen = 0, kClose, kPing, kPong, kMessage, kUpgrade, kNoop };
enum class SioType : std::uint8_t {
  kConnect = 0,
  kDisconnect,
  kEvent,
  kAck,
  kConnectError,
  kBinaryEvent,
  kBinaryAck
};

struct EioPacket {
  EioType type = EioType::kNoop;
  std::string_view data;  // after the type digit
};

struct SioPacket {
  SioType type = SioType::kEvent;
  std::size_t attachments = 0;
  std::string_view nsp = "/";
  std::optional<std::uint64_t> ack_id;
  std::string_view payload;  // JSON text, possibly empty
};

// An event's name and arguments. A placeholder argument ({"_placeholder":true,"num":N}) is
// kept as `attachment = N`; any other argument as its JSON text.
struct SioEventArg {
  std::string_view json;
  int attachment = -1;
};
struct SioEvent {
  std::string name;
  std::vector<SioEventArg> args;
};

Result<EioPacket> parse_eio_packet(std::string_view text);
Result<SioPacket> parse_sio_packet(std::string_view text);  // the data of an EIO message
// `payload` of an event packet: ["name", arg, ...]. Placeholders must name attachments below
// `attachments`.
Result<SioEvent> parse_sio_event(std::string_view payload, std::size_t attachments);

// Engine.IO open packet fields a client needs (milliseconds).
struct EioOpen {
  std::string sid;
  std::int64_t ping_interval_ms = 25000;
  std::int64_t ping_timeout_ms = 20000;
  std::int64_t max_payload = 1000000;
};
Result<EioOpen> parse_eio_open(std::string_view json);

}  // namespace quflx
