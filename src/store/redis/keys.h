#pragma once
// Redis key and channel names (SPEC §3). The braces are literal: `{ASSET}` is a Redis Cluster
// hash tag, so all keys of one asset live in one slot.

#include <optional>
#include <string>
#include <string_view>

#include "core/timeframe.h"

namespace quflx::redis_keys {

inline std::string ticks(std::string_view asset) {
  std::string k;
  k.reserve(asset.size() + 8);
  k.append("ticks:{").append(asset).append("}");
  return k;
}

inline std::string updates(std::string_view asset) {
  std::string k;
  k.reserve(asset.size() + 10);
  k.append("updates:{").append(asset).append("}");
  return k;
}

// The asset an `updates:{A}` channel name is of; empty if `channel` is not one.
inline std::optional<std::string_view> asset_of_updates(std::string_view channel) {
  constexpr std::string_view kPrefix = "updates:{";
  if (!channel.starts_with(kPrefix) || !channel.ends_with('}')) return std::nullopt;
  return channel.substr(kPrefix.size(), channel.size() - kPrefix.size() - 1);
}

inline std::string historical(std::string_view asset, Timeframe tf) {
  std::string k;
  k.reserve(asset.size() + 18);
  k.append("historical:{").append(asset).append("}:").append(to_string(tf));
  return k;
}

}  // namespace quflx::redis_keys
