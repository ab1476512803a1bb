#include "store/journal/tick_journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/journal/segment_file.h"
#include "store/journal/tick_journal_format.h"

namespace quflx {
namespace fs = std::filesystem;
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

// fdatasync off the ingest loop: at the configured interval, or at once when asked.
struct TickJournal::Syncer {
  std::mutex mu;
  std::condition_variable cv;
  bool requested = false;
  bool stop = false;
  int active_fd = -1;
  std::vector<int> sealed_fds;  // synced, then closed, by the syncer
  bool dir_dirty = false;
  std::thread thread;
};

TickJournal::TickJournal(boost::asio::any_io_executor executor, const AssetRegistry& assets,
                 TickJournalOptions options, MetricsRegistry& metrics, const Clock& clock)
    : executor_(std::move(executor)),
      assets_(assets),
      clock_(clock),
      options_(std::move(options)),
      m_append_latency_(metrics.histogram("quflx_stage_latency_seconds",
                                          "Latency per pipeline stage, seconds",
                                          latency_buckets_seconds(), {{"stage", "journal_append"}})),
      m_sync_latency_(metrics.histogram("quflx_stage_latency_seconds",
                                        "Latency per pipeline stage, seconds",
                                        latency_buckets_seconds(), {{"stage", "journal_sync"}})),
      m_write_errors_(metrics.counter("quflx_journal_write_errors_total",
                                      "Appends to the tick journal that failed (disk full or I/O error)")),
      metrics_(metrics) {
  collector_ = metrics.add_collector([this](MetricsWriter& w) {
    w.gauge("quflx_journal_bytes", "Bytes in tick journal segments on disk (the spool)", {},
            static_cast<double>(retained_bytes()));
    w.gauge("quflx_journal_max_bytes", "Spool bound: appends are refused beyond it", {},
            static_cast<double>(options_.max_bytes));
    w.counter("quflx_journal_ticks_total", "Ticks written to the tick journal (recovered included)",
              {}, static_cast<double>(ticks_written()));
  });
}

TickJournal::~TickJournal() {
  close();
  metrics_.remove_collector(collector_);
  if (dir_fd_ >= 0) ::close(dir_fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Result<std::unique_ptr<TickJournal>> TickJournal::open(boost::asio::any_io_executor executor,
                                               const AssetRegistry& assets,
                                               TickJournalOptions options, MetricsRegistry& metrics,
                                               const Clock& clock) {
  if (options.segment_bytes < 4096 || options.max_bytes < 2 * options.segment_bytes) {
    return make_error(ErrorCode::kInvalidConfig,
                      "tick journal: the spool bound must hold at least two segments");
  }
  std::unique_ptr<TickJournal> log(
      new TickJournal(std::move(executor), assets, std::move(options), metrics, clock));
  std::error_code ec;
  fs::create_directories(log->options_.dir, ec);
  if (ec) {
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("tick journal: cannot create {}: {}", log->options_.dir, ec.message()));
  }
  if (auto r = log->lock_dir(); !r.ok()) return r.error();
  if (auto r = log->recover(); !r.ok()) return r.error();
  return log;
}

Result<void> TickJournal::lock_dir() {
  const std::string path = options_.dir + "/LOCK";
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("tick journal: cannot open {}: {}", path, errno_text()));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    const auto n = ::pread(lock_fd_, pid, sizeof pid - 1, 0);
    std::string who = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "?";
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("tick journal {} is in use by another quflx serve (pid {}); give "
                                  "each server its own --state-dir",
                                  options_.dir, who));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd_, 0) != 0 || ::pwrite(lock_fd_, pid.data(), pid.size(), 0) < 0) {
    spdlog::warn("tick journal: cannot write the pid to {}: {}", path, errno_text());
  }
  dir_fd_ = ::open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) {
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("tick journal: cannot open {}: {}", options_.dir, errno_text()));
  }
  return {};
}

Result<void> TickJournal::recover() {
  auto recovered = recover_journal(options_.dir, dir_fd_, options_.recent);
  if (!recovered.ok()) return recovered.error();
  recovery_ = std::move(recovered->report);
  for (auto& s : recovered->segments) {
    segments_.push_back(Segment{s.start, s.end, true, std::move(s.path)});
  }
  const std::uint64_t end = segments_.empty() ? 0 : segments_.back().end;
  written_.store(end, std::memory_order_release);
  synced_.store(end, std::memory_order_release);
  retained_from_.store(segments_.empty() ? end : segments_.front().start);
  ticks_written_.store(recovery_.ticks);
  return {};
}

Result<void> TickJournal::open_segment(std::uint64_t start) {
  const std::string path = options_.dir + "/" + segment_file_name(start);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("tick journal: cannot create {}: {}", path, errno_text()));
  }
  buf_.clear();
  std::vector<std::pair<std::string_view, std::uint64_t>> snapshot;
  for (AssetId a = 0; a < last_seq_.size(); ++a) {
    if (last_seq_[a] > 0) snapshot.emplace_back(assets_.name(a), last_seq_[a]);
  }
  journal::append_seq_snapshot(buf_, snapshot, now_us());
  const int old_fd = fd_;
  fd_ = fd;
  if (!write_all(buf_)) {
    fd_ = old_fd;
    ::close(fd);
    ::unlink(path.c_str());
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("tick journal: cannot write {}: {}", path, errno_text()));
  }
  const bool sync_now = options_.fsync_interval.count() == 0 || !syncer_;
  if (sync_now && old_fd >= 0) {
    const bool ok = ::fdatasync(old_fd) == 0;
    ::close(old_fd);
    if (!ok) {
      sync_failed(fmt::format("fdatasync of the previous segment failed: {}", errno_text()));
      return make_error(ErrorCode::kUnavailable, "tick journal: a sync failed; appends stopped");
    }
  }
  {
    std::lock_guard lk(mu_);
    if (!segments_.empty() && !segments_.back().sealed) {
      segments_.back().sealed = true;
      segments_.back().end = written_.load(std::memory_order_relaxed);
    }
    segments_.push_back(Segment{start, start, false, path});
    if (syncer_) {
      std::lock_guard sk(syncer_->mu);
      if (old_fd >= 0) syncer_->sealed_fds.push_back(old_fd);
      syncer_->active_fd = fd;
      syncer_->dir_dirty = true;
    }
    active_start_ = start;
    written_.store(start + buf_.size(), std::memory_order_release);
  }
  if (sync_now) {
    if (::fdatasync(fd) != 0 || ::fsync(dir_fd_) != 0) {
      sync_failed(fmt::format("fdatasync of {} failed: {}", path, errno_text()));
      return make_error(ErrorCode::kUnavailable, "tick journal: a sync failed; appends stopped");
    }
    synced_.store(start + buf_.size(), std::memory_order_release);
  }
  return {};
}

Result<void> TickJournal::begin(std::span<const std::pair<AssetId, std::uint64_t>> last_seqs) {
  if (begun_) return {};
  for (const auto& [asset, seq] : last_seqs) {
    if (asset >= last_seq_.size()) last_seq_.resize(asset + 1, 0);
    last_seq_[asset] = std::max(last_seq_[asset], seq);
  }
  const std::uint64_t start = written_.load();
  if (auto r = open_segment(start); !r.ok()) return r.error();
  run_start_.store(start, std::memory_order_release);
  std::string active_path;
  {
    std::lock_guard lk(mu_);  // the persister may already be releasing segments
    if (segments_.size() == 1) retained_from_.store(segments_.front().start);
    active_path = segments_.back().path;
  }
  begun_ = true;
  if (options_.fsync_interval.count() > 0) {
    syncer_ = std::make_unique<Syncer>();
    syncer_->active_fd = fd_;
    syncer_->thread = std::thread([this] {
      Syncer& s = *syncer_;
      std::unique_lock lk(s.mu);
      for (;;) {
        s.cv.wait_for(lk, options_.fsync_interval, [&] { return s.requested || s.stop; });
        const bool stopping = s.stop;
        const bool requested = std::exchange(s.requested, false);
        auto sealed = std::move(s.sealed_fds);
        s.sealed_fds.clear();
        const int fd = s.active_fd;
        const bool dir = std::exchange(s.dir_dirty, false);
        // Read under the lock: a roll changes the active fd under it before the written
        // position moves into the new segment, so `target` lies within `fd`'s data.
        const std::uint64_t target = written_.load(std::memory_order_acquire);
        lk.unlock();
        const auto started = std::chrono::steady_clock::now();
        bool ok = true;
        for (int sfd : sealed) {
          ok &= ::fdatasync(sfd) == 0;
          ::close(sfd);
        }
        if (dir) ok &= ::fsync(dir_fd_) == 0;
        const std::uint64_t before = synced_.load(std::memory_order_acquire);
        if (target > before && fd >= 0) ok &= ::fdatasync(fd) == 0;
        if (target > before || !sealed.empty()) {
          m_sync_latency_.observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
        // A failed sync is never retried: Linux may report a write-back error once and then
        // call the pages clean, so a later "successful" sync proves nothing. synced_ stops
        // here for good and the writer refuses further appends (sync_failed_).
        if (!ok) {
          sync_failed(fmt::format("fdatasync failed: {}", errno_text()));
        } else if (target > before && !sync_failed_.load(std::memory_order_acquire)) {
          synced_.store(target, std::memory_order_release);
        }
        if (requested || !ok) {
          boost::asio::post(executor_, [this, target, ok] { complete_waiters(target, ok); });
        }
        lk.lock();
        if (stopping) break;
      }
    });
  }
  spdlog::info("tick journal: appending to {} (fsync {})", active_path,
               options_.fsync_interval.count() == 0
                   ? std::string("on every batch")
                   : fmt::format("every {} ms", options_.fsync_interval.count()));
  return {};
}

bool TickJournal::accepting() const {
  if (!begun_ || closed_ || sync_failed_.load(std::memory_order_acquire) ||
      halted_.load(std::memory_order_acquire)) {
    return false;
  }
  if (failing_.load(std::memory_order_relaxed) && std::chrono::steady_clock::now() < retry_after_) {
    return false;
  }
  return retained_bytes() < options_.max_bytes;
}

bool TickJournal::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void TickJournal::fail(std::string message) {
  ++write_errors_;
  m_write_errors_.inc();
  if (!failing_.exchange(true)) spdlog::error("tick journal: {}; refusing ticks until it works again", message);
  retry_after_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  std::lock_guard lk(mu_);
  last_error_ = std::move(message);
}

void TickJournal::sync_failed(std::string message) {
  m_write_errors_.inc();
  if (!sync_failed_.exchange(true, std::memory_order_acq_rel)) {
    spdlog::critical("tick journal: {}; what was written since the last good sync may not be on "
                     "disk, so no more ticks are accepted: restart the server once the disk is "
                     "healthy (the journal is read again from disk at start-up)",
                     message);
  }
  std::lock_guard lk(mu_);
  last_error_ = std::move(message);
}

void TickJournal::halt(std::string reason) {
  if (!halted_.exchange(true, std::memory_order_acq_rel)) {
    spdlog::critical("tick journal: {}; no more ticks are accepted in this run", reason);
  }
  std::lock_guard lk(mu_);
  last_error_ = std::move(reason);
}

bool TickJournal::append(const IngestBatch& batch) {
  if (!begun_ || closed_ || sync_failed_.load(std::memory_order_acquire) ||
      halted_.load(std::memory_order_acquire)) {
    return false;
  }
  const auto started = std::chrono::steady_clock::now();
  const std::int64_t stamp = now_us();
  const std::uint64_t size_now = written_.load(std::memory_order_relaxed) - active_start_;
  buf_.clear();
  if (!journal::append_batch_record(buf_, batch, assets_, stamp)) return true;  // nothing to keep
  if (size_now + buf_.size() > options_.segment_bytes) {
    std::string record = std::move(buf_);
    if (auto r = open_segment(written_.load(std::memory_order_relaxed)); !r.ok()) {
      buf_ = std::move(record);
      fail(r.error().message);
      return false;
    }
    buf_ = std::move(record);
  }
  const std::uint64_t pos = written_.load(std::memory_order_relaxed);
  if (!write_all(buf_)) {
    const std::string why = errno_text();
    // Cut off whatever part was written, so the segment stays a sequence of whole records.
    if (::ftruncate(fd_, static_cast<off_t>(pos - active_start_)) != 0) {
      fail(fmt::format("write failed ({}) and the partial record could not be cut off ({})", why,
                       errno_text()));
      closed_ = true;  // the segment's tail is unknown: no more appends to it this run
      return false;
    }
    fail(fmt::format("write failed: {}", why));
    return false;
  }
  if (options_.fsync_interval.count() == 0 && ::fdatasync(fd_) != 0) {
    // Withdraw the record (its seqs go back to the pipeline) and stop: see sync_failed().
    const std::string why = errno_text();
    if (::ftruncate(fd_, static_cast<off_t>(pos - active_start_)) != 0) closed_ = true;
    sync_failed(fmt::format("fdatasync failed: {}", why));
    return false;
  }
  for (const auto& t : batch.ticks) {
    if (t.asset >= last_seq_.size()) last_seq_.resize(t.asset + 1, 0);
    last_seq_[t.asset] = std::max(last_seq_[t.asset], t.seq);
  }
  written_.store(pos + buf_.size(), std::memory_order_release);
  if (options_.fsync_interval.count() == 0) {
    synced_.store(pos + buf_.size(), std::memory_order_release);
  }
  ticks_written_.fetch_add(batch.ticks.size(), std::memory_order_relaxed);
  ++appends_;
  if (failing_.load(std::memory_order_relaxed)) {
    failing_ = false;
    spdlog::info("tick journal: writing works again");
  }
  m_append_latency_.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return true;
}

void TickJournal::when_synced(std::function<void(bool)> done) {
  const std::uint64_t target = written_.load(std::memory_order_relaxed);
  if (synced_.load(std::memory_order_acquire) >= target) {
    boost::asio::post(executor_, [d = std::move(done)] { d(true); });
    return;
  }
  if (!syncer_) {
    boost::asio::post(executor_, [d = std::move(done)] { d(false); });
    return;
  }
  waiters_.emplace_back(target, std::move(done));
  {
    std::lock_guard lk(syncer_->mu);
    syncer_->requested = true;
  }
  syncer_->cv.notify_one();
}

void TickJournal::complete_waiters(std::uint64_t synced, bool ok) {
  while (!waiters_.empty() && (!ok || waiters_.front().first <= synced)) {
    auto done = std::move(waiters_.front().second);
    waiters_.pop_front();
    done(ok);
  }
}

void TickJournal::close() {
  if (closed_ && !syncer_ && fd_ < 0) return;
  closed_ = true;
  if (syncer_) {
    {
      std::lock_guard lk(syncer_->mu);
      syncer_->stop = true;
    }
    syncer_->cv.notify_one();
    syncer_->thread.join();
    for (int fd : syncer_->sealed_fds) {
      ::fdatasync(fd);
      ::close(fd);
    }
    syncer_.reset();
  }
  if (fd_ >= 0) {
    const bool ok = ::fdatasync(fd_) == 0;
    ::close(fd_);
    fd_ = -1;
    if (ok) synced_.store(written_.load());
  }
  complete_waiters(synced_.load(), true);
  // Whatever is still waiting was appended after the last sync could see it: not synced.
  complete_waiters(0, false);
}

std::uint64_t TickJournal::retained_bytes() const {
  return written_.load(std::memory_order_acquire) - retained_from_.load(std::memory_order_acquire);
}

TickJournalStats TickJournal::stats() const {
  TickJournalStats s;
  s.written_position = written_.load();
  s.synced_position = synced_.load();
  s.retained_from = retained_from_.load();
  s.ticks_written = ticks_written_.load();
  s.appends = appends_;
  s.write_errors = write_errors_;
  s.failing = failing_.load();
  s.halted = halted_.load();
  std::lock_guard lk(mu_);
  s.segments = segments_.size();
  s.last_error = last_error_;
  return s;
}

std::optional<TickJournal::Segment> TickJournal::segment_at(std::uint64_t pos) const {
  std::lock_guard lk(mu_);
  for (const auto& seg : segments_) {
    Segment s = seg;
    if (!s.sealed) s.end = written_.load(std::memory_order_acquire);
    if (s.end > pos) return s;
  }
  return std::nullopt;
}

void TickJournal::release_before(std::uint64_t pos) {
  std::lock_guard lk(mu_);
  // The newest segment stays even when committed: until begin() starts a new one, its seq
  // snapshot and records are what a restart numbers from if the database does not answer.
  while (segments_.size() > 1 && segments_.front().sealed && segments_.front().end <= pos) {
    if (::unlink(segments_.front().path.c_str()) != 0 && errno != ENOENT) {
      spdlog::warn("tick journal: cannot delete {}: {}", segments_.front().path, errno_text());
    }
    segments_.pop_front();
  }
  retained_from_.store(segments_.empty() ? written_.load() : segments_.front().start,
                       std::memory_order_release);
}

}  // namespace quflx
