#pragma once
// What Redis holds of every asset that has a `ticks:{A}` list, found with SCAN (never KEYS):
// its newest seq and its newest `max_ticks` ticks (LRANGE 0 max_ticks-1; only LINDEX 0 when
// max_ticks is 0). At start-up the server continues numbering after the highest seq that the
// journal, the database or Redis knows, so a restart never hands out a seq twice even when one
// of them lost its state; and the list's ticks, merged with the journal's, rebuild the
// tick-identity index (SPEC §1).

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
  std::vector<TickRecord> ticks;  // oldest first; empty when max_ticks is 0
};

boost::asio::awaitable<Result<std::vector<TickListHead>>> read_tick_lists(
    redis::Connection& connection, std::size_t max_ticks);

}  // namespace quflx
