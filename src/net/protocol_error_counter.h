#pragma once
// ProtocolErrorCounter: rejected Socket.IO/Engine.IO input by error code
// (quflx_socketio_errors_total{code}). One is shared by the Engine.IO and the Socket.IO layer;
// the counter of a code is registered the first time that code is counted.
//
// Threading: the loop of the EngineServer.

#include <vector>

#include "common/error_codes.h"
#include "common/metrics.h"

namespace quflx::net {

class ProtocolErrorCounter {
 public:
  explicit ProtocolErrorCounter(MetricsRegistry& metrics);
  void count(ErrorCode code);

 private:
  MetricsRegistry& metrics_;
  std::vector<Counter*> by_code_;
};

}  // namespace quflx::net
