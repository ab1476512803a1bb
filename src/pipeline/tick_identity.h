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
// Storage per asset: a ring of keys in arrival order and a hash table of 64-byte buckets that
// points into it (15 slots of a 16-bit tag and a 16-bit ring position each, probed with one SIMD
// compare; a bucket counts the entries that overflowed past it, so erasing needs no tombstones).
// Both grow geometrically while the asset's window grows and are then reused: lookups, inserts
// and evictions are O(1), touch about two cache lines, and allocate nothing in steady state.
// Memory: 32 bytes per tick held at most (2 MiB per asset at the cap).
//
// Batches: every insert, and every eviction it causes, is logged until commit(), so rollback()
// puts the index back exactly as it was. A batch withdrawn as not durable must leave nothing
// behind, or a retry of its ticks would be taken for duplicates and lost.
// Owned by the ingest loop; not thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "common/time.h"
#include "core/asset.h"

namespace quflx {

struct TickIdentityOptions {
  // SPEC §1: the last 4,096 ticks of an asset or its last 10 s, whichever covers more.
  std::size_t keep_ticks = 4096;
  Micros keep_span = std::chrono::seconds{10};
  // Hard bound per asset (2 MiB; at most 65,536: ring positions are 16 bits); it only cuts the
  // span above 6,553 ticks/s of one asset.
  std::size_t max_ticks = 65536;
};

class TickIdentityIndex {
 public:
  explicit TickIdentityIndex(TickIdentityOptions options = {});

  bool contains(AssetId asset, UtcMicros time, double price) const;
  // Adds the tick unless an equal one is held; false if one is (the tick is a duplicate).
  // Part of the current batch until commit() or rollback().
  bool insert(AssetId asset, UtcMicros time, double price);
  // The batch's inserts stay.
  void commit() { undo_.clear(); }
  // Undoes the batch's inserts and the evictions they caused, newest first.
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
    std::uint16_t tag[kSlots] = {};  // 0: free; else 0x8000 | 15 bits of the key's hash
    std::uint16_t overflow = 0;      // entries placed beyond this bucket that passed through it
    std::uint16_t pos[kSlots] = {};  // the entry's place in the ring
    std::uint16_t unused = 0;
  };
  static_assert(sizeof(Bucket) == 64);
  struct Window {
    std::vector<Key> ring;       // arrival order from `head`, `count` long; size() is the capacity
    std::vector<Bucket> table;   // a power of two, a quarter as many as the ring has places
    int shift = 64;              // bucket index: the hash's top bits
    std::size_t head = 0;
    std::size_t count = 0;
    std::int64_t newest_ms = std::numeric_limits<std::int64_t>::min();
  };
  struct Undo {
    AssetId asset = 0;
    bool evicted = false;   // true: `key` was evicted; false: an insert
    Key key;                // evicted: the key; insert: key.ms is the asset's newest time before it
  };

  static Key key_of(UtcMicros time, double price);
  static std::uint64_t hash_of(Key key);
  bool add(AssetId asset, Key key, bool logged);
  bool find(const Window& w, Key key, std::uint64_t hash) const;
  void place(Window& w, std::uint64_t hash, std::size_t pos);
  void erase(Window& w, std::size_t pos);
  void push_back(Window& w, Key key, std::uint64_t hash);
  void push_front(Window& w, Key key);
  void pop_back(Window& w);
  void pop_front(Window& w);
  void grow(Window& w);

  TickIdentityOptions options_;
  std::int64_t keep_span_ms_;
  std::vector<Window> windows_;  // by AssetId
  std::vector<Undo> undo_;       // the current batch, oldest first
};

}  // namespace quflx
