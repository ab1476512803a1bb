#pragma once
// CandleStore: the database side of candle history, for the ingest loop. Reads the latest N
// candles of (asset, timeframe) from `candles`, or computes them from `historical_ticks` where
// the table has none; upserts candles (imported files, `store_csv_candles`, a feed's history
// payloads) with the same statement the persister uses.
//
// Queries run on a worker thread with its own connection, so a slow query never stalls the
// ingest loop or the persister; each call returns an awaitable that resumes on the caller's
// executor. After a failed connect, calls fail at once for a second instead of each waiting
// for a dead server; beyond kMaxWaiting queued calls, new ones fail at once.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "core/candle.h"
#include "store/pg/connection.h"

namespace quflx {

class CandleStore {
 public:
  // Queries waiting for the worker; more fail at once with `unavailable`.
  static constexpr std::size_t kMaxWaiting = 256;

  // `clock` (outliving the store) tells which bars aggregated from ticks have ended.
  explicit CandleStore(pg::ConnectOptions options, const Clock& clock = wall_clock());
  ~CandleStore();
  CandleStore(const CandleStore&) = delete;
  CandleStore& operator=(const CandleStore&) = delete;

  // The latest `limit` closed candles, oldest first: from `candles`, else aggregated from
  // `historical_ticks` (bars that have not ended by the wall clock left out). Empty if there
  // are none; an error if the database cannot be asked.
  boost::asio::awaitable<Result<std::vector<Candle>>> latest(std::string asset, Timeframe tf,
                                                             std::size_t limit);
  // Inserts or updates closed candles of one (asset, timeframe) in one transaction. Returns
  // how many rows were written.
  boost::asio::awaitable<Result<std::size_t>> upsert(std::string asset, Timeframe tf,
                                                     std::vector<Candle> candles);

 private:
  using Job = std::function<void(pg::Connection*, const Error*)>;
  // Runs `job` on the worker with a connection (or the reason there is none).
  void submit(Job job);
  void run();

  pg::ConnectOptions options_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::atomic<bool> stop_{false};  // also aborts a request in flight (ConnectOptions::abort)
  std::thread thread_;
};

}  // namespace quflx
