#include "core/asset.h"

#include <fmt/format.h>

namespace quflx {
namespace {

constexpr bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

bool is_valid_asset_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxAssetNameLength) return false;
  if (!is_alnum(name[0]) && name[0] != '#') return false;
  for (std::size_t i = 1; i < name.size(); ++i) {
    const char c = name[i];
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

Result<void> validate_asset_name(std::string_view name) {
  if (is_valid_asset_name(name)) return {};
  if (name.empty()) return make_error(ErrorCode::kInvalidAsset, "asset name is empty");
  if (name.size() > kMaxAssetNameLength) {
    return make_error(ErrorCode::kInvalidAsset,
                      fmt::format("asset name is longer than {} characters", kMaxAssetNameLength));
  }
  std::string shown;
  for (char c : name.substr(0, 40)) {
    shown.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return make_error(ErrorCode::kInvalidAsset,
                    fmt::format("invalid asset name '{}': expected a letter, digit or '#' "
                                "followed by up to 31 letters, digits, '_', '.' or '-'",
                                shown));
}

AssetId AssetRegistry::intern(std::string_view name) {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  const auto id = static_cast<AssetId>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(names_.back(), id);
  return id;
}

std::optional<AssetId> AssetRegistry::find(std::string_view name) const {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  return std::nullopt;
}

}  // namespace quflx
