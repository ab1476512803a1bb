#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace quflx::redis {

// Where a Redis server is, from a redis:// URL: redis://[[user]:password@]host[:port][/db].
struct Endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string username;
  std::string password;
  int db = 0;

  // host:port/db, never the password: safe for logs and /health.
  std::string display() const;
};

Result<Endpoint> parse_redis_url(std::string_view url);

}  // namespace quflx::redis
