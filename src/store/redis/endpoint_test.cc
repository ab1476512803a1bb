#include "store/redis/endpoint.h"

#include <gtest/gtest.h>

namespace quflx::redis {
namespace {

TEST(RedisUrl, ParsesHostPortPasswordAndDb) {
  auto ep = parse_redis_url("redis://:s3cret@10.0.0.5:6380/2");
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  EXPECT_EQ(ep->host, "10.0.0.5");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->password, "s3cret");
  EXPECT_EQ(ep->username, "");
  EXPECT_EQ(ep->db, 2);
  EXPECT_EQ(ep->display(), "10.0.0.5:6380/2");  // never the password
}

TEST(RedisUrl, DefaultsPortAndDb) {
  auto ep = parse_redis_url("redis://localhost");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->host, "localhost");
  EXPECT_EQ(ep->port, 6379);
  EXPECT_EQ(ep->db, 0);
  auto with_user = parse_redis_url("redis://app:pw@localhost:1/");
  ASSERT_TRUE(with_user.ok());
  EXPECT_EQ(with_user->username, "app");
  EXPECT_EQ(with_user->password, "pw");
}

TEST(RedisUrl, RejectsOtherSchemesAndBadPortsOrDbs) {
  for (const char* u : {"http://localhost", "rediss://localhost", "redis://h:0", "redis://h:70000",
                        "redis://h:12ab", "redis://h/x", "not a url", ""}) {
    auto ep = parse_redis_url(u);
    ASSERT_FALSE(ep.ok()) << u;
    EXPECT_EQ(ep.error().code, ErrorCode::kInvalidConfig);
  }
}

}  // namespace
}  // namespace quflx::redis
