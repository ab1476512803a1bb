#include "store/journal/tick_journal_reader.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/journal/segment_file.h"

namespace quflx {

TickJournalReader::~TickJournalReader() {
  if (fd_ >= 0) ::close(fd_);
}

TickJournalReader::Read TickJournalReader::read(
    std::uint64_t pos, const std::function<bool(const journal::Record&, std::uint64_t end)>& fn) {
  Read r;
  r.position = pos;
  for (;;) {
    const auto seg = log_.segment_at(r.position);
    if (!seg) break;
    if (r.position < seg->start) r.position = seg->start;
    if (r.position >= seg->end) break;  // the active segment, caught up
    if (path_ != seg->path) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = ::open(seg->path.c_str(), O_RDONLY | O_CLOEXEC);
      path_ = seg->path;
      if (fd_ < 0) {
        spdlog::error("tick journal: cannot open {} for reading: {}", seg->path, std::strerror(errno));
        path_.clear();
        break;
      }
    }
    const std::uint64_t from = r.position - seg->start;
    const std::uint64_t to = seg->end - seg->start;
    bool stop = false;
    const auto scan = scan_segment(fd_, from, to, buffer_,
                                   [&](const journal::Record& rec, std::uint64_t end) {
                                     ++r.records;
                                     if (!fn(rec, seg->start + end)) stop = true;
                                     return !stop;
                                   });
    r.position = seg->start + scan.end;
    if (stop) break;
    if (scan.io_error) {
      spdlog::error("tick journal: read error in {}: {}", seg->path, std::strerror(errno));
      break;
    }
    if (scan.status == journal::DecodeStatus::kCorrupt) {
      // Written by this process or checked at recovery: only a disk fault gets here. Skip the
      // rest of the segment so the persister is not stuck; the error is counted and loud.
      ++r.corrupt;
      spdlog::error("tick journal: corrupt record in {} at offset {}; skipping the rest of it",
                    seg->path, scan.end);
      if (!seg->sealed) break;  // the writer may still be appending: look again later
      r.position = seg->end;
      continue;
    }
    if (scan.status == journal::DecodeStatus::kIncomplete) {
      // Below the written position every record is whole: only a shrunk file gets here.
      spdlog::error("tick journal: {} ends inside a record at offset {}", seg->path, scan.end);
      ++r.corrupt;
      if (!seg->sealed) break;
      r.position = seg->end;
      continue;
    }
    if (!seg->sealed) break;  // caught up with the writer
  }
  return r;
}

}  // namespace quflx
