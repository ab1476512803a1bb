#include "store/pg/tick_persister.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "store/pg/candle_rows.h"
#include "store/pg/copy_binary.h"
#include "store/pg/migrations.h"
#include "store/journal/tick_journal_reader.h"

namespace quflx {
namespace {

using Steady = std::chrono::steady_clock;

// `{"EURUSD_otc","#AAPL_otc"}`: asset names never contain quotes or backslashes (they are
// validated), so quoting each element is all a text[] literal needs.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    out += items[i];
    out += '"';
  }
  out += '}';
  return out;
}

Result<std::map<std::string, std::uint64_t, std::less<>>> load_checkpoints(pg::Connection& conn) {
  auto rows = conn.query("SELECT pair, last_seq FROM quflx_tick_checkpoints");
  if (!rows.ok()) return rows.error();
  std::map<std::string, std::uint64_t, std::less<>> out;
  for (int i = 0; i < rows->size(); ++i) {
    out.emplace(std::string(rows->text(i, 0)), static_cast<std::uint64_t>(rows->int64(i, 1)));
  }
  return out;
}

}  // namespace

// One transaction's worth of log records, prepared for COPY.
struct TickPersister::Batch {
  std::uint64_t start = 0;  // log position of its first record
  std::uint64_t end = 0;    // log position after its last record
  std::uint64_t ticks_read = 0;
  std::uint64_t ticks_skipped = 0;
  std::uint64_t ticks_clashed = 0;  // skipped although appended in this run
  std::string clash;                // the first of them, described
  std::int64_t first_written_at_us = 0;
  std::vector<std::string> pairs;
  std::unordered_map<std::string, std::uint32_t> pair_index;
  std::vector<std::uint64_t> max_seq;  // per pair index
  std::vector<std::uint64_t> run_from;  // per pair index: lowest seq appended in this run
  pg::CopyBinaryWriter ticks;
  std::vector<pg::CandleRow> candles;
  std::vector<std::uint32_t> candle_pairs;  // pair index of each candle
  std::map<std::tuple<std::uint32_t, int, std::int64_t>, std::size_t> candle_index;
  pg::CopyBinaryWriter scratch;

  void reset(std::uint64_t at) {
    start = end = at;
    ticks_read = ticks_skipped = ticks_clashed = 0;
    clash.clear();
    first_written_at_us = 0;
    pairs.clear();
    pair_index.clear();
    max_seq.clear();
    run_from.clear();
    ticks.reset();
    candles.clear();
    candle_pairs.clear();
    candle_index.clear();
  }
  std::uint32_t pair(std::string_view name) {
    auto [it, added] = pair_index.try_emplace(std::string(name), static_cast<std::uint32_t>(pairs.size()));
    if (added) {
      pairs.emplace_back(name);
      max_seq.push_back(0);
      run_from.push_back(UINT64_MAX);
    }
    return it->second;
  }
  bool empty() const { return ticks.rows() == 0 && candles.empty(); }
};

TickPersister::TickPersister(TickJournal& log, PersisterOptions options, MetricsRegistry& metrics,
                             const Clock& clock)
    : journal_(log),
      options_(std::move(options)),
      clock_(clock),
      batch_(std::make_unique<Batch>()),
      metrics_(metrics),
      m_batches_(metrics.counter("quflx_pg_write_batches_total",
                                 "Transactions committed to PostgreSQL by the persister")),
      m_errors_(metrics.counter("quflx_pg_errors_total",
                                "Failed PostgreSQL connections and batches (each retried)")),
      m_rows_(metrics.counter("quflx_pg_rows_total", "Rows written to PostgreSQL",
                              {{"table", "historical_ticks"}})),
      m_candles_(metrics.counter("quflx_pg_rows_total", "Rows written to PostgreSQL",
                                 {{"table", "candles"}})),
      m_clashed_(metrics.counter("quflx_persist_ticks_clashed_total",
                                 "Ticks of this run whose seq the database already held from "
                                 "another writer (appends stop at the first)")),
      m_commit_latency_(metrics.histogram("quflx_stage_latency_seconds",
                                          "Latency per pipeline stage, seconds",
                                          latency_buckets_seconds(), {{"stage", "pg_commit"}})) {
  options_.db.abort = &stop_;  // stopping cuts a request in flight short
  const auto start = journal_.stats().retained_from;
  position_.store(start);
  collector_ = metrics.add_collector([this](MetricsWriter& w) {
    const auto s = status();
    w.gauge("quflx_persist_backlog_ticks", "Ticks in the tick journal not yet committed to PostgreSQL",
            {}, static_cast<double>(s.backlog_ticks));
    w.gauge("quflx_persist_backlog_bytes", "Tick log bytes not yet committed to PostgreSQL", {},
            static_cast<double>(s.backlog_bytes));
    w.gauge("quflx_persist_lag_seconds", "Age of the oldest tick not yet in PostgreSQL", {},
            s.oldest_unpersisted_age_s);
    w.gauge("quflx_pg_connected", "1 while the persister is connected to PostgreSQL", {},
            s.connected ? 1.0 : 0.0);
  });
}

TickPersister::~TickPersister() {
  stop();
  metrics_.remove_collector(collector_);
}

void TickPersister::start() {
  if (thread_.joinable()) return;
  last_flush_ = Steady::now();
  {
    std::lock_guard lk(mu_);
    rate_.emplace_back(last_flush_, 0);
  }
  thread_ = std::thread([this] { run(); });
}

void TickPersister::request_flush() {
  flush_ = true;
  cv_.notify_all();
}

bool TickPersister::drained() const {
  return position_.load(std::memory_order_acquire) >= journal_.written_position();
}

void TickPersister::stop() {
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  set_state("stopped", false);
}

bool TickPersister::wait_for(std::chrono::milliseconds d) {
  // Only stopping cuts a backoff short: a flush request must not turn retries into a spin.
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, d, [this] { return stop_.load(); });
  return !stop_;
}

void TickPersister::set_state(const char* state, bool connected, std::string error) {
  std::lock_guard lk(mu_);
  status_.state = state;
  status_.connected = connected;
  if (!error.empty()) status_.last_error = std::move(error);
}

PersisterStatus TickPersister::status() const {
  PersisterStatus s;
  {
    std::lock_guard lk(mu_);
    s = status_;
    const auto now = Steady::now();
    if (!rate_.empty() && now - rate_.front().first > std::chrono::milliseconds(100)) {
      // Rows committed since the oldest sample of the window, over the time since then (so the
      // figure falls towards 0 when nothing is committed).
      const double dt = std::chrono::duration<double>(now - rate_.front().first).count();
      s.rows_per_second = static_cast<double>(rate_.back().second - rate_.front().second) / dt;
    }
    if (oldest_written_at_us_ > 0) {
      s.oldest_unpersisted_age_s =
          std::max(0.0, static_cast<double>(unix_micros(clock_.now()) - oldest_written_at_us_) / 1e6);
    }
  }
  const auto written = journal_.written_position();
  const auto pos = position_.load(std::memory_order_acquire);
  s.backlog_bytes = written > pos ? written - pos : 0;
  const auto ticks = journal_.ticks_written();
  const auto consumed = ticks_consumed_.load(std::memory_order_acquire);
  s.backlog_ticks = ticks > consumed ? ticks - consumed : 0;
  s.spool_bytes = journal_.retained_bytes();
  if (s.backlog_bytes == 0) s.oldest_unpersisted_age_s = 0;
  return s;
}

bool TickPersister::ensure_connected() {
  if (conn_.ok()) return true;
  set_state("connecting", false);
  auto c = pg::Connection::connect(options_.db);
  Result<void> ready = c.ok() ? Result<void>{} : Result<void>(c.error());
  if (ready.ok()) {
    conn_ = std::move(*c);
    if (auto m = pg::migrate(conn_); !m.ok()) {
      ready = m.error();
    } else if (!m->applied.empty()) {
      spdlog::info("postgres: applied migrations {}", fmt::join(m->applied, ", "));
    }
  }
  if (ready.ok()) {
    auto cp = load_checkpoints(conn_);
    if (cp.ok()) {
      checkpoints_ = std::move(*cp);
      if (!checkpoints_known_.load(std::memory_order_acquire)) {
        std::lock_guard lk(mu_);
        first_checkpoints_.emplace(checkpoints_.begin(), checkpoints_.end());
        checkpoints_known_.store(true, std::memory_order_release);
      }
    } else {
      ready = cp.error();
    }
  }
  if (ready.ok()) {
    ready = conn_.exec(
        "CREATE TEMP TABLE IF NOT EXISTS quflx_ticks_stage (pair text, seq bigint,"
        " price double precision, timestamp bigint) ON COMMIT DELETE ROWS");
  }
  if (ready.ok()) ready = pg::prepare_candle_staging(conn_);
  if (!ready.ok()) {
    conn_ = pg::Connection();
    m_errors_.inc();
    {
      std::lock_guard lk(mu_);
      ++status_.errors;
    }
    backoff_ = backoff_.count() == 0 ? options_.retry_initial
                                     : std::min(options_.retry_max, backoff_ * 2);
    set_state("retrying", false, ready.error().message);
    if (log_limit_.allow()) {
      spdlog::warn("persister: {} (retrying with backoff up to {} ms; {} similar suppressed)",
                   ready.error().message, options_.retry_max.count(), log_limit_.take_suppressed());
    }
    return false;
  }
  if (backoff_.count() > 0) spdlog::info("persister: connected to PostgreSQL");
  backoff_ = std::chrono::milliseconds(0);
  set_state("running", true);
  return true;
}

bool TickPersister::build_batch(Batch& b) {
  b.reset(position_.load());
  TickJournalReader reader(journal_);
  std::vector<std::uint64_t> floor;  // per record asset: checkpointed seq
  std::vector<std::uint32_t> idx;
  const auto r = reader.read(b.start, [&](const journal::Record& rec, std::uint64_t end) {
    if (b.first_written_at_us == 0) b.first_written_at_us = rec.written_at_us;
    b.end = end;
    if (rec.kind != journal::RecordKind::kBatch) return true;
    floor.assign(rec.assets.size(), 0);
    idx.assign(rec.assets.size(), 0);
    for (std::size_t i = 0; i < rec.assets.size(); ++i) {
      if (auto it = checkpoints_.find(rec.assets[i]); it != checkpoints_.end()) floor[i] = it->second;
      idx[i] = b.pair(rec.assets[i]);
    }
    // Records ending after the run's start were appended by this run: unless this persister
    // already tried to commit them, a seq of theirs that the checkpoint covers was numbered by
    // someone else too, and this run's tick can never be
    // stored. That is loss, not a restart's re-read: it stops appends and shows in /health.
    const bool this_run = end > std::max(journal_.run_start(), attempted_end_);
    for (const auto& t : rec.ticks) {
      ++b.ticks_read;
      if (t.seq <= floor[t.asset]) {
        ++b.ticks_skipped;
        if (this_run) {
          ++b.ticks_clashed;
          if (b.ticks_clashed == 1) {
            b.clash = fmt::format("seq {} of {} was numbered by this server but PostgreSQL already "
                                  "holds seq <= {} for it (another writer numbers this asset)",
                                  t.seq, rec.assets[t.asset], floor[t.asset]);
          }
        }
        continue;
      }
      const auto p = idx[t.asset];
      b.ticks.begin_row(4);
      b.ticks.text(b.pairs[p]);
      b.ticks.int8(static_cast<std::int64_t>(t.seq));
      b.ticks.float8(t.price);
      // SPEC §4: milliseconds. Floor, so a tick never moves into the next millisecond.
      b.ticks.int8(t.time_us >= 0 ? t.time_us / 1000 : -((-t.time_us + 999) / 1000));
      b.max_seq[p] = std::max(b.max_seq[p], t.seq);
      if (this_run) b.run_from[p] = std::min(b.run_from[p], t.seq);
    }
    for (const auto& c : rec.candles) {
      const auto p = idx[c.asset];
      pg::CandleRow row{{}, c.timeframe, c.open_time_s, c.open, c.high, c.low, c.close,
                        c.volume};
      const auto key = std::make_tuple(p, static_cast<int>(c.timeframe), c.open_time_s);
      auto [it, added] = b.candle_index.try_emplace(key, b.candles.size());
      if (added) {
        b.candles.push_back(row);
        b.candle_pairs.push_back(p);
      } else {
        b.candles[it->second] = row;  // a later record amended the bar: keep the latest
      }
    }
    return b.ticks_read < options_.batch_max_rows;
  });
  // Names are pointed to only now: b.pairs no longer grows, so the views stay valid.
  for (std::size_t i = 0; i < b.candles.size(); ++i) b.candles[i].pair = b.pairs[b.candle_pairs[i]];
  if (r.corrupt > 0) {
    m_errors_.inc(r.corrupt);
    std::lock_guard lk(mu_);
    status_.errors += r.corrupt;
    status_.last_error = "tick journal: corrupt records skipped (see the log)";
  }
  b.end = std::max(b.end, r.position);
  return b.end > b.start;
}

Result<void> TickPersister::find_clashes(Batch& b) {
  // A stored row that differs from this run's tick under the same seq: someone else numbered
  // the asset, and this run's tick can never be stored. (Equal rows are harmless repeats.)
  std::vector<std::string> pairs, from;
  for (std::size_t p = 0; p < b.pairs.size(); ++p) {
    if (b.run_from[p] == UINT64_MAX) continue;
    pairs.push_back(b.pairs[p]);
    from.push_back(std::to_string(b.run_from[p]));
  }
  if (pairs.empty()) return {};
  auto rows = conn_.query(
      "SELECT count(*), min(s.pair), min(s.seq) FROM quflx_ticks_stage s"
      " JOIN unnest($1::text[], $2::bigint[]) AS r(pair, from_seq) ON r.pair = s.pair"
      " JOIN historical_ticks h ON h.pair = s.pair AND h.seq = s.seq"
      " WHERE s.seq >= r.from_seq AND (h.price <> s.price OR h.timestamp <> s.timestamp)",
      {text_array(pairs), text_array(from)});
  if (!rows.ok()) return rows.error();
  const std::int64_t n = rows->size() > 0 ? rows->int64(0, 0) : 0;
  if (n > 0) {
    b.ticks_clashed += static_cast<std::uint64_t>(n);
    b.clash = fmt::format("{} ticks numbered by this server (first: seq {} of {}) are stored in "
                          "PostgreSQL with another price or time (another writer numbers this "
                          "asset)",
                          n, rows->text(0, 2), rows->text(0, 1));
  }
  return {};
}

Result<void> TickPersister::commit(Batch& b) {
  auto rollback = [this](Error e) -> Result<void> {
    if (conn_.ok()) (void)conn_.exec("ROLLBACK");
    return e;
  };
  // From here the outcome may be unknown (a COMMIT whose answer is lost): a re-read of these
  // records finding them covered by the checkpoint is this persister's own commit.
  attempted_end_ = std::max(attempted_end_, b.end);
  if (auto r = conn_.exec("BEGIN"); !r.ok()) return r.error();
  std::uint64_t duplicates = 0;
  if (b.ticks.rows() > 0) {
    const auto data = b.ticks.finish();
    auto copied = conn_.copy_in(
        "COPY historical_ticks (pair, seq, price, timestamp) FROM STDIN (FORMAT binary)", data);
    if (!copied.ok() && conn_.last_sqlstate() == pg::kUniqueViolation) {
      // Rows no checkpoint accounts for: insert what is new, count the rest.
      if (auto r = conn_.exec("ROLLBACK; BEGIN"); !r.ok()) return r.error();
      auto staged = conn_.copy_in("COPY quflx_ticks_stage FROM STDIN (FORMAT binary)", data);
      if (!staged.ok()) return rollback(staged.error());
      auto inserted = conn_.command(
          "INSERT INTO historical_ticks (pair, seq, price, timestamp)"
          " SELECT pair, seq, price, timestamp FROM quflx_ticks_stage"
          " ON CONFLICT (pair, seq) DO NOTHING");
      if (!inserted.ok()) return rollback(inserted.error());
      duplicates = *staged - *inserted;
      spdlog::warn("persister: {} of {} ticks were already stored without a checkpoint saying "
                   "so (another writer?); kept the stored rows",
                   duplicates, *staged);
      if (auto clash = find_clashes(b); !clash.ok()) {
        return rollback(clash.error());
      }
    } else if (!copied.ok()) {
      return rollback(copied.error());
    }
  }
  if (!b.candles.empty()) {
    if (auto r = pg::upsert_candles(conn_, b.candles, b.scratch); !r.ok()) {
      return rollback(r.error());
    }
  }
  std::vector<std::string> pairs, seqs;
  for (std::size_t p = 0; p < b.pairs.size(); ++p) {
    if (b.max_seq[p] == 0) continue;
    pairs.push_back(b.pairs[p]);
    seqs.push_back(std::to_string(b.max_seq[p]));
  }
  if (!pairs.empty()) {
    auto r = conn_.query(
        "INSERT INTO quflx_tick_checkpoints (pair, last_seq)"
        " SELECT * FROM unnest($1::text[], $2::bigint[])"
        " ON CONFLICT (pair) DO UPDATE SET"
        " last_seq = GREATEST(quflx_tick_checkpoints.last_seq, EXCLUDED.last_seq),"
        " updated_at = now()",
        {text_array(pairs), text_array(seqs)});
    if (!r.ok()) return rollback(r.error());
  }
  if (auto r = conn_.exec("COMMIT"); !r.ok()) return r.error();
  std::lock_guard lk(mu_);
  status_.duplicates += duplicates;
  return {};
}

void TickPersister::after_commit(const Batch& b) {
  const auto now_ms = unix_millis(clock_.now());
  const std::uint64_t rows = b.ticks.rows();
  for (std::size_t p = 0; p < b.pairs.size(); ++p) {
    if (b.max_seq[p] == 0) continue;
    auto& cp = checkpoints_[b.pairs[p]];
    cp = std::max(cp, b.max_seq[p]);
  }
  m_rows_.inc(rows);
  m_candles_.inc(b.candles.size());
  const bool wrote = rows > 0 || !b.candles.empty();
  if (wrote) m_batches_.inc();
  if (b.ticks_clashed > 0) {
    m_clashed_.inc(b.ticks_clashed);
    journal_.halt("persister: " + b.clash);
  }
  {
    std::lock_guard lk(mu_);
    record_commit(b, rows, now_ms);
    if (b.ticks_clashed > 0) {
      status_.ticks_clashed += b.ticks_clashed;
      status_.last_error = b.clash;
    }
  }
  // Published last: whoever sees the position move (drained()) sees the figures above too.
  ticks_consumed_.fetch_add(b.ticks_read, std::memory_order_acq_rel);
  position_.store(b.end, std::memory_order_release);
  journal_.release_before(b.end);
}

void TickPersister::record_commit(const Batch& b, std::uint64_t rows, std::int64_t now_ms) {
  if (rows > 0 || !b.candles.empty()) {
    ++status_.batches;
    status_.last_commit_unix_ms = now_ms;
  }
  status_.ticks_committed += rows;
  status_.ticks_skipped += b.ticks_skipped;
  status_.candles_committed += b.candles.size();
  for (std::size_t p = 0; p < b.pairs.size(); ++p) {
    if (b.max_seq[p] == 0) continue;
    auto& pp = status_.pairs[b.pairs[p]];
    pp.last_seq = std::max(pp.last_seq, b.max_seq[p]);
    pp.last_commit_unix_ms = now_ms;
  }
  const auto now = Steady::now();
  rate_.emplace_back(now, status_.ticks_committed);
  // The window spans a couple of batch intervals, so a 30 s cadence does not read as 0 / spike.
  const auto window = std::max<Steady::duration>(std::chrono::seconds(10), 2 * options_.batch_interval);
  while (rate_.size() > 1 && now - rate_.front().first > window) rate_.pop_front();
}

void TickPersister::peek_oldest() {
  const auto pos = position_.load();
  if (pos >= journal_.written_position()) return;
  std::int64_t at = 0;
  TickJournalReader reader(journal_);
  reader.read(pos, [&at](const journal::Record& rec, std::uint64_t) {
    at = rec.written_at_us;
    return false;
  });
  std::lock_guard lk(mu_);
  oldest_written_at_us_ = at;
}

std::optional<std::vector<std::pair<std::string, std::uint64_t>>> TickPersister::first_checkpoints()
    const {
  std::lock_guard lk(mu_);
  return first_checkpoints_;
}

void TickPersister::run() {
  Batch& b = *batch_;
  while (!stop_) {
    // Connect once at start even with nothing to write: the checkpoints tell a server that
    // started without the database where numbering may begin (first_checkpoints()).
    if (!checkpoints_known_.load(std::memory_order_acquire)) {
      if (!ensure_connected()) wait_for(backoff_);
      continue;
    }
    // The lag figure: when the oldest waiting record was written (read once per batch).
    if (oldest_written_at_us_ == 0) peek_oldest();
    const bool pending = journal_.written_position() > position_.load();
    const auto backlog_ticks = journal_.ticks_written() - ticks_consumed_.load();
    const bool due = pending && (flush_ || last_batch_full_ ||
                                 backlog_ticks >= options_.batch_max_rows ||
                                 Steady::now() - last_flush_ >= options_.batch_interval);
    if (!due) {
      if (!pending) flush_ = false;
      const auto left = options_.batch_interval - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                     Steady::now() - last_flush_);
      // Wake at least every 50 ms to notice a full batch's worth of rows.
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, std::clamp(left, std::chrono::milliseconds(1), std::chrono::milliseconds(50)),
                   [this] { return stop_.load() || flush_.load(); });
      continue;
    }
    if (!ensure_connected()) {
      wait_for(backoff_);
      continue;
    }
    if (!build_batch(b)) {
      wait_for(std::chrono::seconds(1));  // unreadable log (already reported): do not spin
      continue;
    }
    const auto started = Steady::now();
    auto r = b.empty() ? Result<void>{} : commit(b);
    if (!r.ok()) {
      m_errors_.inc();
      const bool lost = !conn_.ok();
      if (lost) conn_ = pg::Connection();
      backoff_ = backoff_.count() == 0 ? options_.retry_initial
                                       : std::min(options_.retry_max, backoff_ * 2);
      {
        std::lock_guard lk(mu_);
        ++status_.errors;
      }
      set_state("retrying", !lost, r.error().message);
      if (log_limit_.allow()) {
        spdlog::warn("persister: batch of {} ticks not committed: {} (retrying in {} ms; {} "
                     "similar suppressed)",
                     b.ticks.rows(), r.error().message, backoff_.count(), log_limit_.take_suppressed());
      }
      wait_for(backoff_);
      continue;
    }
    if (!b.empty()) {
      m_commit_latency_.observe(std::chrono::duration<double>(Steady::now() - started).count());
    }
    backoff_ = std::chrono::milliseconds(0);
    after_commit(b);
    set_state("running", true);
    last_batch_full_ = b.ticks_read >= options_.batch_max_rows;
    last_flush_ = Steady::now();
    std::lock_guard lk(mu_);
    oldest_written_at_us_ = 0;
  }
}

Result<DatabaseStartup> prepare_database(const pg::ConnectOptions& options) {
  auto conn = pg::Connection::connect(options);
  if (!conn.ok()) return conn.error();
  auto m = pg::migrate(*conn);
  if (!m.ok()) return m.error();
  DatabaseStartup out;
  out.migrations_applied = m->applied;
  out.schema_version = m->schema_version;
  auto cp = load_checkpoints(*conn);
  if (!cp.ok()) return cp.error();
  for (auto& [pair, seq] : *cp) out.last_seqs.emplace_back(pair, seq);
  return out;
}

}  // namespace quflx
