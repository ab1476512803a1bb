#include "store/redis/resp_reader.h"

#include <gtest/gtest.h>

namespace quflx::redis {
namespace {

TEST(RespReader, ParsesRepliesSplitAcrossReads) {
  RespReader r;
  const std::string wire = "+OK\r\n:42\r\n$5\r\nhello\r\n$-1\r\n-ERR bad\r\n*2\r\n$1\r\na\r\n*1\r\n:7\r\n";
  std::vector<Reply> got;
  for (char c : wire) {  // one byte at a time: the worst split
    ASSERT_TRUE(r.feed(&c, 1));
    while (auto raw = r.next()) got.push_back(to_reply(raw.get()));
  }
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].type, Reply::Type::kStatus);
  EXPECT_EQ(got[1].integer, 42);
  EXPECT_EQ(got[2].str, "hello");
  EXPECT_TRUE(got[3].is_nil());
  EXPECT_TRUE(got[4].is_error());
  EXPECT_EQ(got[4].str, "ERR bad");
  ASSERT_EQ(got[5].elements.size(), 2u);
  EXPECT_EQ(got[5].elements[1].elements[0].integer, 7);
}

TEST(RespReader, RecognisesPubSubTraffic) {
  RespReader r;
  const std::string wire =
      "*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$2\r\nhi\r\n*3\r\n$3\r\nfoo\r\n$1\r\na\r\n$1\r\nb\r\n";
  ASSERT_TRUE(r.feed(wire.data(), wire.size()));
  auto m = r.next();
  ASSERT_TRUE(m);
  EXPECT_TRUE(is_push(m.get()));
  auto other = r.next();
  ASSERT_TRUE(other);
  EXPECT_FALSE(is_push(other.get()));
}

TEST(RespReader, AProtocolErrorIsReportedNotThrown) {
  RespReader r;
  const std::string wire = "?what\r\n";
  r.feed(wire.data(), wire.size());
  EXPECT_FALSE(r.next());
  EXPECT_TRUE(r.failed());
  EXPECT_NE(r.error().find("protocol error"), std::string::npos);
  EXPECT_FALSE(r.feed("+OK\r\n", 5));
}

TEST(RespReader, AnArrayLengthBeyondTheBoundIsAnErrorNotAnAllocation) {
  // A dozen bytes asking hiredis for 2.6 GB of element pointers (found by fuzz_resp).
  RespReader r;
  const std::string wire = "*333333333\r\n";
  r.feed(wire.data(), wire.size());
  EXPECT_FALSE(r.next());
  ASSERT_TRUE(r.failed());
  EXPECT_NE(r.error().find("more than"), std::string::npos) << r.error();
  // Inside the bound, arrays parse as before.
  RespReader ok;
  const std::string small = "*2\r\n:1\r\n:2\r\n";
  ok.feed(small.data(), small.size());
  auto reply = ok.next();
  ASSERT_TRUE(reply);
  EXPECT_EQ(to_reply(reply.get()).elements.size(), 2u);
}

}  // namespace
}  // namespace quflx::redis
