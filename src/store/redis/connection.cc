#include "store/redis/connection.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <optional>
#include <random>

#include "common/check.h"
#include "common/log.h"
#include "store/redis/resp_reader.h"

namespace quflx::redis {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Commands awaiting replies, in send order. Runs of fire-and-forget commands share one entry.
struct Pending {
  ReplyCallback callback;
  std::uint32_t count = 1;
  std::chrono::steady_clock::time_point queued_at{};  // of the first command of the run
};

// A run of fire-and-forget commands shares an entry only while it is this young, so that the
// front entry's age is the age of the oldest unanswered command within this much.
constexpr auto kRunSpan = std::chrono::milliseconds(50);

// One TCP connection attempt and its two loops. A new Link per connection, so loops of a
// dead connection can never touch the next one.
struct Link {
  explicit Link(const asio::any_io_executor& ex) : socket(ex), wake(ex), done(ex), watch(ex) {}
  tcp::socket socket;
  asio::steady_timer wake;  // wakes the writer when there is something to send
  asio::steady_timer done;  // wakes run() when both loops have ended
  asio::steady_timer watch;  // the watchdog's tick (deadlines and heartbeat)
  bool closed = false;
  bool writer_waiting = false;
  int loops_running = 0;
  std::string writing;

  void close() {
    if (closed) return;
    closed = true;
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    wake.cancel();
    watch.cancel();
  }
};

}  // namespace

struct Connection::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, ConnectionOptions opt, MetricsRegistry* metrics)
      : executor(std::move(ex)),
        options(std::move(opt)),
        retry_timer(executor),
        rng(std::random_device{}()) {
    if (metrics) {
      const Labels l{{"connection", options.name}};
      m_commands = &metrics->counter("quflx_redis_commands_total", "Commands sent to Redis", l);
      m_batches = &metrics->counter("quflx_redis_write_batches_total",
                                    "Pipelined writes to Redis (one per event-loop turn)", l);
      auto err = [&](const char* reason) {
        return &metrics->counter("quflx_redis_errors_total",
                                 "Redis commands that failed or were not sent, by reason",
                                 {{"connection", options.name}, {"reason", reason}});
      };
      m_reply_errors = err("reply_error");
      m_refused_down = err("not_connected");
      m_refused_full = err("backpressure");
      m_lost = err("lost_in_flight");
      m_timeouts = err("timeout");
      m_connects = &metrics->counter("quflx_redis_connects_total", "Successful connects", l);
      m_connected = &metrics->gauge("quflx_redis_connected", "1 while connected to Redis", l);
    }
  }


  asio::awaitable<void> run();
  asio::awaitable<void> read_loop(std::shared_ptr<Link> link);
  asio::awaitable<void> write_loop(std::shared_ptr<Link> link);
  asio::awaitable<void> watch_loop(std::shared_ptr<Link> link);
  void dispatch(redisReply* r);
  void set_connected(bool up);
  void fail_pending(std::string_view why);
  void refuse(ReplyCallback& cb, const char* why);
  void enqueue(std::span<const std::string_view> argv, ReplyCallback cb);
  static void loop_ended(const std::shared_ptr<Link>& link) {
    link->close();
    if (--link->loops_running == 0) link->done.cancel();
  }

  asio::any_io_executor executor;
  ConnectionOptions options;
  asio::steady_timer retry_timer;
  std::shared_ptr<Link> link;
  std::unique_ptr<RespReader> reader;
  std::string out;  // formatted commands not yet handed to the writer
  std::deque<Pending> pending;
  std::size_t in_flight = 0;
  bool is_connected = false;
  bool started = false;
  bool stopping = false;
  std::function<void(bool)> state_handler;
  std::function<void(const Reply&)> push_handler;
  std::mt19937_64 rng;
  std::string last_error;
  ConnectionStats stats;
  LogLimiter error_log{5, std::chrono::seconds{30}};
  std::chrono::steady_clock::time_point down_since{};
  std::uint64_t refused_at_down = 0;

  Counter* m_commands = nullptr;
  Counter* m_batches = nullptr;
  Counter* m_reply_errors = nullptr;
  Counter* m_refused_down = nullptr;
  Counter* m_refused_full = nullptr;
  Counter* m_lost = nullptr;
  Counter* m_connects = nullptr;
  Counter* m_timeouts = nullptr;
  Gauge* m_connected = nullptr;
};

void Connection::Impl::set_connected(bool up) {
  if (is_connected == up) return;
  is_connected = up;
  if (m_connected) m_connected->set(up ? 1.0 : 0.0);
  if (state_handler) state_handler(up);
}

void Connection::Impl::refuse(ReplyCallback& cb, const char* why) {
  if (!cb) return;
  asio::post(executor, [cb = std::move(cb), why] { cb(Reply::error(why)); });
}

void Connection::Impl::fail_pending(std::string_view why) {
  auto failed = std::move(pending);
  pending.clear();
  stats.lost_in_flight += in_flight;
  if (m_lost) m_lost->inc(in_flight);
  in_flight = 0;
  for (auto& p : failed) {
    if (p.callback) p.callback(Reply::error(std::string(why)));
  }
}

void Connection::Impl::dispatch(redisReply* r) {
  if (push_handler && is_push(r)) {
    push_handler(to_reply(r));
    // A (un)subscribe confirmation is also the reply to the command that asked for it (one
    // channel per command, see set_push_handler); a message is not.
    if (!is_subscription_confirmation(r) || pending.empty()) return;
  }
  if (pending.empty()) {
    if (error_log.allow()) {
      spdlog::warn("redis[{}]: reply without a pending command (ignored)", options.name);
    }
    return;
  }
  ++stats.replies;
  --in_flight;
  Pending& front = pending.front();
  if (front.callback) {
    auto cb = std::move(front.callback);
    pending.pop_front();
    cb(to_reply(r));
    return;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    ++stats.reply_errors;
    if (m_reply_errors) m_reply_errors->inc();
    if (error_log.allow()) {
      spdlog::warn("redis[{}]: command failed: {} ({} similar suppressed)", options.name,
                   std::string_view(r->str, r->len), error_log.take_suppressed());
    }
  }
  if (--front.count == 0) pending.pop_front();
}

asio::awaitable<void> Connection::Impl::read_loop(std::shared_ptr<Link> l) {
  std::vector<char> buf(64 * 1024);
  while (!l->closed) {
    auto [ec, n] = co_await l->socket.async_read_some(asio::buffer(buf), kUseTuple);
    if (ec) {
      if (!l->closed) last_error = ec == asio::error::eof ? "connection closed by server" : ec.message();
      break;
    }
    if (!reader->feed(buf.data(), n)) {
      last_error = reader->error();
      break;
    }
    bool bad = false;
    while (RawReply reply = reader->next()) {
      dispatch(reply.get());
      if (l->closed) break;  // a callback stopped us
    }
    if (reader->failed()) {
      last_error = reader->error();
      bad = true;
    }
    if (bad) break;
  }
  loop_ended(l);
}

asio::awaitable<void> Connection::Impl::write_loop(std::shared_ptr<Link> l) {
  while (!l->closed) {
    if (out.empty()) {
      l->writer_waiting = true;
      l->wake.expires_at(asio::steady_timer::time_point::max());
      co_await l->wake.async_wait(kUseTuple);
      l->writer_waiting = false;
      continue;
    }
    std::swap(out, l->writing);
    ++stats.write_batches;
    if (m_batches) m_batches->inc();
    auto [ec, n] = co_await asio::async_write(l->socket, asio::buffer(l->writing), kUseTuple);
    l->writing.clear();
    if (ec) {
      if (!l->closed) last_error = ec.message();
      break;
    }
  }
  loop_ended(l);
}

// Drops the connection when the oldest unanswered command is older than request_timeout,
// and keeps an idle connection asking (PING) so that a dead peer shows. Not one of the two
// loops run() waits for: it ends when the link closes.
asio::awaitable<void> Connection::Impl::watch_loop(std::shared_ptr<Link> l) {
  auto self = shared_from_this();
  const auto timeout = options.request_timeout;
  auto tick = timeout / 4;
  if (options.heartbeat.count() > 0) tick = std::min(tick, options.heartbeat);
  tick = std::max(tick, std::chrono::milliseconds(10));
  auto last_ping = std::chrono::steady_clock::now();
  while (!l->closed) {
    l->watch.expires_after(tick);
    co_await l->watch.async_wait(kUseTuple);
    if (l->closed) break;
    const auto now = std::chrono::steady_clock::now();
    if (!pending.empty() && now - pending.front().queued_at > timeout) {
      last_error = fmt::format("no reply within {} ms", timeout.count());
      ++stats.timeouts;
      if (m_timeouts) m_timeouts->inc();
      spdlog::warn("redis[{}]: {} from {}; dropping the connection", options.name, last_error,
                   options.endpoint.display());
      l->close();
      break;
    }
    if (options.heartbeat.count() > 0 && pending.empty() && now - last_ping >= options.heartbeat &&
        is_connected) {
      last_ping = now;
      const std::string_view argv[] = {"PING"};
      enqueue(argv, [](const Reply&) {});  // the answer itself does not matter; its time does
    }
  }
}

asio::awaitable<void> Connection::Impl::run() {
  auto self = shared_from_this();
  auto backoff = options.backoff_initial;
  int failures = 0;
  while (!stopping) {
    auto l = std::make_shared<Link>(executor);
    link = l;
    boost::system::error_code ec;
    {
      tcp::resolver resolver(executor);
      auto [rec, results] = co_await resolver.async_resolve(
          options.endpoint.host, std::to_string(options.endpoint.port), kUseTuple);
      ec = rec;
      if (!ec && !stopping) {
        asio::steady_timer deadline(executor, options.connect_timeout);
        deadline.async_wait([l](boost::system::error_code e) {
          if (!e) l->close();  // connect took too long
        });
        auto [cec, ep] = co_await asio::async_connect(l->socket, results, kUseTuple);
        deadline.cancel();
        ec = cec;
        if (!ec && l->closed) ec = asio::error::timed_out;
      }
    }
    if (!ec && !stopping) {
      l->socket.set_option(tcp::no_delay(true));
      reader = std::make_unique<RespReader>();
      ++stats.connects;
      if (m_connects) m_connects->inc();
      const bool was_down = down_since != std::chrono::steady_clock::time_point{};
      if (was_down) {
        const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - down_since).count();
        const auto refused = stats.refused_disconnected - refused_at_down;
        spdlog::info("redis[{}]: reconnected to {} after {:.1f} s down{}", options.name,
                     options.endpoint.display(), secs,
                     refused > 0 ? fmt::format("; {} commands refused meanwhile", refused) : "");
      } else {
        spdlog::info("redis[{}]: connected to {}", options.name, options.endpoint.display());
      }
      backoff = options.backoff_initial;
      failures = 0;
      l->loops_running = 2;
      asio::co_spawn(executor, read_loop(l), asio::detached);
      asio::co_spawn(executor, write_loop(l), asio::detached);
      if (options.request_timeout.count() > 0) asio::co_spawn(executor, watch_loop(l), asio::detached);
      // Authentication and database selection go first on the wire: send() refused
      // everything while we were down, and state handlers queue only after set_connected().
      // Raw `this`: the callback is owned by `pending`, a member, so it cannot outlive us, and
      // a shared_ptr here would be a cycle.
      auto fail_setup = [this, l](const char* what) {
        return [self = this, l, what](const Reply& r) {
          if (!r.is_error()) return;
          self->last_error = std::string(what) + " failed: " + r.str;
          spdlog::error("redis[{}]: {}", self->options.name, self->last_error);
          l->close();
        };
      };
      const auto& ep = options.endpoint;
      if (!ep.password.empty() && ep.username.empty()) {
        const std::string_view argv[] = {"AUTH", ep.password};
        enqueue(argv, fail_setup("AUTH"));
      } else if (!ep.password.empty()) {
        const std::string_view argv[] = {"AUTH", ep.username, ep.password};
        enqueue(argv, fail_setup("AUTH"));
      }
      if (ep.db != 0) {
        const std::string db = std::to_string(ep.db);
        const std::string_view argv[] = {"SELECT", db};
        enqueue(argv, fail_setup("SELECT"));
      }
      set_connected(true);
      l->done.expires_at(asio::steady_timer::time_point::max());
      co_await l->done.async_wait(kUseTuple);
      // Both loops ended: the connection is gone.
      down_since = std::chrono::steady_clock::now();
      refused_at_down = stats.refused_disconnected;
      set_connected(false);
      out.clear();
      fail_pending("ERR connection to redis lost");
      if (stopping) break;
      spdlog::warn("redis[{}]: connection to {} lost: {}; reconnecting", options.name,
                   options.endpoint.display(), last_error);
    } else {
      if (stopping) break;
      if (!ec) ec = asio::error::operation_aborted;
      last_error = ec == asio::error::timed_out ? "connect timed out" : ec.message();
      if (down_since == std::chrono::steady_clock::time_point{}) {
        down_since = std::chrono::steady_clock::now();
        refused_at_down = stats.refused_disconnected;
      }
      ++failures;
      // First failure, then every 10th: enough to see it, without a line per retry.
      if (failures == 1 || failures % 10 == 0) {
        spdlog::warn("redis[{}]: cannot connect to {}: {} (attempt {}; retrying with backoff "
                     "up to {} ms)",
                     options.name, options.endpoint.display(), last_error, failures,
                     options.backoff_max.count());
      }
    }
    // Full jitter: a random wait in [backoff/2, backoff], so restarted servers are not
    // hammered by every client at the same instant.
    std::uniform_int_distribution<long> jitter(backoff.count() / 2, backoff.count());
    retry_timer.expires_after(std::chrono::milliseconds{jitter(rng)});
    co_await retry_timer.async_wait(kUseTuple);
    backoff = std::min(backoff * 2, options.backoff_max);
  }
  link.reset();
}

void Connection::Impl::enqueue(std::span<const std::string_view> argv, ReplyCallback cb) {
  // hiredis wants parallel arrays of pointers and lengths; reuse them across calls.
  static thread_local std::vector<const char*> ptrs;
  static thread_local std::vector<std::size_t> lens;
  ptrs.resize(argv.size());
  lens.resize(argv.size());
  for (std::size_t i = 0; i < argv.size(); ++i) {
    ptrs[i] = argv[i].data();
    lens[i] = argv[i].size();
  }
  char* cmd = nullptr;
  const int len = redisFormatCommandArgv(&cmd, static_cast<int>(argv.size()), ptrs.data(),
                                         lens.data());
  QUFLX_CHECK(len >= 0 && cmd != nullptr, "redisFormatCommandArgv failed (out of memory)");
  out.append(cmd, static_cast<std::size_t>(len));
  redisFreeCommand(cmd);
  ++stats.commands;
  if (m_commands) m_commands->inc();
  ++in_flight;
  const auto now = std::chrono::steady_clock::now();
  if (!cb && !pending.empty() && !pending.back().callback &&
      now - pending.back().queued_at < kRunSpan) {
    ++pending.back().count;
  } else {
    pending.push_back(Pending{std::move(cb), 1, now});
  }
  if (link && link->writer_waiting) {
    link->writer_waiting = false;
    link->wake.cancel();
  }
}

Connection::Connection(asio::any_io_executor executor, ConnectionOptions options,
                       MetricsRegistry* metrics)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), metrics)) {}

Connection::~Connection() { stop(); }

void Connection::start() {
  if (impl_->started) return;
  impl_->started = true;
  asio::co_spawn(impl_->executor, impl_->run(), asio::detached);
}

void Connection::stop() {
  Impl& i = *impl_;
  if (i.stopping) return;
  i.stopping = true;
  i.retry_timer.cancel();
  if (i.link) i.link->close();
  if (!i.started) return;
  // run() notices and finishes on its own; unanswered callbacks fail there.
}

bool Connection::connected() const { return impl_->is_connected; }

bool Connection::send(std::span<const std::string_view> argv, ReplyCallback callback) {
  Impl& i = *impl_;
  if (!i.is_connected || i.stopping) {
    ++i.stats.refused_disconnected;
    if (i.m_refused_down) i.m_refused_down->inc();
    i.refuse(callback, "ERR not connected to redis");
    return false;
  }
  if (i.out.size() >= i.options.max_pending_bytes) {
    ++i.stats.refused_backpressure;
    if (i.m_refused_full) i.m_refused_full->inc();
    if (i.error_log.allow()) {
      spdlog::warn("redis[{}]: {} bytes unsent, refusing further commands until Redis catches "
                   "up ({} similar suppressed)",
                   i.options.name, i.out.size(), i.error_log.take_suppressed());
    }
    i.refuse(callback, "ERR redis write backlog full");
    return false;
  }
  i.enqueue(argv, std::move(callback));
  return true;
}

asio::awaitable<Reply> Connection::request(std::vector<std::string> argv) {
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    std::optional<Reply> reply;
  };
  auto w = std::make_shared<Waiter>(impl_->executor);
  w->timer.expires_at(asio::steady_timer::time_point::max());
  std::vector<std::string_view> views(argv.begin(), argv.end());
  send(views, [w](const Reply& r) {
    w->reply = r;
    w->timer.cancel();
  });
  while (!w->reply) {
    auto [ec] = co_await w->timer.async_wait(kUseTuple);
    if (ec != asio::error::operation_aborted) break;
  }
  co_return w->reply ? std::move(*w->reply) : Reply::error("ERR request cancelled");
}

asio::awaitable<bool> Connection::drain(std::chrono::milliseconds deadline) {
  auto impl = impl_;
  const auto end = std::chrono::steady_clock::now() + deadline;
  asio::steady_timer t(impl->executor);
  while (impl->in_flight > 0) {
    if (!impl->is_connected || std::chrono::steady_clock::now() >= end) co_return false;
    t.expires_after(2ms);
    co_await t.async_wait(kUseTuple);
  }
  co_return true;
}

void Connection::on_state_change(std::function<void(bool)> handler) {
  impl_->state_handler = std::move(handler);
}

void Connection::set_push_handler(std::function<void(const Reply&)> handler) {
  impl_->push_handler = std::move(handler);
}

ConnectionStats Connection::stats() const {
  ConnectionStats s = impl_->stats;
  s.pending_bytes = impl_->out.size() + (impl_->link ? impl_->link->writing.size() : 0);
  s.in_flight = impl_->in_flight;
  return s;
}

const Endpoint& Connection::endpoint() const { return impl_->options.endpoint; }

std::string Connection::last_error() const { return impl_->last_error; }

}  // namespace quflx::redis
