#include "store/journal/recovery.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>

#include "store/journal/segment_file.h"

namespace quflx {
namespace fs = std::filesystem;
namespace {

std::string errno_text() { return std::strerror(errno); }

// One asset's newest ticks while the segments are read.
struct RecentWindow {
  std::deque<RecentTick> ticks;
  std::int64_t newest_us = INT64_MIN;  // the latest tick time seen (ticks may be out of order)

  // Appends `t` and drops from the front what the bound no longer keeps.
  void add(const RecentTick& t, const RecentTicksBound& bound) {
    ticks.push_back(t);
    newest_us = std::max(newest_us, t.time_us);
    while (ticks.size() > bound.min_count &&
           (ticks.size() > bound.max_count || ticks.front().time_us < newest_us - bound.span.count())) {
      ticks.pop_front();
    }
  }
};

}  // namespace

Result<RecoveredJournal> recover_journal(const std::string& dir, int dir_fd,
                                         const RecentTicksBound& bound) {
  RecoveredJournal result;
  TickJournalRecovery& recovery = result.report;
  std::vector<std::pair<std::uint64_t, std::string>> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (auto start = parse_segment_file_name(name)) files.emplace_back(*start, entry.path().string());
  }
  std::sort(files.begin(), files.end());

  std::map<std::string, std::uint64_t, std::less<>> last;
  std::map<std::string, RecentWindow, std::less<>> recent;
  std::vector<RecentWindow*> record_recent;
  std::string buffer;
  std::vector<std::uint64_t> record_max;
  for (const auto& [start, path] : files) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      return make_error(ErrorCode::kUnavailable,
                        fmt::format("tick journal: cannot open {}: {}", path, errno_text()));
    }
    struct stat st {};
    ::fstat(fd, &st);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const auto scan = scan_segment(fd, 0, size, buffer, [&](const journal::Record& rec, std::uint64_t) {
      ++recovery.records;
      record_max.assign(rec.assets.size(), 0);
      for (const auto& t : rec.ticks) record_max[t.asset] = std::max(record_max[t.asset], t.seq);
      for (const auto& s : rec.seqs) record_max[s.asset] = std::max(record_max[s.asset], s.last_seq);
      recovery.ticks += rec.ticks.size();
      record_recent.assign(rec.assets.size(), nullptr);
      for (const auto& t : rec.ticks) {
        auto*& window = record_recent[t.asset];
        if (!window) {
          auto it = recent.find(rec.assets[t.asset]);
          if (it == recent.end()) it = recent.emplace(std::string(rec.assets[t.asset]), RecentWindow{}).first;
          window = &it->second;
        }
        window->add(RecentTick{t.time_us, t.price, t.seq}, bound);
      }
      for (std::size_t i = 0; i < rec.assets.size(); ++i) {
        if (record_max[i] == 0) continue;
        auto it = last.find(rec.assets[i]);
        if (it == last.end()) {
          last.emplace(std::string(rec.assets[i]), record_max[i]);
        } else {
          it->second = std::max(it->second, record_max[i]);
        }
      }
      return true;
    });
    if (scan.io_error) {
      ::close(fd);
      return make_error(ErrorCode::kUnavailable,
                        fmt::format("tick journal: cannot read {}: {}", path, errno_text()));
    }
    if (scan.end < size) {
      // A write cut short by a crash can only be the newest segment's last record; anything
      // else that does not decode (a bad checksum, or a record running past the end of an
      // older segment) is corruption.
      const bool newest = start == files.back().first;
      if (scan.status == journal::DecodeStatus::kCorrupt || !newest) {
        // Keep the unreadable bytes for inspection, on disk before they are cut off here; the
        // records before them are good.
        const std::string aside = path + ".corrupt";
        std::string rest(size - scan.end, '\0');
        const auto n = ::pread(fd, rest.data(), rest.size(), static_cast<off_t>(scan.end));
        const int out = ::open(aside.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        const bool kept = n == static_cast<ssize_t>(rest.size()) && out >= 0 &&
                          ::write(out, rest.data(), rest.size()) == n && ::fsync(out) == 0 &&
                          ::fsync(dir_fd) == 0;
        if (out >= 0) ::close(out);
        if (!kept) {
          ::close(fd);
          return make_error(ErrorCode::kUnavailable,
                            fmt::format("tick journal: corrupt record in {} at offset {}, and its "
                                        "bytes could not be set aside in {}: {}",
                                        path, scan.end, aside, errno_text()));
        }
        recovery.corrupt_files.push_back(aside);
        spdlog::error("tick journal: corrupt record in {} at offset {}; {} bytes after it moved to {}",
                      path, scan.end, size - scan.end, aside);
      } else {
        recovery.torn_bytes += size - scan.end;
        spdlog::warn("tick journal: {} ended in an incomplete record (a crash during a write); cut "
                     "{} bytes", path, size - scan.end);
      }
      if (::ftruncate(fd, static_cast<off_t>(scan.end)) != 0 || ::fsync(fd) != 0) {
        ::close(fd);
        return make_error(ErrorCode::kUnavailable,
                          fmt::format("tick journal: cannot truncate {}: {}", path, errno_text()));
      }
    }
    ::close(fd);
    if (scan.end == 0) {
      ::unlink(path.c_str());
      continue;
    }
    result.segments.push_back(RecoveredSegment{start, start + scan.end, path});
    recovery.bytes += scan.end;
  }
  recovery.segments = result.segments.size();
  for (auto& [name, seq] : last) recovery.last_seqs.emplace_back(name, seq);
  for (auto& [name, window] : recent) {
    recovery.recent.push_back(RecentTicks{name, std::vector<RecentTick>(window.ticks.begin(), window.ticks.end())});
  }
  return result;
}

}  // namespace quflx
