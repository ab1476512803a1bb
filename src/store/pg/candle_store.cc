#include "store/pg/candle_store.h"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unordered_map>

#include "store/pg/candle_rows.h"
#include "store/pg/copy_binary.h"

namespace quflx {

namespace asio = boost::asio;

namespace {

// Runs `fn(conn)` on the store's worker and completes the awaiting coroutine on its own
// executor with the result. Deliberately not a coroutine itself: g++ 12 destroys a lambda
// passed by value to a coroutine twice.
template <class T, class Submit, class Fn>
asio::awaitable<Result<T>> on_worker(Submit submit, Fn fn) {
  return asio::async_initiate<const asio::use_awaitable_t<>, void(Result<T>)>(
      [submit, fn](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto ex = asio::get_associated_executor(*h);
        submit([h, ex, fn](pg::Connection* conn, const Error* down) {
          Result<T> r = down ? Result<T>(*down) : fn(*conn);
          asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
        });
      },
      asio::use_awaitable);
}

}  // namespace

CandleStore::CandleStore(pg::ConnectOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  options_.abort = &stop_;
  thread_ = std::thread([this] { run(); });
}

CandleStore::~CandleStore() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void CandleStore::submit(Job job) {
  {
    std::lock_guard lk(mu_);
    if (jobs_.size() < kMaxWaiting) {
      jobs_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  // A slow or unreachable database must not let requests pile up without bound (each one a
  // client waiting for history): beyond the bound they fail at once, as a miss does.
  const Error busy{ErrorCode::kUnavailable,
                   "postgres: " + std::to_string(kMaxWaiting) + " candle queries already waiting"};
  job(nullptr, &busy);
}

void CandleStore::run() {
  pg::Connection conn;
  bool staging_ready = false;
  std::chrono::steady_clock::time_point retry_after{};
  Error down{ErrorCode::kUnavailable, "postgres: not connected"};
  for (;;) {
    Job job;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    if (stop_.load()) {  // stopping: what is left fails at once, no new connection
      const Error stopping{ErrorCode::kUnavailable, "postgres: the server is stopping"};
      job(nullptr, &stopping);
      continue;
    }
    if (!conn.ok() && std::chrono::steady_clock::now() >= retry_after) {
      staging_ready = false;
      auto c = pg::Connection::connect(options_);
      if (c.ok()) {
        conn = std::move(*c);
      } else {
        down = c.error();
        conn = pg::Connection();
        retry_after = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      }
    }
    if (conn.ok() && !staging_ready) {
      auto s = pg::prepare_candle_staging(conn);
      staging_ready = s.ok();
      if (!s.ok()) down = s.error();
    }
    if (conn.ok() && staging_ready) {
      job(&conn, nullptr);
    } else {
      job(nullptr, &down);
    }
  }
}

asio::awaitable<Result<std::vector<Candle>>> CandleStore::latest(std::string asset, Timeframe tf,
                                                                 std::size_t limit) {
  return on_worker<std::vector<Candle>>(
      [this](Job j) { submit(std::move(j)); },
      [this, asset = std::move(asset), tf, limit](
          pg::Connection& conn) -> Result<std::vector<Candle>> {
        auto rows = pg::latest_candles(conn, asset, tf, limit);
        if (!rows.ok() || !rows->empty()) return rows;
        const auto now_s = unix_micros(clock_.now()) / 1'000'000;
        return pg::candles_from_ticks(conn, asset, tf, limit, now_s);
      });
}

asio::awaitable<Result<std::size_t>> CandleStore::upsert(std::string asset, Timeframe tf,
                                                         std::vector<Candle> candles) {
  return on_worker<std::size_t>(
      [this](Job j) { submit(std::move(j)); },
      [asset = std::move(asset), tf, candles = std::move(candles)](
          pg::Connection& conn) -> Result<std::size_t> {
        std::vector<pg::CandleRow> rows;
        rows.reserve(candles.size());
        for (const auto& c : candles) {
          rows.push_back({asset, tf, c.open_time_s, c.open, c.high, c.low, c.close, c.volume});
        }
        // One row per bar: the last candle given for an open time wins.
        std::unordered_map<std::int64_t, std::size_t> at;
        std::vector<pg::CandleRow> unique;
        for (const auto& r : rows) {
          auto [it, added] = at.try_emplace(r.open_time_s, unique.size());
          if (added) {
            unique.push_back(r);
          } else {
            unique[it->second] = r;
          }
        }
        pg::CopyBinaryWriter scratch;
        if (auto r = conn.exec("BEGIN"); !r.ok()) return r.error();
        auto n = pg::upsert_candles(conn, unique, scratch);
        if (!n.ok()) {
          (void)conn.exec("ROLLBACK");
          return n.error();
        }
        if (auto r = conn.exec("COMMIT"); !r.ok()) return r.error();
        return static_cast<std::size_t>(*n);
      });
}

}  // namespace quflx
