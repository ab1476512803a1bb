#include "store/redis/server_info.h"

#include <charconv>

#include "store/redis/connection.h"

namespace quflx::redis {
namespace {

std::optional<std::int64_t> integer(std::string_view v) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec == std::errc{} && p == v.data() + v.size()) return n;
  return std::nullopt;
}

}  // namespace

ServerInfo parse_server_info(std::string_view info) {
  ServerInfo out;
  while (!info.empty()) {
    auto eol = info.find('\n');
    std::string_view line = info.substr(0, eol);
    info = eol == std::string_view::npos ? std::string_view{} : info.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto key = line.substr(0, colon);
    const auto value = line.substr(colon + 1);
    if (key == "redis_version") {
      out.version = std::string(value);
    } else if (key == "connected_clients") {
      out.connected_clients = integer(value);
    } else if (key == "used_memory") {
      out.used_memory = integer(value);
    } else if (key == "total_commands_processed") {
      out.total_commands_processed = integer(value);
    } else if (key == "keyspace_hits") {
      out.keyspace_hits = integer(value);
    } else if (key == "keyspace_misses") {
      out.keyspace_misses = integer(value);
    }
  }
  return out;
}

boost::asio::awaitable<Result<ServerInfo>> fetch_server_info(Connection& connection) {
  // (argv built first: g++ 12 miscompiles string literals in a braced list inside co_await)
  std::vector<std::string> argv{"INFO"};
  const Reply r = co_await connection.request(std::move(argv));
  if (!r.is_string()) co_return make_error(ErrorCode::kUnavailable, r.str);
  co_return parse_server_info(r.str);
}

}  // namespace quflx::redis
