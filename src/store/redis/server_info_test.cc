#include "store/redis/server_info.h"

#include <gtest/gtest.h>

namespace quflx::redis {
namespace {

TEST(ServerInfo, ReadsTheFieldsOfAnInfoReply) {
  const auto info = parse_server_info(
      "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n\r\n"
      "# Clients\r\nconnected_clients:3\r\n\r\n# Memory\r\nused_memory:1048576\r\n"
      "used_memory_human:1.00M\r\n\r\n# Stats\r\ntotal_commands_processed:42\r\n"
      "keyspace_hits:7\r\nkeyspace_misses:2\r\n");
  EXPECT_EQ(info.version, "7.0.15");
  EXPECT_EQ(info.connected_clients, 3);
  EXPECT_EQ(info.used_memory, 1048576);
  EXPECT_EQ(info.total_commands_processed, 42);
  EXPECT_EQ(info.keyspace_hits, 7);
  EXPECT_EQ(info.keyspace_misses, 2);
}

TEST(ServerInfo, AbsentOrNonIntegerFieldsStayEmpty) {
  const auto info = parse_server_info("redis_version:6.2\nused_memory:lots\nkeyspace_hits:5x\n"
                                      "connected_clients\n");
  EXPECT_EQ(info.version, "6.2");  // LF-only lines too
  EXPECT_FALSE(info.used_memory);
  EXPECT_FALSE(info.keyspace_hits);
  EXPECT_FALSE(info.connected_clients);
  EXPECT_FALSE(info.total_commands_processed);
  EXPECT_FALSE(parse_server_info("").version);
}

}  // namespace
}  // namespace quflx::redis
