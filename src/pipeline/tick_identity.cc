#include "pipeline/tick_identity.h"

#include <algorithm>
#include <bit>

#include "common/check.h"

namespace quflx {
namespace {

// Small enough for the many assets that tick rarely; doubles from here as a window fills.
constexpr std::size_t kInitialTicks = 64;

}  // namespace

TickIdentityIndex::TickIdentityIndex(TickIdentityOptions options)
    : options_(options),
      keep_span_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(options.keep_span).count()) {
  QUFLX_CHECK(options_.max_ticks >= 1 && options_.max_ticks <= (std::size_t{1} << 30),
              "tick identity: max_ticks must be 1 .. 2^30");
  options_.keep_ticks = std::min(options_.keep_ticks, options_.max_ticks);
}

TickIdentityIndex::Key TickIdentityIndex::key_of(UtcMicros time, double price) {
  return Key{unix_millis(time), std::bit_cast<std::uint64_t>(price)};
}

std::uint32_t TickIdentityIndex::hash_of(Key key) {
  // MurmurHash3's 64-bit finaliser over both halves: every input bit reaches the low bits.
  std::uint64_t h = static_cast<std::uint64_t>(key.ms) * 0x9E3779B97F4A7C15ull ^ key.price_bits;
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return static_cast<std::uint32_t>(h);
}

bool TickIdentityIndex::contains(AssetId asset, UtcMicros time, double price) const {
  if (asset >= windows_.size()) return false;
  const Key key = key_of(time, price);
  return find(windows_[asset], key, hash_of(key)) != kNotFound;
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
  const std::uint32_t hash = hash_of(key);
  if (find(w, key, hash) != kNotFound) return false;

  // The repeat check above saw every tick the rules keep; only now may the oldest go.
  const std::int64_t before = w.newest_ms;
  w.newest_ms = std::max(w.newest_ms, key.ms);
  while (w.count >= options_.max_ticks ||
         (w.count >= options_.keep_ticks && w.newest_ms - w.ring[w.head].ms > keep_span_ms_)) {
    if (logged) undo_.push_back(Undo{asset, true, 0, w.ring[w.head]});
    pop_front(w);
  }
  push_back(w, key, hash);
  if (logged) undo_.push_back(Undo{asset, false, before, {}});
  return true;
}

void TickIdentityIndex::rollback() {
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    Window& w = windows_[it->asset];
    if (it->evicted) {
      push_front(w, it->key);
    } else {
      pop_back(w);
      w.newest_ms = it->newest_ms;
    }
  }
  undo_.clear();
}

std::size_t TickIdentityIndex::find(const Window& w, Key key, std::uint32_t hash) const {
  if (w.count == 0) return kNotFound;
  const std::size_t mask = w.table.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot s = w.table[i];
    if (s.pos == kFree) return kNotFound;
    if (s.hash == hash && w.ring[s.pos] == key) return i;
  }
}

std::size_t TickIdentityIndex::find_pos(const Window& w, std::size_t pos) const {
  const std::size_t mask = w.table.size() - 1;
  for (std::size_t i = hash_of(w.ring[pos]) & mask;; i = (i + 1) & mask) {
    QUFLX_CHECK(w.table[i].pos != kFree, "tick identity: a ring entry is missing from its table");
    if (w.table[i].pos == pos) return i;
  }
}

void TickIdentityIndex::place(Window& w, std::uint32_t hash, std::size_t pos) {
  const std::size_t mask = w.table.size() - 1;
  std::size_t i = hash & mask;
  while (w.table[i].pos != kFree) i = (i + 1) & mask;
  w.table[i] = Slot{hash, static_cast<std::uint32_t>(pos)};
}

void TickIdentityIndex::erase_slot(Window& w, std::size_t slot) {
  // Backward-shift deletion: pull later members of the probe run into the hole, so lookups
  // never meet a tombstone and the table never needs a clean-up pass.
  const std::size_t mask = w.table.size() - 1;
  std::size_t hole = slot;
  for (std::size_t j = (hole + 1) & mask; w.table[j].pos != kFree; j = (j + 1) & mask) {
    const std::size_t home = w.table[j].hash & mask;
    // The entry at j may move to the hole unless its home lies cyclically in (hole, j].
    const bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      w.table[hole] = w.table[j];
      hole = j;
    }
  }
  w.table[hole] = Slot{};
}

void TickIdentityIndex::push_back(Window& w, Key key, std::uint32_t hash) {
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
  erase_slot(w, find_pos(w, pos));
  --w.count;
}

void TickIdentityIndex::pop_front(Window& w) {
  erase_slot(w, find_pos(w, w.head));
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
  w.table.assign(std::bit_ceil(2 * cap), Slot{});
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
    n += w.ring.capacity() * sizeof(Key) + w.table.capacity() * sizeof(Slot);
  }
  return n;
}

}  // namespace quflx
