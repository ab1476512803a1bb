// Timestamps from feeds and CSV files: ISO-8601 text and numbers of unknown unit.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/check.h"
#include "common/json_out.h"
#include "common/time.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto t = quflx::parse_iso8601(text)) {
    QUFLX_CHECK(quflx::unix_micros(*t) >= 0, "parsed time before 1970");
    std::string out;
    quflx::json_out::append_unix_seconds(out, *t);
  }
  if (size >= sizeof(double)) {
    double v;
    std::memcpy(&v, data, sizeof v);
    if (auto t = quflx::from_unix_auto(v)) {
      QUFLX_CHECK(quflx::unix_micros(*t) >= 0, "auto time before 1970");
    }
  }
  return 0;
}
