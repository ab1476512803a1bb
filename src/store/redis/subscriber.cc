#include "store/redis/subscriber.h"

#include <algorithm>

namespace quflx {

RedisSubscriber::RedisSubscriber(boost::asio::any_io_executor executor,
                                 redis::ConnectionOptions options, MetricsRegistry* metrics)
    : conn_(std::move(executor), std::move(options), metrics) {
  conn_.set_push_handler([this](const redis::Reply& r) { on_push(r); });
  conn_.on_state_change([this](bool up) { on_state_change(up); });
}

RedisSubscriber::~RedisSubscriber() = default;

void RedisSubscriber::start() { conn_.start(); }

void RedisSubscriber::stop() { conn_.stop(); }

bool RedisSubscriber::connected() const { return conn_.connected(); }

void RedisSubscriber::subscribe(std::string_view channel) {
  if (std::find(channels_.begin(), channels_.end(), channel) != channels_.end()) return;
  channels_.emplace_back(channel);
  if (conn_.connected()) conn_.send({"SUBSCRIBE", channel});
}

void RedisSubscriber::unsubscribe(std::string_view channel) {
  const auto it = std::find(channels_.begin(), channels_.end(), channel);
  if (it == channels_.end()) return;
  channels_.erase(it);
  if (conn_.connected()) conn_.send({"UNSUBSCRIBE", channel});
}

void RedisSubscriber::on_state_change(bool up) {
  if (handlers_.on_state_change) handlers_.on_state_change(up);
  if (!up) return;
  for (const auto& channel : channels_) conn_.send({"SUBSCRIBE", channel});
}

void RedisSubscriber::on_push(const redis::Reply& r) {
  // ["subscribe", channel, count] and ["message", channel, payload]; unsubscribe
  // confirmations need nothing.
  if (r.elements.size() < 3 || !r.elements[1].is_string()) return;
  const std::string_view kind = r.elements[0].str;
  const std::string_view channel = r.elements[1].str;
  if (kind == "subscribe") {
    if (handlers_.on_subscribed) handlers_.on_subscribed(channel);
    return;
  }
  if (kind != "message" || !r.elements[2].is_string()) return;
  if (handlers_.on_message) handlers_.on_message(channel, r.elements[2].str);
}

}  // namespace quflx
