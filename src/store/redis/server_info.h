#pragma once
// What the server reports of Redis itself (`get_redis_status`), from `INFO`: the version and
// the counters an operator looks at first. parse_server_info() is the pure part.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace quflx::redis {

class Connection;

// Fields absent from the reply stay empty; the counters are integers in every Redis version,
// a value that is not one is left out.
struct ServerInfo {
  std::optional<std::string> version;               // redis_version
  std::optional<std::int64_t> connected_clients;
  std::optional<std::int64_t> used_memory;          // bytes
  std::optional<std::int64_t> total_commands_processed;
  std::optional<std::int64_t> keyspace_hits;
  std::optional<std::int64_t> keyspace_misses;
};

// The "key:value" lines of an INFO reply (CRLF or LF; section headers and blank lines skipped).
ServerInfo parse_server_info(std::string_view info);

// Sends INFO. The error's message is Redis's own (or the connection's) text.
boost::asio::awaitable<Result<ServerInfo>> fetch_server_info(Connection& connection);

}  // namespace quflx::redis
