// Fault injection for the tickerplant contract (SPEC §4), end to end: the built `quflx serve`
// with the simulated feed at thousands of ticks/s over several assets, a real Redis (with the
// recommended append-only configuration) and a real PostgreSQL, both started by the harness,
// and a client subscribed to updates:{A} as other servers are. Servers and Redis are killed
// with SIGKILL, PostgreSQL is stopped for a while, and every test ends with the same check:
// per asset, the stored seqs are exactly 1..N (no gap, no duplicate) and every seq the client
// saw is stored.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>

#include <atomic>
#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <mutex>
#include <thread>

#include "tests/support/postgres_server.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace quflx {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::ChildProcess;
using testing::PgClient;
using testing::PostgresServer;
using testing::RedisServer;

const std::vector<std::string> kAssets = {"EURUSD_otc", "GBPUSD_otc", "BTCUSD", "#AAPL_otc"};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 30s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// A client of updates:{A} (PSUBSCRIBE), as another server or a program would be. Reconnects
// when Redis goes away; records the seq of every tick it receives.
class UpdatesClient {
 public:
  explicit UpdatesClient(std::uint16_t port) : port_(port), thread_([this] { run(); }) {}
  ~UpdatesClient() {
    stop_ = true;
    thread_.join();
  }
  // Per asset: seq -> (price, Unix ms) of every tick received.
  using Seen = std::map<std::string, std::map<std::uint64_t, std::pair<double, std::int64_t>>>;
  Seen seen() {
    std::lock_guard lk(mu_);
    return seen_;
  }

 private:
  void run() {
    while (!stop_) {
      timeval tv{0, 200'000};
      redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
      if (!c || c->err) {
        if (c) redisFree(c);
        std::this_thread::sleep_for(50ms);
        continue;
      }
      auto* r = static_cast<redisReply*>(redisCommand(c, "PSUBSCRIBE updates:{*}"));
      if (r) freeReplyObject(r);
      while (!stop_) {
        void* reply = nullptr;
        if (redisGetReplyFromReader(c, &reply) != REDIS_OK) break;
        if (reply) {
          auto* m = static_cast<redisReply*>(reply);
          if (m->type == REDIS_REPLY_ARRAY && m->elements == 4) {
            record(m->element[3]->str, m->element[3]->len);
          }
          freeReplyObject(m);
          continue;
        }
        pollfd p{c->fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, 100);  // wake to notice stop_
        if (ready < 0) break;
        if (ready == 0) continue;
        if (redisBufferRead(c) != REDIS_OK) break;  // Redis went away: reconnect
      }
      redisFree(c);
    }
  }
  void record(const char* data, std::size_t len) {
    const std::string_view msg(data, len);
    if (!msg.starts_with("{\"type\":\"tick\"")) return;
    const auto v = json::parse(msg).as_object();
    // Seconds with up to six decimals: exact in whole microseconds, then floored to ms as stored.
    const auto us = std::llround(v.at("timestamp").to_number<double>() * 1e6);
    std::lock_guard lk(mu_);
    seen_[std::string(v.at("asset").as_string())][v.at("seq").to_number<std::uint64_t>()] = {
        v.at("price").to_number<double>(), us / 1000};
  }

  std::uint16_t port_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  Seen seen_;
  std::thread thread_;
};

class PersistenceFaultTest : public ::testing::Test {
 protected:
  PersistenceFaultTest()
      : redis_({"--appendonly", "yes", "--appendfsync", "everysec"}),
        db_url_(pg_.create_database("quflx")) {}

  void start_server(std::vector<std::string> extra = {}) {
    port_ = testing::free_port();
    std::vector<std::string> argv = {QUFLX_BINARY, "serve", "--port", std::to_string(port_),
                                     "--redis-url", redis_.url(), "--database-url", db_url_,
                                     "--state-dir", dir_.path() + "/state",
                                     "--sim-assets", "EURUSD_otc,GBPUSD_otc,BTCUSD,#AAPL_otc",
                                     "--sim-rate", "750", "--batch-interval", "0.25",
                                     "--batch-max-rows", "2000"};
    for (auto& e : extra) argv.push_back(e);
    server_ = ChildProcess(argv, {.log_path = log_path()});
    const bool up = eventually([&] {
      return testing::http_get(port_, "/health").status == 200 || !server_.running();
    }, 20s);
    ASSERT_TRUE(up && server_.running()) << log();
  }
  std::string log_path() const { return dir_.path() + "/quflx.log"; }
  std::string log() const { return testing::read_file(log_path()); }

  json::object health() {
    const auto r = testing::http_get(port_, "/health");
    if (r.status != 200) return {};
    return json::parse(r.body).as_object();
  }
  json::object database() {
    auto h = health();
    return h.contains("database") ? h.at("database").as_object() : json::object{};
  }
  std::uint64_t accepted() {
    auto h = health();
    return h.contains("ticks_accepted") ? h.at("ticks_accepted").to_number<std::uint64_t>() : 0;
  }
  // Lets the feed run until the server accepted `n` more ticks.
  void run_for_ticks(std::uint64_t n) {
    const auto start = accepted();
    ASSERT_TRUE(eventually([&] { return accepted() >= start + n; })) << log();
  }
  void stop_server() {
    server_.signal(SIGTERM);
    const auto st = server_.wait(60s);
    ASSERT_TRUE(st.has_value()) << "server did not exit after SIGTERM";
    EXPECT_EQ(*st, 0) << log();
  }

  // The contract: per asset, stored seqs are exactly 1..N; everything a client saw is stored.
  void expect_exactly_once(UpdatesClient& client, std::uint64_t min_per_asset) {
    PgClient db(db_url_);
    const auto rows = db.query(
        "SELECT pair, count(*), count(DISTINCT seq), min(seq), max(seq) FROM historical_ticks"
        " GROUP BY pair ORDER BY pair");
    ASSERT_EQ(rows.size(), kAssets.size());
    for (const auto& r : rows) {
      const auto n = std::stoull(r[1]);
      EXPECT_EQ(r[2], r[1]) << r[0] << ": duplicate seqs";
      EXPECT_EQ(r[3], "1") << r[0];
      EXPECT_EQ(r[4], r[1]) << r[0] << ": a gap (max seq != count)";
      EXPECT_GE(n, min_per_asset) << r[0];
    }
    // Every tick a client saw is stored, as it saw it (same seq, price and time): a seq handed
    // out twice would show here even where the numbers alone look fine.
    std::map<std::pair<std::string, std::uint64_t>, std::pair<double, std::int64_t>> stored;
    for (const auto& r : db.query("SELECT pair, seq, price, timestamp FROM historical_ticks")) {
      stored[{r[0], std::stoull(r[1])}] = {std::stod(r[2]), std::stoll(r[3])};
    }
    const auto seen = client.seen();
    ASSERT_EQ(seen.size(), kAssets.size());
    std::size_t checked = 0, missing = 0, different = 0;
    for (const auto& [asset, ticks] : seen) {
      for (const auto& [seq, tick] : ticks) {
        ++checked;
        const auto it = stored.find({asset, seq});
        if (it == stored.end()) {
          if (missing++ < 5) ADD_FAILURE() << asset << " seq " << seq << " was seen but is not stored";
        } else if (it->second != tick) {
          if (different++ < 5) {
            ADD_FAILURE() << asset << " seq " << seq << ": seen price " << tick.first << " at "
                          << tick.second << " ms, stored " << it->second.first << " at "
                          << it->second.second << " ms";
          }
        }
      }
    }
    EXPECT_EQ(missing, 0u);
    EXPECT_EQ(different, 0u);
    EXPECT_GT(checked, min_per_asset * kAssets.size() / 2) << "the client saw too little to judge";
  }

  testing::TempDir dir_{"quflx-fault"};
  PostgresServer pg_;
  RedisServer redis_;
  std::string db_url_;
  ChildProcess server_;
  std::uint16_t port_ = 0;
};

TEST_F(PersistenceFaultTest, Kill9OfTheServerLosesNothingAndNumberingContinues) {
  UpdatesClient client(redis_.port());
  start_server();
  run_for_ticks(4000);
  server_.kill9();
  const auto seen_before = client.seen();

  start_server();
  EXPECT_THAT(log(), HasSubstr("from before"));
  run_for_ticks(4000);
  stop_server();
  EXPECT_THAT(log(), HasSubstr("every accepted tick is committed"));
  expect_exactly_once(client, 1000);
  // The second run continued each asset's numbering after what the client saw of the first.
  const auto seen = client.seen();
  for (const auto& [asset, ticks] : seen_before) {
    EXPECT_GT(seen.at(asset).rbegin()->first, ticks.rbegin()->first) << asset;
  }
}

TEST_F(PersistenceFaultTest, Kill9OfRedisDoesNotTouchDurability) {
  UpdatesClient client(redis_.port());
  start_server();
  run_for_ticks(3000);
  redis_.kill9();
  run_for_ticks(3000);  // streaming and persisting go on without Redis
  redis_.start();
  ASSERT_TRUE(eventually([&] {
    auto h = health();
    return !h.empty() && h.at("redis").as_object().at("connected").as_bool();
  }));
  run_for_ticks(3000);
  stop_server();
  expect_exactly_once(client, 1500);
}

TEST_F(PersistenceFaultTest, APostgresOutageIsSpooledAndDrainedWhenItReturns) {
  UpdatesClient client(redis_.port());
  start_server();
  run_for_ticks(2000);
  pg_.stop();
  ASSERT_TRUE(eventually([&] {
    auto d = database();
    return !d.empty() && !d.at("connected").as_bool() &&
           d.at("backlog_ticks").to_number<std::uint64_t>() > 3000;
  })) << json::serialize(database());
  const auto d = database();
  EXPECT_EQ(health().at("status").as_string(), "degraded");
  EXPECT_GT(d.at("spool_bytes").to_number<std::uint64_t>(), 0u);
  EXPECT_GT(d.at("oldest_unpersisted_age_seconds").to_number<double>(), 0.0);
  EXPECT_FALSE(d.at("last_error").as_string().empty());

  pg_.start();
  ASSERT_TRUE(eventually([&] {
    auto x = database();
    return !x.empty() && x.at("connected").as_bool() &&
           x.at("backlog_ticks").to_number<std::uint64_t>() < 2000;
  })) << json::serialize(database());
  run_for_ticks(2000);
  stop_server();
  expect_exactly_once(client, 1000);
}

TEST_F(PersistenceFaultTest, AllThreeFaultsInOneRun) {
  UpdatesClient client(redis_.port());
  start_server();
  run_for_ticks(2000);
  pg_.stop();
  run_for_ticks(2000);
  redis_.kill9();
  run_for_ticks(2000);
  server_.kill9();
  // Back up with both Redis and PostgreSQL away: numbering continues from the journal alone.
  start_server();
  run_for_ticks(2000);
  redis_.start();
  pg_.start();
  run_for_ticks(2000);
  stop_server();
  expect_exactly_once(client, 1500);
}

TEST_F(PersistenceFaultTest, AFullSpoolRefusesTicksLoudlyAndStaysGapFree) {
  UpdatesClient client(redis_.port());
  // The database answers at start (with an empty journal a server numbers nothing before it
  // knows the stored seqs), then goes away while ticks keep coming.
  start_server({"--spool-max-mb", "1", "--sim-rate", "2500"});
  ASSERT_TRUE(eventually([&] { return database().at("journal").as_object().at("accepting").as_bool(); }));
  pg_.stop();
  ASSERT_TRUE(eventually([&] {
    auto d = database();
    return !d.empty() && d.at("ticks_refused").to_number<std::uint64_t>() > 0;
  })) << json::serialize(database());
  const auto d = database();
  EXPECT_FALSE(d.at("journal").as_object().at("accepting").as_bool());
  EXPECT_EQ(health().at("status").as_string(), "degraded");
  const auto metrics = testing::http_get(port_, "/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("quflx_feed_rejected_total{feed=\"sim\",reason=\"not_durable\"}"));

  pg_.start();
  ASSERT_TRUE(eventually([&] { return database().at("journal").as_object().at("accepting").as_bool(); }));
  run_for_ticks(2000);
  stop_server();
  // Refused ticks never got a seq: what was accepted is still exactly 1..N.
  expect_exactly_once(client, 500);
}

// The same closed candles whether the history path answers from the cache or, after a miss,
// from the database (which then fills the cache again).
TEST_F(PersistenceFaultTest, HistoryFromTheDatabaseEqualsHistoryFromTheCache) {
  start_server({"--sim-rate", "200"});
  // Enough closed 1s and 5s bars on both sides of a graceful stop.
  ASSERT_TRUE(eventually([&] { return health().at("uptime_seconds").to_number<int>() >= 7; }, 60s));
  stop_server();
  start_server({"--feed", "none"});  // reads what the first server stored
  ASSERT_TRUE(eventually([&] {  // up: Redis connected, stored history restored
    auto h = health();
    return !h.empty() && h.at("redis").as_object().at("connected").as_bool() &&
           h.at("database").as_object().at("journal").as_object().at("accepting").as_bool();
  }));
  const auto get = [&](const std::string& asset, const std::string& tf) {
    const auto r = testing::http_get(port_, "/api/candles?asset=" + asset + "&timeframe=" + tf +
                                                "&limit=200");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).as_object();
  };
  testing::RedisClient redis(redis_.port());
  for (const std::string tf : {"1s", "5s"}) {
    const auto cached = get("EURUSD_otc", tf);
    ASSERT_EQ(cached.at("source").as_string(), "redis_cache");
    ASSERT_GE(cached.at("candles").as_array().size(), tf == "1s" ? 3u : 1u) << json::serialize(cached);
    redis.command({"DEL", "historical:{EURUSD_otc}:" + tf});
    const auto from_db = get("EURUSD_otc", tf);
    EXPECT_EQ(from_db.at("source").as_string(), "database");
    EXPECT_EQ(json::serialize(from_db.at("candles")), json::serialize(cached.at("candles")));
    const auto refilled = get("EURUSD_otc", tf);
    EXPECT_EQ(refilled.at("source").as_string(), "redis_cache");
    EXPECT_EQ(json::serialize(refilled.at("candles")), json::serialize(cached.at("candles")));
  }
  const auto metrics = testing::http_get(port_, "/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("quflx_history_cache_hit_ratio 0.666"));
  EXPECT_THAT(metrics, HasSubstr("quflx_history_latency_seconds_count{source=\"database\"} 2"));
  stop_server();
}

TEST_F(PersistenceFaultTest, PushedTicksAreAcknowledgedOnlyOnceDurable) {
  start_server({"--feed", "push", "--auth-token", "s3cret"});
  ASSERT_TRUE(eventually([&] {
    auto d = database();
    return !d.empty() && d.at("journal").as_object().at("accepting").as_bool();
  }));
  // The push feed takes ticks once it started (after numbering is restored); before: 503.
  ASSERT_TRUE(eventually([&] {
    const auto h = health();
    if (h.empty()) return false;
    for (const auto& f : h.at("feeds").as_array()) {
      if (f.as_object().at("name") == "push") return f.as_object().at("state") == "running";
    }
    return false;
  }));
  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  std::string body = "[";
  for (int i = 0; i < 50; ++i) {
    if (i) body += ',';
    body += fmt::format(R"({{"asset":"BTCUSD","price":{},"timestamp":{:.3f}}})", 100 + i,
                        now - 1 + i * 0.001);
  }
  body += "]";
  const auto r = testing::http_post(port_, "/api/ticks", body, {"Authorization: Bearer s3cret"});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto reply = json::parse(r.body).as_object();
  EXPECT_EQ(reply.at("accepted").to_number<int>(), 50);
  EXPECT_TRUE(reply.at("durable").as_bool());
  // The acknowledgement is the promise: a crash right after it loses nothing.
  server_.kill9();
  start_server({"--feed", "none"});
  stop_server();
  PgClient db(db_url_);
  EXPECT_EQ(db.scalar("SELECT count(*) || ' ' || min(seq) || ' ' || max(seq) || ' ' || min(price) ||"
                      " ' ' || max(price) FROM historical_ticks WHERE pair = 'BTCUSD'"),
            "50 1 50 100 149");
}

}  // namespace
}  // namespace quflx
