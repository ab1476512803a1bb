#include "feed/feed_settings.h"

namespace quflx {

std::chrono::microseconds FeedSettings::clock_offset(std::string_view feed) const {
  std::chrono::microseconds fallback{0};
  for (const auto& [name, offset] : clock_offsets) {
    if (name == feed) return offset;
    if (name == "*") fallback = offset;
  }
  return feed == "sim" ? std::chrono::microseconds{0} : fallback;
}

}  // namespace quflx
