// The PostgreSQL side against a real server started by the harness: migrations (empty and
// already migrated databases, the Supabase RLS branch), the tick journal -> persister -> tables path
// with re-delivery, duplicates and an outage, and the candle reads of the history path.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <thread>

#include "core/candle_aggregator.h"
#include "store/pg/candle_store.h"
#include "store/pg/candle_rows.h"
#include "store/pg/migrations.h"
#include "store/journal/tick_journal.h"
#include "store/pg/tick_persister.h"
#include "tests/integration/asio_test_util.h"
#include "tests/support/postgres_server.h"

namespace quflx {
namespace {

using namespace std::chrono_literals;
using testing::PgClient;
using testing::PostgresServer;
using ::testing::ElementsAre;

// One cluster for the whole binary; each test gets its own database.
PostgresServer& shared_cluster() {
  static PostgresServer server;  // stopped (and its directory removed) at exit
  return server;
}

std::string fresh_database() {
  static std::atomic<int> n{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string("t_") + info->name() + "_" + std::to_string(n++);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return shared_cluster().create_database(name.substr(0, 60));
}

std::vector<std::string> column(const PgClient::Rows& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.at(0));
  return out;
}

pg::Connection connect(const std::string& url) {
  auto c = pg::Connection::connect({.url = url});
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return std::move(*c);
}

// --- Migrations ---------------------------------------------------------------------------

TEST(Migrations, CreateTheSchemaOnAnEmptyDatabase) {
  const auto url = fresh_database();
  auto conn = connect(url);
  auto report = pg::migrate(conn);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_THAT(report->applied, ElementsAre("0001_historical_ticks", "0002_candles",
                                           "0003_tick_checkpoints", "0004_supabase_rls",
                                           "0005_ticks_time_brin", "0006_supabase_rls_migrations"));
  EXPECT_EQ(report->schema_version, 6);

  PgClient db(url);
  // The keys that make re-delivery harmless, and only the indexes the history queries need.
  EXPECT_THAT(column(db.query("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
                              " AND tablename IN ('historical_ticks', 'candles') ORDER BY indexname")),
              ElementsAre(
                  "CREATE UNIQUE INDEX candles_pkey ON public.candles USING btree (pair, timeframe, \"timestamp\")",
                  "CREATE UNIQUE INDEX historical_ticks_pkey ON public.historical_ticks USING btree (pair, seq)",
                  "CREATE INDEX historical_ticks_timestamp_brin ON public.historical_ticks USING brin (\"timestamp\")"));
  EXPECT_EQ(db.scalar("SELECT data_type FROM information_schema.columns WHERE table_name ="
                      " 'historical_ticks' AND column_name = 'price'"),
            "double precision");
  EXPECT_EQ(db.scalar("SELECT data_type FROM information_schema.columns WHERE table_name ="
                      " 'historical_ticks' AND column_name = 'timestamp'"),
            "bigint");
  // No auth schema: plain PostgreSQL, no row-level security.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_policies"), "0");
  EXPECT_EQ(db.scalar("SELECT relrowsecurity FROM pg_class WHERE relname = 'historical_ticks'"), "f");
}

TEST(Migrations, LeaveAnUpToDateDatabaseAlone) {
  const auto url = fresh_database();
  auto conn = connect(url);
  ASSERT_TRUE(pg::migrate(conn).ok());
  PgClient db(url);
  db.exec("INSERT INTO historical_ticks (pair, seq, price, timestamp) VALUES ('BTCUSD', 1, 2.5, 1000)");
  const auto applied_at = db.scalar("SELECT max(applied_at) FROM quflx_schema_migrations");

  auto again = pg::migrate(conn);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->schema_version, 6);
  EXPECT_FALSE(again->database_is_newer);
  EXPECT_EQ(db.scalar("SELECT max(applied_at) FROM quflx_schema_migrations"), applied_at);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM historical_ticks"), "1");
}

TEST(Migrations, ApplyOnlyWhatIsMissing) {
  const auto url = fresh_database();
  PgClient db(url);
  // A database migrated by an older build that knew only the first migration.
  db.exec("CREATE TABLE quflx_schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
  db.exec(std::string(pg::bundled_migrations().at(0).sql));
  db.exec("INSERT INTO quflx_schema_migrations (version, name) VALUES (1, 'historical_ticks')");
  auto conn = connect(url);
  auto report = pg::migrate(conn);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_THAT(report->applied, ElementsAre("0002_candles", "0003_tick_checkpoints",
                                           "0004_supabase_rls", "0005_ticks_time_brin",
                                           "0006_supabase_rls_migrations"));
}

TEST(Migrations, TwoServersMigratingAtOnceDoNotCollide) {
  const auto url = fresh_database();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      auto c = pg::Connection::connect({.url = url});
      if (c.ok() && pg::migrate(*c).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 2);
  PgClient db(url);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM quflx_schema_migrations"), "6");
}

TEST(Migrations, CreateRowLevelSecurityWhereTheSupabaseAuthSchemaExists) {
  const auto url = fresh_database();
  PgClient db(url);
  // A stand-in for Supabase: the auth schema and its API roles (roles are cluster-wide).
  db.exec("CREATE SCHEMA auth");
  db.exec("DO $$ BEGIN"
          " IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;"
          " IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;"
          " END $$");
  auto conn = connect(url);
  ASSERT_TRUE(pg::migrate(conn).ok());

  EXPECT_THAT(column(db.query("SELECT relname FROM pg_class WHERE relrowsecurity ORDER BY relname")),
              ElementsAre("candles", "historical_ticks", "quflx_schema_migrations",
                          "quflx_tick_checkpoints"));
  EXPECT_THAT(column(db.query("SELECT tablename || ' ' || policyname || ' ' || cmd || ' ' || array_to_string(roles, ',')"
                              " FROM pg_policies ORDER BY 1")),
              ElementsAre("candles quflx_read_anon SELECT anon",
                          "candles quflx_read_authenticated SELECT authenticated",
                          "candles quflx_server_writes ALL postgres",
                          "historical_ticks quflx_read_anon SELECT anon",
                          "historical_ticks quflx_read_authenticated SELECT authenticated",
                          "historical_ticks quflx_server_writes ALL postgres",
                          "quflx_schema_migrations quflx_server_writes ALL postgres",
                          "quflx_tick_checkpoints quflx_server_writes ALL postgres"));

  // What the policies mean: the server's role writes; an API role reads but cannot write,
  // even where the table privileges would let it (Supabase grants them by default).
  db.exec("INSERT INTO historical_ticks (pair, seq, price, timestamp) VALUES ('BTCUSD', 1, 2.5, 1000)");
  db.exec("GRANT ALL ON historical_ticks, quflx_tick_checkpoints, quflx_schema_migrations TO anon");
  db.exec("SET ROLE anon");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM historical_ticks"), "1");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM quflx_tick_checkpoints"), "0");  // hidden
  EXPECT_EQ(db.scalar("SELECT count(*) FROM quflx_schema_migrations"), "0");  // hidden
  db.exec("DELETE FROM quflx_schema_migrations");  // sees no rows, so deletes none
  EXPECT_THROW(db.exec("INSERT INTO historical_ticks (pair, seq, price, timestamp) VALUES ('BTCUSD', 2, 2.5, 1000)"),
               std::runtime_error);
  db.exec("RESET ROLE");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM quflx_schema_migrations"), "6");
}

// --- Tick log -> persister -> PostgreSQL ---------------------------------------------------

class PersisterTest : public ::testing::Test {
 protected:
  PersisterTest() {
    char tmpl[] = "/tmp/quflx-persist-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    eur_ = assets_.intern("EURUSD_otc");
    btc_ = assets_.intern("BTCUSD");
  }
  ~PersisterTest() override {
    persister_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  void open_log() {
    TickJournalOptions o;
    o.dir = dir_ + "/log";
    o.segment_bytes = 64 << 10;
    o.max_bytes = 64 << 20;
    auto r = TickJournal::open(ioc_.get_executor(), assets_, o, metrics_);
    ASSERT_TRUE(r.ok()) << r.error().message;
    log_ = std::move(*r);
    std::vector<std::pair<AssetId, std::uint64_t>> seqs;
    for (const auto& [name, seq] : log_->recovery().last_seqs) {
      seqs.emplace_back(assets_.intern(name), seq);
      seq_[assets_.intern(name)] = seq;
    }
    ASSERT_TRUE(log_->begin(seqs).ok());
  }
  void start_persister(std::chrono::milliseconds interval = 1h, std::size_t max_rows = 100'000) {
    PersisterOptions o;
    o.db.url = url_;
    o.db.connect_timeout = 2s;
    o.batch_interval = interval;
    o.batch_max_rows = max_rows;
    o.retry_initial = 50ms;
    o.retry_max = 500ms;
    persister_ = std::make_unique<TickPersister>(*log_, o, metrics_);
    persister_->start();
  }
  void append(AssetId asset, int n, std::vector<CandleUpdate> candles = {}) {
    std::vector<SequencedTick> ticks;
    for (int i = 0; i < n; ++i) {
      const auto seq = ++seq_[asset];
      ticks.push_back({asset, 1.0 + static_cast<double>(seq) / 1000,
                       from_unix_micros(1'700'000'000'000'000 + static_cast<std::int64_t>(seq) * 1500), seq});
    }
    IngestBatch b;
    b.ticks = ticks;
    b.candles = candles;
    ASSERT_TRUE(log_->append(b));
  }
  bool wait_drained(std::chrono::seconds timeout = 20s) {
    persister_->request_flush();
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!persister_->drained()) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
  // Asserts the stored seqs of `pair` are exactly 1..n.
  void expect_exactly(const std::string& pair, std::uint64_t n) {
    PgClient db(url_);
    EXPECT_EQ(db.scalar("SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' || coalesce(min(seq), 0) || ' ' ||"
                        " coalesce(max(seq), 0) FROM historical_ticks WHERE pair = '" + pair + "'"),
              fmt::format("{} {} {} {}", n, n, n ? 1 : 0, n))
        << pair;
  }

  std::string dir_;
  std::string url_ = fresh_database();
  boost::asio::io_context ioc_;
  MetricsRegistry metrics_;
  AssetRegistry assets_;
  AssetId eur_ = 0, btc_ = 0;
  std::map<AssetId, std::uint64_t> seq_;
  std::unique_ptr<TickJournal> log_;
  std::unique_ptr<TickPersister> persister_;
};

Candle bar(std::int64_t open, double close, std::uint64_t volume) {
  Candle c;
  c.open_time_s = open;
  c.open = 1.0;
  c.high = std::max(1.0, close);
  c.low = std::min(1.0, close);
  c.close = close;
  c.volume = volume;
  c.closed = true;
  return c;
}

TEST_F(PersisterTest, CommitsEveryTickOnceWithItsClosedCandles) {
  open_log();
  start_persister();
  append(eur_, 500, {{eur_, Timeframe::k1m, CandleChange::kClosed, bar(1'700'000'040, 1.5, 40)}});
  append(btc_, 300);
  append(eur_, 250, {{eur_, Timeframe::k1m, CandleChange::kAmended, bar(1'700'000'040, 1.7, 41)},
                     {eur_, Timeframe::k1s, CandleChange::kForming, bar(1'700'000'100, 9.9, 1)}});
  ASSERT_TRUE(wait_drained());
  expect_exactly("EURUSD_otc", 750);
  expect_exactly("BTCUSD", 300);
  PgClient db(url_);
  // Milliseconds, floored; price as written.
  EXPECT_EQ(db.scalar("SELECT timestamp || ' ' || price FROM historical_ticks WHERE pair = 'BTCUSD' AND seq = 3"),
            "1700000000004 1.003");
  // The amended bar updated its row; the forming bar was not stored.
  EXPECT_EQ(db.scalar("SELECT count(*) || ' ' || max(close) || ' ' || max(volume) FROM candles"), "1 1.7 41");
  EXPECT_THAT(column(db.query("SELECT pair || '=' || last_seq FROM quflx_tick_checkpoints ORDER BY pair")),
              ElementsAre("BTCUSD=300", "EURUSD_otc=750"));
  const auto st = persister_->status();
  EXPECT_EQ(st.state, "running");
  EXPECT_EQ(st.ticks_committed, 1050u);
  EXPECT_EQ(st.backlog_ticks, 0u);
  EXPECT_EQ(st.pairs.at("EURUSD_otc").last_seq, 750u);
  EXPECT_GT(st.last_commit_unix_ms, 0);
}

TEST_F(PersisterTest, BatchMaxRowsTriggersACommitBeforeTheInterval) {
  open_log();
  start_persister(/*interval=*/1h, /*max_rows=*/1000);
  for (int i = 0; i < 5; ++i) append(eur_, 400);  // 2,000 ticks: at least one full batch
  const auto end = std::chrono::steady_clock::now() + 20s;
  while (persister_->status().ticks_committed < 1000 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GE(persister_->status().ticks_committed, 1000u);
  ASSERT_TRUE(wait_drained());
  expect_exactly("EURUSD_otc", 2000);
}

TEST_F(PersisterTest, ReReadingTheLogAfterACrashStoresNothingTwice) {
  open_log();
  start_persister();
  append(eur_, 100);
  append(btc_, 100);
  ASSERT_TRUE(wait_drained());
  // Crash: the process dies after the commit; the active segment still holds those records.
  persister_.reset();
  log_.reset();
  open_log();
  EXPECT_EQ(log_->recovery().ticks, 200u);
  append(eur_, 50);
  start_persister();
  ASSERT_TRUE(wait_drained());
  expect_exactly("EURUSD_otc", 150);
  expect_exactly("BTCUSD", 100);
  const auto st = persister_->status();
  EXPECT_EQ(st.ticks_skipped, 200u);
  EXPECT_EQ(st.ticks_committed, 50u);
  EXPECT_EQ(st.duplicates, 0u);
}

TEST_F(PersisterTest, RowsThatNoCheckpointAccountsForAreKeptAndCounted) {
  {
    auto c = connect(url_);
    ASSERT_TRUE(pg::migrate(c).ok());
  }
  PgClient db(url_);
  db.exec("INSERT INTO historical_ticks (pair, seq, price, timestamp) VALUES ('BTCUSD', 2, 99, 1)");
  open_log();
  start_persister();
  append(btc_, 3);
  ASSERT_TRUE(wait_drained());
  expect_exactly("BTCUSD", 3);
  EXPECT_EQ(db.scalar("SELECT price FROM historical_ticks WHERE pair = 'BTCUSD' AND seq = 2"), "99");
  EXPECT_EQ(persister_->status().duplicates, 1u);
}

TEST_F(PersisterTest, CommittedSegmentsAreDeletedAndTheSpoolShrinks) {
  open_log();
  start_persister(1h, 1000);
  for (int i = 0; i < 40; ++i) append(i % 2 ? eur_ : btc_, 200);  // several 64 KiB segments
  const auto before = log_->stats().segments;
  ASSERT_GT(before, 2u);
  ASSERT_TRUE(wait_drained());
  EXPECT_EQ(log_->stats().segments, 1u);  // the active one
  EXPECT_LT(log_->retained_bytes(), 64u << 10);
  expect_exactly("EURUSD_otc", 4000);
  expect_exactly("BTCUSD", 4000);
}

TEST(PersisterOutage, BacklogGrowsWhilePostgresIsDownAndDrainsWhenItReturns) {
  PostgresServer server;
  const auto url = server.create_database("quflx");
  char tmpl[] = "/tmp/quflx-outage-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  boost::asio::io_context ioc;
  MetricsRegistry metrics;
  AssetRegistry assets;
  const AssetId a = assets.intern("EURUSD_otc");
  auto opened = TickJournal::open(ioc.get_executor(), assets, {.dir = dir + "/log"}, metrics);
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<TickJournal> log = std::move(*opened);
  ASSERT_TRUE(log->begin({}).ok());
  PersisterOptions o;
  o.db.url = url;
  o.db.connect_timeout = 1s;
  o.batch_interval = 50ms;
  o.retry_initial = 50ms;
  o.retry_max = 300ms;
  TickPersister persister(*log, o, metrics);
  persister.start();
  std::uint64_t seq = 0;
  auto append = [&](int n) {
    std::vector<SequencedTick> ticks;
    for (int i = 0; i < n; ++i) ticks.push_back({a, 1.0, from_unix_micros(1'700'000'000'000'000), ++seq});
    IngestBatch b;
    b.ticks = ticks;
    ASSERT_TRUE(log->append(b));
  };
  append(100);
  const auto until = [](auto pred) {
    const auto end = std::chrono::steady_clock::now() + 30s;
    while (!pred() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(10ms);
    return pred();
  };
  ASSERT_TRUE(until([&] { return persister.drained(); }));

  server.stop();
  append(100);
  append(100);
  ASSERT_TRUE(until([&] { return persister.status().state == "retrying"; }));
  auto st = persister.status();
  EXPECT_FALSE(st.connected);
  EXPECT_EQ(st.backlog_ticks, 200u);
  EXPECT_GT(st.backlog_bytes, 0u);
  EXPECT_FALSE(st.last_error.empty());
  EXPECT_FALSE(persister.drained());

  server.start();
  ASSERT_TRUE(until([&] { return persister.drained(); }));
  st = persister.status();
  EXPECT_EQ(st.state, "running");
  EXPECT_EQ(st.backlog_ticks, 0u);
  EXPECT_GT(st.errors, 0u);
  PgClient db(url);
  EXPECT_EQ(db.scalar("SELECT count(*) || ' ' || max(seq) FROM historical_ticks"), "300 300");
  persister.stop();
  log.reset();
  std::filesystem::remove_all(dir);
}

// --- Candle reads of the history path ------------------------------------------------------

TEST(CandleRows, CandlesAggregatedFromTicksEqualTheAggregatorsBars) {
  const auto url = fresh_database();
  auto conn = connect(url);
  ASSERT_TRUE(pg::migrate(conn).ok());
  // A minute of irregular ticks, some out of order within their second.
  CandleAggregator agg;
  AssetRegistry assets;
  const AssetId a = assets.intern("EURUSD_otc");
  CandleEvents events;
  pg::CopyBinaryWriter w;
  const std::int64_t t0 = 1'700'000'000'000'000;  // µs, a whole second
  std::uint64_t seq = 0;
  double price = 1.1;
  for (int i = 0; i < 600; ++i) {
    const std::int64_t jitter = (i % 7 == 3) ? -150'000 : 0;  // some ticks arrive late
    const auto t = from_unix_micros(t0 + i * 100'000 + 30'000 + jitter);
    price += ((i * 7919) % 13 - 6) * 1e-5;
    ++seq;
    events.clear();
    agg.on_tick(a, t, price, seq, t, events);
    w.begin_row(4);
    w.text("EURUSD_otc");
    w.int8(static_cast<std::int64_t>(seq));
    w.float8(price);
    w.int8(unix_millis(t));
  }
  events.clear();
  agg.advance_clock(a, from_unix_micros(t0 + 3'600'000'000LL), events);
  ASSERT_TRUE(conn.copy_in("COPY historical_ticks (pair, seq, price, timestamp) FROM STDIN (FORMAT binary)",
                           w.finish()).ok());
  for (Timeframe tf : {Timeframe::k1s, Timeframe::k5s, Timeframe::k15s}) {
    const auto& expected = agg.closed(a, tf);
    auto got = pg::candles_from_ticks(conn, "EURUSD_otc", tf, 200, (t0 / 1'000'000) + 3600);
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_EQ(got->size(), std::min<std::size_t>(expected.size(), 200)) << to_string(tf);
    const std::size_t skip = expected.size() - got->size();
    for (std::size_t i = 0; i < got->size(); ++i) {
      const auto& e = expected[skip + i];
      const auto& g = (*got)[i];
      EXPECT_EQ(g.open_time_s, e.open_time_s);
      EXPECT_EQ(g.open, e.open) << to_string(tf) << " bar " << i;
      EXPECT_EQ(g.high, e.high);
      EXPECT_EQ(g.low, e.low);
      EXPECT_EQ(g.close, e.close) << to_string(tf) << " bar " << i;
      EXPECT_EQ(g.volume, e.volume);
    }
  }
  // A bar that has not ended by `now` is not a closed candle.
  auto open_bar = pg::candles_from_ticks(conn, "EURUSD_otc", Timeframe::k1h, 10, t0 / 1'000'000 + 60);
  ASSERT_TRUE(open_bar.ok());
  EXPECT_TRUE(open_bar->empty());
}

TEST(CandleRows, UpsertThenLatestReturnsTheNewestOldestFirst) {
  const auto url = fresh_database();
  auto conn = connect(url);
  ASSERT_TRUE(pg::migrate(conn).ok());
  ASSERT_TRUE(pg::prepare_candle_staging(conn).ok());
  std::vector<pg::CandleRow> rows;
  for (int i = 0; i < 300; ++i) {
    rows.push_back({"BTCUSD", Timeframe::k1m, 1'700'000'000 + i * 60, 1, 2, 0.5, 1.5, 10});
  }
  pg::CopyBinaryWriter scratch;
  ASSERT_TRUE(conn.exec("BEGIN").ok());
  auto n = pg::upsert_candles(conn, rows, scratch);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 300u);
  ASSERT_TRUE(conn.exec("COMMIT").ok());
  // Updating one bar changes that row only.
  rows = {{"BTCUSD", Timeframe::k1m, 1'700'000'000 + 299 * 60, 1, 3, 0.5, 2.5, 11}};
  ASSERT_TRUE(conn.exec("BEGIN").ok());
  ASSERT_TRUE(pg::upsert_candles(conn, rows, scratch).ok());
  ASSERT_TRUE(conn.exec("COMMIT").ok());

  auto latest = pg::latest_candles(conn, "BTCUSD", Timeframe::k1m, 200);
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->size(), 200u);
  EXPECT_EQ(latest->front().open_time_s, 1'700'000'000 + 100 * 60);
  EXPECT_EQ(latest->back().open_time_s, 1'700'000'000 + 299 * 60);
  EXPECT_EQ(latest->back().close, 2.5);
  EXPECT_EQ(latest->back().volume, 11u);
  EXPECT_TRUE(latest->back().closed);
  auto none = pg::latest_candles(conn, "BTCUSD", Timeframe::k5m, 200);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}


TEST(CandleStoreTest, QueriesBeyondTheBoundFailAtOnceWhileTheDatabaseHangs) {
  // A "database" that completes TCP handshakes (the kernel's backlog) and never answers: the
  // worker sits in its connect for the whole timeout while requests keep coming.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const auto port = ntohs(addr.sin_port);

  boost::asio::io_context ioc;
  std::size_t done = 0, busy = 0, other = 0;
  {
    CandleStore store({.url = fmt::format("postgresql://quflx@127.0.0.1:{}/quflx", port),
                       .connect_timeout = 2s});
    const std::size_t n = CandleStore::kMaxWaiting + 50;
    for (std::size_t i = 0; i < n; ++i) {
      boost::asio::co_spawn(
          ioc,
          [&]() -> boost::asio::awaitable<void> {
            auto r = co_await store.latest("BTCUSD", Timeframe::k1m, 200);
            ++done;
            if (!r.ok() && r.error().message.find("already waiting") != std::string::npos) {
              ++busy;
            } else {
              ++other;
            }
          },
          boost::asio::detached);
    }
    // The refused ones answer at once, long before the connect times out (each in its own
    // handler: wait for all of them, not for the first, on a slow sanitizer build).
    const std::size_t refused = n - CandleStore::kMaxWaiting - 1;
    ASSERT_TRUE(testing::run_until(ioc, [&] { return busy >= refused; }, 1500ms)) << busy;
    // One call is with the worker, kMaxWaiting wait; the rest were refused.
    EXPECT_GE(busy, refused);
    EXPECT_LE(busy, n - CandleStore::kMaxWaiting);
    // Every call is answered (the waiting ones with the connect error), none is lost.
    ASSERT_TRUE(testing::run_until(ioc, [&] { return done == n; }, 30s));
    EXPECT_EQ(busy + other, n);
  }
  ::close(listener);
}

}  // namespace
}  // namespace quflx
