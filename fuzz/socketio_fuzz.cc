// Socket.IO packets as they arrive in Engine.IO messages: header, event payload, connect
// payload, and binary placeholders filled from the rest of the input.
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/check.h"
#include "protocol/socketio.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // Everything after the first NUL is taken as binary attachments, split on further NULs.
  std::string_view rest;
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    rest = text.substr(nul + 1);
    text = text.substr(0, nul);
  }
  auto p = quflx::sio::decode(text);
  if (!p.ok()) return 0;
  QUFLX_CHECK(p->payload.size() <= text.size(), "payload inside the packet");
  switch (p->type) {
    case quflx::sio::PacketType::kConnect:
      (void)quflx::sio::parse_connect(p->payload);
      break;
    case quflx::sio::PacketType::kEvent:
    case quflx::sio::PacketType::kBinaryEvent: {
      auto e = quflx::sio::parse_event(p->payload);
      if (!e.ok()) break;
      std::vector<std::string> attachments;
      while (attachments.size() < p->attachments) {
        const auto nul = rest.find('\0');
        attachments.emplace_back(rest.substr(0, nul));
        rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
      }
      boost::json::value args(std::move(e->args));
      (void)quflx::sio::fill_placeholders(args, attachments);
      // Whatever we emit for an accepted event name decodes again.
      std::string out;
      quflx::sio::append_event(out, e->name, "{}");
      auto back = quflx::sio::decode(out);
      QUFLX_CHECK(back.ok(), "encoded event decodes");
      auto ev = quflx::sio::parse_event(back->payload);
      QUFLX_CHECK(ev.ok() && ev->name == e->name, "event name round trip");
      break;
    }
    default:
      break;
  }
  return 0;
}
