#include "protocol/websocket.h"

#include <openssl/sha.h>

#include <cstring>

#include "common/text.h"

namespace quflx::ws {

std::string accept_key(std::string_view client_key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(client_key);
  input.append(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  std::string out;
  text::base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest), out);
  return out;
}

bool is_valid_client_key(std::string_view client_key) {
  std::string raw;
  return client_key.size() == 24 && text::base64_decode(client_key, raw) && raw.size() == 16;
}

std::size_t encode_header(std::uint8_t* out, Opcode opcode, std::uint64_t n) {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode));
  if (n < 126) {
    out[1] = static_cast<std::uint8_t>(n);
    return 2;
  }
  if (n <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(n >> 8);
    out[3] = static_cast<std::uint8_t>(n);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(n >> (56 - 8 * i));
  return 10;
}

std::string encode_frame(Opcode opcode, std::string_view payload) {
  std::uint8_t h[kMaxHeaderBytes];
  const auto hn = encode_header(h, opcode, payload.size());
  std::string out(reinterpret_cast<const char*>(h), hn);
  out.append(payload);
  return out;
}

std::string encode_close(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  reason = reason.substr(0, 123);
  // Never cut a UTF-8 sequence in half: the peer would fail the close frame.
  while (!reason.empty() && !text::is_valid_utf8(reason)) reason.remove_suffix(1);
  payload.append(reason);
  return encode_frame(Opcode::kClose, payload);
}

char* MessageReader::prepare(std::size_t n) {
  if (pos_ > 0 && (pos_ == filled_ || pos_ > in_.size() / 2)) {
    // Drop what next() consumed before growing.
    std::memmove(in_.data(), in_.data() + pos_, filled_ - pos_);
    filled_ -= pos_;
    pos_ = 0;
  }
  if (in_.size() < filled_ + n) in_.resize(filled_ + n);
  return in_.data() + filled_;
}

void MessageReader::commit(std::size_t n) { filled_ += n; }

void MessageReader::append(std::string_view bytes) {
  std::memcpy(prepare(bytes.size()), bytes.data(), bytes.size());
  commit(bytes.size());
}

MessageReader::Status MessageReader::fail(std::uint16_t code, std::string reason) {
  error_code_ = code;
  error_reason_ = std::move(reason);
  return Status::kError;
}

MessageReader::Status MessageReader::next(Message& out) {
  while (true) {
    if (error_code_ != 0) return Status::kError;
    const auto* p = reinterpret_cast<const std::uint8_t*>(in_.data()) + pos_;
    const std::size_t avail = filled_ - pos_;
    if (avail < 2) return Status::kNeedMore;
    const bool fin = (p[0] & 0x80) != 0;
    if (p[0] & 0x70) return fail(kProtocolError, "reserved bits set (no extension was negotiated)");
    const auto op = static_cast<Opcode>(p[0] & 0x0F);
    const bool control = (p[0] & 0x08) != 0;
    switch (op) {
      case Opcode::kContinuation:
      case Opcode::kText:
      case Opcode::kBinary:
      case Opcode::kClose:
      case Opcode::kPing:
      case Opcode::kPong:
        break;
      default:
        return fail(kProtocolError, "unknown opcode");
    }
    if (!(p[1] & 0x80)) return fail(kProtocolError, "client frames must be masked");
    std::uint64_t len = p[1] & 0x7F;
    std::size_t header = 2;
    if (len == 126) {
      if (avail < 4) return Status::kNeedMore;
      len = (std::uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (len == 127) {
      if (avail < 10) return Status::kNeedMore;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      if (len >> 63) return fail(kProtocolError, "frame length with the top bit set");
      header = 10;
    }
    if (control) {
      if (!fin) return fail(kProtocolError, "fragmented control frame");
      if (len > 125) return fail(kProtocolError, "control frame longer than 125 bytes");
    } else if (op == Opcode::kContinuation) {
      if (!in_message_) return fail(kProtocolError, "continuation frame without a message");
    } else if (in_message_) {
      return fail(kProtocolError, "new message before the previous one was finished");
    }
    if (!control) {
      const std::size_t so_far = in_message_ ? message_.size() : 0;
      if (len > max_message_ || so_far + len > max_message_) {
        return fail(kMessageTooBig, "message larger than " + std::to_string(max_message_) + " bytes");
      }
    }
    if (avail < header + 4 + len) return Status::kNeedMore;
    const std::uint8_t* mask = p + header;
    const char* payload = reinterpret_cast<const char*>(p + header + 4);
    const auto n = static_cast<std::size_t>(len);
    pos_ += header + 4 + n;

    std::string* dest = &message_;
    std::string control_payload;
    if (control) {
      dest = &control_payload;
    } else if (!in_message_) {
      message_.clear();
      message_opcode_ = op;
    }
    const std::size_t base = dest->size();
    dest->resize(base + n);
    char* d = dest->data() + base;
    for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<char>(payload[i] ^ mask[i & 3]);

    if (control) {
      out.data.clear();
      out.close_code = 0;
      if (op == Opcode::kPing) {
        out.kind = Message::Kind::kPing;
        out.data = std::move(control_payload);
      } else if (op == Opcode::kPong) {
        out.kind = Message::Kind::kPong;
        out.data = std::move(control_payload);
      } else {
        out.kind = Message::Kind::kClose;
        if (control_payload.size() == 1) return fail(kProtocolError, "close frame with a 1-byte payload");
        if (control_payload.empty()) {
          out.close_code = 1005;
        } else {
          const auto code = static_cast<std::uint16_t>(
              (static_cast<std::uint8_t>(control_payload[0]) << 8) |
              static_cast<std::uint8_t>(control_payload[1]));
          const bool valid = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
                             (code >= 3000 && code <= 4999);
          if (!valid) return fail(kProtocolError, "invalid close code");
          const std::string_view reason(control_payload.data() + 2, control_payload.size() - 2);
          if (!text::is_valid_utf8(reason)) return fail(kInvalidPayload, "close reason is not UTF-8");
          out.close_code = code;
          out.data = std::string(reason);
        }
      }
      return Status::kMessage;
    }
    if (!fin) {
      in_message_ = true;
      continue;
    }
    in_message_ = false;
    if (message_opcode_ == Opcode::kText) {
      if (!text::is_valid_utf8(message_)) return fail(kInvalidPayload, "text message is not UTF-8");
      out.kind = Message::Kind::kText;
    } else {
      out.kind = Message::Kind::kBinary;
    }
    out.close_code = 0;
    out.data.swap(message_);
    message_.clear();
    return Status::kMessage;
  }
}

}  // namespace quflx::ws
