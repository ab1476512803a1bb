#include "store/journal/segment_file.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace quflx {
namespace {

constexpr std::size_t kReadChunk = 4u << 20;

}  // namespace

std::string segment_file_name(std::uint64_t start) { return fmt::format("{:020}.qtj", start); }

std::optional<std::uint64_t> parse_segment_file_name(const std::string& name) {
  if (name.size() != 24 || !name.ends_with(".qtj")) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return v;
}

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

}  // namespace quflx
