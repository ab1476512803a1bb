// Indicator: one Definition's state machine behind a variant, and the batch path.

#include "core/indicators/indicator.h"

#include <cmath>
#include <variant>

#include "core/indicators/machines.h"

namespace quflx::indicators {

using Machine = std::variant<detail::SmaMachine, detail::EmaMachine, detail::WmaMachine,
                             detail::MacdMachine, detail::RsiMachine, detail::StochasticMachine,
                             detail::WilliamsRMachine, detail::RocMachine, detail::SchaffMachine,
                             detail::DemarkerMachine, detail::CciMachine,
                             detail::BollingerMachine, detail::AtrMachine,
                             detail::SupertrendMachine>;

namespace {

// The variant alternatives are in IndicatorType order.
template <std::size_t I = 0>
Machine make_machine(const Definition& def) {
  if constexpr (I + 1 < std::variant_size_v<Machine>) {
    if (static_cast<std::size_t>(def.type) != I) return make_machine<I + 1>(def);
  }
  return Machine(std::in_place_index<I>, def);
}

}  // namespace

struct Indicator::State {
  explicit State(const Definition& d) : def(d), machine(make_machine(d)) {}
  Definition def;
  Machine machine;
  std::size_t seen = 0;
  std::size_t rejected = 0;
  std::int64_t last_time = 0;
};

Indicator::Indicator(const Definition& def) : state_(std::make_unique<State>(def)) {}
Indicator::Indicator(const Indicator& other) : state_(std::make_unique<State>(*other.state_)) {}
Indicator& Indicator::operator=(const Indicator& other) {
  if (this != &other) state_ = std::make_unique<State>(*other.state_);
  return *this;
}
Indicator::Indicator(Indicator&&) noexcept = default;
Indicator& Indicator::operator=(Indicator&&) noexcept = default;
Indicator::~Indicator() = default;

const Definition& Indicator::definition() const { return state_->def; }
std::size_t Indicator::bars_seen() const { return state_->seen; }
std::size_t Indicator::bars_rejected() const { return state_->rejected; }

std::optional<Point> Indicator::update(const Bar& bar) {
  State& s = *state_;
  // Non-finite prices and bars not after the previous one leave the state untouched.
  if (!std::isfinite(bar.high) || !std::isfinite(bar.low) || !std::isfinite(bar.close) ||
      (s.seen > 0 && bar.time <= s.last_time)) {
    ++s.rejected;
    return std::nullopt;
  }
  ++s.seen;
  s.last_time = bar.time;
  Point point;
  point.time = bar.time;
  const bool ready = std::visit([&](auto& m) { return m.step(bar, point); }, s.machine);
  if (!ready) return std::nullopt;
  return point;
}

std::vector<Point> compute_series(const Definition& def, std::span<const Bar> bars) {
  std::vector<Point> out;
  const std::size_t warmup = def.warmup();
  if (bars.size() >= warmup) out.reserve(bars.size() - warmup + 1);
  Indicator indicator(def);
  for (const Bar& bar : bars) {
    if (auto point = indicator.update(bar)) out.push_back(*point);
  }
  return out;
}

}  // namespace quflx::indicators
