#pragma once
// What Redis holds of every asset that has a `ticks:{A}` list, found with SCAN (never KEYS):
// its newest seq (LINDEX 0), and, when asked, the whole list (LRANGE, at most the buffer size).
// At start-up the server continues numbering after the highest seq that the journal, the
// database or Redis knows, so a restart never hands out a seq twice even when one of them lost
// its state; and the list's ticks rebuild the tick-identity index (SPEC §1) where the journal
// has nothing of an asset.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "protocol/market_json.h"

namespace quflx {

namespace redis {
class Connection;
}

struct TickListHead {
  std::string asset;
  std::uint64_t last_seq = 0;
  std::vector<TickRecord> ticks;  // oldest first; empty unless asked for
};

boost::asio::awaitable<Result<std::vector<TickListHead>>> read_tick_lists(
    redis::Connection& connection, bool with_ticks);

}  // namespace quflx
