#include "store/redis/endpoint.h"

#include <boost/url/parse.hpp>
#include <charconv>
#include <fmt/format.h>

namespace quflx::redis {

std::string Endpoint::display() const { return fmt::format("{}:{}/{}", host, port, db); }

Result<Endpoint> parse_redis_url(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return make_error(ErrorCode::kInvalidConfig,
                      fmt::format("redis url must look like redis://[:password@]host[:port][/db]"
                                  " ({})",
                                  why));
  };
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return bad("not a URL");
  const auto& u = *parsed;
  if (u.scheme() != "redis") {
    return bad(u.scheme() == "rediss" ? "TLS (rediss://) is not supported" : "scheme is not redis");
  }
  Endpoint ep;
  if (!u.encoded_host().empty()) ep.host = std::string(u.host_address());
  if (u.has_port()) {
    const auto port = u.port();
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc{} || p != port.data() + port.size() || v == 0 || v > 65535) {
      return bad("port must be 1..65535");
    }
    ep.port = static_cast<std::uint16_t>(v);
  }
  if (u.has_userinfo()) {
    ep.username = std::string(u.user());
    if (u.has_password()) ep.password = std::string(u.password());
  }
  std::string_view path = u.encoded_path();
  if (!path.empty() && path != "/") {
    path.remove_prefix(1);
    int db = 0;
    auto [p, ec] = std::from_chars(path.data(), path.data() + path.size(), db);
    if (ec != std::errc{} || p != path.data() + path.size() || db < 0) {
      return bad("database must be a number");
    }
    ep.db = db;
  }
  return ep;
}

}  // namespace quflx::redis
