// Names, parameters and their validation, warm-up lengths and signals of the 14 types.

#include <fmt/format.h>

#include <cmath>
#include <functional>

#include "core/indicators/indicator.h"

namespace quflx::indicators {
namespace {

struct ParamSpec {
  std::string_view name;
  double fallback;  // the default
  double min;
  double max;
  bool integer;     // a period: an integer in [min, max]; otherwise a real in (min, max]
};

struct TypeSpec {
  IndicatorType type;
  std::string_view name;
  bool overlay;
  std::size_t param_count;
  std::array<ParamSpec, 4> params;
};

constexpr double kMaxPeriod = 500;

constexpr ParamSpec period(double fallback, double min = 1) {
  return {"period", fallback, min, kMaxPeriod, true};
}

// In IndicatorType order.
constexpr std::array<TypeSpec, kIndicatorTypeCount> kTypes{{
    {IndicatorType::kSma, "sma", true, 1, {period(20)}},
    {IndicatorType::kEma, "ema", true, 1, {period(16)}},
    {IndicatorType::kWma, "wma", true, 1, {period(20)}},
    {IndicatorType::kMacd, "macd", false, 3,
     {ParamSpec{"fast", 12, 1, kMaxPeriod, true}, ParamSpec{"slow", 26, 2, kMaxPeriod, true},
      ParamSpec{"signal", 9, 1, kMaxPeriod, true}}},
    {IndicatorType::kRsi, "rsi", false, 1, {period(14)}},
    {IndicatorType::kStochastic, "stochastic", false, 3,
     {ParamSpec{"k_period", 14, 1, kMaxPeriod, true},
      ParamSpec{"d_period", 3, 1, kMaxPeriod, true},
      ParamSpec{"smooth", 3, 1, kMaxPeriod, true}}},
    {IndicatorType::kWilliamsR, "williams_r", false, 1, {period(14)}},
    {IndicatorType::kRoc, "roc", false, 1, {period(10)}},
    {IndicatorType::kSchaffTc, "schaff_tc", false, 4,
     {ParamSpec{"fast", 10, 1, kMaxPeriod, true}, ParamSpec{"slow", 20, 2, kMaxPeriod, true},
      ParamSpec{"cycle", 10, 2, kMaxPeriod, true}, ParamSpec{"factor", 0.5, 0, 1, false}}},
    {IndicatorType::kDemarker, "demarker", false, 1, {period(10)}},
    {IndicatorType::kCci, "cci", false, 1, {period(20, 2)}},
    {IndicatorType::kBollinger, "bollinger", true, 2,
     {period(20, 2), ParamSpec{"std_dev", 2, 0, 100, false}}},
    {IndicatorType::kAtr, "atr", false, 1, {period(14)}},
    {IndicatorType::kSupertrend, "supertrend", true, 2,
     {period(10), ParamSpec{"multiplier", 3, 0, 100, false}}},
}};

const TypeSpec& spec_of(IndicatorType type) { return kTypes[static_cast<std::size_t>(type)]; }

constexpr std::array<std::string_view, 1> kValueFields{"value"};
constexpr std::array<std::string_view, 3> kMacdFields{"macd", "signal", "histogram"};
constexpr std::array<std::string_view, 3> kBandFields{"upper", "middle", "lower"};
constexpr std::array<std::string_view, 2> kStochasticFields{"k", "d"};
constexpr std::array<std::string_view, 2> kSupertrendFields{"value", "direction"};

// A client-given name, printable and short, for an error message.
std::string shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 32)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (text.size() > 32) out += "...";
  return out;
}

std::string range_text(const ParamSpec& p) {
  if (p.integer) return fmt::format("an integer in [{}, {}]", p.min, p.max);
  return fmt::format("a number in ({}, {}]", p.min, p.max);
}

bool in_range(const ParamSpec& p, double v) {
  if (!std::isfinite(v)) return false;
  if (p.integer) return v == std::floor(v) && v >= p.min && v <= p.max;
  return v > p.min && v <= p.max;
}

std::size_t as_size(double v) { return static_cast<std::size_t>(v); }

}  // namespace

std::string_view type_name(IndicatorType type) { return spec_of(type).name; }

std::optional<IndicatorType> parse_type(std::string_view name) {
  for (const TypeSpec& t : kTypes) {
    if (t.name == name) return t.type;
  }
  return std::nullopt;
}

bool is_overlay(IndicatorType type) { return spec_of(type).overlay; }

std::span<const std::string_view> field_names(IndicatorType type) {
  switch (type) {
    case IndicatorType::kMacd: return kMacdFields;
    case IndicatorType::kBollinger: return kBandFields;
    case IndicatorType::kStochastic: return kStochasticFields;
    case IndicatorType::kSupertrend: return kSupertrendFields;
    default: return kValueFields;
  }
}

std::string Definition::canonical() const {
  const TypeSpec& t = spec_of(type);
  std::string out(t.name);
  out.push_back('(');
  for (std::size_t i = 0; i < t.param_count; ++i) {
    if (i > 0) out.push_back(',');
    out += fmt::format("{}", params[i]);
  }
  out.push_back(')');
  return out;
}

std::size_t Definition::warmup() const {
  const std::size_t p0 = as_size(params[0]);
  const std::size_t p1 = as_size(params[1]);
  const std::size_t p2 = as_size(params[2]);
  switch (type) {
    case IndicatorType::kSma:
    case IndicatorType::kEma:
    case IndicatorType::kWma:
    case IndicatorType::kWilliamsR:
    case IndicatorType::kCci:
    case IndicatorType::kBollinger: return p0;
    case IndicatorType::kRsi:
    case IndicatorType::kRoc:
    case IndicatorType::kDemarker:
    case IndicatorType::kAtr:
    case IndicatorType::kSupertrend: return p0 + 1;
    case IndicatorType::kMacd: return p1 + p2 - 1;              // slow + signal - 1
    case IndicatorType::kStochastic: return p0 + p1 + p2 - 2;   // k + d + smooth - 2
    case IndicatorType::kSchaffTc: return p1 + 2 * p2 - 2;      // slow + 2 cycle - 2
  }
  return p0;
}

std::size_t DefinitionHash::operator()(const Definition& d) const noexcept {
  std::size_t h = static_cast<std::size_t>(d.type);
  for (double p : d.params) h = h * 1000003u ^ std::hash<double>{}(p + 0.0);  // -0 == +0
  return h;
}

Result<Definition> make_definition(IndicatorType type, std::span<const Param> params) {
  const TypeSpec& t = spec_of(type);
  Definition def;
  def.type = type;
  std::array<bool, 4> given{};
  for (std::size_t i = 0; i < t.param_count; ++i) def.params[i] = t.params[i].fallback;
  for (const Param& p : params) {
    std::size_t i = 0;
    while (i < t.param_count && t.params[i].name != p.name) ++i;
    if (i == t.param_count) {
      std::string names;
      for (std::size_t j = 0; j < t.param_count; ++j) {
        if (j > 0) names += ", ";
        names += t.params[j].name;
      }
      return make_error(ErrorCode::kBadParams,
                        fmt::format("unknown parameter '{}' for {} (parameters: {})",
                                    shown(p.name), t.name, names));
    }
    const ParamSpec& s = t.params[i];
    if (given[i]) {
      return make_error(ErrorCode::kBadParams, fmt::format("{} given twice", s.name));
    }
    given[i] = true;
    if (!p.is_number) {
      return make_error(ErrorCode::kBadParams,
                        fmt::format("{} must be {}, got a non-number", s.name, range_text(s)));
    }
    if (!in_range(s, p.value)) {
      return make_error(ErrorCode::kBadParams,
                        fmt::format("{} must be {}, got {}", s.name, range_text(s), p.value));
    }
    def.params[i] = p.value;
  }
  if ((type == IndicatorType::kMacd || type == IndicatorType::kSchaffTc) &&
      def.params[0] >= def.params[1]) {
    return make_error(ErrorCode::kBadParams,
                      fmt::format("fast must be less than slow, got fast {} and slow {}",
                                  def.params[0], def.params[1]));
  }
  return def;
}

std::string_view signal_of(IndicatorType type, const Point& point) {
  const double v = point.v[0];
  // Oscillators: BUY below the lower level, SELL above the upper one.
  auto band = [](double x, double buy_below, double sell_above) -> std::string_view {
    if (x < buy_below) return "BUY";
    if (x > sell_above) return "SELL";
    return "";
  };
  // Trend signs: BUY when positive, SELL when negative.
  auto sign = [](double x) -> std::string_view {
    if (x > 0) return "BUY";
    if (x < 0) return "SELL";
    return "";
  };
  switch (type) {
    case IndicatorType::kRsi: return band(v, 30, 70);
    case IndicatorType::kMacd: return sign(point.v[2]);
    case IndicatorType::kStochastic: return band(v, 20, 80);
    case IndicatorType::kWilliamsR: return band(v, -80, -20);
    case IndicatorType::kRoc: return sign(v);
    case IndicatorType::kSchaffTc: return band(v, 25, 75);
    case IndicatorType::kDemarker: return band(v, 0.3, 0.7);
    case IndicatorType::kCci: return band(v, -100, 100);
    case IndicatorType::kSupertrend: return sign(point.v[1]);
    default: return "";
  }
}

}  // namespace quflx::indicators
