#include "protocol/websocket.h"

#include <gtest/gtest.h>

namespace quflx::ws {
namespace {

// A client frame: masked with a fixed key.
std::string client_frame(std::uint8_t first_byte, std::string_view payload,
                         std::uint32_t mask = 0x11223344) {
  std::string f;
  f.push_back(static_cast<char>(first_byte));
  const auto n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xFF));
  } else {
    f.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF));
  }
  const std::uint8_t m[4] = {static_cast<std::uint8_t>(mask >> 24), static_cast<std::uint8_t>(mask >> 16),
                             static_cast<std::uint8_t>(mask >> 8), static_cast<std::uint8_t>(mask)};
  f.append(reinterpret_cast<const char*>(m), 4);
  for (std::size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(payload[i] ^ m[i & 3]));
  return f;
}

TEST(WebSocket, AcceptKeyMatchesTheRfcExample) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_TRUE(is_valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_FALSE(is_valid_client_key("short"));
  EXPECT_FALSE(is_valid_client_key("dGhlIHNhbXBsZSBub25jZQ!!"));
}

TEST(WebSocket, HeadersUseTheShortestLengthForm) {
  std::uint8_t h[kMaxHeaderBytes];
  EXPECT_EQ(encode_header(h, Opcode::kText, 125), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 125);
  EXPECT_EQ(encode_header(h, Opcode::kText, 126), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(h[2], 0);
  EXPECT_EQ(h[3], 126);
  EXPECT_EQ(encode_header(h, Opcode::kBinary, 70000), 10u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ(h[7], 0x01);
  EXPECT_EQ(h[8], 0x11);
  EXPECT_EQ(h[9], 0x70);
}

TEST(WebSocket, ReadsMessagesSplitAcrossReadsAndFragments) {
  MessageReader r(1 << 20);
  const std::string big(70000, 'x');
  std::string wire = client_frame(0x81, "42[\"a\"]") + client_frame(0x01, "hel") +
                     client_frame(0x89, "ping!") + client_frame(0x80, "lo") +
                     client_frame(0x82, big);
  Message m;
  std::vector<Message> got;
  for (char c : wire) {  // one byte at a time: the worst split there is
    r.append(std::string_view(&c, 1));
    while (r.next(m) == MessageReader::Status::kMessage) got.push_back(m);
  }
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].kind, Message::Kind::kText);
  EXPECT_EQ(got[0].data, "42[\"a\"]");
  EXPECT_EQ(got[1].kind, Message::Kind::kPing);  // a control frame between fragments
  EXPECT_EQ(got[1].data, "ping!");
  EXPECT_EQ(got[2].data, "hello");
  EXPECT_EQ(got[3].kind, Message::Kind::kBinary);
  EXPECT_EQ(got[3].data, big);
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(WebSocket, ReadsCloseFramesWithAndWithoutCode) {
  MessageReader r(1000);
  Message m;
  r.append(client_frame(0x88, ""));
  ASSERT_EQ(r.next(m), MessageReader::Status::kMessage);
  EXPECT_EQ(m.kind, Message::Kind::kClose);
  EXPECT_EQ(m.close_code, 1005);
  r.append(client_frame(0x88, std::string("\x03\xe8" "bye", 5)));
  ASSERT_EQ(r.next(m), MessageReader::Status::kMessage);
  EXPECT_EQ(m.close_code, 1000);
  EXPECT_EQ(m.data, "bye");
}

TEST(WebSocket, FailsTheConnectionWithTheRightCode) {
  struct Case {
    std::string wire;
    std::uint16_t code;
  } cases[] = {
      {std::string("\x81\x02hi", 4), kProtocolError},             // not masked
      {client_frame(0xC1, "x"), kProtocolError},                  // RSV1 without extension
      {client_frame(0x83, "x"), kProtocolError},                  // reserved opcode
      {client_frame(0x09, "x"), kProtocolError},                  // fragmented ping
      {client_frame(0x89, std::string(126, 'p')), kProtocolError},  // control > 125
      {client_frame(0x80, "x"), kProtocolError},                  // continuation of nothing
      {client_frame(0x01, "a") + client_frame(0x81, "b"), kProtocolError},  // interleaved message
      {client_frame(0x81, "\xff"), kInvalidPayload},              // text not UTF-8
      {client_frame(0x81, std::string(101, 'x')), kMessageTooBig},
      {client_frame(0x01, std::string(60, 'x')) + client_frame(0x80, std::string(60, 'x')), kMessageTooBig},
      {client_frame(0x88, "\x03"), kProtocolError},               // 1-byte close payload
      {client_frame(0x88, std::string("\x03\xed", 2)), kProtocolError},  // close code 1005 on the wire
  };
  for (const auto& c : cases) {
    MessageReader r(100);
    r.append(c.wire);
    Message m;
    MessageReader::Status s;
    while ((s = r.next(m)) == MessageReader::Status::kMessage) {
    }
    ASSERT_EQ(s, MessageReader::Status::kError) << testing::PrintToString(c.wire);
    EXPECT_EQ(r.error_code(), c.code) << r.error_reason();
  }
}

TEST(WebSocket, ALengthAboveTheLimitFailsBeforeThePayloadArrives) {
  MessageReader r(1000);
  std::string header = client_frame(0x82, std::string(5000, 'x')).substr(0, 8);
  r.append(header);
  Message m;
  EXPECT_EQ(r.next(m), MessageReader::Status::kError);
  EXPECT_EQ(r.error_code(), kMessageTooBig);
}

TEST(WebSocket, CloseFrameCarriesCodeAndAUtf8SafeReason) {
  const auto f = encode_close(1009, "too big");
  EXPECT_EQ(static_cast<std::uint8_t>(f[0]), 0x88);
  EXPECT_EQ(f[1], 9);
  EXPECT_EQ(static_cast<std::uint8_t>(f[2]), 0x03);
  EXPECT_EQ(static_cast<std::uint8_t>(f[3]), 0xF1);
  std::string long_reason(122, 'a');
  long_reason += "\xE2\x82\xAC";  // cut in the middle by the 123-byte limit
  const auto g = encode_close(1000, long_reason);
  EXPECT_LE(g.size(), 2u + 125u);
  EXPECT_EQ(g.substr(4), std::string(122, 'a'));
}

}  // namespace
}  // namespace quflx::ws
