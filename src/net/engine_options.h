#pragma once
// EngineOptions: the settings of the Engine.IO server (EngineServer), each default with its
// reason.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "net/send_queue.h"

namespace quflx::net {

struct EngineOptions {
  std::string path = "/socket.io/";
  // The reference server's defaults, which every client copes with.
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds upgrade_timeout{10000};
  // Engine.IO's default: a message or polling body above it closes the session.
  std::size_t max_payload = 1'000'000;
  // Browser origins allowed besides the server's own and localhost ("*": any origin).
  std::vector<std::string> allowed_origins;
  SendQueueLimits send_queue;
};

}  // namespace quflx::net
