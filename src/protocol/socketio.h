#pragma once
// Socket.IO protocol v5 packets (the protocol of Socket.IO v4;
// https://socket.io/docs/v4/socket-io-protocol/), as pure functions.
//
//   <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
//
//   0 CONNECT        0  /  0{"token":"..."}  /  0/admin,{...}
//   1 DISCONNECT     1  /  1/admin,
//   2 EVENT          2["start_stream",{"asset":"EURUSD_otc"}]   21["get_redis_status"] (ack 1)
//   3 ACK            31[{"...":...}]
//   4 CONNECT_ERROR  4{"message":"Invalid namespace"}
//   5 BINARY_EVENT   51-["event",{"_placeholder":true,"num":0}]  + 1 binary attachment
//   6 BINARY_ACK     61-15[{"_placeholder":true,"num":0}]       + 1 binary attachment
//
// decode() reads the header and leaves the payload as text; parse_event() parses an event's
// payload (JSON, UTF-8 checked) and checks its shape; fill_placeholders() puts binary
// attachments where their placeholders are.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "common/result.h"

namespace quflx::sio {

enum class PacketType : std::uint8_t {
  kConnect = 0,
  kDisconnect = 1,
  kEvent = 2,
  kAck = 3,
  kConnectError = 4,
  kBinaryEvent = 5,
  kBinaryAck = 6,
};

// Attachments a binary packet may announce; far more than any client of this API needs.
inline constexpr std::size_t kMaxAttachments = 16;

struct Packet {
  PacketType type = PacketType::kEvent;
  std::string_view nsp = "/";
  std::optional<std::uint64_t> ack_id;
  std::size_t attachments = 0;
  std::string_view payload;  // JSON text, possibly empty
};

// The header of a packet (views into `text`). Errors have code protocol_error.
Result<Packet> decode(std::string_view text);

struct Event {
  std::string name;
  boost::json::array args;  // the arguments after the name
};

// The payload of an EVENT / BINARY_EVENT: a JSON array whose first element is the event name.
// Errors: invalid_utf8, bad_json (with the parser's reason), bad_payload (wrong shape).
Result<Event> parse_event(std::string_view payload);

// Parses a CONNECT payload: absent or a JSON object (the client's `auth`).
Result<boost::json::value> parse_connect(std::string_view payload);

// Replaces every {"_placeholder":true,"num":N} in `v` by the text of attachment N (a JSON
// string: this API takes text, not bytes, so an attachment must be UTF-8). Errors: a
// placeholder without its attachment, an attachment without a placeholder, non-UTF-8 bytes.
Result<void> fill_placeholders(boost::json::value& v, std::span<const std::string> attachments);

// Encoders for the default namespace ("/"), which is the only one this server serves.
// `json` must be valid JSON text.
void append_event(std::string& out, std::string_view name, std::string_view json);
void append_ack(std::string& out, std::uint64_t ack_id, std::string_view json);
// CONNECT reply: 0{"sid":"..."}
void append_connect(std::string& out, std::string_view sid);
// CONNECT_ERROR for namespace `nsp`: 4[/nsp,]{"message":..., "data":{"code":...}}
void append_connect_error(std::string& out, std::string_view nsp, std::string_view message,
                          std::string_view code);

// The same packets inside an Engine.IO message ('4'): the bytes a server frame carries. Every
// packet the server sends is framed by one of these, so no other module writes `42[` by hand.
//   42["name",json]              append_event_message (json empty: 42["name"])
//   42["name",{"data":json}]     append_data_event_message (redis_update's envelope)
//   43<ack id>[json]             append_ack_message
//   40{"sid":"..."}              append_connect_message
//   44[/nsp,]{"message":...}     append_connect_error_message
// The event encoders reserve what they append (exactly, for a name that needs no escaping), so
// encoding into a fresh buffer allocates once and into a reused one not at all.
void append_event_message(std::string& out, std::string_view name, std::string_view json);
void append_data_event_message(std::string& out, std::string_view name, std::string_view json);
void append_ack_message(std::string& out, std::uint64_t ack_id, std::string_view json);
void append_connect_message(std::string& out, std::string_view sid);
void append_connect_error_message(std::string& out, std::string_view nsp,
                                  std::string_view message, std::string_view code);

}  // namespace quflx::sio
