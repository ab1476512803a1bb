#pragma once
// Logging setup and rate limiting. Bad input can arrive thousands of times a second; a
// LogLimiter lets the first few through per window and reports how many it held back, so the
// log says what happened without drowning.

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace quflx {

// Levels: trace, debug, info, warn, error, off.
Result<void> init_logging(std::string_view level);

class LogLimiter {
 public:
  explicit LogLimiter(int burst = 5, std::chrono::seconds window = std::chrono::seconds{10})
      : burst_(burst), window_(window) {}

  // True if this occurrence may be logged; otherwise it is counted as suppressed.
  bool allow();
  // Occurrences held back since the last logged one (and resets the count).
  std::uint64_t take_suppressed();

 private:
  int burst_;
  std::chrono::steady_clock::duration window_;
  std::chrono::steady_clock::time_point window_start_{};
  int in_window_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace quflx
