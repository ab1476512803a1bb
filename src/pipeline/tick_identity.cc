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
constexpr std::size_t kInitialPlaces = 128;
constexpr std::uint16_t kSaturated = 0xFFFF;  // an overflow count that no longer moves
constexpr unsigned kAllSlots = 0x7FFF;

std::uint16_t tag_of(std::uint64_t hash) {
  return static_cast<std::uint16_t>(0x8000u | ((hash >> 32) & 0x7FFFu));
}

// Bit i set where the bucket's tag i equals `tag`. The 16th lane (the overflow count) is masked.
template <typename Bucket>
unsigned tags_equal(const Bucket& b, std::uint16_t tag) {
#if defined(__SSE2__)
  const __m128i want = _mm_set1_epi16(static_cast<short>(tag));
  const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.tag));
  const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.tag + 8));
  const __m128i eq = _mm_packs_epi16(_mm_cmpeq_epi16(lo, want), _mm_cmpeq_epi16(hi, want));
  return static_cast<unsigned>(_mm_movemask_epi8(eq)) & kAllSlots;
#else
  unsigned m = 0;
  for (int i = 0; i < 15; ++i)
    m |= static_cast<unsigned>(b.tag[i] == tag) << i;
  return m;
#endif
}

// Bit i set where slot i's arrival number lies in head .. head + count - 1 (mod 2^16): the slot
// may hold a live tick. count <= 2^15, so at least half of all stale numbers show as stale.
template <typename Bucket>
unsigned seqs_live(const Bucket& b, std::uint32_t head, std::uint32_t count) {
#if defined(__SSE2__)
  const __m128i h = _mm_set1_epi16(static_cast<short>(head));
  const __m128i flip = _mm_set1_epi16(static_cast<short>(0x8000));
  const __m128i n = _mm_xor_si128(_mm_set1_epi16(static_cast<short>(count)), flip);
  auto lanes = [&](const std::uint16_t* p) {  // unsigned (seq - head) < count, per 16-bit lane
    const __m128i d = _mm_sub_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), h);
    return _mm_cmplt_epi16(_mm_xor_si128(d, flip), n);
  };
  const __m128i live = _mm_packs_epi16(lanes(b.seq), lanes(b.seq + 8));
  return static_cast<unsigned>(_mm_movemask_epi8(live)) & kAllSlots;
#else
  unsigned m = 0;
  for (int i = 0; i < 15; ++i) {
    const auto d = static_cast<std::uint16_t>(b.seq[i] - head);
    m |= static_cast<unsigned>(d < count) << i;
  }
  return m;
#endif
}

}  // namespace

TickIdentityIndex::TickIdentityIndex(TickIdentityOptions options)
    : options_(options),
      keep_span_ms_(
          std::chrono::duration_cast<std::chrono::milliseconds>(options.keep_span).count()) {
  QUFLX_CHECK(options_.max_ticks >= 1 && options_.max_ticks <= 32768,
              "tick identity: max_ticks must be 1 .. 32768");
  options_.keep_ticks = std::min(options_.keep_ticks, options_.max_ticks);
}

inline bool TickIdentityIndex::find(const Window& w, Key key, std::uint64_t hash) const {
  if (w.count == 0) return false;
  const std::uint16_t tag = tag_of(hash);
  for (std::size_t b = hash >> w.shift;; b = (b + 1) & w.bucket_mask) {
    const Bucket& bucket = w.table[b];
    for (unsigned m = tags_equal(bucket, tag); m != 0; m &= m - 1) {
      const std::uint16_t seq = bucket.seq[std::countr_zero(m)];
      // A stale slot may point at a place a newer tick took: compare only live arrivals.
      if (static_cast<std::uint16_t>(seq - w.head) < w.count && w.ring[seq & w.ring_mask] == key) {
        return true;
      }
    }
    if (bucket.overflow == 0) return false;
  }
}

inline void TickIdentityIndex::place(Window& w, std::uint64_t hash, std::uint32_t seq) {
  for (std::size_t b = hash >> w.shift;; b = (b + 1) & w.bucket_mask) {
    Bucket& bucket = w.table[b];
    const unsigned reusable =
        (tags_equal(bucket, 0) | ~seqs_live(bucket, w.head, w.count)) & kAllSlots;
    if (reusable != 0) {
      const int i = std::countr_zero(reusable);
      bucket.tag[i] = tag_of(hash);
      bucket.seq[i] = static_cast<std::uint16_t>(seq);
      return;
    }
    if (bucket.overflow != kSaturated) ++bucket.overflow;
    ++w.overflows;
  }
}

bool TickIdentityIndex::contains(AssetId asset, UtcMicros time, double price) const {
  if (asset >= windows_.size()) return false;
  const Key key = key_of(time, price);
  return find(windows_[asset], key, hash_of(key));
}

bool TickIdentityIndex::restore(AssetId asset, UtcMicros time, double price) {
  QUFLX_CHECK(touched_.empty(), "tick identity: restore() during a batch");
  return add(asset, key_of(time, price), false);
}

// The hot path: one lookup, usually one eviction (the ring's head moves on) and one placement
// in the bucket the lookup just read.
bool TickIdentityIndex::add(AssetId asset, Key key, bool logged) {
  if (asset >= windows_.size()) [[unlikely]]
    windows_.resize(asset + 1);
  Window& w = windows_[asset];
  const std::uint64_t hash = hash_of(key);
  if (find(w, key, hash)) return false;

  if (logged && w.batch != batch_) {
    w.batch = batch_;
    w.batch_head = w.head;
    w.batch_count = w.count;
    w.batch_newest_ms = w.newest_ms;
    touched_.push_back(asset);
  }
  // The repeat check above saw every tick the rules keep; only now may the oldest go.
  w.newest_ms = std::max(w.newest_ms, key.ms);
  while (w.count != 0 && (w.count >= options_.max_ticks ||
                          (w.count >= options_.keep_ticks &&
                           w.newest_ms - w.ring[w.head & w.ring_mask].ms > keep_span_ms_))) {
    ++w.head;  // its slot turns stale and is reused by a later placement
    --w.count;
  }
  if (!w.ring || w.count == (w.ring_mask + 1) / 2) [[unlikely]] {
    rebuild(w, w.ring ? 2 * (w.ring_mask + std::size_t{1}) : kInitialPlaces);
  } else if (w.overflows > w.bucket_mask / 8) [[unlikely]] {
    rebuild(w, w.ring_mask + std::size_t{1});  // overflow counts only grow: start afresh
  }
  const std::uint32_t seq = w.head + w.count;
  Key& place_of = w.ring[seq & w.ring_mask];
  // The place last held arrival seq - places; rollback needs it back if that tick was held
  // when the batch began (only a batch bigger than the window's spare half gets here).
  const std::uint32_t previous = seq - (w.ring_mask + 1);
  if (logged && previous - w.batch_head < w.batch_count) [[unlikely]] {
    overwritten_.push_back(Overwritten{asset, previous, place_of});
  }
  place_of = key;
  ++w.count;
  place(w, hash, seq);
  return true;
}

void TickIdentityIndex::rollback() {
  // Ticks the batch evicted are still in their places, except those logged as overwritten.
  // Newest first: a place logged twice (the ring grew in between) gets the first, true key.
  for (auto o = overwritten_.rbegin(); o != overwritten_.rend(); ++o) {
    Window& w = windows_[o->asset];
    w.ring[o->seq & w.ring_mask] = o->key;
  }
  for (AssetId a : touched_) {
    Window& w = windows_[a];
    w.head = w.batch_head;
    w.count = w.batch_count;
    w.newest_ms = w.batch_newest_ms;
    rebuild(w, w.ring_mask + std::size_t{1});
  }
  commit();
}

void TickIdentityIndex::rebuild(Window& w, std::size_t ring_places) {
  const std::size_t cap = std::bit_ceil(ring_places);
  QUFLX_CHECK(cap >= 2 * std::size_t{w.count} && cap <= 65536,
              "tick identity: a window outgrew max_ticks");
  if (!w.ring || cap != w.ring_mask + std::size_t{1}) {
    // Keep, beside the ticks held, those a pending batch evicted that are still in place.
    std::uint32_t from = w.head;
    if (w.batch == batch_ && w.ring) {
      const std::uint32_t end = w.head + w.count;
      const std::uint32_t oldest_in_place = end - (w.ring_mask + 1);
      from = end - std::min(end - w.batch_head, end - oldest_in_place);
    }
    auto ring = std::make_unique<Key[]>(cap);
    for (std::uint32_t seq = from; seq != w.head + w.count; ++seq) {
      ring[seq & (cap - 1)] = w.ring[seq & w.ring_mask];
    }
    w.ring = std::move(ring);
    w.ring_mask = static_cast<std::uint32_t>(cap - 1);
    // Eight ring places (four ticks held) per bucket of 15 slots: few live ones share a bucket.
    const std::size_t buckets = std::max<std::size_t>(2, cap / 8);
    w.table = std::make_unique<Bucket[]>(buckets);
    w.bucket_mask = static_cast<std::uint32_t>(buckets - 1);
    w.shift = 64 - std::countr_zero(buckets);
  } else {
    std::fill_n(w.table.get(), w.bucket_mask + std::size_t{1}, Bucket{});
  }
  w.overflows = 0;
  for (std::uint32_t i = 0; i < w.count; ++i) {
    const std::uint32_t seq = w.head + i;
    place(w, hash_of(w.ring[seq & w.ring_mask]), seq);
  }
}

std::size_t TickIdentityIndex::size(AssetId asset) const {
  return asset < windows_.size() ? windows_[asset].count : 0;
}

std::size_t TickIdentityIndex::capacity(AssetId asset) const {
  if (asset >= windows_.size() || !windows_[asset].ring) return 0;
  return (windows_[asset].ring_mask + std::size_t{1}) / 2;
}

std::size_t TickIdentityIndex::size() const {
  std::size_t n = 0;
  for (const Window& w : windows_)
    n += w.count;
  return n;
}

std::size_t TickIdentityIndex::memory_bytes() const {
  std::size_t n = windows_.capacity() * sizeof(Window) + touched_.capacity() * sizeof(AssetId) +
                  overwritten_.capacity() * sizeof(Overwritten);
  for (const Window& w : windows_) {
    if (w.ring) {
      n += (w.ring_mask + std::size_t{1}) * sizeof(Key) +
           (w.bucket_mask + std::size_t{1}) * sizeof(Bucket);
    }
  }
  return n;
}

}  // namespace quflx
