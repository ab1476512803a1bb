#include "store/journal/tick_journal_format.h"

#include <bit>
#include <cstring>

#include "common/crc32c.h"

namespace quflx::journal {
namespace {

static_assert(std::endian::native == std::endian::little, "the log format is little-endian");

template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Starts a record; returns the offset of its header for finish_record().
std::size_t begin_record(std::string& out, RecordKind kind, std::int64_t written_at_us) {
  const std::size_t at = out.size();
  out.append(kHeaderSize, '\0');
  put<std::uint8_t>(out, static_cast<std::uint8_t>(kind));
  put<std::int64_t>(out, written_at_us);
  return at;
}

void finish_record(std::string& out, std::size_t at) {
  const auto body = static_cast<std::uint32_t>(out.size() - at - kHeaderSize);
  const std::uint32_t crc = crc32c(out.data() + at + kHeaderSize, body);
  const std::uint32_t header[3] = {kMagic, body, crc};
  std::memcpy(out.data() + at, header, sizeof header);
}

void put_name(std::string& out, std::string_view name) {
  put<std::uint8_t>(out, static_cast<std::uint8_t>(name.size()));
  out.append(name);
}

// Reads fixed-size values from a body, remembering whether it ran past the end.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  template <class T>
  T get() {
    T v{};
    if (s_.size() - pos_ < sizeof v) {
      bad_ = true;
      pos_ = s_.size();
      return v;
    }
    std::memcpy(&v, s_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string_view bytes(std::size_t n) {
    if (s_.size() - pos_ < n) {
      bad_ = true;
      pos_ = s_.size();
      return {};
    }
    auto v = s_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  // A count of items of `item_size` bytes each that must fit in what is left.
  bool count(std::uint32_t n, std::size_t item_size) const {
    return !bad_ && n <= (s_.size() - pos_) / item_size;
  }
  bool bad() const { return bad_; }
  bool at_end() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
  bool bad_ = false;
};

constexpr std::size_t kTickSize = 4 + 8 + 8 + 8;
constexpr std::size_t kCandleSize = 4 + 1 + 8 + 4 * 8 + 8;
constexpr std::size_t kSeqSize = 4 + 8;

}  // namespace

bool append_batch_record(std::string& out, const IngestBatch& batch, const AssetRegistry& assets,
                         std::int64_t written_at_us) {
  // Closed and amended bars of the stream, and closed bars merged from history payloads.
  std::size_t final_candles = 0;
  for (const auto* list : {&batch.candles, &batch.seeded}) {
    for (const auto& u : *list) {
      if (u.change != CandleChange::kForming) ++final_candles;
    }
  }
  if (batch.ticks.empty() && final_candles == 0) return false;

  // Record-local asset indexes, in order of first appearance.
  std::vector<AssetId> ids;
  auto local = [&ids](AssetId a) -> std::uint32_t {
    for (std::uint32_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == a) return i;
    }
    ids.push_back(a);
    return static_cast<std::uint32_t>(ids.size() - 1);
  };
  std::vector<std::uint32_t> tick_idx, candle_idx;
  tick_idx.reserve(batch.ticks.size());
  for (const auto& t : batch.ticks) tick_idx.push_back(local(t.asset));
  for (const auto* list : {&batch.candles, &batch.seeded}) {
    for (const auto& u : *list) {
      if (u.change != CandleChange::kForming) candle_idx.push_back(local(u.asset));
    }
  }

  const std::size_t at = begin_record(out, RecordKind::kBatch, written_at_us);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(ids.size()));
  for (AssetId a : ids) put_name(out, assets.name(a));
  put<std::uint32_t>(out, static_cast<std::uint32_t>(batch.ticks.size()));
  for (std::size_t i = 0; i < batch.ticks.size(); ++i) {
    const auto& t = batch.ticks[i];
    put<std::uint32_t>(out, tick_idx[i]);
    put<std::uint64_t>(out, t.seq);
    put<std::int64_t>(out, unix_micros(t.time));
    put<double>(out, t.price);
  }
  put<std::uint32_t>(out, static_cast<std::uint32_t>(final_candles));
  std::size_t k = 0;
  for (const auto* list : {&batch.candles, &batch.seeded}) {
    for (const auto& u : *list) {
      if (u.change == CandleChange::kForming) continue;
      put<std::uint32_t>(out, candle_idx[k++]);
      put<std::uint8_t>(out, static_cast<std::uint8_t>(u.timeframe));
      put<std::int64_t>(out, u.candle.open_time_s);
      put<double>(out, u.candle.open);
      put<double>(out, u.candle.high);
      put<double>(out, u.candle.low);
      put<double>(out, u.candle.close);
      put<std::uint64_t>(out, u.candle.volume);
    }
  }
  finish_record(out, at);
  return true;
}

void append_seq_snapshot(std::string& out,
                         std::span<const std::pair<std::string_view, std::uint64_t>> last_seqs,
                         std::int64_t written_at_us) {
  const std::size_t at = begin_record(out, RecordKind::kSeqSnapshot, written_at_us);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(last_seqs.size()));
  for (const auto& [name, seq] : last_seqs) put_name(out, name);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(last_seqs.size()));
  for (std::uint32_t i = 0; i < last_seqs.size(); ++i) {
    put<std::uint32_t>(out, i);
    put<std::uint64_t>(out, last_seqs[i].second);
  }
  finish_record(out, at);
}

DecodeStatus decode_record(std::string_view bytes, Record& out, std::size_t& consumed) {
  out.clear();
  consumed = 0;
  if (bytes.empty()) return DecodeStatus::kIncomplete;
  if (bytes.size() < kHeaderSize) {
    // Even a short tail must look like the start of a record to count as torn.
    std::uint32_t magic = 0;
    std::memcpy(&magic, bytes.data(), std::min(bytes.size(), sizeof magic));
    const std::uint32_t mask = bytes.size() >= 4 ? ~0u : (1u << (8 * bytes.size())) - 1;
    return (magic & mask) == (kMagic & mask) ? DecodeStatus::kIncomplete : DecodeStatus::kCorrupt;
  }
  std::uint32_t header[3];
  std::memcpy(header, bytes.data(), sizeof header);
  if (header[0] != kMagic || header[1] > kMaxBodySize) return DecodeStatus::kCorrupt;
  if (bytes.size() - kHeaderSize < header[1]) return DecodeStatus::kIncomplete;
  const std::string_view body = bytes.substr(kHeaderSize, header[1]);
  if (crc32c(body.data(), body.size()) != header[2]) return DecodeStatus::kCorrupt;

  Cursor c(body);
  const auto kind = c.get<std::uint8_t>();
  if (kind != 1 && kind != 2) return DecodeStatus::kCorrupt;
  out.kind = static_cast<RecordKind>(kind);
  out.written_at_us = c.get<std::int64_t>();
  const auto n_assets = c.get<std::uint32_t>();
  if (!c.count(n_assets, 2)) return DecodeStatus::kCorrupt;
  out.assets.reserve(n_assets);
  for (std::uint32_t i = 0; i < n_assets; ++i) {
    const auto len = c.get<std::uint8_t>();
    const auto name = c.bytes(len);
    if (c.bad() || !is_valid_asset_name(name)) return DecodeStatus::kCorrupt;
    out.assets.push_back(name);
  }
  auto asset_ok = [n_assets](std::uint32_t a) { return a < n_assets; };

  if (out.kind == RecordKind::kSeqSnapshot) {
    const auto n = c.get<std::uint32_t>();
    if (!c.count(n, kSeqSize)) return DecodeStatus::kCorrupt;
    out.seqs.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      LogSeq s;
      s.asset = c.get<std::uint32_t>();
      s.last_seq = c.get<std::uint64_t>();
      if (!asset_ok(s.asset)) return DecodeStatus::kCorrupt;
      out.seqs.push_back(s);
    }
  } else {
    const auto n = c.get<std::uint32_t>();
    if (!c.count(n, kTickSize)) return DecodeStatus::kCorrupt;
    out.ticks.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      LogTick t;
      t.asset = c.get<std::uint32_t>();
      t.seq = c.get<std::uint64_t>();
      t.time_us = c.get<std::int64_t>();
      t.price = c.get<double>();
      if (!asset_ok(t.asset) || t.seq == 0) return DecodeStatus::kCorrupt;
      out.ticks.push_back(t);
    }
    const auto m = c.get<std::uint32_t>();
    if (!c.count(m, kCandleSize)) return DecodeStatus::kCorrupt;
    out.candles.reserve(m);
    for (std::uint32_t i = 0; i < m; ++i) {
      LogCandle k;
      k.asset = c.get<std::uint32_t>();
      const auto tf = c.get<std::uint8_t>();
      k.open_time_s = c.get<std::int64_t>();
      k.open = c.get<double>();
      k.high = c.get<double>();
      k.low = c.get<double>();
      k.close = c.get<double>();
      k.volume = c.get<std::uint64_t>();
      if (!asset_ok(k.asset) || tf >= kTimeframeCount) return DecodeStatus::kCorrupt;
      k.timeframe = kAllTimeframes[tf];
      out.candles.push_back(k);
    }
  }
  if (c.bad() || !c.at_end()) return DecodeStatus::kCorrupt;
  consumed = kHeaderSize + body.size();
  return DecodeStatus::kOk;
}

}  // namespace quflx::journal
