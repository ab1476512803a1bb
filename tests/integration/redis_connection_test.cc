// redis::Connection against a real redis-server started by the harness.

#include "store/redis/connection.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "tests/integration/asio_test_util.h"
#include "tests/support/redis_server.h"

namespace quflx {
namespace {

namespace asio = boost::asio;
using testing::RedisClient;
using testing::RedisServer;
using testing::run_until;

redis::ConnectionOptions options_for(const std::string& url) {
  redis::ConnectionOptions o;
  o.endpoint = *redis::parse_redis_url(url);
  o.name = "test";
  o.backoff_initial = std::chrono::milliseconds(20);
  o.backoff_max = std::chrono::milliseconds(100);
  return o;
}

class RedisConnectionTest : public ::testing::Test {
 protected:
  void connect(const std::string& url) {
    conn_ = std::make_unique<redis::Connection>(ioc_.get_executor(), options_for(url), &metrics_);
    conn_->start();
    ASSERT_TRUE(run_until(ioc_, [&] { return conn_->connected(); }));
  }
  void flush() {
    ASSERT_TRUE(run_until(ioc_, [&] { return conn_->stats().in_flight == 0; }));
  }

  RedisServer redis_;
  asio::io_context ioc_;
  MetricsRegistry metrics_;
  std::unique_ptr<redis::Connection> conn_;
};

TEST_F(RedisConnectionTest, PipelinesABurstIntoOneWrite) {
  connect(redis_.url());
  const auto before = conn_->stats().write_batches;
  for (int i = 0; i < 10000; ++i) {
    const std::string k = "k" + std::to_string(i);
    ASSERT_TRUE(conn_->send({"SET", k, std::to_string(i)}));
  }
  flush();
  // All 10,000 commands were queued in one handler: one write carries them.
  EXPECT_EQ(conn_->stats().write_batches - before, 1u);
  EXPECT_EQ(conn_->stats().replies, 10000u);
  RedisClient check(redis_.port());
  EXPECT_EQ(check.string({"GET", "k9999"}), "9999");
  EXPECT_EQ(check.integer({"DBSIZE"}), 10000);
}

TEST_F(RedisConnectionTest, RequestReturnsRepliesOfEveryType) {
  connect(redis_.url());
  // Built outside the coroutine: g++ 12 rejects braced string literals inside coroutine lambdas.
  const std::vector<std::vector<std::string>> commands = {
      {"SET", "a", "1"}, {"GET", "a"}, {"GET", "missing"}, {"INCR", "a"},
      {"LRANGE", "a", "0", "1"},  // WRONGTYPE
      {"MGET", "a", "missing"}};
  std::vector<redis::Reply> replies;
  bool done = false;
  asio::co_spawn(ioc_, [&]() -> asio::awaitable<void> {
    for (const auto& c : commands) replies.push_back(co_await conn_->request(c));
    done = true;
  }, asio::detached);
  ASSERT_TRUE(run_until(ioc_, [&] { return done; }));
  EXPECT_EQ(replies[0].type, redis::Reply::Type::kStatus);
  EXPECT_EQ(replies[1].str, "1");
  EXPECT_TRUE(replies[2].is_nil());
  EXPECT_EQ(replies[3].integer, 2);
  EXPECT_TRUE(replies[4].is_error());
  EXPECT_NE(replies[4].str.find("WRONGTYPE"), std::string::npos);
  ASSERT_EQ(replies[5].elements.size(), 2u);
  EXPECT_EQ(replies[5].elements[0].str, "2");
  EXPECT_TRUE(replies[5].elements[1].is_nil());
}

TEST_F(RedisConnectionTest, ErrorRepliesToFireAndForgetCommandsAreCounted) {
  connect(redis_.url());
  conn_->send({"SET", "s", "x"});
  conn_->send({"LPUSH", "s", "y"});  // WRONGTYPE
  conn_->send({"NOSUCHCOMMAND"});
  flush();
  EXPECT_EQ(conn_->stats().reply_errors, 2u);
  EXPECT_NE(metrics_.render().find(
                "quflx_redis_errors_total{connection=\"test\",reason=\"reply_error\"} 2"),
            std::string::npos);
  EXPECT_TRUE(conn_->connected());
}

TEST_F(RedisConnectionTest, RefusesWhileDownAndReconnectsAfterARestart) {
  connect(redis_.url());
  redis_.kill9();
  ASSERT_TRUE(run_until(ioc_, [&] { return !conn_->connected(); }));
  bool called = false;
  redis::Reply reply;
  EXPECT_FALSE(conn_->send({"SET", "x", "1"}, [&](const redis::Reply& r) {
    called = true;
    reply = r;
  }));
  EXPECT_FALSE(called);  // never from inside send()
  ASSERT_TRUE(run_until(ioc_, [&] { return called; }));
  EXPECT_TRUE(reply.is_error());
  EXPECT_EQ(conn_->stats().refused_disconnected, 1u);
  EXPECT_FALSE(conn_->last_error().empty());

  redis_.start();
  ASSERT_TRUE(run_until(ioc_, [&] { return conn_->connected(); }));
  EXPECT_TRUE(conn_->send({"SET", "after", "restart"}));
  flush();
  RedisClient check(redis_.port());
  EXPECT_EQ(check.string({"GET", "after"}), "restart");
  EXPECT_EQ(conn_->stats().connects, 2u);
}

TEST_F(RedisConnectionTest, CallbacksOfUnansweredCommandsFailWhenTheConnectionDrops) {
  connect(redis_.url());
  int failed = 0;
  // BLPOP holds its reply back until the server dies.
  conn_->send({"BLPOP", "never", "0"}, [&](const redis::Reply& r) { failed += r.is_error(); });
  ASSERT_TRUE(run_until(ioc_, [&] { return conn_->stats().write_batches > 0; }));
  redis_.kill9();
  ASSERT_TRUE(run_until(ioc_, [&] { return failed == 1; }));
  EXPECT_EQ(conn_->stats().lost_in_flight, 1u);
}

TEST_F(RedisConnectionTest, DrainWaitsUntilEveryReplyArrived) {
  connect(redis_.url());
  for (int i = 0; i < 1000; ++i) conn_->send({"RPUSH", "l", std::to_string(i)});
  bool drained = false;
  asio::co_spawn(ioc_, [&]() -> asio::awaitable<void> {
    drained = co_await conn_->drain(std::chrono::seconds(5));
  }, asio::detached);
  ASSERT_TRUE(run_until(ioc_, [&] { return drained; }));
  EXPECT_EQ(conn_->stats().in_flight, 0u);
  RedisClient check(redis_.port());
  EXPECT_EQ(check.integer({"LLEN", "l"}), 1000);
}

class RedisAuthTest : public ::testing::Test {
 protected:
  RedisServer redis_{{"--requirepass", "s3cret"}};
  asio::io_context ioc_;
  MetricsRegistry metrics_;
};

TEST_F(RedisAuthTest, AuthenticatesAndSelectsTheDatabaseFromTheUrl) {
  redis::Connection conn(ioc_.get_executor(),
                         options_for("redis://:s3cret@127.0.0.1:" + std::to_string(redis_.port()) + "/3"),
                         &metrics_);
  conn.start();
  ASSERT_TRUE(run_until(ioc_, [&] { return conn.connected(); }));
  conn.send({"SET", "where", "db3"});
  ASSERT_TRUE(run_until(ioc_, [&] { return conn.stats().in_flight == 0; }));
  RedisClient check(redis_.port());
  check.command({"AUTH", "s3cret"});
  check.command({"SELECT", "3"});
  EXPECT_EQ(check.string({"GET", "where"}), "db3");
}

TEST_F(RedisAuthTest, AWrongPasswordIsReportedAndRetried) {
  redis::Connection conn(ioc_.get_executor(),
                         options_for("redis://:wrong@127.0.0.1:" + std::to_string(redis_.port())),
                         &metrics_);
  conn.start();
  ASSERT_TRUE(run_until(ioc_, [&] { return conn.stats().connects >= 2; }));
  EXPECT_NE(conn.last_error().find("AUTH failed"), std::string::npos) << conn.last_error();
}

}  // namespace
}  // namespace quflx

namespace quflx {
namespace {

TEST(RedisPubSub, ConfirmationsAnswerTheirCommandAndMessagesReachThePushHandler) {
  RedisServer redis;
  boost::asio::io_context ioc;
  MetricsRegistry metrics;
  redis::ConnectionOptions o;
  o.endpoint = *redis::parse_redis_url(redis.url());
  o.name = "subscriber";
  redis::Connection sub(ioc.get_executor(), o, &metrics);
  std::vector<redis::Reply> pushed;
  sub.set_push_handler([&](const redis::Reply& r) { pushed.push_back(r); });
  sub.start();
  ASSERT_TRUE(testing::run_until(ioc, [&] { return sub.connected(); }));
  int answered = 0;
  sub.send({"SUBSCRIBE", "updates:{A}"}, [&](const redis::Reply& r) {
    EXPECT_FALSE(r.is_error());
    ++answered;
  });
  sub.send({"SUBSCRIBE", "updates:{B}"});
  ASSERT_TRUE(testing::run_until(ioc, [&] { return sub.stats().in_flight == 0; }));
  EXPECT_EQ(answered, 1);
  ASSERT_EQ(pushed.size(), 2u);
  EXPECT_EQ(pushed[0].elements[0].str, "subscribe");
  EXPECT_EQ(pushed[1].elements[1].str, "updates:{B}");

  testing::RedisClient pub(redis.port());
  EXPECT_EQ(pub.integer({"PUBLISH", "updates:{B}", "hello"}), 1);
  ASSERT_TRUE(testing::run_until(ioc, [&] { return pushed.size() == 3; }));
  EXPECT_EQ(pushed[2].elements[0].str, "message");
  EXPECT_EQ(pushed[2].elements[2].str, "hello");
  EXPECT_EQ(sub.stats().in_flight, 0u);  // a message is not a reply to anything
}

}  // namespace
}  // namespace quflx
