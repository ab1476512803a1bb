#pragma once
// One segment file of the tick journal: its name on disk and a walk over its records.
// scan_segment() is what both the recovery at open (every record checked) and
// TickJournalReader (the persister following the log) read a segment with. Record contents
// (asset names) view the caller's buffer and are valid only during the callback.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "store/journal/tick_journal_format.h"

namespace quflx {

// `<start position, 20 digits>.qtj`, where a position is a byte offset in the concatenation
// of all segments ever written.
std::string segment_file_name(std::uint64_t start);
// The start position a segment file name stands for; empty if `name` is not one.
std::optional<std::uint64_t> parse_segment_file_name(const std::string& name);

struct SegmentScan {
  std::uint64_t end = 0;  // offset after the last whole, valid record
  journal::DecodeStatus status = journal::DecodeStatus::kOk;  // why it stopped (kOk: reached `to`)
  bool io_error = false;
  bool stopped = false;   // the callback asked to stop
};

using RecordFn = std::function<bool(const journal::Record& record, std::uint64_t end_offset)>;

// Reads records of the open file `fd` from byte `from` up to byte `to` (the file's end if
// larger). `fn` returns false to stop after a record.
SegmentScan scan_segment(int fd, std::uint64_t from, std::uint64_t to, std::string& buffer,
                         const RecordFn& fn);

}  // namespace quflx
