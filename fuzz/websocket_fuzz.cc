// WebSocket frames as a client sends them: the reader must never crash, never hand out a text
// message that is not UTF-8 nor one above the limit, and stay failed after an error.
#include <cstdint>
#include <string_view>

#include "common/check.h"
#include "common/text.h"
#include "protocol/websocket.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte decides how the input is split into reads.
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  quflx::ws::MessageReader reader(4096);
  quflx::ws::Message m;
  bool failed = false;
  for (std::size_t at = 0; at < wire.size(); at += chunk) {
    reader.append(wire.substr(at, chunk));
    quflx::ws::MessageReader::Status s;
    while ((s = reader.next(m)) == quflx::ws::MessageReader::Status::kMessage) {
      QUFLX_CHECK(!failed, "message after an error");
      if (m.kind == quflx::ws::Message::Kind::kText) {
        QUFLX_CHECK(quflx::text::is_valid_utf8(m.data), "non-UTF-8 text message");
      }
      QUFLX_CHECK(m.data.size() <= 4096, "message above the limit");
    }
    if (s == quflx::ws::MessageReader::Status::kError) {
      failed = true;
      QUFLX_CHECK(reader.error_code() >= 1000, "error without a close code");
    }
  }
  return 0;
}
