#pragma once
// TickJournalReader follows the log across segments up to the written position, for the
// persister (on its thread). Record contents (asset names) view an internal buffer and are
// valid only during the callback.

#include <cstdint>
#include <functional>
#include <string>

#include "store/journal/tick_journal.h"
#include "store/journal/tick_journal_format.h"

namespace quflx {

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
