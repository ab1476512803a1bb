#pragma once
// TickIdentityIndex: the ticks each asset accepted recently, by identity (SPEC §1: asset,
// timestamp in whole milliseconds, exact price), so that an exact repeat of one of them is
// recognised as a duplicate before it gets a seq.
//
// Per asset it keeps the last `keep_ticks` accepted ticks and, beyond those, every tick within
// `keep_span` of the newest tick time the asset has seen, up to `max_ticks`: at rates above
// max_ticks / keep_span the span is cut short, so memory stays bounded. Ticks leave in arrival
// order (a tick that arrived late, out of time order, is forgotten in its arrival turn, never
// before both rules let it go).
//
// Storage per asset: a ring of keys with twice as many places as the window may hold (a tick's
// arrival number says its place) and a hash table of 64-byte buckets pointing into it: 15 slots
// of a 16-bit tag and the low 16 bits of the arrival number each, compared 15 at a time (SSE2);
// a bucket counts the placements that overflowed past it. Evicting a tick only moves the ring's
// head: its slot reads as stale from its arrival number and a later insert reuses it, so a tick
// costs one random cache line. Both grow geometrically while the asset's window grows and are
// then reused: lookups, inserts and evictions are O(1) and allocate nothing in steady state.
// Memory: 48 bytes per tick the window may hold (1.5 MiB per asset at the cap).
//
// Batches: rollback() puts the index back exactly as it was at the last commit(). A batch
// withdrawn as not durable must leave nothing behind, or a retry of its ticks would be taken for
// duplicates and lost. The first insert of a batch into an asset notes where its window stood,
// and the ticks the batch evicts stay in the ring's spare half, so nothing is logged per tick;
// only a batch that inserts more ticks into one asset than that spare half logs the held ticks
// whose places it reuses. Owned by the ingest loop; not thread-safe.

#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "common/time.h"
#include "core/asset.h"

namespace quflx {

struct TickIdentityOptions {
  // SPEC §1: the last 4,096 ticks of an asset or its last 10 s, whichever covers more.
  std::size_t keep_ticks = 4096;
  Micros keep_span = std::chrono::seconds{10};
  // Hard bound per asset (1.5 MiB): it cuts the span above 3,276 ticks/s of one asset. At most
  // 32,768: a slot keeps 16 bits of the arrival number and must tell live ones from stale ones.
  std::size_t max_ticks = 32768;
};

class TickIdentityIndex {
 public:
  explicit TickIdentityIndex(TickIdentityOptions options = {});

  bool contains(AssetId asset, UtcMicros time, double price) const;
  // Adds the tick unless an equal one is held; false if one is (the tick is a duplicate).
  // Part of the current batch until commit() or rollback().
  bool insert(AssetId asset, UtcMicros time, double price) {
    return add(asset, key_of(time, price), true);
  }
  // The batch's inserts stay.
  void commit() {
    ++batch_;
    touched_.clear();
    overwritten_.clear();
  }
  // Undoes the batch's inserts and the evictions they caused.
  void rollback();
  // Adds a tick that was already durable before a restart (the journal tail, ticks:{A}),
  // oldest first per asset, between batches. False if an equal one is held.
  bool restore(AssetId asset, UtcMicros time, double price);

  std::size_t size(AssetId asset) const;      // ticks held for the asset
  std::size_t capacity(AssetId asset) const;  // ticks it can hold without allocating
  std::size_t size() const;                   // ticks held, all assets
  std::size_t memory_bytes() const;
  const TickIdentityOptions& options() const { return options_; }

 private:
  struct Key {
    std::int64_t ms = 0;
    std::uint64_t price_bits = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  static constexpr int kSlots = 15;
  struct alignas(64) Bucket {
    std::uint16_t tag[kSlots] = {};  // 0: never used; else 0x8000 | 15 bits of the key's hash
    std::uint16_t overflow = 0;      // placements that passed this bucket full, since the build
    std::uint16_t seq[kSlots] = {};  // low 16 bits of the entry's arrival number
    std::uint16_t unused = 0;
  };
  static_assert(sizeof(Bucket) == 64);
  struct Window {
    std::unique_ptr<Key[]> ring;      // arrival number n at n & ring_mask
    std::unique_ptr<Bucket[]> table;  // an eighth as many buckets as the ring has places
    std::uint32_t ring_mask = 0;      // ring places - 1 (a power of two)
    std::uint32_t bucket_mask = 0;    // buckets - 1
    int shift = 64;                   // bucket index: the hash's top bits
    std::uint32_t head = 0;           // arrival number of the oldest tick held
    std::uint32_t count = 0;          // ticks held: arrival numbers head .. head + count - 1
    std::uint32_t overflows = 0;      // full buckets passed since the table was built
    std::int64_t newest_ms = std::numeric_limits<std::int64_t>::min();
    // Where the window stood when the batch `batch` first touched it.
    std::uint64_t batch = 0;
    std::uint32_t batch_head = 0;
    std::uint32_t batch_count = 0;
    std::int64_t batch_newest_ms = 0;
  };
  struct Overwritten {  // a tick held at the batch's start whose ring place the batch reused
    AssetId asset = 0;
    std::uint32_t seq = 0;
    Key key;
  };

  static Key key_of(UtcMicros time, double price) {
    return Key{unix_millis(time), std::bit_cast<std::uint64_t>(price)};
  }
  static std::uint64_t hash_of(Key key) {
    // Multiply-xor: the top bits depend on every bit of both halves; only those are used.
    return static_cast<std::uint64_t>(key.ms) * 0x9E3779B97F4A7C15ull ^
           key.price_bits * 0xC2B2AE3D27D4EB4Full;
  }
  bool add(AssetId asset, Key key, bool logged);
  bool find(const Window& w, Key key, std::uint64_t hash) const;
  void place(Window& w, std::uint64_t hash, std::uint32_t seq);
  void rebuild(Window& w, std::size_t ring_places);

  TickIdentityOptions options_;
  std::int64_t keep_span_ms_;
  std::vector<Window> windows_;   // by AssetId
  std::uint64_t batch_ = 1;       // the current batch
  std::vector<AssetId> touched_;  // assets it inserted into
  std::vector<Overwritten> overwritten_;
};

}  // namespace quflx
