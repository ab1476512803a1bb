#pragma once
// Deterministic price paths for the simulator: a geometric random walk driven by our own
// PRNG and normal sampler, so the same seed gives the same prices on every platform and
// standard library (std::normal_distribution is implementation-defined).

#include <cstdint>
#include <string>
#include <string_view>

namespace quflx {

struct SimAsset {
  std::string name;
  double base_price = 1.0;
  // Standard deviation of the relative price change over one second (0.0001 = 1 basis point).
  double volatility = 0.0001;
  int decimals = 5;  // prices are rounded to the instrument's tick size
};

// Plausible defaults for a symbol from its class: JPY pairs, crypto, stocks ('#' prefix), else
// an FX pair.
SimAsset default_sim_asset(std::string_view name);

// xoshiro256** seeded through splitmix64.
class Prng {
 public:
  explicit Prng(std::uint64_t seed);
  std::uint64_t next();
  double uniform();          // (0, 1)
  double standard_normal();  // Box-Muller

 private:
  std::uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

class RandomWalk {
 public:
  // `step_seconds`: time between two ticks of this asset.
  RandomWalk(const SimAsset& asset, std::uint64_t seed, double step_seconds);
  // The next price, rounded to the asset's decimals.
  double next();
  // `price` moved up by `steps` of the asset's tick size (10^-decimals), rounded the same way.
  double moved(double price, int steps) const;

 private:
  Prng rng_;
  double log_price_;
  double sigma_;  // per step
  double drift_;  // per step: keeps the expected price constant
  double scale_;  // 10^decimals
};

// Per-asset seed: the same asset always gets the same path for a given run seed, whatever
// other assets are simulated alongside it.
std::uint64_t asset_seed(std::uint64_t run_seed, std::string_view asset);

}  // namespace quflx
