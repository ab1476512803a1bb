#include "protocol/socketio.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace quflx::sio {
namespace {

namespace json = boost::json;

TEST(SocketIo, DecodesTheProtocolsExamples) {
  auto p = decode("0");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::kConnect);
  EXPECT_EQ(p->nsp, "/");
  EXPECT_TRUE(p->payload.empty());

  p = decode("0/admin,{\"token\":\"123\"}");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->nsp, "/admin");
  EXPECT_EQ(p->payload, "{\"token\":\"123\"}");

  p = decode("212[\"hello\",1]");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::kEvent);
  EXPECT_EQ(p->ack_id, 12u);
  EXPECT_EQ(p->payload, "[\"hello\",1]");

  p = decode("51-[\"hello\",{\"_placeholder\":true,\"num\":0}]");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::kBinaryEvent);
  EXPECT_EQ(p->attachments, 1u);
  EXPECT_FALSE(p->ack_id);

  p = decode("61-/admin,15[{\"_placeholder\":true,\"num\":0}]");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::kBinaryAck);
  EXPECT_EQ(p->nsp, "/admin");
  EXPECT_EQ(p->ack_id, 15u);

  p = decode("1/admin,");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::kDisconnect);
}

TEST(SocketIo, RejectsMalformedHeaders) {
  for (const char* bad : {"", "7", "x", "5[\"a\"]", "5x-[\"a\"]", "599-[\"a\"]", "3[1]", "01",
                          "1{}", "2/ad min,[\"a\"]", "21234567890123456[\"a\"]"}) {
    EXPECT_FALSE(decode(bad).ok()) << bad;
  }
}

TEST(SocketIo, ParsesEventsAndNamesWhatIsWrong) {
  auto e = parse_event(R"(["start_stream",{"asset":"EURUSD_otc"},2])");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->name, "start_stream");
  ASSERT_EQ(e->args.size(), 2u);
  EXPECT_EQ(e->args[0].at("asset").as_string(), "EURUSD_otc");

  struct Case {
    std::string payload;
    ErrorCode code;
  } cases[] = {
      {"", ErrorCode::kBadPayload},
      {"[", ErrorCode::kBadJson},
      {"{}", ErrorCode::kBadPayload},
      {"[]", ErrorCode::kBadPayload},
      {"[1]", ErrorCode::kBadPayload},
      {"[\"connect\"]", ErrorCode::kBadPayload},
      {"[\"a\",\"\xff\"]", ErrorCode::kInvalidUtf8},
      {std::string(100, '[') + std::string(100, ']'), ErrorCode::kBadJson},
  };
  for (const auto& c : cases) {
    auto r = parse_event(c.payload);
    ASSERT_FALSE(r.ok()) << c.payload;
    EXPECT_EQ(r.error().code, c.code) << c.payload << ": " << r.error().message;
  }
}

TEST(SocketIo, ConnectPayloadIsAbsentOrAnObject) {
  EXPECT_TRUE(parse_connect("").ok());
  auto a = parse_connect(R"({"token":"t"})");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->at("token").as_string(), "t");
  EXPECT_FALSE(parse_connect("[1]").ok());
  EXPECT_FALSE(parse_connect("{").ok());
}

TEST(SocketIo, FillsPlaceholdersWithAttachmentText) {
  auto v = json::parse(R"([{"asset":{"_placeholder":true,"num":1},"x":[{"_placeholder":true,"num":0}]}])");
  const std::string att[] = {"first", "EURUSD_otc"};
  ASSERT_TRUE(fill_placeholders(v, att).ok());
  EXPECT_EQ(v.at(0).at("asset").as_string(), "EURUSD_otc");
  EXPECT_EQ(v.at(0).at("x").at(0).as_string(), "first");
}

TEST(SocketIo, RejectsPlaceholderMismatches) {
  const std::string one[] = {"a"};
  auto missing = json::parse(R"([{"_placeholder":true,"num":1}])");
  EXPECT_FALSE(fill_placeholders(missing, one).ok());
  auto unused = json::parse(R"([1])");
  EXPECT_FALSE(fill_placeholders(unused, one).ok());
  const std::string bin[] = {std::string("\xff\xfe", 2)};
  auto v = json::parse(R"([{"_placeholder":true,"num":0}])");
  auto r = fill_placeholders(v, bin);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidUtf8);
}

TEST(SocketIo, PlaceholderNumbersOutOfRangeAreBadPayloadNotExceptions) {
  // A client controls `num`: numbers no attachment can have are a bad placeholder, whatever
  // their JSON type (uint64 above INT64_MAX, negative, fractional, huge double).
  const std::string one[] = {"a"};
  for (const char* text :
       {R"([{"_placeholder":true,"num":9223372036854775808}])",
        R"([{"_placeholder":true,"num":18446744073709551615}])",
        R"([{"_placeholder":true,"num":-1}])", R"([{"_placeholder":true,"num":-9223372036854775808}])",
        R"([{"_placeholder":true,"num":0.5}])", R"([{"_placeholder":true,"num":1e300}])",
        R"([{"_placeholder":true,"num":"0"}])"}) {
    auto v = json::parse(text);
    Result<void> r = make_error(ErrorCode::kInternal, "not run");
    ASSERT_NO_THROW(r = fill_placeholders(v, one)) << text;
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, ErrorCode::kBadPayload) << text;
  }
  // A uint64 that fits is a placeholder like an int64.
  auto v = json::value(json::array{json::object{{"_placeholder", true}, {"num", std::uint64_t{0}}}});
  ASSERT_TRUE(v.at(0).at("num").is_uint64());
  ASSERT_TRUE(fill_placeholders(v, one).ok());
  EXPECT_EQ(v.at(0).as_string(), "a");
}

TEST(SocketIo, EncodesWhatTheClientDecodes) {
  std::string out;
  append_event(out, "tick_update", R"({"seq":1})");
  EXPECT_EQ(out, R"(2["tick_update",{"seq":1}])");
  out.clear();
  append_event(out, "ping_me", "");
  EXPECT_EQ(out, R"(2["ping_me"])");
  out.clear();
  append_ack(out, 7, R"({"ok":true})");
  EXPECT_EQ(out, R"(37[{"ok":true}])");
  out.clear();
  append_connect(out, "s1");
  EXPECT_EQ(out, R"(0{"sid":"s1"})");
  out.clear();
  append_connect_error(out, "/admin", "Invalid namespace", "protocol_error");
  EXPECT_EQ(out, R"(4/admin,{"message":"Invalid namespace","data":{"code":"protocol_error"}})");
  // Round trip through the decoder.
  auto p = decode(out);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::kConnectError);
}

TEST(SocketIo, FramesServerPacketsAsEngineIoMessages) {
  std::string out;
  append_event_message(out, "tick_update", R"({"seq":1})");
  EXPECT_EQ(out, R"(42["tick_update",{"seq":1}])");
  out.clear();
  append_event_message(out, "candle_update", R"({"open":1})");
  EXPECT_EQ(out, R"(42["candle_update",{"open":1}])");
  out.clear();
  append_data_event_message(out, "redis_update", R"({"seq":2})");
  EXPECT_EQ(out, R"(42["redis_update",{"data":{"seq":2}}])");
  out.clear();
  append_event_message(out, "ping_me", "");
  EXPECT_EQ(out, R"(42["ping_me"])");
  out.clear();
  append_ack_message(out, 7, R"({"ok":true})");
  EXPECT_EQ(out, R"(437[{"ok":true}])");
  out.clear();
  append_connect_message(out, "s1");
  EXPECT_EQ(out, R"(40{"sid":"s1"})");
  out.clear();
  append_connect_error_message(out, "/", "Invalid namespace", "not_found");
  EXPECT_EQ(out, R"(44{"message":"Invalid namespace","data":{"code":"not_found"}})");
  // What follows the Engine.IO type decodes as the Socket.IO packet.
  out.clear();
  append_data_event_message(out, "redis_update", R"({"seq":2})");
  auto p = decode(std::string_view(out).substr(1));
  ASSERT_TRUE(p.ok());
  auto e = parse_event(p->payload);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->name, "redis_update");
  EXPECT_EQ(json::serialize(e->args), R"([{"data":{"seq":2}}])");
}

TEST(SocketIo, EventMessagesReuseTheBufferTheyAreEncodedInto) {
  const std::string payload(200, '1');  // longer than any small-string buffer
  std::string out = "0123456789";       // what a Frame keeps in front: the header room
  append_data_event_message(out, "redis_update", payload);
  const char* first = out.data();
  out.resize(10);
  append_data_event_message(out, "redis_update", payload);
  out.resize(10);
  append_event_message(out, "tick_update", payload);
  EXPECT_EQ(out.data(), first);
  EXPECT_EQ(out, "0123456789" R"(42["tick_update",)" + payload + "]");
}

}  // namespace
}  // namespace quflx::sio
