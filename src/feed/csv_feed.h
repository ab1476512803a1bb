#pragma once
// CsvFeed: replays a CSV file of ticks or candles (SPEC §2 "csv") on its own replay clock: the
// feed's clock is the data's time, advanced as the replay goes (advance_feed_clock), so bars
// close on data time and a replay forms the same candles as the live stream did.
//
// `speed` 1 replays in real time, 10 ten times faster, 0 ("max") as fast as the pipeline
// takes it, in batches of up to `batch_rows` rows per event-loop turn so the server stays
// responsive. Tick files go through ingest (they are ticks: sequenced and stored); candle files
// go through seed_history, one bar at a time, each bar closing when the clock passes its end.
// A bad or out-of-order row is counted (bad_row / out_of_order), logged with file and line, and
// skipped. At the end of the file the feed is "finished"; bars still forming stay forming,
// since the data does not say they ended.
//
// Runs on the ingest loop; reads the file there (local files, read in bounded chunks).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string>

#include "common/metrics.h"
#include "core/ingest.h"
#include "core/timeframe.h"
#include "feed/feed.h"
#include "feed/frame_ingest.h"

namespace quflx {

struct CsvFeedOptions {
  std::string path;
  double speed = 0;                     // 0: as fast as possible
  std::string asset;                    // default asset (else the file name's)
  std::optional<Timeframe> timeframe;   // candle files (else the file name's)
  std::size_t batch_rows = 2000;
};

class CsvFeed final : public Feed {
 public:
  CsvFeed(boost::asio::any_io_executor executor, TickIngest& ingest, FeedId feed,
          CsvFeedOptions options, MetricsRegistry& metrics);
  ~CsvFeed() override;

  std::string_view name() const override { return "csv"; }
  void start() override;
  void stop() override;
  FeedStatus status() const override;

  std::uint64_t rows() const { return rows_; }
  bool finished() const { return state_ == "finished"; }

 private:
  boost::asio::awaitable<void> run();
  void fail(std::string message);

  boost::asio::any_io_executor executor_;
  TickIngest& ingest_;
  FeedId feed_;
  CsvFeedOptions options_;
  FeedFaults faults_;
  boost::asio::steady_timer timer_;
  bool running_ = false;
  std::string state_ = "stopped";
  std::string detail_;
  std::uint64_t rows_ = 0;
  std::uint64_t ticks_ = 0;
  std::uint64_t bars_ = 0;
  std::uint64_t line_ = 0;
};

}  // namespace quflx
