#pragma once
// Asset names and their interning. An asset is the broker's symbol, spelled one way
// everywhere; inside the process it is a dense AssetId so hot paths index vectors instead of
// hashing strings.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

namespace quflx {

using AssetId = std::uint32_t;

inline constexpr std::size_t kMaxAssetNameLength = 32;

// ^[#A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$
bool is_valid_asset_name(std::string_view name);
// Same check, with a message that says what is wrong, for replies to clients.
Result<void> validate_asset_name(std::string_view name);

// Owned by the ingest loop; not thread-safe. Names live as long as the registry.
class AssetRegistry {
 public:
  // Returns the id of a name that must already be valid, adding it if new.
  AssetId intern(std::string_view name);
  std::optional<AssetId> find(std::string_view name) const;
  std::string_view name(AssetId id) const { return names_[id]; }
  std::size_t size() const { return names_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::deque<std::string> names_;  // deque: growing never moves the strings the map views
  std::unordered_map<std::string_view, AssetId, Hash, std::equal_to<>> ids_;
};

}  // namespace quflx
