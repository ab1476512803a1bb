// Parse throughput per feed format (frames/s and ticks/s), each next to a baseline on the same
// bytes: Boost.JSON parsing them into a DOM (what a straightforward implementation would do
// before even looking at the ticks). Frames hold 10 ticks, as a busy PocketOption socket
// sends them.
//   build/release/bench/quflx_bench_feed_parse --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "protocol/cdp_messages.h"
#include "protocol/csv_format.h"
#include "protocol/feed_decoder.h"

namespace {

using namespace quflx;

constexpr int kTicksPerFrame = 10;

class CountingSink final : public FrameSink {
 public:
  void on_ticks(std::span<const RawTick> t) override { ticks += t.size(); }
  void on_history(const HistoryPayload&) override {}
  void on_active_asset(std::string_view) override {}
  void on_fault(FrameFault, std::string_view) override { ++faults; }
  std::size_t ticks = 0, faults = 0;
};

std::string stream_attachment() {
  std::string s = "[";
  for (int i = 0; i < kTicksPerFrame; ++i) {
    if (i) s += ',';
    s += "[\"" + std::string(i % 2 ? "EURUSD_otc" : "#AAPL_otc") + "\"," +
         std::to_string(1756869696 + i) + ".775," + std::to_string(1.08231 + i * 1e-5) + "]";
  }
  return s + "]";
}

std::string json_ticks() {
  std::string s = "[";
  for (int i = 0; i < kTicksPerFrame; ++i) {
    if (i) s += ',';
    s += "{\"asset\":\"EURUSD_otc\",\"price\":" + std::to_string(1.08231 + i * 1e-5) +
         ",\"timestamp\":" + std::to_string(1756869696 + i) + ".775}";
  }
  return s + "]";
}

std::string base64(const std::string& in) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], a[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {a[v >> 18], a[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], '='};
  }
  return out;
}

void report(benchmark::State& state, std::size_t ticks_per_frame) {
  const auto frames = static_cast<double>(state.iterations());
  state.counters["frames/s"] = benchmark::Counter(frames, benchmark::Counter::kIsRate);
  state.counters["ticks/s"] =
      benchmark::Counter(frames * static_cast<double>(ticks_per_frame), benchmark::Counter::kIsRate);
}

void BM_PocketOptionFrame(benchmark::State& state) {
  CountingSink sink;
  auto d = make_feed_decoder(FeedFormat::kPocketOption, sink, nullptr);
  const std::string header = R"(451-["updateStream",{"_placeholder":true,"num":0}])";
  const std::string att = stream_attachment();
  for (auto _ : state) {
    d->on_text(header);
    d->on_binary(att);
  }
  if (sink.ticks != static_cast<std::size_t>(state.iterations()) * kTicksPerFrame) state.SkipWithError("ticks lost");
  report(state, kTicksPerFrame);
}
BENCHMARK(BM_PocketOptionFrame);

void BM_PocketOptionFrame_BoostJsonDom(benchmark::State& state) {
  const std::string header = R"(["updateStream",{"_placeholder":true,"num":0}])";
  const std::string att = stream_attachment();
  for (auto _ : state) {
    benchmark::DoNotOptimize(boost::json::parse(header));
    benchmark::DoNotOptimize(boost::json::parse(att));
  }
  report(state, kTicksPerFrame);
}
BENCHMARK(BM_PocketOptionFrame_BoostJsonDom);

void BM_JsonTicks(benchmark::State& state) {
  CountingSink sink;
  auto d = make_feed_decoder(FeedFormat::kJson, sink, nullptr);
  const std::string frame = json_ticks();
  for (auto _ : state) d->on_text(frame);
  if (sink.ticks != static_cast<std::size_t>(state.iterations()) * kTicksPerFrame) state.SkipWithError("ticks lost");
  report(state, kTicksPerFrame);
}
BENCHMARK(BM_JsonTicks);

void BM_JsonTicks_BoostJsonDom(benchmark::State& state) {
  const std::string frame = json_ticks();
  for (auto _ : state) benchmark::DoNotOptimize(boost::json::parse(frame));
  report(state, kTicksPerFrame);
}
BENCHMARK(BM_JsonTicks_BoostJsonDom);

void BM_CdpBinaryFrame(benchmark::State& state) {
  const std::string msg =
      R"({"method":"Network.webSocketFrameReceived","params":{"requestId":"7.1","timestamp":1.5,"response":{"opcode":2,"mask":false,"payloadData":")" +
      base64(stream_attachment()) + R"("}}})";
  CountingSink sink;
  auto d = make_feed_decoder(FeedFormat::kPocketOption, sink, nullptr);
  const std::string header = R"(451-["updateStream",{"_placeholder":true,"num":0}])";
  for (auto _ : state) {
    d->on_text(header);
    auto m = parse_cdp_message(msg);
    d->on_binary(m->payload);
  }
  if (sink.ticks != static_cast<std::size_t>(state.iterations()) * kTicksPerFrame) state.SkipWithError("ticks lost");
  report(state, kTicksPerFrame);
}
BENCHMARK(BM_CdpBinaryFrame);

void BM_CdpBinaryFrame_BoostJsonDom(benchmark::State& state) {
  const std::string msg =
      R"({"method":"Network.webSocketFrameReceived","params":{"requestId":"7.1","timestamp":1.5,"response":{"opcode":2,"mask":false,"payloadData":")" +
      base64(stream_attachment()) + R"("}}})";
  for (auto _ : state) benchmark::DoNotOptimize(boost::json::parse(msg));
  report(state, kTicksPerFrame);
}
BENCHMARK(BM_CdpBinaryFrame_BoostJsonDom);

// CSV: one row is one "frame" of one tick.
void BM_CsvTickRow(benchmark::State& state) {
  auto layout = parse_csv_header("timestamp,asset,price");
  const std::string row = "1756869696.775,EURUSD_otc,1.08231";
  for (auto _ : state) benchmark::DoNotOptimize(parse_csv_tick_row(*layout, row));
  report(state, 1);
}
BENCHMARK(BM_CsvTickRow);

void BM_CsvTickRow_BoostJsonDom(benchmark::State& state) {
  // The same values as a JSON array, for scale.
  const std::string row = R"([1756869696.775,"EURUSD_otc",1.08231])";
  for (auto _ : state) benchmark::DoNotOptimize(boost::json::parse(row));
  report(state, 1);
}
BENCHMARK(BM_CsvTickRow_BoostJsonDom);

}  // namespace

BENCHMARK_MAIN();
