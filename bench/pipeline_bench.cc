// CPU cost of the pipeline alone (no I/O): validate, identity, seq, 11 timeframes, JSON encode,
// per tick, for different batch sizes, with the tick-identity check on and off in the same run.
// Google Benchmark; `--benchmark_enable_random_interleaving=true` interleaves the variants,
// which is fairer on a shared, noisy machine.
//
// Workloads (10 assets, round robin):
//   BM_PipelineIngest         every tick distinct, one every 1 ms (100 per second per asset:
//                             each asset's identity window holds its last 4,096 ticks); the cost
//                             of the check when it drops nothing
//   BM_PipelineIngestBusy     the same at one tick every 100 us (1,000 per second per asset: a
//                             window holds 10 s, 10,001 ticks; 5 MiB of index in all)
//   BM_PipelineIngestRepeats  one every 1 ms, ~65 % of them exact repeats of one of the asset's
//                             last 8 ticks, like the recorded PocketOption stream (16,525 of
//                             25,297 rows): the cost when most ticks are dropped

#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "feed/random_walk.h"
#include "pipeline/tick_pipeline.h"

namespace quflx {
namespace {

constexpr std::int64_t kStartUs = 1761350400'000'000;  // 2025-10-25T00:00:00Z
constexpr std::size_t kPatternTicks = 1 << 16;         // replayed with shifted times

class NullSink final : public IngestSink {
 public:
  void on_batch(const IngestBatch& b) override {
    benchmark::DoNotOptimize(b.tick_json.data());
    bytes += b.tick_json.size();
  }
  std::size_t bytes = 0;
};

const std::vector<std::string>& asset_names() {
  static const std::vector<std::string> names = {
      "EURUSD_otc", "GBPUSD_otc", "USDJPY_otc", "BTCUSD",     "#AAPL_otc",
      "ETHUSD",     "AUDUSD_otc", "#MSFT_otc",  "EURJPY_otc", "USDCAD_otc"};
  return names;
}

// A stream of kPatternTicks ticks, times relative to the start; `repeat_percent` of them are
// exact repeats of one of the same asset's last 8 distinct ticks (so they arrive late, like a
// broker re-sending its recent ticks).
std::vector<RawTick> make_pattern(int repeat_percent, std::int64_t slot_us) {
  const auto& names = asset_names();
  std::vector<RandomWalk> walks;
  for (const auto& n : names)
    walks.emplace_back(default_sim_asset(n), 1, 0.001);
  std::vector<std::vector<RawTick>> recent(names.size());
  Prng rng(20251025);
  std::vector<RawTick> pattern(kPatternTicks);
  for (std::size_t k = 0; k < kPatternTicks; ++k) {
    const std::size_t a = k % names.size();
    auto& mine = recent[a];
    const bool repeat =
        !mine.empty() && rng.next() % 100 < static_cast<std::uint64_t>(repeat_percent);
    if (repeat) {
      pattern[k] = mine[rng.next() % mine.size()];
      continue;
    }
    RawTick t{names[a], walks[a].next(), from_unix_micros(static_cast<std::int64_t>(k) * slot_us)};
    pattern[k] = t;
    if (mine.size() == 8) mine.erase(mine.begin());
    mine.push_back(t);
  }
  return pattern;
}

void run(benchmark::State& state, int repeat_percent, std::int64_t slot_us) {
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  const bool check = state.range(1) != 0;
  const std::vector<RawTick> pattern = make_pattern(repeat_percent, slot_us);
  ManualClock clock(from_unix_micros(kStartUs));
  MetricsRegistry metrics;
  PipelineOptions options;
  options.drop_duplicates = check;
  TickPipeline p(clock, options, metrics);
  NullSink sink;
  p.add_sink(sink);
  const FeedId f = p.register_feed({"bench", false, Micros{0}});
  std::vector<RawTick> batch(batch_size);
  std::size_t k = 0;
  Micros shift{kStartUs};  // each replay of the pattern is later than the last
  const Micros pattern_span{static_cast<std::int64_t>(kPatternTicks) * slot_us};
  for (auto _ : state) {
    UtcMicros newest{};
    for (auto& t : batch) {
      t = pattern[k];
      t.time += shift;
      newest = std::max(newest, t.time);
      if (++k == kPatternTicks) {
        k = 0;
        shift += pattern_span;
      }
    }
    clock.set(newest);
    p.ingest(f, batch);
  }
  const auto ticks = static_cast<double>(state.iterations()) * static_cast<double>(batch_size);
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["per_tick"] =
      benchmark::Counter(ticks, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["dropped"] = static_cast<double>(p.stats().duplicates) / ticks;
}

void BM_PipelineIngest(benchmark::State& state) {
  run(state, 0, 1000);
}
void BM_PipelineIngestBusy(benchmark::State& state) {
  run(state, 0, 100);
}
void BM_PipelineIngestRepeats(benchmark::State& state) {
  run(state, 65, 1000);
}

void batch_sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "identity"});
  // On a shared machine the fastest repetition is the one least disturbed by others.
  b->ComputeStatistics(
      "min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
  for (int n : {1, 100, 1000}) {
    for (int check : {0, 1})
      b->Args({n, check});
  }
}
BENCHMARK(BM_PipelineIngest)->Apply(batch_sizes);
BENCHMARK(BM_PipelineIngestBusy)->Apply(batch_sizes);
BENCHMARK(BM_PipelineIngestRepeats)->Apply(batch_sizes);

}  // namespace
}  // namespace quflx

BENCHMARK_MAIN();
