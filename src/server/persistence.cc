#include "server/persistence.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>

#include "pipeline/tick_pipeline.h"

namespace quflx {

namespace asio = boost::asio;

// The HistoryService's database fallback.
class Persistence::DatabaseHistory final : public HistoryFallback {
 public:
  explicit DatabaseHistory(CandleStore& store) : store_(store) {}
  asio::awaitable<Result<std::vector<Candle>>> load(std::string asset, Timeframe tf,
                                                    std::size_t limit) override {
    co_return co_await store_.latest(std::move(asset), tf, limit);
  }
  asio::awaitable<Result<std::size_t>> upsert(std::string asset, Timeframe tf,
                                              std::vector<Candle> candles) override {
    co_return co_await store_.upsert(std::move(asset), tf, std::move(candles));
  }

 private:
  CandleStore& store_;
};

Persistence::Persistence(TickPipeline& pipeline, const ServeConfig& config)
    : pipeline_(pipeline),
      endpoint_(pg::display_url(*config.database_url)),
      journal_dir_(config.state_dir + "/journal"),
      fsync_interval_(config.fsync_interval) {}

Persistence::~Persistence() { stop(); }

Result<std::unique_ptr<Persistence>> Persistence::open(asio::any_io_executor executor,
                                                       TickPipeline& pipeline,
                                                       const ServeConfig& config,
                                                       MetricsRegistry& metrics) {
  std::unique_ptr<Persistence> p(new Persistence(pipeline, config));
  TickJournalOptions jo;
  jo.dir = p->journal_dir_;
  jo.max_bytes = config.spool_max_bytes;
  jo.segment_bytes = std::min<std::uint64_t>(jo.segment_bytes, config.spool_max_bytes / 4);
  jo.fsync_interval = config.fsync_interval;
  // Recovery keeps what the tick-identity index will hold of each asset after the restart.
  const TickIdentityOptions& identity = pipeline.recent_ticks().options();
  jo.recent = RecentTicksBound{identity.keep_ticks, identity.keep_span, identity.max_ticks};
  auto journal = TickJournal::open(executor, pipeline.assets(), jo, metrics);
  if (!journal.ok()) return journal.error();
  p->journal_ = std::move(*journal);
  const auto& rec = p->journal_->recovery();
  if (rec.records > 0) {
    spdlog::info("tick journal: {} ticks in {} segments ({} bytes) from before; they are "
                 "written to PostgreSQL if not already there",
                 rec.ticks, rec.segments, rec.bytes);
  }

  pg::ConnectOptions db{.url = *config.database_url,
                        .connect_timeout = std::chrono::seconds(3),
                        .application_name = "quflx",
                        .request_timeout = config.pg_timeout};
  std::map<std::string, std::uint64_t> known(rec.last_seqs.begin(), rec.last_seqs.end());
  auto startup = prepare_database(db);
  if (startup.ok()) {
    spdlog::info("postgres {}: schema version {}{}", p->endpoint_, startup->schema_version,
                 startup->migrations_applied.empty()
                     ? std::string()
                     : fmt::format(" (applied {})", fmt::join(startup->migrations_applied, ", ")));
    for (const auto& [pair, seq] : startup->last_seqs) {
      auto& k = known[pair];
      k = std::max(k, seq);
    }
  } else {
    spdlog::warn("{}; ticks are kept in the tick journal until PostgreSQL answers",
                 startup.error().message);
    if (rec.records == 0) {
      spdlog::warn("the tick journal is empty and PostgreSQL did not say where numbering stopped: "
                   "no tick is numbered until it does");
      p->numbering_known_ = false;
    }
  }
  p->known_.assign(known.begin(), known.end());

  PersisterOptions po;
  po.db = db;
  po.batch_interval = config.batch_interval;
  po.batch_max_rows = config.batch_max_rows;
  p->persister_ = std::make_unique<TickPersister>(*p->journal_, po, metrics);
  p->persister_->start();
  p->candles_ = std::make_unique<CandleStore>(db);
  p->history_ = std::make_unique<DatabaseHistory>(*p->candles_);
  pipeline.set_durable_sink(*p->journal_);
  return p;
}

Result<void> Persistence::begin() {
  std::vector<std::pair<AssetId, std::uint64_t>> seqs;
  for (AssetId a = 0; a < pipeline_.assets().size(); ++a) {
    if (const auto last = pipeline_.sequencer().last(a); last > 0) seqs.emplace_back(a, last);
  }
  return journal_->begin(seqs);
}

asio::awaitable<bool> Persistence::await_numbering(const bool& stopping) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!numbering_known_) {
    if (stopping) co_return false;
    if (auto cps = persister_->first_checkpoints()) {
      std::map<std::string, std::uint64_t> known(known_.begin(), known_.end());
      for (const auto& [pair, seq] : *cps) {
        auto& k = known[pair];
        k = std::max(k, seq);
      }
      known_.assign(known.begin(), known.end());
      numbering_known_ = true;
      spdlog::info("postgres: checkpoints of {} pairs read; numbering continues after them",
                   cps->size());
      break;
    }
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return true;
}

asio::awaitable<void> Persistence::seed_candles() {
  const std::size_t keep = pipeline_.candles().options().keep_closed;
  std::size_t bars = 0;
  for (AssetId a = 0; a < pipeline_.assets().size(); ++a) {
    const std::string name(pipeline_.assets().name(a));
    for (Timeframe tf : kAllTimeframes) {
      auto stored = co_await candles_->latest(name, tf, keep);
      if (!stored.ok()) {
        spdlog::warn("cannot load stored candles ({}); candle history starts from this run's "
                     "bars",
                     stored.error().message);
        co_return;
      }
      // Late ticks may still amend the newest of them: give them the bar's whole span, so
      // one can neither move the open nor, unless it is the last, the close.
      for (auto& c : *stored) {
        c.first_tick = from_unix_micros(c.open_time_s * 1'000'000);
        c.last_tick = from_unix_micros((c.open_time_s + duration_seconds(tf)) * 1'000'000 - 1);
      }
      bars += pipeline_.restore_candles(a, tf, *stored);
    }
  }
  if (bars > 0) spdlog::info("postgres: loaded {} stored candles as history", bars);
}

asio::awaitable<bool> Persistence::synced() {
  // Not a coroutine itself (see CandleStore): the initiation runs when awaited.
  return asio::async_initiate<const asio::use_awaitable_t<>, void(bool)>(
      [this](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        journal_->when_synced([h](bool ok) { (*h)(ok); });
      },
      asio::use_awaitable);
}

HistoryFallback& Persistence::history_fallback() { return *history_; }

asio::awaitable<bool> Persistence::drain(std::chrono::milliseconds deadline) {
  persister_->request_flush();
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!persister_->drained() && std::chrono::steady_clock::now() < end) {
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return persister_->drained();
}

void Persistence::stop() {
  if (persister_) persister_->stop();
  if (journal_) journal_->close();
}

PersistenceStatus Persistence::status() const {
  PersistenceStatus s;
  s.configured = true;
  s.endpoint = endpoint_;
  s.journal_dir = journal_dir_;
  s.accepting = journal_->accepting();
  s.numbering_known = numbering_known_;
  s.spool_max_bytes = journal_->options().max_bytes;
  s.ticks_refused = pipeline_.stats().not_durable;
  s.fsync_interval = fsync_interval_;
  s.journal = journal_->stats();
  s.persister = persister_->status();
  return s;
}

}  // namespace quflx
