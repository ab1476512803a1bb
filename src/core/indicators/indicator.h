#pragma once
// The indicator engine (SPEC §6): pure, incremental maths over closed bars. No I/O, no clock,
// no JSON. Definitions and their choices (formula, seeding, warm-up) are in docs/indicators.md.
//
//   Definition  what to compute: a type and its validated parameters (defaults filled in);
//               equal definitions compute equal numbers, so the live stage shares one state
//               per (asset, timeframe, definition) however many clients asked for it.
//   Indicator   the state machine of one definition: fed closed bars one at a time, O(1) per
//               bar where the maths allows (running sums, Wilder/EMA recursions, monotonic
//               deques). Copyable (a value type: a snapshot is a copy).
//   compute_series()  the batch path over a bar history; bit-identical to feeding the same
//               bars to a fresh Indicator one by one (it does exactly that, or the same
//               operations in the same order).

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace quflx::indicators {

enum class IndicatorType : std::uint8_t {
  kSma, kEma, kWma, kMacd, kRsi, kStochastic, kWilliamsR, kRoc, kSchaffTc, kDemarker, kCci,
  kBollinger, kAtr, kSupertrend,
};
inline constexpr std::size_t kIndicatorTypeCount = 14;

// "sma", "ema", … "supertrend" (SPEC §6 spelling) and back; nullopt for an unknown name.
std::string_view type_name(IndicatorType type);
std::optional<IndicatorType> parse_type(std::string_view name);

// Overlays are drawn on the price pane (sma ema wma bollinger supertrend); the rest are
// oscillators with a pane of their own.
bool is_overlay(IndicatorType type);

// One input bar: a closed candle of the asset/timeframe, oldest first.
struct Bar {
  std::int64_t time = 0;  // bar open time, Unix seconds
  double open = 0.0;
  double high = 0.0;
  double low = 0.0;
  double close = 0.0;
  double volume = 0.0;
};

// One output point. Field meaning by type (SPEC §6 series shapes):
//   single-value types (sma ema wma rsi williams_r roc schaff_tc demarker cci atr): v[0]=value
//   macd:        v[0]=macd  v[1]=signal  v[2]=histogram
//   bollinger:   v[0]=upper v[1]=middle  v[2]=lower
//   stochastic:  v[0]=k     v[1]=d
//   supertrend:  v[0]=value v[1]=direction (+1 up trend: line below price, -1 down trend)
struct Point {
  std::int64_t time = 0;
  std::array<double, 3> v{};

  friend bool operator==(const Point&, const Point&) = default;
};

// Names of the fields of a Point of this type, in v[] order: {"value"}, {"macd", "signal",
// "histogram"}, {"upper", "middle", "lower"}, {"k", "d"}, {"value", "direction"}.
std::span<const std::string_view> field_names(IndicatorType type);

// One named parameter as a client gave it (JSON number; anything else is a type error the
// caller reports before building a Param, or passes as `is_number=false`).
struct Param {
  std::string_view name;
  double value = 0.0;
  bool is_number = true;
};

// A validated definition. Parameter names and defaults per type (SPEC §6, the original's):
//   sma/ema/wma/rsi/williams_r/roc/demarker/cci/atr: period (20/16/20/14/14/10/10/20/14)
//   macd: fast 12, slow 26, signal 9                 (fast < slow)
//   stochastic: k_period 14, d_period 3, smooth 3    (slow stochastic)
//   schaff_tc: fast 10, slow 20, cycle 10, factor 0.5 (fast < slow, 0 < factor <= 1)
//   bollinger: period 20, std_dev 2                  (std_dev > 0)
//   supertrend: period 10, multiplier 3              (multiplier > 0)
// Periods are integers in [1, 500] (a period-1 moving average is allowed where the maths is
// defined; the docs say which types need >= 2).
struct Definition {
  IndicatorType type = IndicatorType::kSma;
  std::array<double, 4> params{};  // in the order listed above, unused slots 0

  // "macd(12,26,9)": stable, for keys, logs and metrics labels.
  std::string canonical() const;
  // Bars needed before the first point (the first point is at index warmup()-1 of the input).
  std::size_t warmup() const;

  friend bool operator==(const Definition&, const Definition&) = default;
};

struct DefinitionHash {
  std::size_t operator()(const Definition& d) const noexcept;
};

// Validates `params` for `type` (unknown names, non-numbers, non-integers where a period is
// expected, out-of-range values: ErrorCode::kBadParams with a message naming the parameter,
// e.g. "period must be an integer in [1, 500], got 0"); missing ones take their defaults.
Result<Definition> make_definition(IndicatorType type, std::span<const Param> params);

// Signals as in the original (SPEC §6): "BUY", "SELL" or "" (none) for the latest point.
// RSI <30 BUY / >70 SELL; MACD histogram >0 BUY / <0 SELL; stochastic k <20 BUY / >80 SELL;
// Williams %R < -80 BUY / > -20 SELL; ROC >0 BUY / <0 SELL; STC <25 BUY / >75 SELL; DeMarker
// <0.3 BUY / >0.7 SELL; CCI < -100 BUY / >100 SELL; supertrend direction +1 BUY / -1 SELL;
// the others (sma ema wma bollinger atr) have none.
std::string_view signal_of(IndicatorType type, const Point& point);

class Indicator {
 public:
  explicit Indicator(const Definition& def);
  Indicator(const Indicator&);
  Indicator& operator=(const Indicator&);
  Indicator(Indicator&&) noexcept;
  Indicator& operator=(Indicator&&) noexcept;
  ~Indicator();

  const Definition& definition() const;

  // Feeds the next closed bar (time strictly after the previous one). Returns the point for
  // this bar once warm-up is over, nullopt during warm-up.
  std::optional<Point> update(const Bar& bar);

  // Bars fed so far (accepted ones).
  std::size_t bars_seen() const;
  // Bars refused and ignored (state unchanged, update() returned nullopt): a high, low or
  // close that is not finite, or a time not after the previous accepted bar's.
  std::size_t bars_rejected() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The batch path: a fresh Indicator fed `bars` in order; the points past warm-up, oldest
// first. Bit-identical to the incremental path.
std::vector<Point> compute_series(const Definition& def, std::span<const Bar> bars);

}  // namespace quflx::indicators
