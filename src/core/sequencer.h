#pragma once
// Per-asset sequence numbers: 1, 2, 3, ... without gaps. The tickerplant contract rests on
// this: whoever sees seq N of an asset can tell whether they missed anything before it.
// Owned by the ingest loop; not thread-safe.

#include <cstdint>
#include <vector>

#include "core/asset.h"

namespace quflx {

class Sequencer {
 public:
  std::uint64_t next(AssetId asset) {
    grow(asset);
    return ++last_[asset];
  }
  // Latest seq handed out for the asset, 0 if none.
  std::uint64_t last(AssetId asset) const { return asset < last_.size() ? last_[asset] : 0; }
  // Continues numbering after `last_seq` (recovery after a restart). Never goes backwards.
  void restore(AssetId asset, std::uint64_t last_seq) {
    grow(asset);
    if (last_seq > last_[asset]) last_[asset] = last_seq;
  }
  // Takes back numbers handed out but never used (a batch that could not be made durable):
  // the next seq of `asset` is `first_unused` again. Only for the latest numbers of the asset.
  void withdraw(AssetId asset, std::uint64_t first_unused) {
    grow(asset);
    if (first_unused >= 1 && first_unused <= last_[asset]) last_[asset] = first_unused - 1;
  }

 private:
  void grow(AssetId asset) {
    if (asset >= last_.size()) last_.resize(asset + 1, 0);
  }
  std::vector<std::uint64_t> last_;
};

}  // namespace quflx
