#pragma once
// RedisSubscriber: this process's pub/sub side of Redis. Owns the subscriber connection (a
// subscribed connection can do nothing else), the set of channels wanted, and resubscription.
//
//   subscribe(ch) ──remember──> SUBSCRIBE ch (now if connected, again after every reconnect)
//   unsubscribe(ch) ──forget──> UNSUBSCRIBE ch (if connected)
//   Redis ──confirmation──> on_subscribed(ch)     ──message──> on_message(ch, payload)
//   connection up/down ──> on_state_change(up), before the resubscription is sent
//
// Each command names one channel (see Connection::set_push_handler). Every confirmation is
// handed on, the first and each one after a reconnect: it marks the point from which messages
// flow again, so a caller that cares fills in what was published while it was not subscribed.
// Channels are resubscribed in the order they were first subscribed.
//
// Runs on the executor given (the ingest loop); callbacks run on it. Call every method from it.

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/metrics.h"
#include "store/redis/connection.h"

namespace quflx {

class RedisSubscriber {
 public:
  struct Handlers {
    std::function<void(std::string_view channel, std::string_view payload)> on_message;
    std::function<void(std::string_view channel)> on_subscribed;
    std::function<void(bool connected)> on_state_change;
  };

  // `options.name` names the connection in logs and metrics ("subscriber").
  RedisSubscriber(boost::asio::any_io_executor executor, redis::ConnectionOptions options,
                  MetricsRegistry* metrics = nullptr);
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  // Set before start().
  void set_handlers(Handlers handlers) { handlers_ = std::move(handlers); }
  void start();
  void stop();
  bool connected() const;

  // Wants `channel` until unsubscribe(); subscribing twice sends nothing more.
  void subscribe(std::string_view channel);
  void unsubscribe(std::string_view channel);
  // The channels wanted, in the order they were first subscribed.
  const std::vector<std::string>& channels() const { return channels_; }

 private:
  void on_push(const redis::Reply& r);
  void on_state_change(bool up);

  redis::Connection conn_;
  Handlers handlers_;
  std::vector<std::string> channels_;
};

}  // namespace quflx
