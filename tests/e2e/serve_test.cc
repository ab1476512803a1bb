// End to end: the built `quflx serve` binary with the simulated feed, checked from outside
// with redis-cli and HTTP, as an operator would.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace quflx {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::ChildProcess;
using testing::RedisServer;

class ServeTest : public ::testing::Test {
 protected:
  void start_server(std::vector<std::string> extra) {
    port_ = testing::free_port();
    std::vector<std::string> argv = {QUFLX_BINARY, "serve", "--port", std::to_string(port_),
                                     "--redis-url", redis_.url(), "--sim-assets",
                                     "EURUSD_otc,BTCUSD", "--sim-rate", "200", "--sim-seed", "7",
                                     "--buffer-size", "100", "--database-url", "none",
                                     "--state-dir", dir_.path() + "/state"};
    for (auto& e : extra) argv.push_back(e);
    log_ = dir_.path() + "/quflx.log";
    server_ = ChildProcess(argv, {.log_path = log_});
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < end) {
      if (testing::http_get(port_, "/health").status == 200) return;
      ASSERT_TRUE(server_.running()) << testing::read_file(log_);
      std::this_thread::sleep_for(20ms);
    }
    FAIL() << "server did not answer /health:\n" << testing::read_file(log_);
  }

  json::object health() {
    const auto r = testing::http_get(port_, "/health");
    EXPECT_EQ(r.status, 200);
    return json::parse(r.body).as_object();
  }

  std::string cli(const std::string& args) {
    return testing::run_command("redis-cli -p " + std::to_string(redis_.port()) + " " + args);
  }

  std::vector<std::uint64_t> listed_seqs(const std::string& asset) {
    std::vector<std::uint64_t> seqs;
    const std::string raw = cli("LRANGE 'ticks:{" + asset + "}' 0 -1");
    std::istringstream in(raw);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      seqs.push_back(json::parse(line).as_object().at("seq").to_number<std::uint64_t>());
    }
    return seqs;
  }

  int stop_server() {
    server_.signal(SIGTERM);
    auto status = server_.wait(15s);
    EXPECT_TRUE(status.has_value()) << "server did not exit after SIGTERM";
    return status.value_or(-1);
  }

  testing::TempDir dir_{"quflx-e2e"};
  RedisServer redis_;
  ChildProcess server_;
  std::uint16_t port_ = 0;
  std::string log_;
};

TEST_F(ServeTest, SimulatedTicksLandInRedisUnderTheDocumentedKeys) {
  start_server({});
  std::this_thread::sleep_for(2500ms);

  for (const std::string asset : {"EURUSD_otc", "BTCUSD"}) {
    // Capped list, newest first, seq gap-free.
    EXPECT_EQ(cli("LLEN 'ticks:{" + asset + "}'"), "100\n");
    const auto seqs = listed_seqs(asset);
    ASSERT_EQ(seqs.size(), 100u);
    for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], seqs[i - 1] - 1);
    EXPECT_GT(seqs.front(), 300u);  // 200 ticks/s for ~2.5 s

    // Candle cache: closed 1s bars, oldest first, TTL about an hour.
    const auto ttl = std::stoi(cli("TTL 'historical:{" + asset + "}:1s'"));
    EXPECT_GT(ttl, 3500);
    EXPECT_LE(ttl, 3600);
    const auto bars = json::parse(cli("GET 'historical:{" + asset + "}:1s'")).as_array();
    ASSERT_GE(bars.size(), 1u);
    for (std::size_t i = 1; i < bars.size(); ++i) {
      EXPECT_LT(bars[i - 1].as_object().at("timestamp").to_number<std::int64_t>(),
                bars[i].as_object().at("timestamp").to_number<std::int64_t>());
    }
  }
  // Only our keys; SCAN from outside as an operator would.
  std::istringstream keys(cli("--scan"));
  std::string key;
  int n = 0;
  while (std::getline(keys, key)) {
    ++n;
    EXPECT_TRUE(key.starts_with("ticks:{") || key.starts_with("historical:{")) << key;
  }
  EXPECT_GE(n, 4);

  const auto h = health();
  EXPECT_EQ(h.at("status").as_string(), "ok");
  EXPECT_GT(h.at("ticks_accepted").to_number<std::uint64_t>(), 600u);
  EXPECT_TRUE(h.at("redis").as_object().at("connected").as_bool());

  const auto metrics = testing::http_get(port_, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("quflx_ticks_accepted_total{asset=\"BTCUSD\"}"));
  EXPECT_THAT(metrics.body, HasSubstr("quflx_redis_write_batches_total{connection=\"writer\"}"));

  EXPECT_EQ(stop_server(), 0);
  EXPECT_THAT(testing::read_file(log_), HasSubstr("shutting down"));
}

TEST_F(ServeTest, KeepsRunningThroughARedisOutageAndResumesWriting) {
  start_server({});
  std::this_thread::sleep_for(500ms);
  redis_.kill9();
  std::this_thread::sleep_for(1s);
  auto h = health();
  EXPECT_EQ(h.at("status").as_string(), "degraded");
  EXPECT_FALSE(h.at("redis").as_object().at("connected").as_bool());
  EXPECT_GT(h.at("redis").as_object().at("ticks_unwritten").to_number<std::uint64_t>(), 0u);
  const auto accepted_during = h.at("ticks_accepted").to_number<std::uint64_t>();

  redis_.start();
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end &&
         !health().at("redis").as_object().at("connected").as_bool()) {
    std::this_thread::sleep_for(50ms);
  }
  std::this_thread::sleep_for(1s);
  h = health();
  EXPECT_EQ(h.at("status").as_string(), "ok");
  EXPECT_GT(h.at("ticks_accepted").to_number<std::uint64_t>(), accepted_during);
  // Writing resumed: the restarted (empty) Redis has fresh, gap-free ticks again.
  const auto seqs = listed_seqs("EURUSD_otc");
  ASSERT_GT(seqs.size(), 10u);
  for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], seqs[i - 1] - 1);
  EXPECT_THAT(testing::read_file(log_), HasSubstr("reconnected"));
  EXPECT_EQ(stop_server(), 0);
}

TEST_F(ServeTest, InvalidConfigurationFailsWithOneLineNamingTheOption) {
  ChildProcess bad({QUFLX_BINARY, "serve", "--sim-rate", "fast"}, {.log_path = dir_.path() + "/bad.log"});
  EXPECT_EQ(bad.wait(10s), 2);
  const auto out = testing::read_file(dir_.path() + "/bad.log");
  EXPECT_THAT(out, HasSubstr("--sim-rate"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST_F(ServeTest, ABusyPortFailsStartUpClearly) {
  start_server({});
  ChildProcess second({QUFLX_BINARY, "serve", "--port", std::to_string(port_), "--redis-url",
                       "none"},
                      {.log_path = dir_.path() + "/second.log"});
  EXPECT_EQ(second.wait(10s), 1);
  EXPECT_THAT(testing::read_file(dir_.path() + "/second.log"),
              HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(port_)));
  EXPECT_EQ(stop_server(), 0);
}

}  // namespace
}  // namespace quflx
