#include "feed/push_feed.h"

#include <fmt/format.h>

#include "protocol/feed_frames.h"

namespace quflx {
namespace {

// Collects one push's ticks and faults; counts the faults in the feed's metrics too.
class PushSink final : public FrameSink {
 public:
  PushSink(FrameIngest& frames, PushResult& result) : frames_(frames), result_(result) {}
  void on_ticks(std::span<const RawTick> ticks) override {
    ticks_.assign(ticks.begin(), ticks.end());
  }
  void on_history(const HistoryPayload&) override {}
  void on_active_asset(std::string_view) override {}
  void on_fault(FrameFault fault, std::string_view detail) override {
    frames_.on_fault(fault, detail);
    result_.faults.emplace_back(fault, std::string(detail));
  }
  std::vector<RawTick> ticks_;

 private:
  FrameIngest& frames_;
  PushResult& result_;
};

}  // namespace

PushFeed::PushFeed(boost::asio::any_io_executor executor, TickIngest& ingest,
                   PushIngest push_ingest, FeedId feed, Micros stale_after, const Clock& clock,
                   MetricsRegistry& metrics)
    : push_ingest_(std::move(push_ingest)),
      feed_(feed),
      faults_("push", metrics),
      frames_(ingest, feed, "push", faults_, clock, metrics, stale_after),
      housekeeping_(std::move(executor)) {}

PushFeed::~PushFeed() = default;

void PushFeed::start() {
  if (running_) return;
  running_ = true;
  schedule_housekeeping();
}

void PushFeed::stop() {
  running_ = false;
  stopped_ = true;
  housekeeping_.cancel();
}

FeedStatus PushFeed::status() const {
  return FeedStatus{"push", running_ ? "running" : stopped_ ? "stopped" : "starting",
                    fmt::format("POST /api/ticks; {} inputs skipped, {} stale assets",
                                faults_.total(), frames_.stale_assets()),
                    frames_.ticks()};
}

PushResult PushFeed::push(std::string_view body) {
  PushResult result;
  PushSink sink(frames_, result);
  TickScratch scratch;
  decode_json_ticks(body, scratch, sink);
  if (!sink.ticks_.empty()) {
    result.accepted = push_ingest_(feed_, sink.ticks_, result.refused);
    frames_.note_ticks(sink.ticks_);
  }
  result.nothing_parsed = sink.ticks_.empty() && !result.faults.empty() &&
                          result.faults.front().first == FrameFault::kBadJson;
  return result;
}

void PushFeed::schedule_housekeeping() {
  housekeeping_.expires_after(std::chrono::seconds(1));
  housekeeping_.async_wait([this](boost::system::error_code ec) {
    if (ec || !running_) return;
    frames_.check_staleness();
    schedule_housekeeping();
  });
}

}  // namespace quflx
