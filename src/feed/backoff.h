#pragma once
// Exponential backoff with jitter for reconnecting feeds: attempt n waits a uniformly random
// time in [initial/2, min(max, initial * 2^n)], so many clients that lost the same upstream do
// not return in lockstep (the floor keeps a flapping upstream from being hammered at 0 ms).
// reset() after a connection proved healthy.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace quflx {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial), max_(max), rng_(std::random_device{}()) {}

  std::chrono::milliseconds next() {
    const auto cap = std::min<std::int64_t>(
        max_.count(), initial_.count() << std::min<std::uint32_t>(attempt_, 20));
    ++attempt_;
    std::uniform_int_distribution<std::int64_t> d(initial_.count() / 2, std::max<std::int64_t>(cap, initial_.count() / 2));
    return std::chrono::milliseconds(d(rng_));
  }
  void reset() { attempt_ = 0; }
  std::uint32_t attempts() const { return attempt_; }

 private:
  std::chrono::milliseconds initial_, max_;
  std::uint32_t attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace quflx
