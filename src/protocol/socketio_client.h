#pragma once
// What the client side of Socket.IO v4 needs beyond the shared packet codecs
// (protocol/engineio.h, protocol/socketio.h) to follow a broker's socket: the Engine.IO open
// packet, and an event's arguments read lazily. A feed event's ticks are decoded straight from
// the argument's text by the feed parsers, so the arguments stay views (no DOM), and binary
// events (`451-["event",{"_placeholder":true,"num":0}]`) keep the attachment number of each
// placeholder; the attachments arrive as the following binary WebSocket messages.
//
// Pure functions over text; no I/O.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace quflx {

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
