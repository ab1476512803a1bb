#include "store/redis/seq_heads.h"

#include <algorithm>

#include "core/asset.h"
#include "store/redis/connection.h"

namespace quflx {

boost::asio::awaitable<Result<std::vector<TickListHead>>> read_tick_lists(
    redis::Connection& connection, std::size_t max_ticks) {
  std::vector<TickListHead> out;
  std::string cursor = "0";
  do {
    // (argv built first: g++ 12 miscompiles string literals in a braced list inside co_await)
    std::vector<std::string> scan{"SCAN", cursor, "MATCH", "ticks:{*}", "COUNT", "1000"};
    const redis::Reply r = co_await connection.request(std::move(scan));
    if (r.is_error() || r.elements.size() != 2) {
      co_return make_error(ErrorCode::kUnavailable, "redis SCAN: " + r.str);
    }
    cursor = r.elements[0].str;
    for (const auto& key : r.elements[1].elements) {
      const std::string& k = key.str;
      if (k.size() < 8 || !k.starts_with("ticks:{") || k.back() != '}') continue;
      std::string asset = k.substr(7, k.size() - 8);
      if (!is_valid_asset_name(asset)) continue;
      TickListHead head{std::move(asset), 0, {}};
      if (max_ticks > 0) {
        std::vector<std::string> lrange{"LRANGE", k, "0", std::to_string(max_ticks - 1)};
        const redis::Reply list = co_await connection.request(std::move(lrange));
        if (list.is_error()) co_return make_error(ErrorCode::kUnavailable, "redis LRANGE: " + list.str);
        // Newest first in the list; unreadable entries are skipped (the writer wrote them all).
        for (auto it = list.elements.rbegin(); it != list.elements.rend(); ++it) {
          if (auto tick = parse_tick_json(it->str)) head.ticks.push_back(std::move(*tick));
        }
        if (head.ticks.empty()) continue;
        for (const auto& t : head.ticks) head.last_seq = std::max(head.last_seq, t.seq);
      } else {
        std::vector<std::string> lindex{"LINDEX", k, "0"};
        const redis::Reply first = co_await connection.request(std::move(lindex));
        if (first.is_error()) co_return make_error(ErrorCode::kUnavailable, "redis LINDEX: " + first.str);
        if (!first.is_string()) continue;
        const auto tick = parse_tick_json(first.str);
        if (!tick) continue;
        head.last_seq = tick->seq;
      }
      out.push_back(std::move(head));
    }
  } while (cursor != "0");
  co_return out;
}

}  // namespace quflx
