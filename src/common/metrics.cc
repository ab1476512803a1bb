#include "common/metrics.h"

#include <algorithm>
#include <cmath>

#include "common/check.h"
#include "common/json_out.h"

namespace quflx {
namespace {

void append_labels(std::string& out, const Labels& labels, std::string_view extra_key = {},
                   std::string_view extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return;
  out.push_back('{');
  bool first = true;
  auto one = [&](std::string_view k, std::string_view v) {
    if (!first) out.push_back(',');
    first = false;
    out.append(k);
    out.append("=\"");
    for (char c : v) {
      if (c == '\\') out.append("\\\\");
      else if (c == '"') out.append("\\\"");
      else if (c == '\n') out.append("\\n");
      else out.push_back(c);
    }
    out.push_back('"');
  };
  for (const auto& [k, v] : labels) one(k, v);
  if (!extra_key.empty()) one(extra_key, extra_value);
  out.push_back('}');
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("NaN");
  } else if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
  } else if (v == std::floor(v) && std::fabs(v) < 9e15) {
    json_out::append_int(out, static_cast<std::int64_t>(v));
  } else {
    json_out::append_double(out, v);
  }
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// Collector output, grouped by family so that HELP/TYPE appear once.
class CollectedFamilies final : public MetricsWriter {
 public:
  struct Sample {
    Labels labels;
    double value;
  };
  struct Fam {
    std::string help;
    std::string type;
    std::vector<Sample> samples;
  };
  void counter(std::string_view name, std::string_view help, const Labels& labels,
               double value) override {
    add(name, help, "counter", labels, value);
  }
  void gauge(std::string_view name, std::string_view help, const Labels& labels,
             double value) override {
    add(name, help, "gauge", labels, value);
  }
  std::map<std::string, Fam, std::less<>> fams;

 private:
  void add(std::string_view name, std::string_view help, std::string_view type,
           const Labels& labels, double value) {
    auto it = fams.find(name);
    if (it == fams.end()) it = fams.emplace(std::string(name), Fam{std::string(help), std::string(type), {}}).first;
    it->second.samples.push_back({labels, value});
  }
};

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  QUFLX_CHECK(std::is_sorted(bounds_.begin(), bounds_.end()), "histogram bounds must be sorted");
}

void Histogram::observe(double v) {
  const auto idx = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  counts_[idx].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::uint64_t Histogram::cumulative(std::size_t i) const {
  std::uint64_t total = 0;
  for (std::size_t j = 0; j <= i && j <= bounds_.size(); ++j) {
    total += counts_[j].load(std::memory_order_relaxed);
  }
  return total;
}

double Histogram::quantile(double q) const {
  std::uint64_t total = 0;
  for (std::size_t j = 0; j <= bounds_.size(); ++j) total += counts_[j].load(std::memory_order_relaxed);
  if (total == 0) return 0.0;
  const double rank = q * static_cast<double>(total);
  std::uint64_t below = 0;
  for (std::size_t j = 0; j <= bounds_.size(); ++j) {
    const std::uint64_t c = counts_[j].load(std::memory_order_relaxed);
    if (static_cast<double>(below + c) >= rank && c > 0) {
      if (j == bounds_.size()) return bounds_.empty() ? 0.0 : bounds_.back();
      const double lo = j == 0 ? 0.0 : bounds_[j - 1];
      const double hi = bounds_[j];
      const double within = (rank - static_cast<double>(below)) / static_cast<double>(c);
      return lo + (hi - lo) * std::clamp(within, 0.0, 1.0);
    }
    below += c;
  }
  return bounds_.empty() ? 0.0 : bounds_.back();
}

std::vector<double> latency_buckets_seconds() {
  std::vector<double> b;
  for (double v = 10e-6; v < 12.0; v *= 2.0) b.push_back(v);
  return b;
}

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, std::string_view help,
                                                 Kind kind) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{std::string(help), kind, {}}).first;
  }
  QUFLX_CHECK(it->second.kind == kind, "metric registered twice with different types");
  return it->second;
}

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard lock(mu_);
  auto& fam = family(name, help, Kind::kCounter);
  for (auto& s : fam.series) {
    if (s.labels == labels) return *s.counter;
  }
  auto& s = fam.series.emplace_back();
  s.labels = std::move(labels);
  s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard lock(mu_);
  auto& fam = family(name, help, Kind::kGauge);
  for (auto& s : fam.series) {
    if (s.labels == labels) return *s.gauge;
  }
  auto& s = fam.series.emplace_back();
  s.labels = std::move(labels);
  s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                      std::vector<double> bounds, Labels labels) {
  std::lock_guard lock(mu_);
  auto& fam = family(name, help, Kind::kHistogram);
  for (auto& s : fam.series) {
    if (s.labels == labels) return *s.histogram;
  }
  auto& s = fam.series.emplace_back();
  s.labels = std::move(labels);
  s.histogram = std::make_unique<Histogram>(std::move(bounds));
  return *s.histogram;
}

int MetricsRegistry::add_collector(Collector c) {
  std::lock_guard lock(mu_);
  const int id = next_collector_++;
  collectors_.emplace(id, std::move(c));
  return id;
}

void MetricsRegistry::remove_collector(int id) {
  std::lock_guard lock(mu_);
  collectors_.erase(id);
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mu_);
  CollectedFamilies collected;
  for (const auto& [id, c] : collectors_) c(collected);

  std::string out;
  out.reserve(16 * 1024);
  for (const auto& [name, fam] : families_) {
    switch (fam.kind) {
      case Kind::kCounter:
        append_header(out, name, fam.help, "counter");
        for (const auto& s : fam.series) {
          out.append(name);
          append_labels(out, s.labels);
          out.push_back(' ');
          append_value(out, static_cast<double>(s.counter->value()));
          out.push_back('\n');
        }
        break;
      case Kind::kGauge:
        append_header(out, name, fam.help, "gauge");
        for (const auto& s : fam.series) {
          out.append(name);
          append_labels(out, s.labels);
          out.push_back(' ');
          append_value(out, s.gauge->value());
          out.push_back('\n');
        }
        break;
      case Kind::kHistogram:
        append_header(out, name, fam.help, "histogram");
        for (const auto& s : fam.series) {
          const auto& h = *s.histogram;
          for (std::size_t i = 0; i <= h.bounds().size(); ++i) {
            out.append(name).append("_bucket");
            std::string le;
            if (i == h.bounds().size()) {
              le = "+Inf";
            } else {
              append_value(le, h.bounds()[i]);
            }
            append_labels(out, s.labels, "le", le);
            out.push_back(' ');
            json_out::append_uint(out, h.cumulative(i));
            out.push_back('\n');
          }
          out.append(name).append("_sum");
          append_labels(out, s.labels);
          out.push_back(' ');
          append_value(out, h.sum());
          out.push_back('\n');
          out.append(name).append("_count");
          append_labels(out, s.labels);
          out.push_back(' ');
          json_out::append_uint(out, h.count());
          out.push_back('\n');
        }
        break;
    }
  }
  for (const auto& [name, fam] : collected.fams) {
    if (families_.contains(name)) continue;  // a registered family wins; collectors add only
    append_header(out, name, fam.help, fam.type);
    for (const auto& s : fam.samples) {
      out.append(name);
      append_labels(out, s.labels);
      out.push_back(' ');
      append_value(out, s.value);
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace quflx
