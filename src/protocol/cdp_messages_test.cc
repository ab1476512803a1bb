#include "protocol/cdp_messages.h"

#include <gtest/gtest.h>

namespace quflx {
namespace {

TEST(CdpMessages, TextAndBinaryFrames) {
  auto t = parse_cdp_message(
      R"({"method":"Network.webSocketFrameReceived","params":{"requestId":"7.1","timestamp":1.5,)"
      R"("response":{"opcode":1,"mask":false,"payloadData":"42[\"x\"]"}}})");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->kind, CdpKind::kFrameReceived);
  EXPECT_EQ(t->request_id, "7.1");
  EXPECT_FALSE(t->binary);
  EXPECT_EQ(t->payload, "42[\"x\"]");
  auto b = parse_cdp_message(
      R"({"method":"Network.webSocketFrameReceived","params":{"requestId":"7.1",)"
      R"("response":{"opcode":2,"payloadData":"W1siQSIsMSwyXV0="}}})");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->binary);
  EXPECT_EQ(b->payload, R"([["A",1,2]])");
  EXPECT_FALSE(parse_cdp_message(
                   R"({"method":"Network.webSocketFrameReceived","params":{"response":{"opcode":2,"payloadData":"%%"}}})")
                   .ok());
}

TEST(CdpMessages, AnOpcodeTooLargeForAnIntegerIsRejectedNotCast) {
  const auto m = parse_cdp_message(
      R"({"method":"Network.webSocketFrameReceived","params":{"requestId":"","response":)"
      R"({"opcode":1e70,"payloadData":"[1s"}}})");
  EXPECT_FALSE(m.ok() && m->kind == CdpKind::kFrameReceived && m->payload == "[1s");
}

TEST(CdpMessages, SocketLifecycleRepliesAndTargets) {
  auto c = parse_cdp_message(R"({"method":"Network.webSocketCreated","params":{"requestId":"1","url":"ws://x/socket.io/"}})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, CdpKind::kSocketCreated);
  EXPECT_EQ(c->url, "ws://x/socket.io/");
  auto d = parse_cdp_message(R"({"method":"Inspector.detached","params":{"reason":"target_closed"}})");
  EXPECT_EQ(d->kind, CdpKind::kDetached);
  auto r = parse_cdp_message(R"({"id":3,"error":{"code":-32601,"message":"nope"}})");
  EXPECT_EQ(r->kind, CdpKind::kReply);
  EXPECT_EQ(*r->id, 3);
  EXPECT_EQ(r->error, "nope");
  auto targets = parse_cdp_targets(
      R"([{"id":"A","type":"page","url":"http://127.0.0.1/x","title":"t","webSocketDebuggerUrl":"ws://127.0.0.1:9222/devtools/page/A"},{"type":"service_worker"}])");
  ASSERT_TRUE(targets.ok());
  ASSERT_EQ(targets->size(), 2u);
  EXPECT_EQ((*targets)[0].ws_url, "ws://127.0.0.1:9222/devtools/page/A");
  EXPECT_FALSE(parse_cdp_targets("{}").ok());
}

TEST(CdpMessages, Base64) {
  EXPECT_EQ(*base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(*base64_decode("aGVsbG8"), "hello");
  EXPECT_EQ(*base64_decode(""), "");
  EXPECT_FALSE(base64_decode("a"));
  EXPECT_FALSE(base64_decode("a*bc"));
}

}  // namespace
}  // namespace quflx
