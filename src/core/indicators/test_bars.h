#pragma once
// Bar series for the indicator tests.

#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

#include "core/indicators/indicator.h"

namespace quflx::indicators::testing {

inline constexpr std::int64_t kStep = 60;

// Bars whose open, high, low and close are all `close`, one minute apart.
inline std::vector<Bar> from_closes(std::initializer_list<double> closes) {
  std::vector<Bar> bars;
  std::int64_t t = 1'700'000'000;
  for (double c : closes) bars.push_back(Bar{t += kStep, c, c, c, c, 1.0});
  return bars;
}

struct Hlc {
  double high;
  double low;
  double close;
};

inline std::vector<Bar> from_hlc(std::initializer_list<Hlc> rows) {
  std::vector<Bar> bars;
  std::int64_t t = 1'700'000'000;
  for (const Hlc& r : rows) bars.push_back(Bar{t += kStep, r.close, r.high, r.low, r.close, 1.0});
  return bars;
}

// A seeded random walk around 1.1 with EURUSD-like steps; every bar consistent
// (low <= open, close <= high).
inline std::vector<Bar> random_walk(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0.0, 2e-4);
  std::exponential_distribution<double> wick(1e4);
  std::vector<Bar> bars;
  bars.reserve(count);
  double price = 1.1;
  std::int64_t t = 1'700'000'000;
  for (std::size_t i = 0; i < count; ++i) {
    const double open = price;
    price += step(rng);
    const double close = price;
    const double high = (open > close ? open : close) + wick(rng);
    const double low = (open < close ? open : close) - wick(rng);
    bars.push_back(Bar{t += kStep, open, high, low, close, 1.0});
  }
  return bars;
}

inline Definition defaults(IndicatorType type) {
  auto def = make_definition(type, {});
  return def.value();
}

inline Definition define(IndicatorType type, std::initializer_list<Param> params) {
  auto def = make_definition(type, std::span<const Param>(params.begin(), params.size()));
  return def.value();
}

inline std::vector<Point> feed(const Definition& def, const std::vector<Bar>& bars) {
  std::vector<Point> out;
  Indicator ind(def);
  for (const Bar& b : bars) {
    if (auto p = ind.update(b)) out.push_back(*p);
  }
  return out;
}

inline constexpr std::array<IndicatorType, kIndicatorTypeCount> kAllTypes{
    IndicatorType::kSma,        IndicatorType::kEma,       IndicatorType::kWma,
    IndicatorType::kMacd,       IndicatorType::kRsi,       IndicatorType::kStochastic,
    IndicatorType::kWilliamsR,  IndicatorType::kRoc,       IndicatorType::kSchaffTc,
    IndicatorType::kDemarker,   IndicatorType::kCci,       IndicatorType::kBollinger,
    IndicatorType::kAtr,        IndicatorType::kSupertrend,
};

}  // namespace quflx::indicators::testing
