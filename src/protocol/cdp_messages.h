#pragma once
// The parts of the Chrome DevTools Protocol a capture feed reads (SPEC §2 "cdp"):
//
//   GET /json/list       -> [{"id","type":"page","url","title","webSocketDebuggerUrl"}, ...]
//   Network.webSocketCreated        {requestId, url}
//   Network.webSocketFrameReceived  {requestId, timestamp, response:{opcode, mask, payloadData}}
//                                   opcode 1: text as is; opcode 2: binary, base64 in payloadData
//   Network.webSocketClosed         {requestId}
//   Inspector.detached / Inspector.targetCrashed: the page session is gone
//   {"id":N,"result":{..}} / {"id":N,"error":{..}}: replies to our commands
//
// Pure functions; no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace quflx {

struct CdpTarget {
  std::string id;
  std::string type;
  std::string url;
  std::string title;
  std::string ws_url;  // webSocketDebuggerUrl; empty when another client holds the target
};

Result<std::vector<CdpTarget>> parse_cdp_targets(std::string_view json);

enum class CdpKind : std::uint8_t {
  kFrameReceived,
  kSocketCreated,
  kSocketClosed,
  kDetached,  // Inspector.detached or Inspector.targetCrashed
  kReply,
  kOther
};

struct CdpMessage {
  CdpKind kind = CdpKind::kOther;
  std::string request_id;  // the WebSocket, for socket events
  bool binary = false;     // frame: opcode 2
  std::string payload;     // frame: text, or the decoded bytes of a binary frame
  std::string url;         // webSocketCreated
  std::optional<std::int64_t> id;  // reply
  std::string error;       // reply error message, detach reason
};

Result<CdpMessage> parse_cdp_message(std::string_view json);

// Standard base64 (RFC 4648, padding optional). Empty on any invalid character.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace quflx
