// RedisSubscriber against a real redis-server: confirmations, messages, unsubscribing, and
// resubscription of every wanted channel after Redis restarts.

#include "store/redis/subscriber.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/asio_test_util.h"
#include "tests/support/redis_server.h"

namespace quflx {
namespace {

using namespace std::chrono_literals;
using testing::RedisClient;
using testing::RedisServer;
using testing::run_until;

class RedisSubscriberTest : public ::testing::Test {
 protected:
  RedisSubscriberTest() {
    redis::ConnectionOptions o;
    o.endpoint = *redis::parse_redis_url(redis_.url());
    o.name = "subscriber";
    o.backoff_initial = 20ms;
    o.backoff_max = 100ms;
    sub_ = std::make_unique<RedisSubscriber>(ioc_.get_executor(), o, &metrics_);
    sub_->set_handlers(RedisSubscriber::Handlers{
        .on_message =
            [this](std::string_view channel, std::string_view payload) {
              messages_.emplace_back(channel, payload);
            },
        .on_subscribed = [this](std::string_view channel) { ++confirmed_[std::string(channel)]; },
        .on_state_change = [this](bool up) { states_.push_back(up); },
    });
  }
  ~RedisSubscriberTest() override { sub_->stop(); }

  // How many subscribers received it.
  long long publish(RedisClient& pub, const std::string& channel, const std::string& payload) {
    return pub.integer({"PUBLISH", channel, payload});
  }

  RedisServer redis_;
  boost::asio::io_context ioc_;
  MetricsRegistry metrics_;
  std::unique_ptr<RedisSubscriber> sub_;
  std::vector<std::pair<std::string, std::string>> messages_;
  std::map<std::string, int> confirmed_;
  std::vector<bool> states_;
};

TEST_F(RedisSubscriberTest, SubscribesWhatWasAskedBeforeItConnectedAndHandsOnMessages) {
  sub_->subscribe("updates:{A}");  // not connected yet: sent once it is
  sub_->start();
  ASSERT_TRUE(run_until(ioc_, [&] { return confirmed_["updates:{A}"] == 1; }));
  EXPECT_EQ(states_, std::vector<bool>{true});
  sub_->subscribe("updates:{A}");  // already wanted: nothing more is sent
  sub_->subscribe("updates:{B}");
  ASSERT_TRUE(run_until(ioc_, [&] { return confirmed_["updates:{B}"] == 1; }));
  EXPECT_EQ(confirmed_["updates:{A}"], 1);
  EXPECT_EQ(sub_->channels(), (std::vector<std::string>{"updates:{A}", "updates:{B}"}));

  RedisClient pub(redis_.port());
  EXPECT_EQ(publish(pub, "updates:{B}", "hello"), 1);
  ASSERT_TRUE(run_until(ioc_, [&] { return messages_.size() == 1; }));
  EXPECT_EQ(messages_[0], std::make_pair(std::string("updates:{B}"), std::string("hello")));
}

TEST_F(RedisSubscriberTest, UnsubscribedChannelsGetNoMoreMessages) {
  sub_->start();
  ASSERT_TRUE(run_until(ioc_, [&] { return sub_->connected(); }));
  sub_->subscribe("updates:{A}");
  ASSERT_TRUE(run_until(ioc_, [&] { return confirmed_["updates:{A}"] == 1; }));
  sub_->unsubscribe("updates:{A}");
  EXPECT_TRUE(sub_->channels().empty());
  RedisClient pub(redis_.port());
  // Until Redis has the UNSUBSCRIBE, a publication may still reach us.
  ASSERT_TRUE(run_until(ioc_, [&] { return publish(pub, "updates:{A}", "x") == 0; }));
  ioc_.restart();
  ioc_.run_for(50ms);
  const auto before = messages_.size();
  EXPECT_EQ(publish(pub, "updates:{A}", "y"), 0);
  ioc_.restart();
  ioc_.run_for(50ms);
  EXPECT_EQ(messages_.size(), before);
}

TEST_F(RedisSubscriberTest, ResubscribesEveryWantedChannelAfterARestart) {
  sub_->start();
  ASSERT_TRUE(run_until(ioc_, [&] { return sub_->connected(); }));
  for (const char* ch : {"updates:{A}", "updates:{B}", "updates:{C}"}) sub_->subscribe(ch);
  ASSERT_TRUE(run_until(ioc_, [&] { return confirmed_.size() == 3; }));
  sub_->unsubscribe("updates:{B}");

  redis_.kill9();
  ASSERT_TRUE(run_until(ioc_, [&] { return !sub_->connected(); }));
  // Wanted while Redis is away: subscribed with the others once it is back.
  sub_->subscribe("updates:{D}");
  redis_.start();
  ASSERT_TRUE(run_until(ioc_, [&] {
    return confirmed_["updates:{A}"] == 2 && confirmed_["updates:{C}"] == 2 &&
           confirmed_["updates:{D}"] == 1;
  }));
  EXPECT_EQ(confirmed_["updates:{B}"], 1);
  EXPECT_EQ(states_, (std::vector<bool>{true, false, true}));

  RedisClient pub(redis_.port());
  EXPECT_EQ(publish(pub, "updates:{A}", "after"), 1);
  EXPECT_EQ(publish(pub, "updates:{B}", "gone"), 0);
  EXPECT_EQ(publish(pub, "updates:{D}", "new"), 1);
  ASSERT_TRUE(run_until(ioc_, [&] { return messages_.size() == 2; }));
  EXPECT_EQ(messages_[0].first, "updates:{A}");
  EXPECT_EQ(messages_[1].second, "new");
}

}  // namespace
}  // namespace quflx
