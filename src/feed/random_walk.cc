#include "feed/random_walk.h"

#include <cmath>
#include <numbers>

namespace quflx {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

}  // namespace

SimAsset default_sim_asset(std::string_view name) {
  SimAsset a;
  a.name = std::string(name);
  if (!name.empty() && name.front() == '#') {
    a.base_price = 190.0;
    a.volatility = 0.00005;
    a.decimals = 2;
  } else if (contains(name, "BTC")) {
    a.base_price = 65000.0;
    a.volatility = 0.0001;
    a.decimals = 2;
  } else if (contains(name, "ETH")) {
    a.base_price = 3400.0;
    a.volatility = 0.00012;
    a.decimals = 2;
  } else if (contains(name, "JPY")) {
    a.base_price = 150.0;
    a.volatility = 0.00002;
    a.decimals = 3;
  } else {
    a.base_price = contains(name, "GBP") ? 1.27 : contains(name, "AUD") ? 0.66 : 1.085;
    a.volatility = 0.00002;
    a.decimals = 5;
  }
  return a;
}

Prng::Prng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Prng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Prng::uniform() {
  // 53 random bits, shifted off zero.
  return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53;
}

double Prng::standard_normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double r = std::sqrt(-2.0 * std::log(uniform()));
  const double theta = 2.0 * std::numbers::pi * uniform();
  spare_ = r * std::sin(theta);
  has_spare_ = true;
  return r * std::cos(theta);
}

RandomWalk::RandomWalk(const SimAsset& asset, std::uint64_t seed, double step_seconds)
    : rng_(seed),
      log_price_(std::log(asset.base_price)),
      sigma_(asset.volatility * std::sqrt(step_seconds)),
      drift_(-0.5 * sigma_ * sigma_),
      scale_(std::pow(10.0, asset.decimals)) {}

double RandomWalk::next() {
  log_price_ += drift_ + sigma_ * rng_.standard_normal();
  return std::round(std::exp(log_price_) * scale_) / scale_;
}

double RandomWalk::moved(double price, int steps) const {
  return std::round(price * scale_ + steps) / scale_;
}

std::uint64_t asset_seed(std::uint64_t run_seed, std::string_view asset) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (char c : asset) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  std::uint64_t x = run_seed ^ h;
  return splitmix64(x);
}

}  // namespace quflx
