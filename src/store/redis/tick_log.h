#pragma once
// TickLog: reads ticks back from `ticks:{A}` (the newest-first list RedisTickWriter keeps), for
// gap-free resume (`subscribe_redis_updates` with `last_seq`), for filling a gap in what a
// server relays from another one, and for `GET /api/ticks`; and its length (`get_redis_status`).
//
// A read answers the ticks with seq > `after`, oldest first, and says exactly which seqs in
// (after, newest] the list no longer holds (trimmed away, or never written while Redis was
// unreachable). Entries that do not parse as ticks are skipped and counted.
//
// Runs on the connection's executor. On an ingesting server use the writer's connection: its
// commands run in order, so a read sees every tick whose LPUSH was queued before it.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace quflx {

namespace redis {
class Connection;
}

struct SeqRange {
  std::uint64_t from = 0;  // inclusive
  std::uint64_t to = 0;    // inclusive
  friend bool operator==(const SeqRange&, const SeqRange&) = default;
};

struct TickSlice {
  std::vector<std::string> ticks;       // wire JSON, oldest first, seq > after
  std::vector<std::uint64_t> seqs;      // seqs[i] is the seq of ticks[i]
  std::uint64_t newest_seq = 0;         // seq at the head of the list; 0 if the list is empty
  std::vector<SeqRange> unavailable;    // seqs in (after, newest_seq] missing from the list
  std::size_t unreadable = 0;           // entries that were not valid ticks
};

// Builds the slice from LRANGE output (newest first). Pure; exposed for tests.
TickSlice slice_ticks(const std::vector<std::string>& newest_first, std::uint64_t after);

class TickLog {
 public:
  explicit TickLog(redis::Connection& connection) : conn_(connection) {}

  // Ticks of a valid asset with seq > after. Error `unavailable` when Redis cannot be asked.
  boost::asio::awaitable<Result<TickSlice>> read_after(std::string asset, std::uint64_t after);
  // The seq at the head of ticks:{A}; 0 if the list is empty (or its head is not a tick).
  boost::asio::awaitable<Result<std::uint64_t>> newest_seq(std::string asset);
  // How many entries ticks:{A} holds (LLEN; 0 if there is no list).
  boost::asio::awaitable<Result<std::int64_t>> length(std::string asset);

 private:
  redis::Connection& conn_;
};

}  // namespace quflx
