// Chrome DevTools Protocol messages and target lists, and the base64 of binary frames.
#include <cstdint>
#include <string_view>

#include "common/check.h"
#include "protocol/cdp_messages.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = quflx::parse_cdp_message(text);
  if (m.ok() && m->kind == quflx::CdpKind::kReply) QUFLX_CHECK(m->id.has_value(), "reply without id");
  (void)quflx::parse_cdp_targets(text);
  if (auto b = quflx::base64_decode(text)) QUFLX_CHECK(b->size() <= text.size(), "base64 grew");
  return 0;
}
