#pragma once
// SendQueue: what one session has yet to send, bounded, with the slow-consumer policy.
//
//   * Below `conflate_above_bytes` pending, every frame is kept, in order.
//   * Above it the session is congested: a live update (a frame with a conflate key) replaces
//     the pending update with the same key in place (the client gets the newest tick and the
//     current state of each bar, in order, and sees the gap in `seq`); each replacement is
//     counted. Other frames (replies, snapshots, pings) are always kept, and each is a
//     barrier: an update only replaces one queued after the latest of them, so it never
//     overtakes a reply, a seed or a replay that was queued before it.
//   * Any frame that leaves more than `max_bytes` pending (updates, replies, pongs alike)
//     returns kOverLimit: the caller closes the session (a client that far behind is not
//     coming back, and one that keeps asking without reading must not grow the server's
//     memory). A single frame alone in the queue is never over the limit.
// Congestion ends when the backlog drains below half the conflation threshold.
//
// Frames handed to a writer with take() are no longer pending and are never replaced.
// Not thread-safe: owned by the session's loop.

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "net/frame.h"

namespace quflx::net {

struct SendQueueLimits {
  // About a second of a busy asset for a browser on a slow link; below it nothing is merged.
  std::size_t conflate_above_bytes = 256u << 10;
  // A client this far behind, even after merging, is disconnected.
  std::size_t max_bytes = 8u << 20;
};

class SendQueue {
 public:
  enum class Push { kQueued, kConflated, kOverLimit };

  explicit SendQueue(SendQueueLimits limits = {}) : limits_(limits) {}

  Push push(FrameRef frame);

  // Moves pending frames, oldest first, into `out`: at most `max_frames`, and stops after the
  // frame that reaches `max_bytes` (at least one frame is taken if any is pending).
  void take(std::vector<FrameRef>& out, std::size_t max_frames, std::size_t max_bytes);

  // Drops everything pending; returns how many of the dropped frames were updates.
  std::size_t clear();

  bool empty() const { return frames_.empty(); }
  std::size_t pending_frames() const { return frames_.size(); }
  std::size_t pending_bytes() const { return bytes_; }
  bool congested() const { return congested_; }
  std::uint64_t conflated() const { return conflated_; }

 private:
  void index_pending();
  bool over_limit() const;

  SendQueueLimits limits_;
  std::deque<FrameRef> frames_;
  std::uint64_t head_ = 0;  // absolute number of frames_.front()
  std::size_t bytes_ = 0;
  bool congested_ = false;
  // While congested: the newest pending frame of each conflate key (absolute number) queued
  // after the newest pending frame without a key.
  std::unordered_map<std::uint64_t, std::uint64_t> latest_;
  std::uint64_t conflated_ = 0;
};

}  // namespace quflx::net
