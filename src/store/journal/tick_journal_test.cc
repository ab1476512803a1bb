#include "store/journal/tick_journal.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "store/journal/tick_journal_reader.h"

namespace quflx {
namespace {

namespace fs = std::filesystem;

class TickJournalTest : public ::testing::Test {
 protected:
  TickJournalTest() {
    char tmpl[] = "/tmp/quflx-journal-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    eur_ = assets_.intern("EURUSD_otc");
    btc_ = assets_.intern("BTCUSD");
  }
  ~TickJournalTest() override { fs::remove_all(dir_); }

  TickJournalOptions options() {
    TickJournalOptions o;
    o.dir = dir_ + "/log";
    o.segment_bytes = 4096;
    o.max_bytes = 1 << 20;
    o.fsync_interval = std::chrono::milliseconds(200);
    return o;
  }
  std::unique_ptr<TickJournal> open(TickJournalOptions o) {
    auto r = TickJournal::open(ioc_.get_executor(), assets_, o, metrics_);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(*r) : nullptr;
  }
  // Appends `n` ticks of `asset` continuing its numbering.
  bool append(TickJournal& log, AssetId asset, int n) {
    std::vector<SequencedTick> ticks;
    for (int i = 0; i < n; ++i) {
      ticks.push_back({asset, 1.0 + i, from_unix_micros(1'700'000'000'000'000 + i), ++seq_[asset]});
    }
    IngestBatch b;
    b.ticks = ticks;
    return log.append(b);
  }
  // Every tick in the log, in order, as (asset name, seq).
  std::vector<std::pair<std::string, std::uint64_t>> read_all(const TickJournal& log) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    TickJournalReader reader(log);
    const auto r = reader.read(log.stats().retained_from, [&](const journal::Record& rec, std::uint64_t) {
      for (const auto& t : rec.ticks) out.emplace_back(std::string(rec.assets[t.asset]), t.seq);
      return true;
    });
    EXPECT_EQ(r.corrupt, 0u);
    EXPECT_EQ(r.position, log.written_position());
    return out;
  }
  std::vector<std::string> segment_files() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_ + "/log")) {
      if (e.path().extension() == ".qtj") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string dir_;
  boost::asio::io_context ioc_;
  MetricsRegistry metrics_;
  AssetRegistry assets_;
  AssetId eur_ = 0, btc_ = 0;
  std::map<AssetId, std::uint64_t> seq_;
};

TEST_F(TickJournalTest, RefusesAppendsUntilBegun) {
  auto log = open(options());
  EXPECT_FALSE(log->accepting());
  EXPECT_FALSE(append(*log, eur_, 1));
  ASSERT_TRUE(log->begin({}).ok());
  EXPECT_TRUE(log->accepting());
  EXPECT_TRUE(append(*log, eur_, 1));
}

TEST_F(TickJournalTest, WhatWasAppendedIsRecoveredAfterReopening) {
  {
    auto log = open(options());
    ASSERT_TRUE(log->begin({}).ok());
    ASSERT_TRUE(append(*log, eur_, 3));
    ASSERT_TRUE(append(*log, btc_, 2));
    ASSERT_TRUE(append(*log, eur_, 1));
  }
  auto log = open(options());
  const auto& rec = log->recovery();
  EXPECT_EQ(rec.ticks, 6u);
  EXPECT_EQ(rec.torn_bytes, 0u);
  std::map<std::string, std::uint64_t> last(rec.last_seqs.begin(), rec.last_seqs.end());
  EXPECT_EQ(last["EURUSD_otc"], 4u);
  EXPECT_EQ(last["BTCUSD"], 2u);
  const auto ticks = read_all(*log);
  ASSERT_EQ(ticks.size(), 6u);
  EXPECT_EQ(ticks[0], std::make_pair(std::string("EURUSD_otc"), std::uint64_t{1}));
  EXPECT_EQ(ticks[3], std::make_pair(std::string("BTCUSD"), std::uint64_t{1}));
  EXPECT_EQ(ticks[5], std::make_pair(std::string("EURUSD_otc"), std::uint64_t{4}));
}

TEST_F(TickJournalTest, RecoveryKeepsEachAssetsNewestTicksWithinTheBound) {
  TickJournalOptions o = options();
  o.recent = RecentTicksBound{3, std::chrono::seconds(10), 5};
  // (asset, seconds after T, price): EURUSD 8 ticks over 2 s (the cap of 5 cuts it), BTCUSD 6
  // ticks of which only the 3 newest are within 10 s of its newest (one arrives late).
  const std::vector<std::tuple<AssetId, double, double>> rows = {
      {eur_, 0.0, 1.0}, {btc_, 0.0, 10}, {eur_, 0.25, 1.1}, {btc_, 1.0, 11}, {eur_, 0.5, 1.2},
      {btc_, 2.0, 12},  {eur_, 0.75, 1.3}, {eur_, 1.0, 1.4}, {btc_, 30.0, 13}, {eur_, 1.25, 1.5},
      {btc_, 31.0, 14}, {eur_, 1.5, 1.6}, {btc_, 20.5, 15}, {eur_, 2.0, 1.7}};
  {
    auto log = open(o);
    ASSERT_TRUE(log->begin({}).ok());
    for (const auto& [asset, dt, price] : rows) {
      const SequencedTick t{asset, price, from_unix_micros(1'700'000'000'000'000 +
                                                           static_cast<std::int64_t>(dt * 1e6)),
                            ++seq_[asset]};
      IngestBatch b;
      b.ticks = std::span<const SequencedTick>(&t, 1);
      ASSERT_TRUE(log->append(b));
    }
  }
  auto log = open(o);
  std::map<std::string, std::vector<std::pair<std::uint64_t, double>>> recent;
  for (const auto& r : log->recovery().recent) {
    for (const auto& t : r.ticks) recent[r.asset].emplace_back(t.seq, t.price);
  }
  using V = std::vector<std::pair<std::uint64_t, double>>;
  EXPECT_EQ(recent["EURUSD_otc"], (V{{4, 1.3}, {5, 1.4}, {6, 1.5}, {7, 1.6}, {8, 1.7}}));
  // Oldest first as appended; the late tick stays: it is within 10 s of the newest (31 s).
  EXPECT_EQ(recent["BTCUSD"], (V{{4, 13}, {5, 14}, {6, 15}}));
}

TEST_F(TickJournalTest, ATornLastWriteIsCutOffAndTheRestKept) {
  std::string file;
  {
    auto log = open(options());
    ASSERT_TRUE(log->begin({}).ok());
    ASSERT_TRUE(append(*log, eur_, 5));
    file = segment_files().back();
  }
  // A crash in the middle of write(): the start of a record without its end.
  {
    std::string record;
    std::vector<SequencedTick> t = {{eur_, 2.0, from_unix_micros(1'700'000'000'000'000), 6}};
    IngestBatch b;
    b.ticks = t;
    journal::append_batch_record(record, b, assets_, 1);
    std::ofstream out(file, std::ios::app | std::ios::binary);
    out.write(record.data(), static_cast<std::streamsize>(record.size() - 7));
  }
  auto log = open(options());
  EXPECT_GT(log->recovery().torn_bytes, 0u);
  EXPECT_EQ(log->recovery().ticks, 5u);
  EXPECT_EQ(read_all(*log).size(), 5u);
  ASSERT_TRUE(log->begin({}).ok());
  EXPECT_TRUE(append(*log, eur_, 1));
}

TEST_F(TickJournalTest, ACorruptRecordEndsItsSegmentAndItsBytesAreKeptAside) {
  std::string file;
  std::uint64_t size_after_first = 0;
  {
    auto log = open(options());
    ASSERT_TRUE(log->begin({}).ok());
    ASSERT_TRUE(append(*log, eur_, 2));
    size_after_first = log->written_position();
    ASSERT_TRUE(append(*log, eur_, 2));
    ASSERT_TRUE(append(*log, eur_, 2));
    file = segment_files().back();
  }
  {
    const int fd = ::open(file.c_str(), O_RDWR);
    char c = 0;
    ASSERT_EQ(::pread(fd, &c, 1, static_cast<off_t>(size_after_first + 20)), 1);
    c = static_cast<char>(c ^ 0xFF);
    ASSERT_EQ(::pwrite(fd, &c, 1, static_cast<off_t>(size_after_first + 20)), 1);
    ::close(fd);
  }
  auto log = open(options());
  ASSERT_EQ(log->recovery().corrupt_files.size(), 1u);
  EXPECT_TRUE(fs::exists(log->recovery().corrupt_files[0]));
  EXPECT_EQ(log->recovery().ticks, 2u);
  EXPECT_EQ(read_all(*log).size(), 2u);
}

TEST_F(TickJournalTest, AnIncompleteRecordInAnOlderSegmentIsCorruptionNotATornWrite) {
  {
    auto log = open(options());
    ASSERT_TRUE(log->begin({}).ok());
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(append(*log, eur_, 10));
  }
  const auto files = segment_files();
  ASSERT_GE(files.size(), 3u);
  // Lose the tail of the first segment (damage, not a write cut short: later segments exist).
  const auto size = fs::file_size(files[0]);
  fs::resize_file(files[0], size - 5);
  auto log = open(options());
  EXPECT_EQ(log->recovery().torn_bytes, 0u);
  ASSERT_EQ(log->recovery().corrupt_files.size(), 1u);
  EXPECT_EQ(log->recovery().corrupt_files[0], files[0] + ".corrupt");
  EXPECT_GT(fs::file_size(log->recovery().corrupt_files[0]), 0u);
  // Only the damaged record (10 ticks) is gone; the later segments are kept whole.
  EXPECT_EQ(log->recovery().ticks, 390u);
}

TEST_F(TickJournalTest, BeforeBeginTheNewestSegmentIsKeptEvenWhenCommitted) {
  {
    auto log = open(options());
    ASSERT_TRUE(log->begin({}).ok());
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(append(*log, eur_, 10));
  }
  {
    // A restart: the persister commits everything recovered before begin() starts a new
    // segment, and the process dies there. The newest segment still tells the numbering.
    auto log = open(options());
    log->release_before(log->written_position());
    EXPECT_EQ(log->stats().segments, 1u);
  }
  auto log = open(options());
  std::map<std::string, std::uint64_t> last(log->recovery().last_seqs.begin(),
                                            log->recovery().last_seqs.end());
  EXPECT_EQ(last["EURUSD_otc"], 400u);
}

TEST_F(TickJournalTest, RollsSegmentsAndTheNewestAloneKnowsEverySeq) {
  std::uint64_t end = 0;
  {
    auto log = open(options());
    ASSERT_TRUE(log->begin({}).ok());
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(append(*log, i % 2 ? eur_ : btc_, 10));
    end = log->written_position();
    EXPECT_GT(log->stats().segments, 3u);
    // Everything committed: all sealed segments go, the active one stays.
    log->release_before(end);
    EXPECT_EQ(log->stats().segments, 1u);
    EXPECT_EQ(segment_files().size(), 1u);
  }
  auto log = open(options());
  std::map<std::string, std::uint64_t> last(log->recovery().last_seqs.begin(),
                                            log->recovery().last_seqs.end());
  EXPECT_EQ(last["BTCUSD"], 200u);
  EXPECT_EQ(last["EURUSD_otc"], 200u);
}

TEST_F(TickJournalTest, BeginRecordsTheSeqsItIsGiven) {
  {
    auto log = open(options());
    const std::pair<AssetId, std::uint64_t> seqs[] = {{btc_, 5000}};
    ASSERT_TRUE(log->begin(seqs).ok());
  }
  auto log = open(options());
  ASSERT_EQ(log->recovery().last_seqs.size(), 1u);
  EXPECT_EQ(log->recovery().last_seqs[0], std::make_pair(std::string("BTCUSD"), std::uint64_t{5000}));
}

TEST_F(TickJournalTest, RefusesAppendsBeyondTheSpoolBound) {
  auto o = options();
  o.max_bytes = 3 * o.segment_bytes;
  auto log = open(o);
  ASSERT_TRUE(log->begin({}).ok());
  int appended = 0;
  while (log->accepting() && appended < 10'000) {
    ASSERT_TRUE(append(*log, eur_, 10));
    ++appended;
  }
  EXPECT_FALSE(log->accepting());
  EXPECT_GE(log->retained_bytes(), o.max_bytes);
  // Once the persister has committed and released, it accepts again.
  log->release_before(log->written_position());
  EXPECT_TRUE(log->accepting());
}

TEST_F(TickJournalTest, ASecondServerCannotOpenTheSameDirectory) {
  auto first = open(options());
  auto second = TickJournal::open(ioc_.get_executor(), assets_, options(), metrics_);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("in use by another quflx serve"), std::string::npos)
      << second.error().message;
}

TEST_F(TickJournalTest, WhenSyncedReportsOnceTheDataIsOnDisk) {
  auto log = open(options());
  ASSERT_TRUE(log->begin({}).ok());
  ASSERT_TRUE(append(*log, eur_, 3));
  int calls = 0;
  bool result = false;
  log->when_synced([&](bool ok) {
    ++calls;
    result = ok;
  });
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (calls == 0 && std::chrono::steady_clock::now() < until) {
    ioc_.restart();
    ioc_.run_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(result);
  EXPECT_GE(log->stats().synced_position, log->written_position());
}

TEST_F(TickJournalTest, SyncEveryBatchMeansSyncedAsSoonAsAppended) {
  auto o = options();
  o.fsync_interval = std::chrono::milliseconds(0);
  auto log = open(o);
  ASSERT_TRUE(log->begin({}).ok());
  ASSERT_TRUE(append(*log, eur_, 3));
  EXPECT_EQ(log->stats().synced_position, log->written_position());
}

}  // namespace
}  // namespace quflx
