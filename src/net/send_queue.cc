#include "net/send_queue.h"

namespace quflx::net {

void SendQueue::index_pending() {
  latest_.clear();
  for (std::size_t i = 0; i < frames_.size(); ++i) {
    const auto key = frames_[i]->meta().conflate_key;
    if (key == 0) {
      latest_.clear();  // a barrier: nothing before it may be replaced
    } else {
      latest_[key] = head_ + i;
    }
  }
}

bool SendQueue::over_limit() const {
  // One frame alone is never too much: the client is not behind, the frame is just large.
  return bytes_ > limits_.max_bytes && frames_.size() > 1;
}

SendQueue::Push SendQueue::push(FrameRef frame) {
  const std::uint64_t key = frame->meta().conflate_key;
  if (congested_ && key != 0) {
    if (auto it = latest_.find(key); it != latest_.end() && it->second >= head_) {
      FrameRef& slot = frames_[it->second - head_];
      bytes_ -= slot->size();
      bytes_ += frame->size();
      slot = std::move(frame);
      ++conflated_;
      return over_limit() ? Push::kOverLimit : Push::kConflated;
    }
  }
  bytes_ += frame->size();
  frames_.push_back(std::move(frame));
  if (!congested_ && bytes_ > limits_.conflate_above_bytes) {
    congested_ = true;
    index_pending();
  } else if (congested_) {
    // An update becomes the one its key merges into; any other frame is a barrier (a reply,
    // a seed or a replay must not be overtaken by an update pushed after it).
    if (key != 0) {
      latest_[key] = head_ + frames_.size() - 1;
    } else {
      latest_.clear();
    }
  }
  return over_limit() ? Push::kOverLimit : Push::kQueued;
}

void SendQueue::take(std::vector<FrameRef>& out, std::size_t max_frames, std::size_t max_bytes) {
  std::size_t taken_bytes = 0;
  for (std::size_t n = 0; n < max_frames && !frames_.empty() && taken_bytes < max_bytes; ++n) {
    taken_bytes += frames_.front()->size();
    bytes_ -= frames_.front()->size();
    out.push_back(std::move(frames_.front()));
    frames_.pop_front();
    ++head_;
  }
  if (congested_ && bytes_ < limits_.conflate_above_bytes / 2) {
    congested_ = false;
    latest_.clear();
  }
}

std::size_t SendQueue::clear() {
  std::size_t updates = 0;
  for (const auto& f : frames_) updates += f->meta().conflate_key != 0;
  head_ += frames_.size();
  frames_.clear();
  bytes_ = 0;
  congested_ = false;
  latest_.clear();
  return updates;
}

}  // namespace quflx::net
