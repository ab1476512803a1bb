// Tick journal records as recovery reads them back from disk: whatever the bytes, decoding
// never reads out of bounds, and a record that decodes re-encodes to the same ticks and
// candles.
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/check.h"
#include "store/journal/tick_journal_format.h"

using namespace quflx;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  journal::Record r, again;
  std::size_t used = 0;
  while (!in.empty()) {
    if (journal::decode_record(in, r, used) != journal::DecodeStatus::kOk) break;
    QUFLX_CHECK(used >= journal::kHeaderSize && used <= in.size(), "consumed out of range");
    in.remove_prefix(used);
    if (r.kind != journal::RecordKind::kBatch) continue;

    AssetRegistry assets;
    std::vector<AssetId> ids;
    for (auto name : r.assets) ids.push_back(assets.intern(name));
    std::vector<SequencedTick> ticks;
    for (const auto& t : r.ticks) {
      ticks.push_back({ids[t.asset], t.price, from_unix_micros(t.time_us), t.seq});
    }
    std::vector<CandleUpdate> candles;
    for (const auto& c : r.candles) {
      Candle k;
      k.open_time_s = c.open_time_s;
      k.open = c.open;
      k.high = c.high;
      k.low = c.low;
      k.close = c.close;
      k.volume = c.volume;
      candles.push_back({ids[c.asset], c.timeframe, CandleChange::kClosed, k});
    }
    IngestBatch batch;
    batch.ticks = ticks;
    batch.candles = candles;
    std::string out;
    if (!journal::append_batch_record(out, batch, assets, r.written_at_us)) {
      QUFLX_CHECK(r.ticks.empty() && r.candles.empty(), "a non-empty record encoded to nothing");
      continue;
    }
    std::size_t used2 = 0;
    QUFLX_CHECK(journal::decode_record(out, again, used2) == journal::DecodeStatus::kOk,
                "a re-encoded record does not decode");
    QUFLX_CHECK(used2 == out.size(), "a re-encoded record has trailing bytes");
    QUFLX_CHECK(again.ticks.size() == r.ticks.size() && again.candles.size() == r.candles.size(),
                "round trip changed the counts");
    for (std::size_t i = 0; i < r.ticks.size(); ++i) {
      const auto& a = r.ticks[i];
      const auto& b = again.ticks[i];
      QUFLX_CHECK(r.assets[a.asset] == again.assets[b.asset] && a.seq == b.seq &&
                      a.time_us == b.time_us &&
                      std::bit_cast<std::uint64_t>(a.price) == std::bit_cast<std::uint64_t>(b.price),
                  "round trip changed a tick");
    }
    for (std::size_t i = 0; i < r.candles.size(); ++i) {
      const auto& a = r.candles[i];
      const auto& b = again.candles[i];
      QUFLX_CHECK(r.assets[a.asset] == again.assets[b.asset] && a.timeframe == b.timeframe &&
                      a.open_time_s == b.open_time_s && a.volume == b.volume,
                  "round trip changed a candle");
    }
  }
  return 0;
}
