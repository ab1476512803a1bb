#include "tests/support/redis_server.h"

#include <signal.h>
#include <sys/time.h>

#include <stdexcept>
#include <thread>

namespace quflx::testing {

RedisServer::RedisServer(std::vector<std::string> extra_args)
    : port_(free_port()), extra_args_(std::move(extra_args)) {
  start();
}

RedisServer::~RedisServer() { stop(); }

void RedisServer::start() {
  std::vector<std::string> argv = {"redis-server", "--port", std::to_string(port_),
                                   "--bind", "127.0.0.1", "--dir", dir_.path(),
                                   "--save", "", "--appendonly", "no", "--daemonize", "no",
                                   "--protected-mode", "no"};
  for (const auto& a : extra_args_) argv.push_back(a);
  process_ = ChildProcess(argv, SpawnOptions{.log_path = dir_.path() + "/redis.log"});
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < end) {
    timeval tv{0, 200'000};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    if (c && !c->err) {
      // Any answer means it is up (with requirepass the answer is a NOAUTH error).
      auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
      const bool ok = r != nullptr;
      if (r) freeReplyObject(r);
      redisFree(c);
      if (ok) return;
    } else if (c) {
      redisFree(c);
    }
    if (!process_.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("redis-server did not start; see " + dir_.path() + "/redis.log:\n" +
                           read_file(dir_.path() + "/redis.log"));
}

void RedisServer::stop() {
  process_.signal(SIGTERM);
  if (!process_.wait(std::chrono::seconds(10))) process_.kill9();
}

void RedisServer::kill9() { process_.kill9(); }

RedisClient::RedisClient(std::uint16_t port) {
  ctx_ = redisConnect("127.0.0.1", port);
  if (!ctx_ || ctx_->err) {
    throw std::runtime_error("cannot connect to redis on port " + std::to_string(port));
  }
}

RedisClient::~RedisClient() { redisFree(ctx_); }

RedisClient::ReplyPtr RedisClient::command(const std::vector<std::string>& argv) {
  std::vector<const char*> p;
  std::vector<std::size_t> l;
  for (const auto& a : argv) {
    p.push_back(a.data());
    l.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(argv.size()), p.data(), l.data()));
  if (!r) throw std::runtime_error(std::string("redis command failed: ") + ctx_->errstr);
  return ReplyPtr(r, freeReplyObject);
}

long long RedisClient::integer(const std::vector<std::string>& argv) {
  auto r = command(argv);
  if (r->type != REDIS_REPLY_INTEGER) throw std::runtime_error("expected an integer reply");
  return r->integer;
}

std::string RedisClient::string(const std::vector<std::string>& argv) {
  auto r = command(argv);
  if (r->type == REDIS_REPLY_NIL) return "";
  if (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS) {
    throw std::runtime_error("expected a string reply");
  }
  return std::string(r->str, r->len);
}

std::vector<std::string> RedisClient::strings(const std::vector<std::string>& argv) {
  auto r = command(argv);
  if (r->type != REDIS_REPLY_ARRAY) throw std::runtime_error("expected an array reply");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < r->elements; ++i) {
    out.emplace_back(r->element[i]->str, r->element[i]->len);
  }
  return out;
}

RedisClient::ReplyPtr RedisClient::next_push(std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  redisSetTimeout(ctx_, tv);
  void* r = nullptr;
  if (redisGetReply(ctx_, &r) != REDIS_OK || !r) {
    // A timeout leaves the context unusable for further reads; callers stop here.
    return ReplyPtr(nullptr, freeReplyObject);
  }
  return ReplyPtr(static_cast<redisReply*>(r), freeReplyObject);
}

}  // namespace quflx::testing
