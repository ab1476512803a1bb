#include "store/tick_journal_reader.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace quflx {
namespace {

constexpr std::size_t kReadChunk = 4u << 20;

}  // namespace

SegmentScan scan_segment(int fd, std::uint64_t from, std::uint64_t to, std::string& buffer,
                         const RecordFn& fn) {
  SegmentScan scan;
  scan.end = from;
  journal::Record record;
  std::uint64_t file_pos = from;  // where the next pread reads
  std::size_t head = 0;           // decode position in buffer
  buffer.clear();
  bool eof = false;
  for (;;) {
    std::size_t consumed = 0;
    const std::string_view avail(buffer.data() + head, buffer.size() - head);
    const auto st = avail.empty() ? journal::DecodeStatus::kIncomplete
                                  : journal::decode_record(avail, record, consumed);
    if (st == journal::DecodeStatus::kOk) {
      head += consumed;
      scan.end += consumed;
      if (!fn(record, scan.end)) {
        scan.stopped = true;
        return scan;
      }
      continue;
    }
    if (st == journal::DecodeStatus::kCorrupt) {
      scan.status = st;
      return scan;
    }
    // Incomplete: read more, unless the range or the file is exhausted.
    if (eof || file_pos >= to) {
      scan.status = avail.empty() ? journal::DecodeStatus::kOk : journal::DecodeStatus::kIncomplete;
      return scan;
    }
    buffer.erase(0, head);
    head = 0;
    // A record larger than a chunk needs its whole length in the buffer.
    std::size_t want = kReadChunk;
    if (buffer.size() >= journal::kHeaderSize) {
      std::uint32_t body = 0;
      std::memcpy(&body, buffer.data() + 4, 4);
      want = std::max<std::size_t>(want, journal::kHeaderSize + body - buffer.size());
    }
    want = static_cast<std::size_t>(std::min<std::uint64_t>(want, to - file_pos));
    const std::size_t old = buffer.size();
    buffer.resize(old + want);
    ssize_t n;
    do {
      n = ::pread(fd, buffer.data() + old, want, static_cast<off_t>(file_pos));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      buffer.resize(old);
      scan.io_error = true;
      return scan;
    }
    buffer.resize(old + static_cast<std::size_t>(n));
    file_pos += static_cast<std::uint64_t>(n);
    if (n == 0) eof = true;
  }
}

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
