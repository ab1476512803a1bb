// Asset names and timeframes as clients send them.
#include <cstdint>
#include <string_view>

#include "common/check.h"
#include "core/asset.h"
#include "core/timeframe.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool valid = quflx::is_valid_asset_name(text);
  const auto checked = quflx::validate_asset_name(text);
  QUFLX_CHECK(valid == checked.ok(), "validate_asset_name disagrees with is_valid_asset_name");
  if (!valid) QUFLX_CHECK(!checked.error().message.empty(), "rejection without a message");
  if (auto tf = quflx::parse_timeframe(text)) {
    QUFLX_CHECK(quflx::parse_timeframe(quflx::to_string(*tf)) == tf, "timeframe round trip");
  }
  return 0;
}
