#include "net/protocol_error_counter.h"

#include <string>

namespace quflx::net {

ProtocolErrorCounter::ProtocolErrorCounter(MetricsRegistry& metrics) : metrics_(metrics) {}

void ProtocolErrorCounter::count(ErrorCode code) {
  const auto i = static_cast<std::size_t>(code);
  if (i >= by_code_.size()) by_code_.resize(i + 1, nullptr);
  if (!by_code_[i]) {
    by_code_[i] = &metrics_.counter("quflx_socketio_errors_total",
                                    "Rejected Socket.IO/Engine.IO input by error code",
                                    {{"code", std::string(to_string(code))}});
  }
  by_code_[i]->inc();
}

}  // namespace quflx::net
