#pragma once
// TickJournal: the durable hand-off between the ingest loop and PostgreSQL (SPEC §4, the
// tickerplant contract). An append-only log of batch records (tick_journal_format.h) in segment
// files under one directory.
//
// Writing (ingest loop): the pipeline calls append() with each batch before any other sink
// sees it; the batch becomes one record written with one write(), so once append() returns the
// batch survives a kill -9 of the server (it is in the page cache). What a power loss may cost
// is the fsync policy: `fsync_interval` 0 syncs inside every append (a few ms each here, which
// the latency budget does not allow by default); otherwise a syncer thread calls fdatasync at
// that interval, and at once when someone waits in when_synced() (group commit).
//
// Reading (the persister's thread): TickJournalReader reads whole records up to the written
// position; once their rows are committed the persister calls release_before(), which deletes
// every sealed segment entirely below that position. The log thus holds exactly what is not yet
// in PostgreSQL, plus the committed part of the segment being written.
//
// Bounds: appends are refused (accepting() is false) while the retained segments exceed
// `max_bytes`, so a long database outage fills the disk only up to a known size, and the
// refusal is counted by the pipeline rather than hidden.
//
// Files: `<dir>/<start position, 20 digits>.qtj`, where a position is a byte offset in the
// concatenation of all segments ever written; `<dir>/LOCK` (flock) keeps a second server off
// the same directory. On open, every segment is checked record by record: a torn tail (a crash
// mid-write) is cut off; a corrupt record in the middle ends its segment, and the bytes after
// it are kept aside in `<segment>.corrupt` and reported (recovery.h). New appends always go to a fresh
// segment, which starts with a snapshot of every asset's last seq, so the newest segment alone
// tells where numbering continues even after older ones were persisted and deleted.

#include <boost/asio/any_io_executor.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/metrics.h"
#include "common/result.h"
#include "common/time.h"
#include "core/ingest.h"
#include "store/journal/recovery.h"

namespace quflx {

struct TickJournalOptions {
  std::string dir;
  // Large enough that rolling is rare, small enough that a committed segment is deleted soon
  // and a recovery scan of one segment takes well under a second.
  std::uint64_t segment_bytes = 64ull << 20;
  // The spool bound: about 38 million ticks, over six minutes at 100,000 ticks/s, weeks at
  // the default simulated rate.
  std::uint64_t max_bytes = 1ull << 30;
  // 0: fdatasync inside every append. Otherwise at most this long between syncs (as Redis's
  // appendfsync everysec): a power loss may cost that much, a process crash nothing.
  std::chrono::milliseconds fsync_interval{1000};
  // What recovery keeps of each asset's newest ticks (recovery().recent), for the tick-identity
  // index of a restarted server.
  RecentTicksBound recent;
};

struct TickJournalStats {
  std::uint64_t written_position = 0;
  std::uint64_t synced_position = 0;
  std::uint64_t retained_from = 0;  // start of the oldest segment still on disk
  std::uint64_t ticks_written = 0;  // since open, recovered ticks included
  std::uint64_t appends = 0;
  std::uint64_t write_errors = 0;
  std::size_t segments = 0;
  bool failing = false;
  bool halted = false;  // halt() was called: no appends for the rest of this run
  std::string last_error;
};

class TickJournal final : public DurableSink {
 public:
  // Creates the directory if needed, takes its lock and recovers what is there. `assets` gives
  // the names of the AssetIds in appended batches; `clock` stamps each record with the time it
  // was written (it must outlive the journal).
  static Result<std::unique_ptr<TickJournal>> open(boost::asio::any_io_executor executor,
                                               const AssetRegistry& assets,
                                               TickJournalOptions options, MetricsRegistry& metrics,
                                               const Clock& clock = wall_clock());
  ~TickJournal() override;
  TickJournal(const TickJournal&) = delete;
  TickJournal& operator=(const TickJournal&) = delete;

  const TickJournalRecovery& recovery() const { return recovery_; }
  // Hands over recovery().recent (each asset's newest ticks, for the tick-identity index) and
  // frees it: it is needed once, at start-up.
  std::vector<RecentTicks> take_recent_ticks() { return std::exchange(recovery_.recent, {}); }
  const TickJournalOptions& options() const { return options_; }

  // Opens the segment that appends go to, starting with a snapshot of `last_seqs` (every
  // asset's last seq, after the server merged what the log, the database and Redis know).
  // Until then appends are refused.
  Result<void> begin(std::span<const std::pair<AssetId, std::uint64_t>> last_seqs);

  // DurableSink, on the ingest loop.
  bool accepting() const override;
  bool append(const IngestBatch& batch) override;

  // Calls `done(true)` on the executor once everything appended before this call is on disk
  // (fdatasync), or `done(false)` if syncing failed or the log closed first. Asks the syncer to
  // sync now rather than at the next interval.
  void when_synced(std::function<void(bool synced)> done);

  // Syncs what is written and stops the syncer. Appends are refused afterwards.
  void close();

  // Refuses every further append of this run (thread-safe): for a reader that found the log
  // contradicting what is stored (the persister: ticks of this run already stored by another
  // writer). The reason shows in stats().last_error.
  void halt(std::string reason);
  // The position this run's appends start at (the start of the segment begin() opened);
  // UINT64_MAX before begin(). Records ending after it were appended by this run.
  std::uint64_t run_start() const { return run_start_.load(std::memory_order_acquire); }

  TickJournalStats stats() const;
  // Bytes the retained segments hold.
  std::uint64_t retained_bytes() const;

  // --- For the persister, on its own thread. ---
  struct Segment {
    std::uint64_t start = 0;
    std::uint64_t end = 0;  // the written position, for the active segment
    bool sealed = false;    // no more appends: `end` is final
    std::string path;
  };
  // The first segment holding data at or after `pos`, if any.
  std::optional<Segment> segment_at(std::uint64_t pos) const;
  std::uint64_t written_position() const { return written_.load(std::memory_order_acquire); }
  std::uint64_t ticks_written() const { return ticks_written_.load(std::memory_order_relaxed); }
  // Deletes every sealed segment that ends at or before `pos`.
  void release_before(std::uint64_t pos);

 private:
  struct Syncer;
  TickJournal(boost::asio::any_io_executor executor, const AssetRegistry& assets,
          TickJournalOptions options, MetricsRegistry& metrics, const Clock& clock);
  std::int64_t now_us() const { return unix_micros(clock_.now()); }
  Result<void> lock_dir();
  Result<void> recover();
  Result<void> open_segment(std::uint64_t start);
  bool write_all(std::string_view bytes);
  void fail(std::string message);
  // A sync failed: nothing written since the last good sync is known to be on disk. Appends
  // stop for good (thread-safe; called by the writer and the syncer thread).
  void sync_failed(std::string message);
  void complete_waiters(std::uint64_t synced, bool ok);

  boost::asio::any_io_executor executor_;
  const AssetRegistry& assets_;
  const Clock& clock_;
  TickJournalOptions options_;
  TickJournalRecovery recovery_;
  int lock_fd_ = -1;
  int dir_fd_ = -1;

  // Segments, oldest first; the last one is active once begin() ran. Guarded by mu_, which
  // the writer takes only to roll and the persister only to look up or release.
  mutable std::mutex mu_;
  std::deque<Segment> segments_;
  std::string last_error_;

  // Writer state (ingest loop).
  int fd_ = -1;                 // active segment
  std::uint64_t active_start_ = 0;
  bool begun_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point retry_after_{};
  std::vector<std::uint64_t> last_seq_;  // by AssetId, for the snapshot of the next segment
  std::string buf_;
  std::uint64_t appends_ = 0;
  std::uint64_t write_errors_ = 0;
  std::deque<std::pair<std::uint64_t, std::function<void(bool)>>> waiters_;

  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> synced_{0};
  std::atomic<std::uint64_t> retained_from_{0};
  std::atomic<std::uint64_t> ticks_written_{0};
  std::atomic<bool> failing_{false};      // a write failed: refuse appends for a second
  std::atomic<bool> sync_failed_{false};  // a sync failed: refuse appends for good
  std::atomic<bool> halted_{false};       // halt(): refuse appends for good
  std::atomic<std::uint64_t> run_start_{UINT64_MAX};

  std::unique_ptr<Syncer> syncer_;
  Histogram& m_append_latency_;
  Histogram& m_sync_latency_;
  Counter& m_write_errors_;
  int collector_ = 0;
  MetricsRegistry& metrics_;
};

}  // namespace quflx
