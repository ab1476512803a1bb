#include "feed/csv_feed.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <vector>

#include "protocol/csv_format.h"

namespace quflx {

namespace asio = boost::asio;

CsvFeed::CsvFeed(asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
                 CsvFeedOptions options, MetricsRegistry& metrics)
    : executor_(executor),
      ingest_(ingest),
      feed_(feed),
      options_(std::move(options)),
      faults_("csv", metrics),
      timer_(executor) {}

CsvFeed::~CsvFeed() = default;

void CsvFeed::start() {
  if (running_) return;
  running_ = true;
  state_ = "running";
  asio::co_spawn(executor_, run(), asio::detached);
}

void CsvFeed::stop() {
  running_ = false;
  timer_.cancel();
  if (state_ == "running") state_ = "stopped";
}

FeedStatus CsvFeed::status() const {
  FeedStatus s;
  s.name = "csv";
  s.state = state_;
  s.ticks = ticks_;
  s.detail = fmt::format("{}: line {}, {} rows replayed ({} ticks, {} bars), {} rows skipped{}{}",
                         options_.path, line_, rows_, ticks_, bars_, faults_.total(),
                         detail_.empty() ? "" : "; ", detail_);
  return s;
}

void CsvFeed::fail(std::string message) {
  state_ = "error";
  detail_ = message;
  spdlog::error("feed csv: {}", message);
  running_ = false;
}

asio::awaitable<void> CsvFeed::run() {
  std::ifstream in(options_.path, std::ios::binary);
  if (!in) {
    fail(fmt::format("{}: cannot open ({})", options_.path, std::strerror(errno)));
    co_return;
  }
  std::string line;
  line_ = 1;
  if (!std::getline(in, line)) {
    fail(fmt::format("{}:1: empty file (expected a header)", options_.path));
    co_return;
  }
  auto layout = parse_csv_header(line);
  if (!layout.ok()) {
    fail(fmt::format("{}:1: {}", options_.path, layout.error().message));
    co_return;
  }
  const FileNameHints hints = hints_from_file_name(options_.path);
  const std::string asset = !options_.asset.empty() ? options_.asset : std::string(hints.asset);
  const bool candles = layout->kind == CsvKind::kCandles;
  const std::optional<Timeframe> tf = options_.timeframe ? options_.timeframe : hints.timeframe;
  if (candles && !tf) {
    fail(fmt::format("{}: a candle file needs --csv-timeframe or a timeframe in its name "
                     "(e.g. EURUSD_otc_1m.csv)", options_.path));
    co_return;
  }
  if ((candles || layout->asset < 0) && asset.empty()) {
    fail(fmt::format("{}: no asset column; give --csv-asset", options_.path));
    co_return;
  }
  spdlog::info("feed csv: replaying {} ({}{}) at {}", options_.path, candles ? "candles " : "ticks",
               candles ? std::string(to_string(*tf)) : std::string(),
               options_.speed > 0 ? fmt::format("{}x", options_.speed) : std::string("max speed"));

  // Rows of the current batch keep their text alive for the asset views.
  std::vector<std::string> texts;
  std::vector<RawTick> batch;
  texts.reserve(options_.batch_rows);
  batch.reserve(options_.batch_rows);
  std::optional<UtcMicros> first_time, last_time;
  const auto wall_start = std::chrono::steady_clock::now();
  const auto flush = [&] {
    if (!batch.empty()) {
      ingest_.ingest(feed_, batch);
      ticks_ += batch.size();
      batch.clear();
      texts.clear();
    }
    if (last_time) ingest_.advance_feed_clock(feed_, *last_time);
  };
  std::size_t in_turn = 0;
  while (running_ && std::getline(in, line)) {
    ++line_;
    if (line.empty() || line == "\r") continue;
    UtcMicros t{};
    RawTick tick;
    HistoryBar bar;
    if (candles) {
      auto r = parse_csv_candle_row(*layout, line);
      if (!r.ok()) {
        faults_.count(FrameFault::kBadRow, fmt::format("{}:{}: {}", options_.path, line_, r.error().message));
        continue;
      }
      t = r->time;
      bar = HistoryBar{unix_micros(t) / 1'000'000, r->open, r->high, r->low, r->close};
    } else {
      texts.push_back(std::move(line));
      auto r = parse_csv_tick_row(*layout, texts.back());
      if (!r.ok()) {
        texts.pop_back();
        faults_.count(FrameFault::kBadRow, fmt::format("{}:{}: {}", options_.path, line_, r.error().message));
        continue;
      }
      t = r->time;
      tick = RawTick{r->asset.empty() ? std::string_view(asset) : r->asset, r->price, t};
    }
    if (last_time && t < *last_time) {
      if (!candles) texts.pop_back();
      faults_.count(FrameFault::kOutOfOrder,
                    fmt::format("{}:{}: row at {:.6f} is older than the previous row ({:.6f})",
                                options_.path, line_, to_unix_seconds(t), to_unix_seconds(*last_time)));
      continue;
    }
    if (!first_time) first_time = t;
    if (options_.speed > 0) {
      // Replay time: the row is due when as much wall time has passed as data time / speed.
      const auto due = wall_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double, std::micro>(
                                            static_cast<double>((t - *first_time).count()) / options_.speed));
      if (due > std::chrono::steady_clock::now()) {
        if (!candles) {
          // The pending row stays in `texts`; flush what came before it.
          std::string keep = std::move(texts.back());
          texts.pop_back();
          flush();
          texts.push_back(std::move(keep));
          auto again = parse_csv_tick_row(*layout, texts.back());
          tick.asset = again->asset.empty() ? std::string_view(asset) : again->asset;
        } else {
          flush();
        }
        timer_.expires_at(due);
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!running_) break;
        in_turn = 0;
      }
    }
    last_time = t;
    ++rows_;
    if (candles) {
      const std::int64_t d = duration_seconds(*tf);
      if (bar.open_time_s % d != 0) {
        faults_.count(FrameFault::kBadRow, fmt::format("{}:{}: bar time {} is not aligned to {}",
                                                       options_.path, line_, bar.open_time_s, to_string(*tf)));
        continue;
      }
      const HistoryBar one[] = {bar};
      bars_ += ingest_.seed_history(feed_, HistorySeed{asset, d, one, {}});
      // The bar is complete as a row: the clock moves to its end, closing it.
      last_time = from_unix_micros((bar.open_time_s + d) * 1'000'000);
      ingest_.advance_feed_clock(feed_, *last_time);
    } else {
      batch.push_back(tick);
      if (batch.size() >= options_.batch_rows) flush();
    }
    if (++in_turn >= options_.batch_rows) {
      // Let the rest of the server run between chunks.
      in_turn = 0;
      flush();
      co_await asio::post(executor_, asio::use_awaitable);
    }
  }
  flush();
  if (!running_) co_return;
  running_ = false;
  state_ = "finished";
  spdlog::info("feed csv: finished {}: {} rows replayed, {} skipped", options_.path, rows_,
               faults_.total());
}

}  // namespace quflx
