#pragma once
// Service: `quflx serve` wired together. Owns the ingest loop (one io_context on one
// thread), the pipeline and its sinks, the feeds, the Redis connection and the HTTP server;
// installs the signal handlers and runs the staged shutdown:
//   SIGINT/SIGTERM -> stop feeds -> flush pending Redis writes (within shutdown_timeout)
//   -> close connections -> exit 0. A second signal exits at once with status 1.

#include <memory>

#include "server/config.h"

namespace quflx {

class Service {
 public:
  explicit Service(ServeConfig config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Runs until a signal; returns the process exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quflx
