#pragma once
// Process metrics in the Prometheus text format. Counters, gauges and histograms are atomics,
// so any thread may update them; registration takes a lock and returns a reference that stays
// valid for the registry's lifetime, so hot paths look a series up once and keep it.
// Values that already live in an owner's state (queue depths, per-session counts) are exported
// through collectors, called on the scraping thread at render time.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quflx {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class Gauge {
 public:
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void add(double d) { v_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0.0};
};

// Cumulative histogram with fixed upper bounds (in the unit of the metric, seconds for
// latencies).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative count of observations <= bounds()[i].
  std::uint64_t cumulative(std::size_t i) const;
  // Value below which `q` of the observations fall, interpolated inside the bucket; 0 if empty.
  double quantile(double q) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, plus +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

// Exponential latency buckets from 10 µs to ~10 s, in seconds.
std::vector<double> latency_buckets_seconds();

// Where a collector writes computed values.
class MetricsWriter {
 public:
  virtual ~MetricsWriter() = default;
  virtual void counter(std::string_view name, std::string_view help, const Labels& labels,
                       double value) = 0;
  virtual void gauge(std::string_view name, std::string_view help, const Labels& labels,
                     double value) = 0;
};

class MetricsRegistry {
 public:
  Counter& counter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, Labels labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                       Labels labels = {});

  using Collector = std::function<void(MetricsWriter&)>;
  // Returns an id for remove_collector; collectors run under the registry's lock, so they must
  // not register metrics themselves.
  int add_collector(Collector c);
  void remove_collector(int id);

  std::string render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    std::string help;
    Kind kind;
    std::deque<Series> series;
  };
  Family& family(std::string_view name, std::string_view help, Kind kind);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
  std::map<int, Collector> collectors_;
  int next_collector_ = 1;
};

}  // namespace quflx
