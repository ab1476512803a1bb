#include "store/redis/seq_heads.h"

#include "core/asset.h"
#include "protocol/market_json.h"
#include "store/redis/connection.h"

namespace quflx {

boost::asio::awaitable<Result<std::vector<std::pair<std::string, std::uint64_t>>>>
read_tick_list_heads(redis::Connection& connection) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
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
      std::vector<std::string> lindex{"LINDEX", k, "0"};
      const redis::Reply head = co_await connection.request(std::move(lindex));
      if (head.is_error()) co_return make_error(ErrorCode::kUnavailable, "redis LINDEX: " + head.str);
      if (!head.is_string()) continue;
      if (const auto tick = parse_tick_json(head.str)) out.emplace_back(std::move(asset), tick->seq);
    }
  } while (cursor != "0");
  co_return out;
}

}  // namespace quflx
