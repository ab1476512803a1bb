#pragma once
// The records of the tick journal (the durable hand-off between the ingest loop and PostgreSQL):
// how a batch of sequenced ticks and the candles it closed are laid out on disk, and how they
// are read back. Pure functions, no I/O; fuzzed (fuzz/tick_journal_fuzz.cc).
//
// A record, all integers little-endian:
//
//   u32 magic "QTJ1" | u32 body length | u32 CRC-32C of the body | body
//   body: u8 kind | i64 written_at (Unix µs) | u32 asset count | (u8 length, name) per asset
//         kind 1 (batch):    u32 n | n × (u32 asset, u64 seq, i64 time µs, f64 price)
//                            u32 m | m × (u32 asset, u8 timeframe, i64 open s,
//                                         f64 open, high, low, close, u64 volume)
//         kind 2 (seq snapshot): u32 n | n × (u32 asset, u64 last seq)
//
// Every record names its own assets, so each one can be read alone: a segment can be deleted,
// truncated after a torn write, or replayed from any record boundary. A record is complete
// only if its length and CRC match; a crash mid-write leaves a torn tail that recovery cuts off.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/candle.h"
#include "core/ingest.h"

namespace quflx::journal {

inline constexpr std::uint32_t kMagic = 0x314A5451;  // "QTJ1" read as little-endian u32
inline constexpr std::size_t kHeaderSize = 12;
// Larger bodies are refused on read: a corrupt length must not make us allocate gigabytes.
inline constexpr std::uint32_t kMaxBodySize = 64u << 20;

enum class RecordKind : std::uint8_t { kBatch = 1, kSeqSnapshot = 2 };

struct LogTick {
  std::uint32_t asset = 0;  // index into Record::assets
  std::uint64_t seq = 0;
  std::int64_t time_us = 0;
  double price = 0.0;
};

struct LogCandle {
  std::uint32_t asset = 0;
  Timeframe timeframe = Timeframe::k1s;
  std::int64_t open_time_s = 0;
  double open = 0, high = 0, low = 0, close = 0;
  std::uint64_t volume = 0;
};

struct LogSeq {
  std::uint32_t asset = 0;
  std::uint64_t last_seq = 0;
};

// A decoded record. Names view the decoded bytes: valid while those bytes are.
struct Record {
  RecordKind kind = RecordKind::kBatch;
  std::int64_t written_at_us = 0;
  std::vector<std::string_view> assets;
  std::vector<LogTick> ticks;
  std::vector<LogCandle> candles;
  std::vector<LogSeq> seqs;

  void clear() {
    assets.clear();
    ticks.clear();
    candles.clear();
    seqs.clear();
  }
};

// Appends one batch record: every tick of `batch`, the candles it closed or amended, and the
// closed bars it merged from history payloads (forming bars are not stored: they are not
// final). Returns false if there was nothing to store.
bool append_batch_record(std::string& out, const IngestBatch& batch, const AssetRegistry& assets,
                         std::int64_t written_at_us);

// Appends a seq snapshot: the last seq of every listed asset.
void append_seq_snapshot(std::string& out,
                         std::span<const std::pair<std::string_view, std::uint64_t>> last_seqs,
                         std::int64_t written_at_us);

enum class DecodeStatus {
  kOk,          // a record was decoded; `consumed` bytes belong to it
  kIncomplete,  // the bytes end inside a record (a torn tail, or read more)
  kCorrupt,     // not a record: bad magic, CRC mismatch or impossible contents
};

// Decodes the record at the start of `bytes` into `out`.
DecodeStatus decode_record(std::string_view bytes, Record& out, std::size_t& consumed);

}  // namespace quflx::journal
