#include "net/frame.h"

#include "protocol/websocket.h"

namespace quflx::net {

FrameRef Frame::make(std::string_view packet, FrameMeta meta) {
  return build([&](std::string& out) { out.append(packet); }, meta);
}

void Frame::seal() {
  std::uint8_t header[ws::kMaxHeaderBytes];
  const auto n = ws::encode_header(header, ws::Opcode::kText, bytes_.size() - kHeaderRoom);
  ws_start_ = static_cast<std::uint8_t>(kHeaderRoom - n);
  bytes_.replace(ws_start_, n, reinterpret_cast<const char*>(header), n);
}

}  // namespace quflx::net
