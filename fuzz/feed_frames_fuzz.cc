// Feed frames (SPEC §2): the PocketOption Socket.IO framing with binary attachments, plain
// JSON ticks, history and chart payloads. The input is a sequence of WebSocket messages
// separated by '\n'; a message starting with 'B' is binary (the rest of it is the bytes).
// Every tick a decoder delivers must carry a non-empty asset view inside live memory (ASan
// checks the reads).
#include <cstdint>
#include <string_view>

#include "common/check.h"
#include "protocol/feed_decoder.h"

namespace {

class Sink final : public quflx::FrameSink, public quflx::SocketControl {
 public:
  void on_ticks(std::span<const quflx::RawTick> ticks) override {
    QUFLX_CHECK(!ticks.empty(), "on_ticks without ticks");
    for (const auto& t : ticks) sum_ += t.asset.size() + (t.asset.empty() ? 0 : t.asset.front());
  }
  void on_history(const quflx::HistoryPayload& h) override {
    QUFLX_CHECK(!h.asset.empty() && h.period_s > 0, "history without asset or period");
    for (std::size_t i = 1; i < h.candles.size(); ++i) {
      QUFLX_CHECK(h.candles[i - 1].open_time_s <= h.candles[i].open_time_s, "candles out of order");
    }
  }
  void on_active_asset(std::string_view a) override { QUFLX_CHECK(!a.empty(), "empty symbol"); }
  void on_fault(quflx::FrameFault f, std::string_view) override {
    QUFLX_CHECK(!quflx::to_string(f).empty(), "unnamed fault");
  }
  void send_text(std::string_view t) override { QUFLX_CHECK(!t.empty(), "empty reply"); }
  void on_open(const quflx::EioOpen&) override {}
  void on_connected() override {}
  void on_server_close(std::string_view) override {}
  std::size_t sum_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Sink sink;
  auto po = quflx::make_feed_decoder(quflx::FeedFormat::kPocketOption, sink, &sink);
  auto js = quflx::make_feed_decoder(quflx::FeedFormat::kJson, sink, nullptr);
  while (!input.empty()) {
    const auto nl = input.find('\n');
    const std::string_view msg = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
    if (!msg.empty() && msg.front() == 'B') {
      po->on_binary(msg.substr(1));
    } else {
      po->on_text(msg);
      js->on_text(msg);
      quflx::decode_history("updateHistoryNewFast", msg, sink);
      quflx::decode_update_charts(msg, sink);
    }
  }
  return 0;
}
