// The tick path into Redis (TickPipeline + RedisTickWriter) against a real redis-server:
// key names and types, list cap, candle cache TTL and size, publish order, and outages.

#include "store/redis/tick_writer.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "pipeline/tick_pipeline.h"
#include "tests/integration/asio_test_util.h"
#include "tests/support/redis_server.h"

namespace quflx {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using testing::RedisClient;
using testing::RedisServer;
using testing::run_until;

constexpr double kT0 = 1761350400.0;  // 2025-10-25T00:00:00Z

UtcMicros at(double s) { return *from_unix_seconds(s); }

class RedisTickWriterTest : public ::testing::Test {
 protected:
  RedisTickWriterTest()
      : clock_(at(kT0)),
        pipeline_(clock_, {}, metrics_) {
    redis::ConnectionOptions o;
    o.endpoint = *redis::parse_redis_url(redis_.url());
    o.name = "writer";
    o.backoff_initial = 20ms;
    o.backoff_max = 100ms;
    conn_ = std::make_unique<redis::Connection>(ioc_.get_executor(), o, &metrics_);
    writer_ = std::make_unique<RedisTickWriter>(
        *conn_, pipeline_.assets(), pipeline_.candles(),
        RedisTickWriterOptions{.tick_list_cap = 50, .history_candles = 20, .history_ttl = 3600s},
        metrics_);
    pipeline_.add_sink(*writer_);
    feed_ = pipeline_.register_feed({"test", false, 0us});
    conn_->start();
    EXPECT_TRUE(run_until(ioc_, [&] { return conn_->connected(); }));
  }

  // `n` ticks of `asset`, 0.1 s apart from `start`, one ingest call; the clock follows.
  void ticks(const std::string& asset, int n, double start, double price = 1.0) {
    std::vector<RawTick> raw;
    for (int i = 0; i < n; ++i) raw.push_back({asset, price + i * 0.001, at(start + 0.1 * i)});
    clock_.set(at(start + 0.1 * (n - 1)));
    pipeline_.ingest(feed_, raw);
  }
  void flush() { ASSERT_TRUE(run_until(ioc_, [&] { return conn_->stats().in_flight == 0; })); }

  static std::uint64_t seq_of(const std::string& tick_json) {
    return json::parse(tick_json).as_object().at("seq").to_number<std::uint64_t>();
  }

  RedisServer redis_;
  asio::io_context ioc_;
  MetricsRegistry metrics_;
  ManualClock clock_;
  TickPipeline pipeline_;
  std::unique_ptr<redis::Connection> conn_;
  std::unique_ptr<RedisTickWriter> writer_;
  FeedId feed_ = 0;
};

TEST_F(RedisTickWriterTest, WritesOnlyTheDocumentedKeysWithTheirTypes) {
  ticks("EURUSD_otc", 10, kT0);
  ticks("#AAPL_otc", 10, kT0);
  clock_.set(at(kT0 + 1.0));
  pipeline_.advance_live_clock();  // closes the 1s bars
  flush();
  RedisClient c(redis_.port());
  std::set<std::string> keys;
  for (auto& k : c.strings({"KEYS", "*"})) keys.insert(k);  // fine in a test; the server uses SCAN
  EXPECT_EQ(keys, (std::set<std::string>{"ticks:{EURUSD_otc}", "ticks:{#AAPL_otc}",
                                         "historical:{EURUSD_otc}:1s", "historical:{#AAPL_otc}:1s"}));
  EXPECT_EQ(c.string({"TYPE", "ticks:{EURUSD_otc}"}), "list");
  EXPECT_EQ(c.string({"TYPE", "historical:{EURUSD_otc}:1s"}), "string");
  const auto ttl = c.integer({"TTL", "historical:{EURUSD_otc}:1s"});
  EXPECT_GT(ttl, 3590);
  EXPECT_LE(ttl, 3600);
}

TEST_F(RedisTickWriterTest, CapsTheTickListWithTheNewestFirst) {
  for (int batch = 0; batch < 4; ++batch) ticks("EURUSD_otc", 30, kT0 + batch * 3.0);
  flush();
  RedisClient c(redis_.port());
  EXPECT_EQ(c.integer({"LLEN", "ticks:{EURUSD_otc}"}), 50);
  const auto list = c.strings({"LRANGE", "ticks:{EURUSD_otc}", "0", "-1"});
  ASSERT_EQ(list.size(), 50u);
  for (std::size_t i = 0; i < list.size(); ++i) EXPECT_EQ(seq_of(list[i]), 120u - i);
  const auto head = json::parse(list[0]).as_object();
  EXPECT_EQ(head.at("asset").as_string(), "EURUSD_otc");
  EXPECT_EQ(head.at("type").as_string(), "tick");
}

TEST_F(RedisTickWriterTest, CandleCacheHoldsTheLatestClosedBarsOldestFirst) {
  for (int s = 0; s < 30; ++s) ticks("BTCUSD", 5, kT0 + s, 100.0 + s);
  clock_.set(at(kT0 + 30.0));
  pipeline_.advance_live_clock();
  flush();
  RedisClient c(redis_.port());
  const auto arr = json::parse(c.string({"GET", "historical:{BTCUSD}:1s"})).as_array();
  ASSERT_EQ(arr.size(), 20u);  // history_candles, of 30 closed bars
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const auto& bar = arr[i].as_object();
    EXPECT_EQ(bar.at("timestamp").to_number<std::int64_t>(), static_cast<std::int64_t>(kT0) + 10 + static_cast<std::int64_t>(i));
    EXPECT_TRUE(bar.at("closed").as_bool());
    EXPECT_EQ(bar.at("volume").to_number<int>(), 5);
    EXPECT_EQ(bar.at("timeframe").as_string(), "1s");
  }
  const auto five = json::parse(c.string({"GET", "historical:{BTCUSD}:5s"})).as_array();
  EXPECT_EQ(five.size(), 6u);
}

TEST_F(RedisTickWriterTest, PublishesEveryTickAndCandleUpdateWithSeqInOrder) {
  RedisClient sub(redis_.port());
  sub.command({"SUBSCRIBE", "updates:{EURUSD_otc}"});
  for (int batch = 0; batch < 10; ++batch) ticks("EURUSD_otc", 50, kT0 + batch * 5.0);
  flush();
  std::vector<std::uint64_t> tick_seqs;
  int candles = 0;
  std::map<std::string, std::uint64_t> last_candle_seq;  // per timeframe
  while (auto msg = sub.next_push(500ms)) {
    ASSERT_EQ(msg->type, REDIS_REPLY_ARRAY);
    const auto obj = json::parse(std::string_view(msg->element[2]->str, msg->element[2]->len)).as_object();
    if (obj.at("type").as_string() == "tick") {
      tick_seqs.push_back(obj.at("seq").to_number<std::uint64_t>());
    } else {
      ASSERT_EQ(obj.at("type").as_string(), "candle");
      ++candles;
      const auto s = obj.at("seq").to_number<std::uint64_t>();
      auto& last = last_candle_seq[std::string(obj.at("timeframe").as_string())];
      EXPECT_GE(s, last);
      last = s;
      EXPECT_LE(s, tick_seqs.empty() ? 0 : tick_seqs.back());  // never ahead of its ticks
    }
  }
  ASSERT_EQ(tick_seqs.size(), 500u);
  for (std::size_t i = 0; i < tick_seqs.size(); ++i) EXPECT_EQ(tick_seqs[i], i + 1);
  EXPECT_GE(candles, 10 * static_cast<int>(kTimeframeCount));
}

TEST_F(RedisTickWriterTest, SurvivesARedisRestartMidStreamAndResumesWriting) {
  ticks("EURUSD_otc", 10, kT0);  // seq 1..10
  clock_.set(at(kT0 + 1.0));
  pipeline_.advance_live_clock();
  flush();

  redis_.kill9();
  ASSERT_TRUE(run_until(ioc_, [&] { return !conn_->connected(); }));
  ticks("EURUSD_otc", 10, kT0 + 2.0);  // seq 11..20: Redis is down
  EXPECT_EQ(writer_->stats().ticks_unwritten, 10u);

  redis_.start();  // empty: no persistence in the test server
  ASSERT_TRUE(run_until(ioc_, [&] { return conn_->connected(); }));
  ticks("EURUSD_otc", 10, kT0 + 4.0);  // seq 21..30
  flush();

  RedisClient c(redis_.port());
  // The list was written back from the writer's memory on reconnect: the ticks from before
  // and during the outage are there again, gap-free, so a client can resume with last_seq.
  const auto list = c.strings({"LRANGE", "ticks:{EURUSD_otc}", "0", "-1"});
  ASSERT_EQ(list.size(), 30u);
  for (std::size_t i = 0; i < list.size(); ++i) EXPECT_EQ(seq_of(list[i]), 30u - i);
  // The candle cache was rewritten on reconnect, although the restarted Redis lost it.
  const auto hist = json::parse(c.string({"GET", "historical:{EURUSD_otc}:1s"})).as_array();
  EXPECT_FALSE(hist.empty());
  EXPECT_NE(metrics_.render().find("quflx_redis_ticks_unwritten_total 10"), std::string::npos);
}

TEST_F(RedisTickWriterTest, WritesBackOnlyTheLatestCapTicksAfterAnOutage) {
  ticks("EURUSD_otc", 30, kT0);
  flush();
  redis_.kill9();
  ASSERT_TRUE(run_until(ioc_, [&] { return !conn_->connected(); }));
  ticks("EURUSD_otc", 40, kT0 + 4.0);  // seq 31..70 while down
  redis_.start();
  ASSERT_TRUE(run_until(ioc_, [&] { return conn_->connected(); }));
  flush();
  RedisClient c(redis_.port());
  const auto list = c.strings({"LRANGE", "ticks:{EURUSD_otc}", "0", "-1"});
  ASSERT_EQ(list.size(), 50u);  // the cap
  for (std::size_t i = 0; i < list.size(); ++i) EXPECT_EQ(seq_of(list[i]), 70u - i);
}

}  // namespace
}  // namespace quflx
