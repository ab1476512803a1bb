#include "store/journal/tick_journal_format.h"

#include <gtest/gtest.h>

#include <vector>

namespace quflx::journal {
namespace {

struct BatchFixture {
  AssetRegistry assets;
  std::vector<SequencedTick> ticks;
  std::vector<CandleUpdate> candles;
  std::vector<CandleUpdate> seeded;

  IngestBatch batch() const {
    IngestBatch b;
    b.ticks = ticks;
    b.candles = candles;
    b.seeded = seeded;
    return b;
  }
};

BatchFixture sample() {
  BatchFixture f;
  const AssetId eur = f.assets.intern("EURUSD_otc");
  const AssetId aapl = f.assets.intern("#AAPL_otc");
  f.ticks.push_back({eur, 1.08231, from_unix_micros(1756869696775000), 41});
  f.ticks.push_back({aapl, 227.5, from_unix_micros(1756869696776001), 7});
  f.ticks.push_back({eur, 1.08232, from_unix_micros(1756869696777000), 42});
  Candle c;
  c.open_time_s = 1756869660;
  c.open = 1.0823;
  c.high = 1.0825;
  c.low = 1.0821;
  c.close = 1.0824;
  c.volume = 12;
  f.candles.push_back({aapl, Timeframe::k1m, CandleChange::kClosed, c});
  f.candles.push_back({eur, Timeframe::k1s, CandleChange::kForming, c});  // not stored
  f.candles.push_back({eur, Timeframe::k5m, CandleChange::kAmended, c});
  return f;
}

TEST(TickJournalFormat, ABatchRecordRoundTripsTicksAndFinalCandles) {
  const auto f = sample();
  std::string buf;
  ASSERT_TRUE(append_batch_record(buf, f.batch(), f.assets, 123456789));
  Record r;
  std::size_t used = 0;
  ASSERT_EQ(decode_record(buf, r, used), DecodeStatus::kOk);
  EXPECT_EQ(used, buf.size());
  EXPECT_EQ(r.kind, RecordKind::kBatch);
  EXPECT_EQ(r.written_at_us, 123456789);
  ASSERT_EQ(r.ticks.size(), 3u);
  EXPECT_EQ(r.assets[r.ticks[0].asset], "EURUSD_otc");
  EXPECT_EQ(r.assets[r.ticks[1].asset], "#AAPL_otc");
  EXPECT_EQ(r.ticks[2].seq, 42u);
  EXPECT_EQ(r.ticks[2].time_us, 1756869696777000);
  EXPECT_EQ(r.ticks[0].price, 1.08231);
  ASSERT_EQ(r.candles.size(), 2u);  // the forming bar is not final and not stored
  EXPECT_EQ(r.assets[r.candles[0].asset], "#AAPL_otc");
  EXPECT_EQ(r.candles[0].timeframe, Timeframe::k1m);
  EXPECT_EQ(r.candles[0].open_time_s, 1756869660);
  EXPECT_EQ(r.candles[0].volume, 12u);
  EXPECT_EQ(r.candles[1].timeframe, Timeframe::k5m);
  EXPECT_EQ(r.candles[1].close, 1.0824);
}

TEST(TickJournalFormat, ClosedBarsFromHistoryPayloadsAreStoredToo) {
  BatchFixture f;
  const AssetId a = f.assets.intern("BTCUSD");
  Candle c;
  c.open_time_s = 1756869600;
  c.close = 5;
  f.seeded.push_back({a, Timeframe::k1m, CandleChange::kClosed, c});
  f.seeded.push_back({a, Timeframe::k1m, CandleChange::kForming, c});
  std::string buf;
  ASSERT_TRUE(append_batch_record(buf, f.batch(), f.assets, 1));
  Record r;
  std::size_t used = 0;
  ASSERT_EQ(decode_record(buf, r, used), DecodeStatus::kOk);
  EXPECT_TRUE(r.ticks.empty());
  ASSERT_EQ(r.candles.size(), 1u);
  EXPECT_EQ(r.candles[0].open_time_s, 1756869600);
  EXPECT_EQ(r.candles[0].close, 5.0);
}

TEST(TickJournalFormat, NothingToStoreWritesNothing) {
  BatchFixture f;
  const AssetId a = f.assets.intern("BTCUSD");
  f.candles.push_back({a, Timeframe::k1s, CandleChange::kForming, Candle{}});
  std::string buf;
  EXPECT_FALSE(append_batch_record(buf, f.batch(), f.assets, 1));
  EXPECT_TRUE(buf.empty());
}

TEST(TickJournalFormat, SnapshotsRoundTrip) {
  std::vector<std::pair<std::string_view, std::uint64_t>> seqs = {{"BTCUSD", 99}, {"ETHUSD", 1}};
  std::string buf;
  append_seq_snapshot(buf, seqs, 5);
  Record r;
  std::size_t used = 0;
  ASSERT_EQ(decode_record(buf, r, used), DecodeStatus::kOk);
  EXPECT_EQ(r.kind, RecordKind::kSeqSnapshot);
  ASSERT_EQ(r.seqs.size(), 2u);
  EXPECT_EQ(r.assets[r.seqs[0].asset], "BTCUSD");
  EXPECT_EQ(r.seqs[0].last_seq, 99u);
  EXPECT_EQ(r.seqs[1].last_seq, 1u);
}

TEST(TickJournalFormat, EveryTruncationOfARecordIsIncompleteNeverCorrupt) {
  const auto f = sample();
  std::string buf;
  ASSERT_TRUE(append_batch_record(buf, f.batch(), f.assets, 1));
  Record r;
  std::size_t used = 0;
  for (std::size_t n = 0; n < buf.size(); ++n) {
    EXPECT_EQ(decode_record(std::string_view(buf).substr(0, n), r, used), DecodeStatus::kIncomplete)
        << n;
    EXPECT_EQ(used, 0u);
  }
}

TEST(TickJournalFormat, AnyFlippedByteIsCaught) {
  const auto f = sample();
  std::string good;
  ASSERT_TRUE(append_batch_record(good, f.batch(), f.assets, 1));
  Record r;
  std::size_t used = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x40);
    const auto st = decode_record(bad, r, used);
    // A flipped length byte may also make the record look longer than the bytes at hand.
    EXPECT_NE(st, DecodeStatus::kOk) << "byte " << i;
  }
}

TEST(TickJournalFormat, RecordsFollowEachOther) {
  const auto f = sample();
  std::string buf;
  ASSERT_TRUE(append_batch_record(buf, f.batch(), f.assets, 1));
  const std::size_t first = buf.size();
  std::vector<std::pair<std::string_view, std::uint64_t>> seqs = {{"BTCUSD", 3}};
  append_seq_snapshot(buf, seqs, 2);
  Record r;
  std::size_t used = 0;
  ASSERT_EQ(decode_record(buf, r, used), DecodeStatus::kOk);
  EXPECT_EQ(used, first);
  ASSERT_EQ(decode_record(std::string_view(buf).substr(used), r, used), DecodeStatus::kOk);
  EXPECT_EQ(r.kind, RecordKind::kSeqSnapshot);
}

TEST(TickJournalFormat, GarbageIsCorrupt) {
  Record r;
  std::size_t used = 0;
  EXPECT_EQ(decode_record("hello, world, this is not a record", r, used), DecodeStatus::kCorrupt);
  EXPECT_EQ(decode_record("x", r, used), DecodeStatus::kCorrupt);
  EXPECT_EQ(decode_record("", r, used), DecodeStatus::kIncomplete);
}

}  // namespace
}  // namespace quflx::journal
