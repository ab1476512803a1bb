#pragma once
// WebSocket (RFC 6455) server side, as pure functions over bytes: the handshake's accept key,
// headers of the frames the server sends (never masked, never fragmented), and a reader that
// turns the bytes a client sends into messages and control frames, enforcing the RFC (masking,
// reserved bits, opcodes, control-frame rules, fragmentation, UTF-8 of text) and a size limit.
//
// Why our own: a server-to-client frame's header depends only on the payload, so a broadcast
// can be encoded once, header included, and the same bytes written to every client; Beast's
// stream writes one message per call from its own buffer and cannot share them.

#include <cstdint>
#include <string>
#include <string_view>

namespace quflx::ws {

enum class Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes used here.
enum CloseCode : std::uint16_t {
  kNormal = 1000,
  kGoingAway = 1001,
  kProtocolError = 1002,
  kInvalidPayload = 1007,  // e.g. a text message that is not UTF-8
  kPolicyViolation = 1008,
  kMessageTooBig = 1009,
  kInternalError = 1011,
};

// Sec-WebSocket-Accept for a Sec-WebSocket-Key.
std::string accept_key(std::string_view client_key);
// A valid Sec-WebSocket-Key: base64 of 16 bytes.
bool is_valid_client_key(std::string_view client_key);

inline constexpr std::size_t kMaxHeaderBytes = 10;
// Writes the header of a final, unmasked frame into `out` (room for kMaxHeaderBytes) and
// returns its length: 2, 4 or 10 bytes.
std::size_t encode_header(std::uint8_t* out, Opcode opcode, std::uint64_t payload_size);
// A whole control or small frame: header + payload.
std::string encode_frame(Opcode opcode, std::string_view payload);
// A close frame with a code and a reason (truncated to fit a control frame).
std::string encode_close(std::uint16_t code, std::string_view reason);

struct Message {
  enum class Kind : std::uint8_t { kText, kBinary, kPing, kPong, kClose };
  Kind kind = Kind::kText;
  std::string data;              // payload; for kClose the reason
  std::uint16_t close_code = 0;  // kClose: the peer's code, 1005 when it sent none
};

// Incremental reader of client frames. Append received bytes with prepare()/commit(), then
// call next() until it returns kNeedMore. After kError the connection must be closed with
// error_code(); the reader stays in the error state.
class MessageReader {
 public:
  explicit MessageReader(std::size_t max_message_bytes) : max_message_(max_message_bytes) {}

  // Space for at least `n` more bytes; write into it, then commit() how many were written.
  char* prepare(std::size_t n);
  void commit(std::size_t n);
  void append(std::string_view bytes);  // prepare + copy + commit

  enum class Status { kNeedMore, kMessage, kError };
  Status next(Message& out);

  std::uint16_t error_code() const { return error_code_; }
  const std::string& error_reason() const { return error_reason_; }
  // Bytes received but not yet consumed by next().
  std::size_t buffered() const { return in_.size() - pos_; }

 private:
  Status fail(std::uint16_t code, std::string reason);

  std::size_t max_message_;
  std::string in_;
  std::size_t pos_ = 0;
  std::size_t filled_ = 0;
  // A fragmented data message in progress.
  bool in_message_ = false;
  Opcode message_opcode_ = Opcode::kText;
  std::string message_;
  std::uint16_t error_code_ = 0;
  std::string error_reason_;
};

}  // namespace quflx::ws
