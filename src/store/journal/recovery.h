#pragma once
// The tick journal's recovery scan at open: every record of every segment in the directory is
// checked. A torn tail (a crash mid-write) is cut off the newest segment; a record that does not
// decode anywhere else (a bad checksum, or a record running past the end of an older segment)
// is corruption: the bytes from it on are kept aside in `<segment>.corrupt`, synced, reported,
// and cut off. Segments left empty are deleted. What the records say about numbering (the
// highest seq per asset, from ticks and seq snapshots) is collected on the way.
//
// Called by TickJournal::open() on the opening thread, with the directory's lock held.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace quflx {

// How many of each asset's newest ticks recovery keeps for the tick-identity index (SPEC §1):
// at least `min_count`, more while they are within `span` of the asset's newest, never more than
// `max_count` (so a journal of millions of ticks costs a bounded amount of memory to scan).
struct RecentTicksBound {
  std::size_t min_count = 4096;
  std::chrono::microseconds span = std::chrono::seconds(10);
  std::size_t max_count = 65536;
};

struct RecentTick {
  std::int64_t time_us = 0;
  double price = 0.0;
  std::uint64_t seq = 0;
};

// One asset's newest durable ticks, oldest first (in the order they were appended).
struct RecentTicks {
  std::string asset;
  std::vector<RecentTick> ticks;
};

struct TickJournalRecovery {
  // The highest seq per asset found in the log (ticks and snapshots).
  std::vector<std::pair<std::string, std::uint64_t>> last_seqs;
  // Each asset's newest ticks in the log, within the RecentTicksBound.
  std::vector<RecentTicks> recent;
  std::size_t segments = 0;
  std::uint64_t records = 0;
  std::uint64_t ticks = 0;
  std::uint64_t bytes = 0;        // retained, to be persisted (or already partly persisted)
  std::uint64_t torn_bytes = 0;   // cut off the end of a segment (incomplete last write)
  std::vector<std::string> corrupt_files;  // bytes moved aside after a corrupt record
};

// A segment that holds whole records after recovery; [start, end) in log positions.
struct RecoveredSegment {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::string path;
};

struct RecoveredJournal {
  TickJournalRecovery report;
  std::vector<RecoveredSegment> segments;  // oldest first
};

// Scans and repairs the segments in `dir`; `dir_fd` (the open directory) is synced after a
// `.corrupt` file is written. An error if a file cannot be read, truncated or set aside.
// `recent` bounds what it keeps of each asset's newest ticks.
Result<RecoveredJournal> recover_journal(const std::string& dir, int dir_fd,
                                         const RecentTicksBound& recent = {});

}  // namespace quflx
