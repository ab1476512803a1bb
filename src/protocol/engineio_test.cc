#include "protocol/engineio.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace quflx::eio {
namespace {

TEST(EngineIo, DecodesTextPacketsOfEveryType) {
  auto p = decode_text("4hello");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, PacketType::kMessage);
  EXPECT_EQ(p->data, "hello");
  EXPECT_EQ(decode_text("2probe")->type, PacketType::kPing);
  EXPECT_EQ(decode_text("6")->type, PacketType::kNoop);
  EXPECT_FALSE(decode_text(""));
  EXPECT_FALSE(decode_text("7"));
  EXPECT_FALSE(decode_text("x4"));
}

TEST(EngineIo, SplitsAPollingPayloadOnTheRecordSeparator) {
  // The protocol's own example: "4hello\x1ebAQID" is a text and a binary message.
  std::vector<Packet> out;
  ASSERT_TRUE(decode_payload("4hello\x1e" "bAQID\x1e" "2", out).ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].data, "hello");
  EXPECT_FALSE(out[0].binary);
  EXPECT_TRUE(out[1].binary);
  EXPECT_EQ(out[1].type, PacketType::kMessage);
  EXPECT_EQ(out[1].data, std::string("\x01\x02\x03", 3));
  EXPECT_EQ(out[2].type, PacketType::kPing);
}

TEST(EngineIo, RejectsBrokenPayloadsNamingThePacket) {
  std::vector<Packet> out;
  auto r = decode_payload("4a\x1e\x1e" "4b", out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kProtocol);
  EXPECT_NE(r.error().message.find("packet 1"), std::string::npos);
  EXPECT_FALSE(decode_payload("", out).ok());
  EXPECT_FALSE(decode_payload("9x", out).ok());
  EXPECT_FALSE(decode_payload("b!!!!", out).ok());
  std::string many(20, '\x1e');
  EXPECT_FALSE(decode_payload(many, out, 10).ok());
}

TEST(EngineIo, JoinsPacketsForAPollingResponse) {
  std::string body;
  append_to_payload(body, "2");
  append_to_payload(body, "42[\"x\"]");
  EXPECT_EQ(body, "2\x1e" "42[\"x\"]");
}

TEST(EngineIo, OpenPacketCarriesTheHandshake) {
  const auto p = open_packet({"abc", true, std::chrono::milliseconds(300), std::chrono::milliseconds(200), 1000});
  ASSERT_EQ(p[0], '0');
  const auto v = boost::json::parse(p.substr(1)).as_object();
  EXPECT_EQ(v.at("sid").as_string(), "abc");
  EXPECT_EQ(v.at("upgrades").as_array().at(0).as_string(), "websocket");
  EXPECT_EQ(v.at("pingInterval").as_int64(), 300);
  EXPECT_EQ(v.at("pingTimeout").as_int64(), 200);
  EXPECT_EQ(v.at("maxPayload").as_int64(), 1000);
  EXPECT_TRUE(boost::json::parse(open_packet({"x", false}).substr(1)).at("upgrades").as_array().empty());
}

TEST(EngineIo, HttpErrorBodiesMatchTheReferenceServer) {
  EXPECT_EQ(http_error_body(HttpError::kUnknownSid), R"({"code":1,"message":"Session ID unknown"})");
  EXPECT_EQ(http_error_body(HttpError::kUnsupportedProtocolVersion),
            R"({"code":5,"message":"Unsupported protocol version"})");
}

}  // namespace
}  // namespace quflx::eio
