#include "feed/random_walk.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace quflx {
namespace {

std::vector<double> path(const SimAsset& a, std::uint64_t seed, int n) {
  RandomWalk w(a, seed, 0.5);
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(w.next());
  return out;
}

TEST(RandomWalk, SameSeedSamePathDifferentSeedDifferentPath) {
  const SimAsset a = default_sim_asset("EURUSD_otc");
  EXPECT_EQ(path(a, 42, 1000), path(a, 42, 1000));
  EXPECT_NE(path(a, 42, 1000), path(a, 43, 1000));
}

TEST(RandomWalk, PricesAreRoundedToTheInstrumentsDecimals) {
  for (const char* name : {"EURUSD_otc", "USDJPY_otc", "BTCUSD", "#AAPL_otc"}) {
    const SimAsset a = default_sim_asset(name);
    const double scale = std::pow(10.0, a.decimals);
    for (double p : path(a, 7, 200)) {
      EXPECT_GT(p, 0.0);
      EXPECT_NEAR(p * scale, std::round(p * scale), 1e-6) << name;
    }
  }
}

TEST(RandomWalk, StepVolatilityMatchesTheConfiguredFraction) {
  SimAsset a;
  a.base_price = 100.0;
  a.volatility = 0.01;  // per second
  a.decimals = 12;
  const double step = 0.25;
  RandomWalk w(a, 99, step);
  double prev = w.next();
  double sum = 0, sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double p = w.next();
    const double r = std::log(p / prev);
    sum += r;
    sum2 += r * r;
    prev = p;
  }
  const double mean = sum / n;
  const double sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(sd, 0.01 * std::sqrt(step), 0.0002);
}

TEST(RandomWalk, DefaultsFollowTheSymbolClass) {
  EXPECT_EQ(default_sim_asset("USDJPY_otc").decimals, 3);
  EXPECT_GT(default_sim_asset("USDJPY_otc").base_price, 50.0);
  EXPECT_GT(default_sim_asset("BTCUSD").base_price, 1000.0);
  EXPECT_EQ(default_sim_asset("#AAPL_otc").decimals, 2);
  EXPECT_LT(default_sim_asset("EURUSD_otc").base_price, 2.0);
}

TEST(RandomWalk, AssetSeedDependsOnRunSeedAndName) {
  EXPECT_EQ(asset_seed(1, "EURUSD_otc"), asset_seed(1, "EURUSD_otc"));
  EXPECT_NE(asset_seed(1, "EURUSD_otc"), asset_seed(2, "EURUSD_otc"));
  EXPECT_NE(asset_seed(1, "EURUSD_otc"), asset_seed(1, "GBPUSD_otc"));
}

}  // namespace
}  // namespace quflx
