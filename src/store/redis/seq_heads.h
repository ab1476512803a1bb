#pragma once
// The newest seq of every asset that has a `ticks:{A}` list in Redis, found with SCAN (never
// KEYS) and LINDEX 0. At start-up the server continues numbering after the highest seq that
// the journal, the database or Redis knows, so a restart never hands out a seq twice even
// when one of them lost its state.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace quflx {

namespace redis {
class Connection;
}

boost::asio::awaitable<Result<std::vector<std::pair<std::string, std::uint64_t>>>>
read_tick_list_heads(redis::Connection& connection);

}  // namespace quflx
