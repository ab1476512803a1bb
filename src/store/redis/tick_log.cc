#include "store/redis/tick_log.h"

#include "protocol/market_json.h"
#include "store/redis/connection.h"
#include "store/redis/keys.h"

namespace quflx {

TickSlice slice_ticks(const std::vector<std::string>& newest_first, std::uint64_t after) {
  TickSlice s;
  // Walk oldest to newest; keep seqs strictly increasing (a duplicate or out-of-order entry
  // can only come from a foreign writer, and the later copy is the one we skip).
  std::uint64_t last = 0;
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    const auto tick = parse_tick_json(*it);
    if (!tick) {
      ++s.unreadable;
      continue;
    }
    if (tick->seq <= last) continue;
    last = tick->seq;
    if (tick->seq <= after) continue;
    s.ticks.push_back(*it);
    s.seqs.push_back(tick->seq);
  }
  s.newest_seq = last;
  std::uint64_t expect = after + 1;
  for (const auto seq : s.seqs) {
    if (seq > expect) s.unavailable.push_back({expect, seq - 1});
    expect = seq + 1;
  }
  return s;
}

boost::asio::awaitable<Result<TickSlice>> TickLog::read_after(std::string asset,
                                                              std::uint64_t after) {
  if (!conn_.connected()) co_return make_error(ErrorCode::kUnavailable, "redis is not connected");
  // (argv built first: g++ 12 miscompiles string literals in a braced list inside co_await)
  std::vector<std::string> argv{"LRANGE", redis_keys::ticks(asset), "0", "-1"};
  const redis::Reply r = co_await conn_.request(std::move(argv));
  if (r.is_error()) co_return make_error(ErrorCode::kUnavailable, "redis: " + r.str);
  std::vector<std::string> entries;
  entries.reserve(r.elements.size());
  for (const auto& e : r.elements) {
    if (e.is_string()) entries.push_back(e.str);
  }
  co_return slice_ticks(entries, after);
}

boost::asio::awaitable<Result<std::uint64_t>> TickLog::newest_seq(std::string asset) {
  if (!conn_.connected()) co_return make_error(ErrorCode::kUnavailable, "redis is not connected");
  std::vector<std::string> argv{"LINDEX", redis_keys::ticks(asset), "0"};
  const redis::Reply r = co_await conn_.request(std::move(argv));
  if (r.is_error()) co_return make_error(ErrorCode::kUnavailable, "redis: " + r.str);
  if (!r.is_string()) co_return std::uint64_t{0};
  const auto tick = parse_tick_json(r.str);
  co_return tick ? tick->seq : 0;
}

boost::asio::awaitable<Result<std::int64_t>> TickLog::length(std::string asset) {
  if (!conn_.connected()) co_return make_error(ErrorCode::kUnavailable, "redis is not connected");
  std::vector<std::string> argv{"LLEN", redis_keys::ticks(asset)};
  const redis::Reply r = co_await conn_.request(std::move(argv));
  if (r.type != redis::Reply::Type::kInteger) {
    co_return make_error(ErrorCode::kUnavailable, "redis: " + r.str);
  }
  co_return static_cast<std::int64_t>(r.integer);
}

}  // namespace quflx
