// --redis-url / REDIS_URL values.
#include <cstdint>
#include <string_view>

#include "common/check.h"
#include "store/redis/endpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ep = quflx::redis::parse_redis_url(text);
  if (ep.ok()) {
    QUFLX_CHECK(ep->port != 0, "accepted port 0");
    QUFLX_CHECK(ep->db >= 0, "accepted a negative db");
    (void)ep->display();
  } else {
    QUFLX_CHECK(!ep.error().message.empty(), "rejection without a message");
  }
  return 0;
}
