#include "protocol/http_host.h"

#include <gtest/gtest.h>

namespace quflx::http_host {
namespace {

TEST(HttpHostTest, TheHostPartIsLoweredWithoutPortOrTrailingDot) {
  EXPECT_EQ(host_of("Name.Example:3001"), "name.example");
  EXPECT_EQ(host_of("example.com."), "example.com");
  EXPECT_EQ(host_of("[::1]:3001"), "[::1]");
  EXPECT_EQ(host_of("[::FFFF:127.0.0.1]"), "[::ffff:127.0.0.1]");
  EXPECT_EQ(host_of("127.0.0.1"), "127.0.0.1");
}

TEST(HttpHostTest, MalformedValuesHaveNoHost) {
  for (const char* bad : {"", ":3001", "a b", "host:", "host:99999", "host:30x1", "[::1", "[zz]:1",
                          "[::1]x", "evil.com\r\nX: y", ".", "h%2e", "a:b:c"}) {
    EXPECT_FALSE(host_of(bad)) << bad;
  }
  EXPECT_FALSE(host_of(std::string(300, 'a')));
}

TEST(HttpHostTest, IpLiteralsLocalhostAndListedNamesAreAllowed) {
  const AllowList list{{"quflx.example"}};
  for (const char* ok : {"127.0.0.1:3001", "10.1.2.3", "[::1]:3001", "[fe80::1]", "localhost:3001",
                         "LOCALHOST", "app.localhost", "quflx.example:443", "Quflx.Example."}) {
    EXPECT_TRUE(allowed(list, ok)) << ok;
  }
  EXPECT_TRUE(allowed(list, std::nullopt));  // no Host: not a browser
}

TEST(HttpHostTest, ARebindingNameIsRefused) {
  const AllowList list{{"quflx.example"}};
  for (const char* no : {"attacker.example:3001", "127.0.0.1.nip.io", "localhost.attacker.example",
                         "quflx.example.attacker.example", "0x7f000001", "127.1", "evil:3001"}) {
    EXPECT_FALSE(allowed(list, no)) << no;
  }
  EXPECT_TRUE(allowed(AllowList{{"*"}}, "attacker.example"));
  EXPECT_FALSE(allowed(AllowList{{"*"}}, "bad host"));  // still has to be a host
}

}  // namespace
}  // namespace quflx::http_host
