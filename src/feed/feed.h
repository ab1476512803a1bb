#pragma once
// The inbound adapter interface. A feed turns some outside source into RawTicks and pushes
// them into a TickIngest on the ingest loop. Feeds never stop the process: bad input is counted
// and skipped, lost connections are retried.

#include <cstdint>
#include <string>
#include <string_view>

namespace quflx {

class FrameIngest;

struct FeedStatus {
  std::string name;
  std::string state;   // "running", "connecting", "stopped", "finished", "error"
  std::string detail;  // human-readable: last error, file position, ...
  std::uint64_t ticks = 0;  // handed to the pipeline
};

class Feed {
 public:
  virtual ~Feed() = default;
  virtual std::string_view name() const = 0;
  virtual void start() = 0;
  // Stops producing; after it returns the feed makes no further ingest calls of its own (the
  // push feed still takes what its HTTP route hands it until the HTTP server stops).
  virtual void stop() = 0;
  virtual FeedStatus status() const = 0;
  // Where the feed's decoded frames go, for feeds that have one (ws, cdp, push): the wiring
  // attaches its detect_asset and staleness handlers there.
  virtual FrameIngest* frames() { return nullptr; }
};

}  // namespace quflx
