#include "pipeline/tick_identity.h"

#include <algorithm>
#include <bit>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/check.h"

namespace quflx {
namespace {

// Small enough for the many assets that tick rarely; doubles from here as a window fills.
constexpr std::size_t kInitialTicks = 64;
constexpr std::uint16_t kSaturated = 0xFFFF;  // an overflow count that no longer moves

// Bit i set where bucket tag i equals `tag` (i < 15; the 16th lane is the overflow count).
template <typename Bucket>
unsigned match(const Bucket& b, std::uint16_t tag) {
#if defined(__SSE2__)
  const __m128i want = _mm_set1_epi16(static_cast<short>(tag));
  const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.tag));
  const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.tag + 8));
  const __m128i eq = _mm_packs_epi16(_mm_cmpeq_epi16(lo, want), _mm_cmpeq_epi16(hi, want));
  return static_cast<unsigned>(_mm_movemask_epi8(eq)) & 0x7FFFu;
#else
  unsigned m = 0;
  for (int i = 0; i < 15; ++i) m |= static_cast<unsigned>(b.tag[i] == tag) << i;
  return m;
#endif
}

std::uint16_t tag_of(std::uint64_t hash) {
  return static_cast<std::uint16_t>(0x8000u | ((hash >> 32) & 0x7FFFu));
}

}  // namespace

TickIdentityIndex::TickIdentityIndex(TickIdentityOptions options)
    : options_(options),
      keep_span_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(options.keep_span).count()) {
  QUFLX_CHECK(options_.max_ticks >= 1 && options_.max_ticks <= 65536,
              "tick identity: max_ticks must be 1 .. 65536");
  options_.keep_ticks = std::min(options_.keep_ticks, options_.max_ticks);
}

TickIdentityIndex::Key TickIdentityIndex::key_of(UtcMicros time, double price) {
  return Key{unix_millis(time), std::bit_cast<std::uint64_t>(price)};
}

std::uint64_t TickIdentityIndex::hash_of(Key key) {
  // Multiply-xor: the top bits depend on every bit of both halves; only those are used.
  return static_cast<std::uint64_t>(key.ms) * 0x9E3779B97F4A7C15ull ^
         key.price_bits * 0xC2B2AE3D27D4EB4Full;
}
bool TickIdentityIndex::contains(AssetId asset, UtcMicros time, double price) const {
  if (asset >= windows_.size()) return false;
  const Key key = key_of(time, price);
  return find(windows_[asset], key, hash_of(key));
}

bool TickIdentityIndex::insert(AssetId asset, UtcMicros time, double price) {
  return add(asset, key_of(time, price), true);
}

bool TickIdentityIndex::restore(AssetId asset, UtcMicros time, double price) {
  QUFLX_CHECK(undo_.empty(), "tick identity: restore() during a batch");
  return add(asset, key_of(time, price), false);
}

bool TickIdentityIndex::add(AssetId asset, Key key, bool logged) {
  if (asset >= windows_.size()) windows_.resize(asset + 1);
  Window& w = windows_[asset];
  const std::uint64_t hash = hash_of(key);
  if (find(w, key, hash)) return false;

  // The repeat check above saw every tick the rules keep; only now may the oldest go.
  const std::int64_t before = w.newest_ms;
  w.newest_ms = std::max(w.newest_ms, key.ms);
  while (w.count >= options_.max_ticks ||
         (w.count >= options_.keep_ticks && w.newest_ms - w.ring[w.head].ms > keep_span_ms_)) {
    if (logged) undo_.push_back(Undo{asset, true, w.ring[w.head]});
    pop_front(w);
  }
  push_back(w, key, hash);
  if (logged) undo_.push_back(Undo{asset, false, Key{before, 0}});
  return true;
}

void TickIdentityIndex::rollback() {
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    Window& w = windows_[it->asset];
    if (it->evicted) {
      push_front(w, it->key);
    } else {
      pop_back(w);
      w.newest_ms = it->key.ms;
    }
  }
  undo_.clear();
}

bool TickIdentityIndex::find(const Window& w, Key key, std::uint64_t hash) const {
  if (w.count == 0) return false;
  const std::size_t mask = w.table.size() - 1;
  const std::uint16_t tag = tag_of(hash);
  for (std::size_t b = hash >> w.shift;; b = (b + 1) & mask) {
    const Bucket& bucket = w.table[b];
    for (unsigned m = match(bucket, tag); m != 0; m &= m - 1) {
      if (w.ring[bucket.pos[std::countr_zero(m)]] == key) return true;
    }
    if (bucket.overflow == 0) return false;
  }
}

void TickIdentityIndex::place(Window& w, std::uint64_t hash, std::size_t pos) {
  const std::size_t mask = w.table.size() - 1;
  for (std::size_t b = hash >> w.shift;; b = (b + 1) & mask) {
    Bucket& bucket = w.table[b];
    if (const unsigned free = match(bucket, 0); free != 0) {
      const int i = std::countr_zero(free);
      bucket.tag[i] = tag_of(hash);
      bucket.pos[i] = static_cast<std::uint16_t>(pos);
      return;
    }
    if (bucket.overflow != kSaturated) ++bucket.overflow;
  }
}

void TickIdentityIndex::erase(Window& w, std::size_t pos) {
  const std::uint64_t hash = hash_of(w.ring[pos]);
  const std::uint16_t tag = tag_of(hash);
  const std::size_t mask = w.table.size() - 1;
  for (std::size_t b = hash >> w.shift, n = 0; n < w.table.size(); b = (b + 1) & mask, ++n) {
    Bucket& bucket = w.table[b];
    for (unsigned m = match(bucket, tag); m != 0; m &= m - 1) {
      const int i = std::countr_zero(m);
      if (bucket.pos[i] == pos) {
        bucket.tag[i] = 0;
        return;
      }
    }
    // It was placed further on, passing through here.
    if (bucket.overflow != kSaturated) --bucket.overflow;
  }
  QUFLX_CHECK(false, "tick identity: a ring entry is missing from its table");
}

void TickIdentityIndex::push_back(Window& w, Key key, std::uint64_t hash) {
  if (w.count == w.ring.size()) grow(w);
  std::size_t pos = w.head + w.count;
  if (pos >= w.ring.size()) pos -= w.ring.size();
  w.ring[pos] = key;
  ++w.count;
  place(w, hash, pos);
}

void TickIdentityIndex::push_front(Window& w, Key key) {
  if (w.count == w.ring.size()) grow(w);
  w.head = w.head == 0 ? w.ring.size() - 1 : w.head - 1;
  w.ring[w.head] = key;
  ++w.count;
  place(w, hash_of(key), w.head);
}

void TickIdentityIndex::pop_back(Window& w) {
  QUFLX_CHECK(w.count > 0, "tick identity: rollback of a tick that is not held");
  std::size_t pos = w.head + w.count - 1;
  if (pos >= w.ring.size()) pos -= w.ring.size();
  erase(w, pos);
  --w.count;
}

void TickIdentityIndex::pop_front(Window& w) {
  erase(w, w.head);
  w.head = w.head + 1 == w.ring.size() ? 0 : w.head + 1;
  --w.count;
}

void TickIdentityIndex::grow(Window& w) {
  const std::size_t cap =
      std::min(options_.max_ticks, std::max(kInitialTicks, 2 * w.ring.size()));
  QUFLX_CHECK(cap > w.count, "tick identity: a window outgrew max_ticks");
  std::vector<Key> ring(cap);
  for (std::size_t i = 0; i < w.count; ++i) {
    std::size_t pos = w.head + i;
    if (pos >= w.ring.size()) pos -= w.ring.size();
    ring[i] = w.ring[pos];
  }
  w.ring = std::move(ring);
  w.head = 0;
  // Four ring places per bucket of 15 slots: rarely more than a few entries share a bucket.
  const std::size_t buckets = std::bit_ceil(std::max<std::size_t>(2, (cap + 3) / 4));
  w.table.assign(buckets, Bucket{});
  w.shift = 64 - std::countr_zero(buckets);
  for (std::size_t i = 0; i < w.count; ++i) place(w, hash_of(w.ring[i]), i);
}

std::size_t TickIdentityIndex::size(AssetId asset) const {
  return asset < windows_.size() ? windows_[asset].count : 0;
}

std::size_t TickIdentityIndex::capacity(AssetId asset) const {
  return asset < windows_.size() ? windows_[asset].ring.size() : 0;
}

std::size_t TickIdentityIndex::size() const {
  std::size_t n = 0;
  for (const Window& w : windows_) n += w.count;
  return n;
}

std::size_t TickIdentityIndex::memory_bytes() const {
  std::size_t n = windows_.capacity() * sizeof(Window) + undo_.capacity() * sizeof(Undo);
  for (const Window& w : windows_) {
    n += w.ring.capacity() * sizeof(Key) + w.table.capacity() * sizeof(Bucket);
  }
  return n;
}

}  // namespace quflx
