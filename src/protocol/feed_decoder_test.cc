#include "protocol/feed_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/socketio.h"

namespace quflx {
namespace {

using ::testing::ElementsAre;

struct Tick {
  std::string asset;
  double price;
  std::int64_t us;
  friend bool operator==(const Tick&, const Tick&) = default;
};

std::ostream& operator<<(std::ostream& os, const Tick& t) {
  return os << t.asset << "@" << t.us << "=" << t.price;
}

class Recorder final : public FrameSink, public SocketControl {
 public:
  void on_ticks(std::span<const RawTick> batch) override {
    ++tick_calls;
    for (const auto& t : batch) ticks.push_back({std::string(t.asset), t.price, unix_micros(t.time)});
  }
  void on_history(const HistoryPayload& h) override {
    history_assets.emplace_back(h.asset);
    history.push_back(h);
    history.back().asset = history_assets.back();
  }
  void on_active_asset(std::string_view a) override { active.emplace_back(a); }
  void on_fault(FrameFault f, std::string_view) override { faults.emplace_back(to_string(f)); }
  void send_text(std::string_view t) override { sent.emplace_back(t); }
  void on_open(const EioOpen& o) override { ping_interval = o.ping_interval_ms; }
  void on_connected() override { ++connected; }
  void on_server_close(std::string_view) override { ++closed; }

  std::vector<Tick> ticks;
  int tick_calls = 0;
  std::deque<std::string> history_assets;
  std::vector<HistoryPayload> history;
  std::vector<std::string> active, faults, sent;
  std::int64_t ping_interval = 0;
  int connected = 0, closed = 0;
};

constexpr const char* kHeader = R"(451-["updateStream",{"_placeholder":true,"num":0}])";

TEST(PocketOptionDecoder, DecodesEveryTickOfABinaryUpdateStream) {
  Recorder r;
  auto d = make_feed_decoder(FeedFormat::kPocketOption, r, &r);
  d->on_text(kHeader);
  d->on_binary(R"([["EURUSD_otc",1756869696.775,1.08231],["#AAPL_otc",1756869696.8,201.5],)"
               R"(["EURUSD_otc",1756869697,1.08232]])");
  EXPECT_THAT(r.ticks, ElementsAre(Tick{"EURUSD_otc", 1.08231, 1756869696775000},
                                   Tick{"#AAPL_otc", 201.5, 1756869696800000},
                                   Tick{"EURUSD_otc", 1.08232, 1756869697000000}));
  EXPECT_EQ(r.tick_calls, 1);
  EXPECT_TRUE(r.faults.empty());
}

TEST(PocketOptionDecoder, AnswersTheEngineIoHandshakeAndPings) {
  Recorder r;
  auto d = make_feed_decoder(FeedFormat::kPocketOption, r, &r);
  d->on_text(R"(0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  d->on_text(R"(40{"sid":"xyz"})");
  d->on_text("2");
  EXPECT_THAT(r.sent, ElementsAre("40", "3"));
  EXPECT_EQ(r.ping_interval, 25000);
  EXPECT_EQ(r.connected, 1);
  d->on_text("41");
  EXPECT_EQ(r.closed, 1);
}

TEST(PocketOptionDecoder, TextEventsCarryTheirDataInline) {
  Recorder r;
  auto d = make_feed_decoder(FeedFormat::kPocketOption, r, nullptr);
  d->on_text(R"(42["updateStream",[["GBPUSD_otc",1756869696.5,1.3]]])");
  d->on_text(R"(42["successauth",{"id":1}])");
  EXPECT_THAT(r.ticks, ElementsAre(Tick{"GBPUSD_otc", 1.3, 1756869696500000}));
  EXPECT_EQ(d->stats().events_ignored, 1u);
}

TEST(PocketOptionDecoder, SkipsBadTicksAndKeepsTheRestOfTheFrame) {
  Recorder r;
  auto d = make_feed_decoder(FeedFormat::kPocketOption, r, nullptr);
  d->on_text(kHeader);
  d->on_binary(R"([["A",1756869696,1.0],["B","x",2],{"no":1},["C",1756869697,3.0,4],["D",1756869698,4.0]])");
  EXPECT_THAT(r.ticks, ElementsAre(Tick{"A", 1.0, 1756869696000000}, Tick{"D", 4.0, 1756869698000000}));
  EXPECT_THAT(r.faults, ElementsAre("bad_tick", "bad_tick", "bad_tick"));
}

TEST(PocketOptionDecoder, CountsMalformedAttachmentsAndUnpairedFrames) {
  Recorder r;
  auto d = make_feed_decoder(FeedFormat::kPocketOption, r, nullptr);
  d->on_text(kHeader);
  d->on_binary("\xff\xfe not json");
  d->on_binary(R"([["A",1756869696,1.0]])");  // no header before it
  d->on_text(kHeader);
  d->on_text(R"(42["updateStream",[["B",1756869696,2.0]]])");  // header lost its attachment
  d->on_text("9garbage");
  d->on_text(R"(451-["updateStream",{"_placeholder":true,"num":3}])");
  d->on_text(kHeader);
  d->on_binary(R"([["C",1756869697,3.0]])");
  EXPECT_THAT(r.ticks, ElementsAre(Tick{"B", 2.0, 1756869696000000}, Tick{"C", 3.0, 1756869697000000}));
  EXPECT_THAT(r.faults, ElementsAre("bad_attachment", "unexpected_attachment", "missing_attachment",
                                    "malformed_frame", "malformed_frame"));
}

TEST(PocketOptionDecoder, DecodesHistoryPayloadsOldestFirst) {
  Recorder r;
  auto d = make_feed_decoder(FeedFormat::kPocketOption, r, nullptr);
  d->on_text(R"(451-["updateHistoryNewFast",{"_placeholder":true,"num":0}])");
  d->on_binary(R"({"asset":"EURUSD_otc","period":60,"history":[[1756869690.5,1.1],[1756869650.25,1.0]],)"
               R"("candles":[[1756869660,1.0,1.2,1.3,0.9],[1756869600,0.8,1.0,1.1,0.7]]})");
  d->on_text(R"(451-["loadHistoryPeriodFast",{"_placeholder":true,"num":0}])");
  d->on_binary(R"({"asset":"GBPUSD_otc","period":5,"data":[{"time":1756869600,"open":1,"close":2,"high":3,"low":0.5}]})");
  ASSERT_EQ(r.history.size(), 2u);
  const auto& h = r.history[0];
  EXPECT_EQ(h.asset, "EURUSD_otc");
  EXPECT_EQ(h.period_s, 60);
  ASSERT_EQ(h.candles.size(), 2u);
  EXPECT_EQ(h.candles[0].open_time_s, 1756869600);
  EXPECT_EQ(h.candles[0].open, 0.8);
  EXPECT_EQ(h.candles[0].close, 1.0);
  EXPECT_EQ(h.candles[0].high, 1.1);
  EXPECT_EQ(h.candles[0].low, 0.7);
  ASSERT_EQ(h.ticks.size(), 2u);
  EXPECT_EQ(unix_micros(h.ticks[0].time), 1756869650250000);
  EXPECT_EQ(r.history[1].asset, "GBPUSD_otc");
  EXPECT_EQ(r.history[1].period_s, 5);
  EXPECT_EQ(r.history[1].candles[0].high, 3);
  EXPECT_TRUE(r.faults.empty());
  EXPECT_TRUE(r.ticks.empty());
}

TEST(PocketOptionDecoder, HistoryWithoutAssetOrPeriodIsAFault) {
  Recorder r;
  auto d = make_feed_decoder(FeedFormat::kPocketOption, r, nullptr);
  d->on_text(R"(42["updateHistoryNewFast",{"candles":[]}])");
  EXPECT_TRUE(r.history.empty());
  EXPECT_THAT(r.faults, ElementsAre("bad_history"));
}

TEST(PocketOptionDecoder, ReadsTheActiveSymbolFromUpdateCharts) {
  Recorder r;
  auto d = make_feed_decoder(FeedFormat::kPocketOption, r, nullptr);
  d->on_text(R"(451-["updateCharts",{"_placeholder":true,"num":0}])");
  d->on_binary(R"([{"chart_id":"graph","settings":"{\"chartId\":\"graph\",\"chartPeriod\":4,\"symbol\":\"AUDCAD_otc\"}"}])");
  d->on_text(R"(42["updateCharts",{"settings":{"symbol":"BTCUSD"}}])");
  d->on_text(R"(42["updateCharts",[{"settings":"{}"}]])");
  EXPECT_THAT(r.active, ElementsAre("AUDCAD_otc", "BTCUSD"));
  EXPECT_THAT(r.faults, ElementsAre("bad_chart"));
}

TEST(JsonTickDecoder, AcceptsObjectsAndArrays) {
  Recorder r;
  auto d = make_feed_decoder(FeedFormat::kJson, r, nullptr);
  d->on_text(R"({"asset":"EURUSD_otc","price":1.5,"timestamp":1756869696.775,"extra":[1,{"a":2}]})");
  d->on_text(R"([{"timestamp":"2025-10-25T10:16:00Z","price":2,"asset":"\u0023AAPL_otc"},)"
             R"({"asset":"X","price":1},{"asset":"Y","price":3,"timestamp":1756869696775}])");
  d->on_text("[{\"asset\":\"Z\",\"price\":1,\"timestamp\":1756869696}, oops");
  EXPECT_THAT(r.ticks, ElementsAre(Tick{"EURUSD_otc", 1.5, 1756869696775000},
                                   Tick{"#AAPL_otc", 2, 1761387360000000},
                                   Tick{"Y", 3, 1756869696775000}, Tick{"Z", 1, 1756869696000000}));
  EXPECT_THAT(r.faults, ElementsAre("bad_tick", "bad_json"));
}

TEST(SocketIoClient, ParsesEventArgumentsLazily) {
  auto p = sio::decode(R"(51-/chat,12["x",{"_placeholder":true,"num":0}])");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, sio::PacketType::kBinaryEvent);
  EXPECT_EQ(p->attachments, 1u);
  EXPECT_EQ(p->nsp, "/chat");
  EXPECT_EQ(p->ack_id, 12u);
  auto ev = parse_sio_event(p->payload, p->attachments);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->name, "x");
  ASSERT_EQ(ev->args.size(), 1u);
  EXPECT_EQ(ev->args[0].attachment, 0);
  EXPECT_FALSE(parse_sio_event(R"(["x",{"_placeholder":true,"num":1}])", 1).ok());
  // Numbers no attachment index can be (found by fuzz_feed_frames: the cast was undefined).
  EXPECT_FALSE(parse_sio_event(R"(["x",{"_placeholder":true,"num":3.3e25}])", 1).ok());
  EXPECT_FALSE(parse_sio_event(R"(["x",{"_placeholder":true,"num":-1}])", 1).ok());
  EXPECT_FALSE(parse_sio_event(R"(["x",{"_placeholder":true,"num":0.5}])", 1).ok());
}

}  // namespace
}  // namespace quflx
