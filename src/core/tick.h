#pragma once
// Ticks as they enter (RawTick, from a feed) and once accepted (SequencedTick, with the
// per-asset sequence number that makes gaps and duplicates visible downstream).

#include <cstdint>
#include <string_view>

#include "common/time.h"
#include "core/asset.h"

namespace quflx {

// A tick as a feed decoded it. `asset` only needs to stay valid for the ingest call.
struct RawTick {
  std::string_view asset;
  double price = 0.0;
  UtcMicros time{};
};

struct SequencedTick {
  AssetId asset = 0;
  double price = 0.0;
  UtcMicros time{};
  std::uint64_t seq = 0;  // 1, 2, 3, ... per asset
};

}  // namespace quflx
