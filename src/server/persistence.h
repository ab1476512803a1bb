#pragma once
// Persistence: the server's side of SPEC §4, wired from the store's parts.
//
//   TickPipeline --append (before any sink)--> TickJournal (<state-dir>/journal)
//                                                 | read by
//                                                 v
//                                              TickPersister thread --COPY--> PostgreSQL
//   HistoryService --miss--> DatabaseHistory --> CandleStore thread --SELECT--> PostgreSQL
//
// Start-up: open() takes the journal's lock, recovers it, applies migrations and reads the
// per-pair checkpoints if the database answers (a few seconds at most; the persister keeps
// trying otherwise), and starts the persister, which drains whatever the journal holds from
// before. The service then continues numbering after the highest seq known anywhere
// (known_seqs() plus Redis), calls begin() so appends can start, and seeds the candle
// aggregator with stored history so the candle cache it rewrites on every bar close is complete
// after a restart.
//
// Shutdown: drain() asks the persister to commit everything now and waits (up to a deadline);
// whatever is left stays in the journal for the next start.
//
// Owned by the service; everything but the persister's and candle store's threads runs on the
// ingest loop.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/metrics.h"
#include "common/result.h"
#include "server/config.h"
#include "server/history_service.h"
#include "store/pg/candle_store.h"
#include "store/journal/tick_journal.h"
#include "store/pg/tick_persister.h"

namespace quflx {

class TickPipeline;

// What /health, get_redis_status.batch_status and the dashboard show about persistence.
struct PersistenceStatus {
  bool configured = false;  // false: --database-url none, nothing is persisted
  std::string endpoint;     // host:port/db (user), no password
  std::string journal_dir;
  bool accepting = false;   // the journal takes ticks (false: spool full, failing, starting)
  bool numbering_known = true;  // false: waiting for the database's checkpoints to number
  std::uint64_t spool_max_bytes = 0;
  std::uint64_t ticks_refused = 0;  // refused or withdrawn by the pipeline as not durable
  std::chrono::milliseconds fsync_interval{0};
  TickJournalStats journal;
  PersisterStatus persister;
};

class Persistence {
 public:
  static Result<std::unique_ptr<Persistence>> open(boost::asio::any_io_executor executor,
                                                   TickPipeline& pipeline,
                                                   const ServeConfig& config,
                                                   MetricsRegistry& metrics);
  ~Persistence();

  // Every pair's last seq as the journal and the database know it.
  const std::vector<std::pair<std::string, std::uint64_t>>& known_seqs() const { return known_; }
  // False when PostgreSQL did not answer at open() and the journal is empty (a new state
  // directory): nothing here knows where the database's numbering stopped, and numbering from
  // 1 would make the persister drop every tick up to the stored checkpoint. The service then
  // waits in await_numbering() before it numbers anything.
  bool numbering_known() const { return numbering_known_; }
  // Completes once the persister has connected and read the checkpoints (merged into
  // known_seqs()): true; false if `stopping` became true first. Polls on the loop.
  boost::asio::awaitable<bool> await_numbering(const bool& stopping);
  // Starts appending: the journal's new segment records every asset's last seq. Call after the
  // pipeline's sequencer was restored.
  Result<void> begin();
  // Loads the latest closed candles of every asset the pipeline knows into its aggregator.
  boost::asio::awaitable<void> seed_candles();

  // Completes with true once every tick accepted so far is on disk (fdatasync of the journal,
  // asked for at once rather than at the next interval), false if syncing failed. What
  // POST /api/ticks waits for before acknowledging.
  boost::asio::awaitable<bool> synced();

  HistoryFallback& history_fallback();
  CandleStore& candles() { return *candles_; }
  TickJournal& journal() { return *journal_; }

  // Commits everything written so far, waiting at most `deadline`. True if nothing is left.
  boost::asio::awaitable<bool> drain(std::chrono::milliseconds deadline);
  // Stops the persister and closes the journal (after a final sync).
  void stop();

  PersistenceStatus status() const;

 private:
  class DatabaseHistory;
  Persistence(TickPipeline& pipeline, const ServeConfig& config);

  TickPipeline& pipeline_;
  std::string endpoint_;
  std::string journal_dir_;
  std::chrono::milliseconds fsync_interval_{0};
  std::vector<std::pair<std::string, std::uint64_t>> known_;
  bool numbering_known_ = true;
  std::unique_ptr<TickJournal> journal_;
  std::unique_ptr<TickPersister> persister_;
  std::unique_ptr<CandleStore> candles_;
  std::unique_ptr<DatabaseHistory> history_;
};

}  // namespace quflx
