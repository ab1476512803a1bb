#pragma once
// One pipelined connection to Redis over Boost.Asio; hiredis only parses replies and formats
// commands.
//
// send() appends a formatted command to an output buffer and returns at once; a writer
// coroutine sends everything that accumulated during the current event-loop turn in one
// write, so a burst of commands costs one syscall and one round trip, never one per command.
// Replies are matched to commands in order. The connection reconnects forever with
// exponential backoff and full jitter until stop(); while it is down send() refuses (and
// counts) instead of queueing without bound, because the caller decides what a lost write
// means.
//
// Threading: everything runs on the executor given at construction, which must not run
// handlers concurrently (a single-threaded io_context or a strand). Call every method from it.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/metrics.h"
#include "store/redis/endpoint.h"
#include "store/redis/reply.h"

namespace quflx::redis {

struct ConnectionOptions {
  Endpoint endpoint;
  // Names the connection in logs and metric labels ("writer", "query", "subscriber").
  std::string name = "redis";
  // A local Redis answers in microseconds; two seconds only fails a dead or filtered host.
  std::chrono::milliseconds connect_timeout{2000};
  // First retry soon (a restart takes about a second), then back off to keep logs and a
  // struggling server quiet.
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  // Unsent bytes allowed to pile up while Redis is slow; beyond this send() refuses, so a
  // stalled server cannot make us grow without bound. 64 MiB is ~300k ticks.
  std::size_t max_pending_bytes = 64u << 20;
  // A command unanswered for this long means a dead or hung peer (a blackhole that accepts
  // and never answers, a host gone from the network): the connection is dropped (its pending
  // commands fail) and replaced.
  std::chrono::milliseconds request_timeout{5000};
  // An idle connection sends PING this often, so that a dead peer is found even when nothing
  // is asked of it (the subscriber, a quiet writer). 0: never.
  std::chrono::milliseconds heartbeat{1000};
};

struct ConnectionStats {
  std::uint64_t commands = 0;            // accepted by send()
  std::uint64_t replies = 0;
  std::uint64_t reply_errors = 0;        // error replies to fire-and-forget commands
  std::uint64_t refused_disconnected = 0;
  std::uint64_t refused_backpressure = 0;
  std::uint64_t lost_in_flight = 0;      // sent, but the connection dropped before the reply
  std::uint64_t write_batches = 0;
  std::uint64_t connects = 0;
  std::uint64_t timeouts = 0;            // connections dropped for a missing reply
  std::size_t pending_bytes = 0;
  std::size_t in_flight = 0;
};

using ReplyCallback = std::function<void(const Reply&)>;

class Connection {
 public:
  Connection(boost::asio::any_io_executor executor, ConnectionOptions options,
             MetricsRegistry* metrics = nullptr);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // Closes the connection and stops reconnecting. Callbacks of unanswered commands are called
  // with an error reply.
  void stop();

  bool connected() const;

  // Queues a command. Returns false when it was refused (not connected, or too much unsent
  // data); `callback`, if given, is then called later with an error reply. A callback always
  // runs exactly once, on the executor, never from inside send().
  bool send(std::span<const std::string_view> argv, ReplyCallback callback = {});
  bool send(std::initializer_list<std::string_view> argv, ReplyCallback callback = {}) {
    return send(std::span<const std::string_view>(argv.begin(), argv.size()),
                std::move(callback));
  }

  // Sends one command and waits for its reply (an error reply if the connection is down).
  boost::asio::awaitable<Reply> request(std::vector<std::string> argv);

  // Waits until every command queued so far has been answered. False if the connection is
  // down or `deadline` passes first.
  boost::asio::awaitable<bool> drain(std::chrono::milliseconds deadline);

  // Called (on the executor) whenever the connection comes up or goes down.
  void on_state_change(std::function<void(bool connected)> handler);
  // Pub/sub: messages and (un)subscribe confirmations go here. A confirmation also answers
  // the (P)SUBSCRIBE / (P)UNSUBSCRIBE that caused it, so name one channel per command: a
  // command for N channels gets N confirmations but is one pending reply.
  void set_push_handler(std::function<void(const Reply&)> handler);

  ConnectionStats stats() const;
  const Endpoint& endpoint() const;
  // Why the connection last went down or failed to come up; empty if it never did.
  std::string last_error() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace quflx::redis
