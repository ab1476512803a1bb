#pragma once
// Building blocks of the indicator state machines (internal to quflx_indicators): a ring of
// the last n values, a rolling mean/variance over it, the TA-Lib EMA and Wilder recursions, and
// a monotonic deque for the highest/lowest value of a window. All O(1) per value (amortised),
// allocation only at construction; value types, so an Indicator copy is a snapshot.

#include <cmath>
#include <cstddef>
#include <vector>

namespace quflx::indicators::detail {

// The last `capacity` values, oldest first.
class Ring {
 public:
  explicit Ring(std::size_t capacity) : buf_(capacity) {}

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return buf_.size(); }
  bool full() const { return size_ == buf_.size(); }
  double oldest() const { return buf_[head_]; }
  // i-th value, oldest first (i < size()).
  double at(std::size_t i) const {
    const std::size_t j = head_ + i;
    return buf_[j < buf_.size() ? j : j - buf_.size()];
  }
  // Appends x; when full, the oldest value goes (and is returned through `evicted`).
  bool push(double x, double& evicted) {
    if (size_ < buf_.size()) {
      const std::size_t j = head_ + size_;
      buf_[j < buf_.size() ? j : j - buf_.size()] = x;
      ++size_;
      return false;
    }
    evicted = buf_[head_];
    buf_[head_] = x;
    if (++head_ == buf_.size()) head_ = 0;
    return true;
  }

 private:
  std::vector<double> buf_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

// Mean and population variance of the last n values. The sums are kept relative to a
// reference value (the newest value at the last resynchronisation) so that prices far from
// zero lose no precision to cancellation, and they are recomputed from the ring every n
// values, so rounding cannot accumulate (amortised O(1)).
class RollingWindow {
 public:
  explicit RollingWindow(std::size_t n) : ring_(n) {}

  bool full() const { return ring_.full(); }
  std::size_t n() const { return ring_.capacity(); }
  const Ring& ring() const { return ring_; }

  void push(double x) {
    double old = 0.0;
    if (!ring_.push(x, old)) {
      if (ring_.size() == 1) ref_ = x;
      const double d = x - ref_;
      s1_ += d;
      s2_ += d * d;
      return;
    }
    if (++since_resync_ >= ring_.capacity()) {
      resync();
      return;
    }
    const double dn = x - ref_;
    const double dold = old - ref_;
    s1_ += dn - dold;
    s2_ += dn * dn - dold * dold;
  }

  double mean() const { return ref_ + s1_ / static_cast<double>(ring_.size()); }
  double variance() const {
    const double k = static_cast<double>(ring_.size());
    const double v = (s2_ - s1_ * s1_ / k) / k;
    return v > 0.0 ? v : 0.0;
  }

 private:
  void resync() {
    since_resync_ = 0;
    ref_ = ring_.at(ring_.size() - 1);
    s1_ = 0.0;
    s2_ = 0.0;
    for (std::size_t i = 0; i < ring_.size(); ++i) {
      const double d = ring_.at(i) - ref_;
      s1_ += d;
      s2_ += d * d;
    }
  }

  Ring ring_;
  double ref_ = 0.0;
  double s1_ = 0.0;  // sum of (x - ref)
  double s2_ = 0.0;  // sum of (x - ref)^2
  std::size_t since_resync_ = 0;
};

// TA-Lib's EMA: seeded with the SMA of the first n values (summed in order), then
// ema += (x - ema) * 2 / (n + 1).
class Ema {
 public:
  explicit Ema(std::size_t n) : n_(n), k_(2.0 / static_cast<double>(n + 1)) {}

  // Feeds x; true once the value is defined (from the n-th value on).
  bool push(double x) {
    if (count_ < n_) {
      value_ += x;
      if (++count_ < n_) return false;
      value_ /= static_cast<double>(n_);
      return true;
    }
    value_ = (x - value_) * k_ + value_;
    return true;
  }
  double value() const { return value_; }

 private:
  std::size_t n_;
  double k_;
  std::size_t count_ = 0;
  double value_ = 0.0;
};

// Wilder's smoothing as TA-Lib computes it (RSI, ATR): seeded with the SMA of the first n
// values, then avg = (avg * (n - 1) + x) / n.
class Wilder {
 public:
  explicit Wilder(std::size_t n) : n_(n) {}

  bool push(double x) {
    if (count_ < n_) {
      value_ += x;
      if (++count_ < n_) return false;
      value_ /= static_cast<double>(n_);
      return true;
    }
    value_ *= static_cast<double>(n_ - 1);
    value_ += x;
    value_ /= static_cast<double>(n_);
    return true;
  }
  double value() const { return value_; }

 private:
  std::size_t n_;
  std::size_t count_ = 0;
  double value_ = 0.0;
};

// The highest (kMax) or lowest value of the last n values, by a monotonic deque of
// (position, value) in a ring of n slots. NaN inputs cannot overflow it: entries also leave
// by position.
template <bool kMax>
class WindowExtremum {
 public:
  explicit WindowExtremum(std::size_t n) : n_(n), slots_(n) {}

  void push(double x) {
    const std::size_t pos = next_++;
    if (size_ > 0 && slots_[head_].pos + n_ <= pos) pop_front();
    while (size_ > 0 && dominated(back().value, x)) --size_;
    std::size_t j = head_ + size_;
    if (j >= n_) j -= n_;
    slots_[j] = Slot{pos, x};
    ++size_;
  }
  double value() const { return slots_[head_].value; }

 private:
  struct Slot {
    std::size_t pos = 0;
    double value = 0.0;
  };
  static bool dominated(double old, double x) { return kMax ? old <= x : old >= x; }
  const Slot& back() const {
    std::size_t j = head_ + size_ - 1;
    if (j >= n_) j -= n_;
    return slots_[j];
  }
  void pop_front() {
    if (++head_ == n_) head_ = 0;
    --size_;
  }

  std::size_t n_;
  std::vector<Slot> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t next_ = 0;
};

}  // namespace quflx::indicators::detail
