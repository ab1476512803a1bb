// Engine.IO: polling request bodies and single text packets, as clients send them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/check.h"
#include "protocol/engineio.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  std::vector<quflx::eio::Packet> packets;
  if (quflx::eio::decode_payload(body, packets, 1000).ok()) {
    QUFLX_CHECK(!packets.empty(), "an accepted payload has packets");
    // Text packets re-encode to a payload that decodes to the same packets.
    std::string again;
    std::size_t text = 0;
    for (const auto& p : packets) {
      if (p.binary) continue;
      ++text;
      again.clear();
      again.push_back(static_cast<char>(p.type));
      again.append(p.data);
      auto back = quflx::eio::decode_text(again);
      QUFLX_CHECK(back && back->type == p.type && back->data == p.data, "text packet round trip");
    }
    (void)text;
  }
  (void)quflx::eio::decode_text(body);
  return 0;
}
