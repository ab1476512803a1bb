// Ingest-path benchmark: ticks -> TickPipeline (validate, seq, 11 timeframes, encode) ->
// RedisTickWriter -> a real Redis, measured end to end (a run ends when Redis has answered
// every command).
//
//   --mode max   generate batches as fast as the path absorbs them (in-flight Redis commands
//                bounded), report sustained ticks/s;
//   --mode sim   run the real SimFeed at --rate ticks/s in total and report what it achieved
//                (ticks it had to skip to keep up mean the rate was not sustained).
//
// Prints one JSON object per run; bench/ingest.sh runs it next to redis-benchmark.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>

#include "feed/random_walk.h"
#include "feed/sim_feed.h"
#include "pipeline/tick_pipeline.h"
#include "store/redis/connection.h"
#include "store/redis/tick_writer.h"

using namespace quflx;
namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

namespace {

struct Args {
  std::string redis_url = "redis://127.0.0.1:6379";
  std::string mode = "max";
  int assets = 10;
  double seconds = 5;
  std::size_t batch = 1000;
  double rate = 200'000;
  std::size_t max_in_flight = 100'000;
};

std::vector<std::string> asset_names(int n) {
  static const char* kBase[] = {"EURUSD_otc", "GBPUSD_otc", "USDJPY_otc", "AUDUSD_otc",
                                "BTCUSD",     "ETHUSD",     "#AAPL_otc",  "#MSFT_otc",
                                "EURJPY_otc", "USDCAD_otc"};
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(i < 10 ? kBase[i] : fmt::format("SYM{}_otc", i));
  }
  return out;
}

template <class Pred>
void run_until(asio::io_context& ioc, Pred pred) {
  while (!pred()) {
    ioc.restart();
    ioc.run_for(std::chrono::microseconds(200));
  }
}

int run(const Args& a) {
  asio::io_context ioc{1};
  SystemClock clock;
  MetricsRegistry metrics;
  TickPipeline pipeline(clock, {}, metrics);
  auto ep = redis::parse_redis_url(a.redis_url);
  if (!ep.ok()) {
    std::fprintf(stderr, "%s\n", ep.error().message.c_str());
    return 2;
  }
  redis::Connection conn(ioc.get_executor(), redis::ConnectionOptions{.endpoint = *ep, .name = "bench"}, &metrics);
  RedisTickWriter writer(conn, pipeline.assets(), pipeline.candles(), {}, metrics);
  pipeline.add_sink(writer);
  conn.start();
  run_until(ioc, [&] { return conn.connected(); });

  // Bars close on the clock as in the server.
  asio::steady_timer second(ioc);
  std::function<void()> tick_clock = [&] {
    second.expires_after(std::chrono::seconds(1));
    second.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      pipeline.advance_live_clock();
      tick_clock();
    });
  };
  tick_clock();

  const auto names = asset_names(a.assets);
  std::uint64_t ticks = 0;
  std::uint64_t skipped = 0;
  const auto start = Steady::now();
  const auto end = start + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(a.seconds));

  if (a.mode == "max") {
    const FeedId feed = pipeline.register_feed({"bench", false, Micros{0}});
    std::vector<RandomWalk> walks;
    for (const auto& n : names) walks.emplace_back(default_sim_asset(n), asset_seed(1, n), 0.001);
    std::vector<RawTick> batch(a.batch);
    std::size_t k = 0;
    while (Steady::now() < end) {
      const UtcMicros now = clock.now();
      for (auto& t : batch) {
        const std::size_t i = k++ % names.size();
        // A batch shares one time, so prices are made distinct (by at most 1e-3): every tick
        // is a new tick by SPEC §1 and is accepted, with the identity check paid for each.
        t = RawTick{names[i], walks[i].next() + 1e-9 * static_cast<double>(k % 1'000'000), now};
      }
      ticks += pipeline.ingest(feed, batch);
      // Let the loop write and read; keep the number of unanswered commands bounded.
      ioc.restart();
      ioc.poll();
      if (conn.stats().in_flight > a.max_in_flight) {
        run_until(ioc, [&] { return conn.stats().in_flight < a.max_in_flight / 2; });
      }
    }
  } else {
    const FeedId feed = pipeline.register_feed({"sim", false, Micros{0}});
    SimOptions o;
    for (const auto& n : names) o.assets.push_back(default_sim_asset(n));
    o.ticks_per_second_per_asset = a.rate / static_cast<double>(names.size());
    o.seed = 1;
    SimFeed sim(ioc.get_executor(), pipeline, feed, o, clock);
    sim.start();
    run_until(ioc, [&] { return Steady::now() >= end; });
    sim.stop();
    ticks = pipeline.stats().accepted;
    skipped = sim.ticks_skipped();
  }
  run_until(ioc, [&] { return conn.stats().in_flight == 0; });
  const double secs = std::chrono::duration<double>(Steady::now() - start).count();
  second.cancel();
  const auto cs = conn.stats();
  std::printf(
      "{\"mode\":\"%s\",\"assets\":%d,\"batch\":%zu,\"target_rate\":%.0f,\"ticks\":%llu,"
      "\"skipped\":%llu,\"seconds\":%.3f,\"ticks_per_s\":%.0f,\"redis_commands\":%llu,"
      "\"write_batches\":%llu,\"redis_unwritten\":%llu,\"redis_errors\":%llu}\n",
      a.mode.c_str(), a.assets, a.batch, a.mode == "sim" ? a.rate : 0.0,
      static_cast<unsigned long long>(ticks), static_cast<unsigned long long>(skipped), secs,
      static_cast<double>(ticks) / secs, static_cast<unsigned long long>(cs.commands),
      static_cast<unsigned long long>(cs.write_batches),
      static_cast<unsigned long long>(writer.stats().ticks_unwritten),
      static_cast<unsigned long long>(cs.reply_errors + cs.refused_backpressure + cs.refused_disconnected));
  conn.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{"QuFLX ingest benchmark"};
  app.add_option("--redis-url", a.redis_url);
  app.add_option("--mode", a.mode)->check(CLI::IsMember({"max", "sim"}));
  app.add_option("--assets", a.assets)->check(CLI::Range(1, 100000));
  app.add_option("--seconds", a.seconds);
  app.add_option("--batch", a.batch, "ticks per ingest call (max mode)");
  app.add_option("--rate", a.rate, "total ticks/s (sim mode)");
  app.add_option("--max-in-flight", a.max_in_flight);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  return run(a);
}
