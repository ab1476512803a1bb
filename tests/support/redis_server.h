#pragma once
// A private redis-server (the Debian package) for one test: a free port on loopback, a
// temporary directory, stopped by PID. Can be killed with SIGKILL and started again on the
// same port and directory, to test outages.

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace quflx::testing {

class RedisServer {
 public:
  explicit RedisServer(std::vector<std::string> extra_args = {});
  ~RedisServer();

  void start();   // (again) on the same port and directory; waits until it answers PING
  void stop();    // SIGTERM and reap
  void kill9();   // SIGKILL and reap
  bool running() { return process_.running(); }

  std::uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_{"quflx-redis"};
  std::uint16_t port_;
  std::vector<std::string> extra_args_;
  ChildProcess process_;
};

// A blocking client (hiredis's own synchronous API) for checking what a test wrote.
class RedisClient {
 public:
  explicit RedisClient(std::uint16_t port);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  using ReplyPtr = std::unique_ptr<redisReply, void (*)(void*)>;
  ReplyPtr command(const std::vector<std::string>& argv);
  // Shorthands; throw std::runtime_error on an error reply or a reply of another type.
  long long integer(const std::vector<std::string>& argv);
  std::string string(const std::vector<std::string>& argv);  // "" for nil
  std::vector<std::string> strings(const std::vector<std::string>& argv);
  // For SUBSCRIBE: the next pushed reply, or null after `timeout`.
  ReplyPtr next_push(std::chrono::milliseconds timeout);

 private:
  redisContext* ctx_;
};

}  // namespace quflx::testing
