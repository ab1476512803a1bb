// CPU cost of the pipeline alone (no I/O): validate, seq, 11 timeframes, JSON encode, per
// tick, for different batch sizes. Google Benchmark.

#include <benchmark/benchmark.h>

#include "feed/random_walk.h"
#include "pipeline/tick_pipeline.h"

namespace quflx {
namespace {

class NullSink final : public IngestSink {
 public:
  void on_batch(const IngestBatch& b) override {
    benchmark::DoNotOptimize(b.tick_json.data());
    bytes += b.tick_json.size();
  }
  std::size_t bytes = 0;
};

void BM_PipelineIngest(benchmark::State& state) {
  ManualClock clock(from_unix_micros(1761350400'000'000));
  MetricsRegistry metrics;
  TickPipeline p(clock, {}, metrics);
  NullSink sink;
  p.add_sink(sink);
  const FeedId f = p.register_feed({"bench", false, Micros{0}});
  const std::vector<std::string> names = {"EURUSD_otc", "GBPUSD_otc", "USDJPY_otc", "BTCUSD",
                                          "#AAPL_otc",  "ETHUSD",     "AUDUSD_otc", "#MSFT_otc",
                                          "EURJPY_otc", "USDCAD_otc"};
  std::vector<RandomWalk> walks;
  for (const auto& n : names) walks.emplace_back(default_sim_asset(n), 1, 0.001);
  std::vector<RawTick> batch(static_cast<std::size_t>(state.range(0)));
  std::size_t k = 0;
  for (auto _ : state) {
    clock.advance(Micros{1000});
    for (auto& t : batch) {
      const std::size_t i = k++ % names.size();
      t = RawTick{names[i], walks[i].next(), clock.now()};
    }
    p.ingest(f, batch);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PipelineIngest)->Arg(1)->Arg(100)->Arg(1000);

}  // namespace
}  // namespace quflx

BENCHMARK_MAIN();
