#include "common/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace quflx {
namespace {

using ::testing::HasSubstr;

TEST(Metrics, RendersCountersWithLabelsOncePerFamily) {
  MetricsRegistry reg;
  reg.counter("quflx_ticks_accepted_total", "Ticks accepted", {{"asset", "EURUSD_otc"}}).inc(3);
  reg.counter("quflx_ticks_accepted_total", "Ticks accepted", {{"asset", "BTCUSD"}}).inc();
  // Same name and labels: the same series.
  reg.counter("quflx_ticks_accepted_total", "Ticks accepted", {{"asset", "BTCUSD"}}).inc();
  const std::string text = reg.render();
  EXPECT_THAT(text, HasSubstr("# TYPE quflx_ticks_accepted_total counter\n"));
  EXPECT_THAT(text, HasSubstr("quflx_ticks_accepted_total{asset=\"EURUSD_otc\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("quflx_ticks_accepted_total{asset=\"BTCUSD\"} 2\n"));
  EXPECT_EQ(text.find("# HELP quflx_ticks_accepted_total"),
            text.rfind("# HELP quflx_ticks_accepted_total"));
}

TEST(Metrics, EscapesLabelValues) {
  MetricsRegistry reg;
  reg.gauge("quflx_g", "g", {{"k", "a\"b\\c"}}).set(1.5);
  EXPECT_THAT(reg.render(), HasSubstr("quflx_g{k=\"a\\\"b\\\\c\"} 1.5\n"));
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  MetricsRegistry reg;
  auto& h = reg.histogram("quflx_lat_seconds", "latency", {0.001, 0.01, 0.1});
  h.observe(0.0005);
  h.observe(0.005);
  h.observe(0.005);
  h.observe(5.0);
  const std::string text = reg.render();
  EXPECT_THAT(text, HasSubstr("quflx_lat_seconds_bucket{le=\"0.001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("quflx_lat_seconds_bucket{le=\"0.01\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("quflx_lat_seconds_bucket{le=\"0.1\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("quflx_lat_seconds_bucket{le=\"+Inf\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("quflx_lat_seconds_count 4\n"));
  EXPECT_NEAR(h.quantile(0.5), 0.0055, 0.0046);
  EXPECT_GT(h.quantile(0.5), 0.001);
}

TEST(Metrics, CollectorsAddComputedFamilies) {
  MetricsRegistry reg;
  int depth = 7;
  const int id = reg.add_collector([&](MetricsWriter& w) {
    w.gauge("quflx_queue_depth", "queue depth", {{"queue", "redis"}}, depth);
  });
  EXPECT_THAT(reg.render(), HasSubstr("quflx_queue_depth{queue=\"redis\"} 7\n"));
  depth = 9;
  EXPECT_THAT(reg.render(), HasSubstr("quflx_queue_depth{queue=\"redis\"} 9\n"));
  reg.remove_collector(id);
  EXPECT_THAT(reg.render(), ::testing::Not(HasSubstr("quflx_queue_depth")));
}

}  // namespace
}  // namespace quflx
