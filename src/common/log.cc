#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace quflx {

Result<void> init_logging(std::string_view level) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    return make_error(ErrorCode::kInvalidConfig,
                      "log level must be one of trace, debug, info, warn, error, off");
  }
  auto logger = spdlog::stderr_color_mt("quflx");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  return {};
}

bool LogLimiter::allow() {
  const auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= window_) {
    window_start_ = now;
    in_window_ = 0;
  }
  if (in_window_ < burst_) {
    ++in_window_;
    return true;
  }
  ++suppressed_;
  return false;
}

std::uint64_t LogLimiter::take_suppressed() {
  const auto n = suppressed_;
  suppressed_ = 0;
  return n;
}

}  // namespace quflx
