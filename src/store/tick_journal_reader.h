#pragma once
// Reading the tick journal: scan_segment() walks the records of one segment file (recovery uses it
// to check every record); TickJournalReader follows the log across segments up to the written
// position for the persister. Record contents (asset names) view an internal buffer and are
// valid only during the callback.

#include <cstdint>
#include <functional>
#include <string>

#include "store/tick_journal.h"
#include "store/tick_journal_format.h"

namespace quflx {

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

// Follows a TickJournal from a position. One reader per consumer thread.
class TickJournalReader {
 public:
  explicit TickJournalReader(const TickJournal& log) : log_(log) {}
  ~TickJournalReader();
  TickJournalReader(const TickJournalReader&) = delete;
  TickJournalReader& operator=(const TickJournalReader&) = delete;

  struct Read {
    std::uint64_t position = 0;  // where the next read starts
    std::uint64_t records = 0;
    std::uint64_t corrupt = 0;   // records that failed to decode (their segment's rest skipped)
  };
  // Calls `fn` for each record from `pos` on, in log order, until `fn` returns false (after
  // taking that record) or the written position is reached. `fn` receives the global position
  // after the record.
  Read read(std::uint64_t pos,
            const std::function<bool(const journal::Record&, std::uint64_t end)>& fn);

 private:
  const TickJournal& log_;
  std::string path_;  // of the open segment
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace quflx
