// The Host header check (DNS-rebinding protection): any bytes a client sends as Host.
#include <cstdint>
#include <string_view>

#include "common/check.h"
#include "protocol/http_host.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const quflx::http_host::AllowList list{{"quflx.example"}};
  const bool ok = quflx::http_host::allowed(list, text);
  if (auto host = quflx::http_host::host_of(text)) {
    QUFLX_CHECK(!host->empty() && host->size() <= text.size(), "host longer than the header");
    QUFLX_CHECK(ok == (quflx::http_host::is_ip_literal(*host) || *host == "localhost" ||
                       host->ends_with(".localhost") || *host == "quflx.example"),
                "allowed() disagrees with host_of()");
  } else {
    QUFLX_CHECK(!ok, "a malformed Host was allowed");
  }
  return 0;
}
