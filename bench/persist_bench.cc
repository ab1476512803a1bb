// Persistence benchmark (docs/benchmarks.md, bench/persist.sh).
//
//   --mode ingest   sustained durable ingest: ticks -> TickPipeline (validate, seq, 11
//                   timeframes, encode) -> TickJournal -> TickPersister -> PostgreSQL (binary
//                   COPY, checkpoints), for --seconds. The generator is held back while more
//                   than --max-backlog ticks wait for PostgreSQL, so the persistence lag stays
//                   bounded and the rate measured is one the whole path sustains. Then, as the
//                   ceiling, the very rows it stored are copied out, the table is emptied and
//                   they are COPYed back in batches of the same size, one transaction each:
//                   PostgreSQL doing nothing but the inserts we need.
//   --mode history  cache-first history latency for 200 candles through HistoryService: a hit
//                   (historical:{A}:{TF} in Redis) and a miss (key deleted first: the database
//                   is read, the cache filled), next to a bare Redis GET of the same key and the
//                   bare SQL query as baselines.
//
// Prints one JSON object per run.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "feed/random_walk.h"
#include "server/history_service.h"
#include "pipeline/tick_pipeline.h"
#include "store/pg/candle_store.h"
#include "store/pg/candle_rows.h"
#include "store/pg/connection.h"
#include "store/pg/migrations.h"
#include "store/redis/connection.h"
#include "store/redis/keys.h"
#include "store/redis/tick_writer.h"
#include "store/journal/tick_journal.h"
#include "store/pg/tick_persister.h"

using namespace quflx;
namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

namespace {

struct Args {
  std::string mode = "ingest";
  std::string database_url;
  std::string redis_url = "redis://127.0.0.1:6379";
  std::string dir = "/tmp";
  int assets = 10;
  double seconds = 10;
  std::size_t batch = 1000;           // ticks per ingest call
  std::size_t batch_max_rows = 100'000;
  double batch_interval = 1.0;
  std::size_t max_backlog = 300'000;  // ticks waiting for PostgreSQL before the generator waits
  int samples = 2000;                 // history mode: requests per kind
  bool with_redis = false;            // ingest mode: RedisTickWriter as a sink too (the server's path)
  double rate = 0;                    // ingest mode: total ticks/s; 0 = as fast as the path takes them
};

std::vector<std::string> asset_names(int n) {
  static const char* kBase[] = {"EURUSD_otc", "GBPUSD_otc", "USDJPY_otc", "AUDUSD_otc",
                                "BTCUSD",     "ETHUSD",     "#AAPL_otc",  "#MSFT_otc",
                                "EURJPY_otc", "USDCAD_otc"};
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(i < 10 ? kBase[i] : fmt::format("SYM{}_otc", i));
  return out;
}

double secs_since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

pg::Connection connect_or_die(const std::string& url) {
  auto c = pg::Connection::connect({.url = url});
  if (!c.ok()) {
    std::fprintf(stderr, "%s\n", c.error().message.c_str());
    std::exit(2);
  }
  return std::move(*c);
}

void must(const Result<void>& r) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    std::exit(2);
  }
}

// Splits a binary COPY stream (header, rows, trailer) into inputs of at most `rows` rows each.
std::vector<std::string> split_copy(const std::string& data, std::size_t rows) {
  constexpr std::size_t kHeader = 19;
  std::vector<std::string> out;
  std::size_t pos = kHeader, start = kHeader, n = 0;
  auto flush = [&] {
    if (n == 0) return;
    std::string chunk = data.substr(0, kHeader);
    chunk.append(data, start, pos - start);
    chunk.append("\xff\xff", 2);
    out.push_back(std::move(chunk));
    start = pos;
    n = 0;
  };
  for (;;) {
    std::uint16_t fields;
    std::memcpy(&fields, data.data() + pos, 2);
    fields = __builtin_bswap16(fields);
    if (fields == 0xFFFF) break;
    pos += 2;
    for (int f = 0; f < fields; ++f) {
      std::uint32_t len;
      std::memcpy(&len, data.data() + pos, 4);
      len = __builtin_bswap32(len);
      pos += 4 + (len == 0xFFFFFFFFu ? 0 : len);
    }
    if (++n == rows) flush();
  }
  flush();
  return out;
}

int run_ingest(const Args& a) {
  {
    auto c = connect_or_die(a.database_url);
    if (auto m = pg::migrate(c); !m.ok()) {
      std::fprintf(stderr, "%s\n", m.error().message.c_str());
      return 2;
    }
    must(c.exec("TRUNCATE historical_ticks, candles, quflx_tick_checkpoints"));
  }
  const std::string dir = a.dir + "/quflx-bench-journal";
  std::filesystem::remove_all(dir);

  asio::io_context ioc{1};
  SystemClock clock;
  MetricsRegistry metrics;
  TickPipeline pipeline(clock, {}, metrics);
  TickJournalOptions jo;
  jo.dir = dir;
  auto opened = TickJournal::open(ioc.get_executor(), pipeline.assets(), jo, metrics);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 2;
  }
  auto journal = std::move(*opened);
  must(journal->begin({}));
  pipeline.set_durable_sink(*journal);
  std::unique_ptr<redis::Connection> conn;
  std::unique_ptr<RedisTickWriter> writer;
  if (a.with_redis) {
    auto ep = redis::parse_redis_url(a.redis_url);
    if (!ep.ok()) return 2;
    conn = std::make_unique<redis::Connection>(ioc.get_executor(),
                                               redis::ConnectionOptions{.endpoint = *ep, .name = "writer"},
                                               &metrics);
    writer = std::make_unique<RedisTickWriter>(*conn, pipeline.assets(), pipeline.candles(),
                                               RedisTickWriterOptions{}, metrics);
    pipeline.add_sink(*writer);
    conn->start();
    while (!conn->connected()) ioc.run_for(std::chrono::milliseconds(5));
  }
  PersisterOptions po;
  po.db.url = a.database_url;
  po.batch_interval = std::chrono::milliseconds(static_cast<std::int64_t>(a.batch_interval * 1000));
  po.batch_max_rows = a.batch_max_rows;
  TickPersister persister(*journal, po, metrics);
  persister.start();

  const auto names = asset_names(a.assets);
  std::vector<RandomWalk> walks;
  for (const auto& n : names) walks.emplace_back(default_sim_asset(n), asset_seed(1, n), 0.001);
  const FeedId feed = pipeline.register_feed({"bench", false, Micros{0}});
  std::vector<RawTick> batch(a.batch);
  std::size_t k = 0;
  std::uint64_t ticks = 0, waits = 0;
  double max_lag = 0;
  std::uint64_t max_backlog = 0;
  auto last_clock = Steady::now();
  auto last_sample = Steady::now();
  const auto start = Steady::now();
  const auto end = start + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(a.seconds));
  while (Steady::now() < end) {
    if (a.rate > 0) {
      // Paced: batches of --batch every batch/rate seconds (1 ms at 1,000-tick batches and 1M/s).
      const auto due = start + std::chrono::duration_cast<Steady::duration>(
                                   std::chrono::duration<double>(static_cast<double>(k) / a.rate));
      while (Steady::now() < due) {
        ioc.restart();
        ioc.run_for(std::chrono::microseconds(100));
      }
    }
    // Distinct times, as a feed's ticks have (ms apart at most, as in the stored rows).
    const UtcMicros now = clock.now();
    for (std::size_t j = 0; j < batch.size(); ++j) {
      const std::size_t i = k++ % names.size();
      // Consecutive batches cover overlapping milliseconds, so prices are made distinct (by at
      // most 1e-3): every tick is a new one by SPEC §1 and is stored.
      batch[j] = RawTick{names[i], walks[i].next() + 1e-9 * static_cast<double>(k % 1'000'000),
                         now - Micros(static_cast<std::int64_t>((batch.size() - j) * 1000))};
    }
    ticks += pipeline.ingest(feed, batch);
    if (Steady::now() - last_clock >= std::chrono::seconds(1)) {
      pipeline.advance_live_clock();  // bars close on the clock, as in the server
      last_clock = Steady::now();
    }
    if (Steady::now() - last_sample >= std::chrono::milliseconds(100)) {
      const auto st = persister.status();
      max_lag = std::max(max_lag, st.oldest_unpersisted_age_s);
      max_backlog = std::max(max_backlog, st.backlog_ticks);
      last_sample = Steady::now();
    }
    while (persister.status().backlog_ticks > a.max_backlog && Steady::now() < end) {
      ++waits;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ioc.restart();
    ioc.poll();
    // Redis too: keep its unanswered commands bounded, as the server's loop does by turns.
    while (conn && conn->stats().in_flight > 100'000) {
      ioc.restart();
      ioc.run_for(std::chrono::microseconds(200));
    }
  }
  while (conn && conn->stats().in_flight > 0) {
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(1));
  }
  const double ingest_s = secs_since(start);
  const auto drain_start = Steady::now();
  persister.request_flush();
  while (!persister.drained()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const double drain_s = secs_since(drain_start);
  const double total_s = secs_since(start);
  const auto st = persister.status();
  persister.stop();
  journal->close();
  // What durability adds before anyone sees a batch: one write() of its record.
  auto& append = metrics.histogram("quflx_stage_latency_seconds", "", latency_buckets_seconds(),
                                   {{"stage", "journal_append"}});
  const double append_p50_us = append.quantile(0.5) * 1e6;
  const double append_p99_us = append.quantile(0.99) * 1e6;

  // The ceiling: the same rows, the same table, the same batch size, nothing else.
  auto c = connect_or_die(a.database_url);
  auto rows = c.copy_out("COPY historical_ticks (pair, seq, price, timestamp) TO STDOUT (FORMAT binary)");
  if (!rows.ok()) {
    std::fprintf(stderr, "%s\n", rows.error().message.c_str());
    return 2;
  }
  const auto chunks = split_copy(*rows, a.batch_max_rows);
  must(c.exec("TRUNCATE historical_ticks"));
  const auto copy_start = Steady::now();
  std::uint64_t copied = 0;
  for (const auto& chunk : chunks) {
    must(c.exec("BEGIN"));
    auto n = c.copy_in("COPY historical_ticks (pair, seq, price, timestamp) FROM STDIN (FORMAT binary)", chunk);
    if (!n.ok()) {
      std::fprintf(stderr, "%s\n", n.error().message.c_str());
      return 2;
    }
    copied += *n;
    must(c.exec("COMMIT"));
  }
  const double copy_s = secs_since(copy_start);
  std::filesystem::remove_all(dir);

  std::printf(
      "{\"mode\":\"ingest\",\"assets\":%d,\"seconds\":%.3f,\"ticks\":%llu,\"ticks_per_s\":%.0f,"
      "\"committed\":%llu,\"committed_per_s\":%.0f,\"drain_s\":%.3f,\"max_backlog_ticks\":%llu,"
      "\"max_lag_s\":%.3f,\"generator_waits\":%llu,\"with_redis\":%s,\"batches\":%llu,\"copy_rows\":%llu,"
      "\"copy_s\":%.3f,\"copy_per_s\":%.0f,\"append_p50_us\":%.1f,\"append_p99_us\":%.1f}\n",
      a.assets, ingest_s, static_cast<unsigned long long>(ticks),
      static_cast<double>(ticks) / ingest_s, static_cast<unsigned long long>(st.ticks_committed),
      static_cast<double>(st.ticks_committed) / total_s, drain_s,
      static_cast<unsigned long long>(max_backlog), max_lag, static_cast<unsigned long long>(waits),
      a.with_redis ? "true" : "false",
      static_cast<unsigned long long>(st.batches), static_cast<unsigned long long>(copied), copy_s,
      static_cast<double>(copied) / copy_s, append_p50_us, append_p99_us);
  return 0;
}

// The HistoryService's database fallback, as the server wires it (server/persistence.cc).
class DatabaseHistory final : public HistoryFallback {
 public:
  explicit DatabaseHistory(CandleStore& store) : store_(store) {}
  asio::awaitable<Result<std::vector<Candle>>> load(std::string asset, Timeframe tf,
                                                    std::size_t limit) override {
    co_return co_await store_.latest(std::move(asset), tf, limit);
  }

 private:
  CandleStore& store_;
};

struct Percentiles {
  double p50 = 0, p99 = 0;
};
Percentiles percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))]; };
  return {at(0.50) * 1e3, at(0.99) * 1e3};  // ms
}

int run_history(const Args& a) {
  const std::string asset = "EURUSD_otc";
  const Timeframe tf = Timeframe::k1m;
  auto db = connect_or_die(a.database_url);
  if (auto m = pg::migrate(db); !m.ok()) {
    std::fprintf(stderr, "%s\n", m.error().message.c_str());
    return 2;
  }
  must(pg::prepare_candle_staging(db));
  {
    // 300 closed 1m bars, so "the latest 200" is a real limit.
    std::vector<pg::CandleRow> rows;
    const std::int64_t t0 = 1'700'000'000 / 60 * 60;
    for (int i = 0; i < 300; ++i) {
      rows.push_back({asset, tf, t0 + i * 60, 1.1 + i * 1e-4, 1.2, 1.0, 1.15, 40});
    }
    pg::CopyBinaryWriter w;
    must(db.exec("BEGIN"));
    if (auto r = pg::upsert_candles(db, rows, w); !r.ok()) return 2;
    must(db.exec("COMMIT"));
  }

  asio::io_context ioc{1};
  MetricsRegistry metrics;
  auto ep = redis::parse_redis_url(a.redis_url);
  if (!ep.ok()) return 2;
  redis::Connection conn(ioc.get_executor(), {.endpoint = *ep, .name = "bench"}, &metrics);
  conn.start();
  CandleStore store({.url = a.database_url});
  DatabaseHistory fallback(store);
  HistoryService history(&conn, {}, metrics);
  history.set_fallback(&fallback);
  const std::string key = redis_keys::historical(asset, tf);

  std::vector<double> hit, miss, get, sql;
  std::size_t candles_hit = 0, candles_miss = 0;
  bool done = false;
  asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
    while (!conn.connected()) {
      asio::steady_timer t(ioc, std::chrono::milliseconds(5));
      co_await t.async_wait(asio::use_awaitable);
    }
    for (int i = 0; i < a.samples; ++i) {
      std::vector<std::string> del{"DEL", key};
      co_await conn.request(std::move(del));
      auto t = Steady::now();
      auto h = co_await history.load(asset, tf, 200);
      miss.push_back(secs_since(t));
      candles_miss = h.candles.size();
      if (h.source != HistorySource::kDatabase) std::fprintf(stderr, "miss answered from %d\n", static_cast<int>(h.source));

      t = Steady::now();
      h = co_await history.load(asset, tf, 200);
      hit.push_back(secs_since(t));
      candles_hit = h.candles.size();
      if (h.source != HistorySource::kRedisCache) std::fprintf(stderr, "hit answered from %d\n", static_cast<int>(h.source));

      std::vector<std::string> g{"GET", key};
      t = Steady::now();
      co_await conn.request(std::move(g));
      get.push_back(secs_since(t));
    }
    done = true;
  }, asio::detached);
  while (!done) ioc.run_for(std::chrono::milliseconds(10));
  // The bare query on this thread's own connection, the same statement CandleStore runs.
  for (int i = 0; i < a.samples; ++i) {
    const auto t = Steady::now();
    auto r = pg::latest_candles(db, asset, tf, 200);
    sql.push_back(secs_since(t));
    if (!r.ok() || r->size() != 200) return 2;
  }
  conn.stop();
  const auto ph = percentiles(hit), pm = percentiles(miss), pg_ = percentiles(get),
             ps = percentiles(sql);
  std::printf(
      "{\"mode\":\"history\",\"candles\":%zu,\"samples\":%d,\"hit_p50_ms\":%.3f,"
      "\"hit_p99_ms\":%.3f,\"miss_p50_ms\":%.3f,\"miss_p99_ms\":%.3f,\"redis_get_p50_ms\":%.3f,"
      "\"redis_get_p99_ms\":%.3f,\"sql_p50_ms\":%.3f,\"sql_p99_ms\":%.3f,\"miss_candles\":%zu}\n",
      candles_hit, a.samples, ph.p50, ph.p99, pm.p50, pm.p99, pg_.p50, pg_.p99, ps.p50, ps.p99,
      candles_miss);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{"QuFLX persistence benchmark"};
  app.add_option("--mode", a.mode)->check(CLI::IsMember({"ingest", "history"}));
  app.add_option("--database-url", a.database_url)->required();
  app.add_option("--redis-url", a.redis_url);
  app.add_option("--dir", a.dir, "where the journal lives during the run");
  app.add_option("--assets", a.assets)->check(CLI::Range(1, 100000));
  app.add_option("--seconds", a.seconds);
  app.add_option("--batch", a.batch, "ticks per ingest call");
  app.add_option("--batch-max-rows", a.batch_max_rows);
  app.add_option("--batch-interval", a.batch_interval);
  app.add_option("--max-backlog", a.max_backlog);
  app.add_option("--samples", a.samples);
  app.add_flag("--with-redis", a.with_redis, "ingest mode: write to Redis too (the server's whole path)");
  app.add_option("--rate", a.rate, "ingest mode: total ticks/s (0: as fast as possible)");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  return a.mode == "ingest" ? run_ingest(a) : run_history(a);
}
