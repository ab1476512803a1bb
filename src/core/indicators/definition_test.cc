#include <gtest/gtest.h>

#include <unordered_set>

#include "core/indicators/test_bars.h"

namespace quflx::indicators {
namespace {

using testing::kAllTypes;

Error rejected(IndicatorType type, std::initializer_list<Param> params) {
  auto r = make_definition(type, std::span<const Param>(params.begin(), params.size()));
  EXPECT_FALSE(r.ok());
  if (r.ok()) return {};
  EXPECT_EQ(r.error().code, ErrorCode::kBadParams);
  return r.error();
}

TEST(IndicatorDefinition, TypeNamesRoundTrip) {
  std::unordered_set<std::string_view> names;
  for (IndicatorType t : kAllTypes) {
    EXPECT_EQ(parse_type(type_name(t)), t);
    names.insert(type_name(t));
  }
  EXPECT_EQ(names.size(), kIndicatorTypeCount);
  EXPECT_EQ(type_name(IndicatorType::kWilliamsR), "williams_r");
  EXPECT_EQ(type_name(IndicatorType::kSchaffTc), "schaff_tc");
  EXPECT_FALSE(parse_type("SMA"));
  EXPECT_FALSE(parse_type("macd "));
  EXPECT_FALSE(parse_type(""));
}

TEST(IndicatorDefinition, OverlaysAreThePricePaneTypes) {
  std::vector<std::string_view> overlays;
  for (IndicatorType t : kAllTypes) {
    if (is_overlay(t)) overlays.push_back(type_name(t));
  }
  EXPECT_EQ(overlays, (std::vector<std::string_view>{"sma", "ema", "wma", "bollinger",
                                                     "supertrend"}));
}

TEST(IndicatorDefinition, FieldNamesByShape) {
  EXPECT_EQ(field_names(IndicatorType::kMacd).size(), 3u);
  EXPECT_EQ(field_names(IndicatorType::kMacd)[2], "histogram");
  EXPECT_EQ(field_names(IndicatorType::kBollinger)[0], "upper");
  EXPECT_EQ(field_names(IndicatorType::kStochastic)[1], "d");
  EXPECT_EQ(field_names(IndicatorType::kSupertrend)[1], "direction");
  EXPECT_EQ(field_names(IndicatorType::kCci).size(), 1u);
  EXPECT_EQ(field_names(IndicatorType::kCci)[0], "value");
}

TEST(IndicatorDefinition, DefaultsAreTheOriginals) {
  EXPECT_EQ(testing::defaults(IndicatorType::kSma).canonical(), "sma(20)");
  EXPECT_EQ(testing::defaults(IndicatorType::kEma).canonical(), "ema(16)");
  EXPECT_EQ(testing::defaults(IndicatorType::kWma).canonical(), "wma(20)");
  EXPECT_EQ(testing::defaults(IndicatorType::kMacd).canonical(), "macd(12,26,9)");
  EXPECT_EQ(testing::defaults(IndicatorType::kRsi).canonical(), "rsi(14)");
  EXPECT_EQ(testing::defaults(IndicatorType::kStochastic).canonical(), "stochastic(14,3,3)");
  EXPECT_EQ(testing::defaults(IndicatorType::kWilliamsR).canonical(), "williams_r(14)");
  EXPECT_EQ(testing::defaults(IndicatorType::kRoc).canonical(), "roc(10)");
  EXPECT_EQ(testing::defaults(IndicatorType::kSchaffTc).canonical(), "schaff_tc(10,20,10,0.5)");
  EXPECT_EQ(testing::defaults(IndicatorType::kDemarker).canonical(), "demarker(10)");
  EXPECT_EQ(testing::defaults(IndicatorType::kCci).canonical(), "cci(20)");
  EXPECT_EQ(testing::defaults(IndicatorType::kBollinger).canonical(), "bollinger(20,2)");
  EXPECT_EQ(testing::defaults(IndicatorType::kAtr).canonical(), "atr(14)");
  EXPECT_EQ(testing::defaults(IndicatorType::kSupertrend).canonical(), "supertrend(10,3)");
}

TEST(IndicatorDefinition, WarmupOfTheDefaults) {
  auto w = [](IndicatorType t) { return testing::defaults(t).warmup(); };
  EXPECT_EQ(w(IndicatorType::kSma), 20u);
  EXPECT_EQ(w(IndicatorType::kEma), 16u);
  EXPECT_EQ(w(IndicatorType::kWma), 20u);
  EXPECT_EQ(w(IndicatorType::kMacd), 34u);        // TA-Lib MACD lookback 33
  EXPECT_EQ(w(IndicatorType::kRsi), 15u);         // TA-Lib RSI lookback 14
  EXPECT_EQ(w(IndicatorType::kStochastic), 18u);  // TA-Lib STOCH lookback 17
  EXPECT_EQ(w(IndicatorType::kWilliamsR), 14u);
  EXPECT_EQ(w(IndicatorType::kRoc), 11u);
  EXPECT_EQ(w(IndicatorType::kSchaffTc), 38u);
  EXPECT_EQ(w(IndicatorType::kDemarker), 11u);
  EXPECT_EQ(w(IndicatorType::kCci), 20u);
  EXPECT_EQ(w(IndicatorType::kBollinger), 20u);
  EXPECT_EQ(w(IndicatorType::kAtr), 15u);
  EXPECT_EQ(w(IndicatorType::kSupertrend), 11u);
}

TEST(IndicatorDefinition, GivenParametersReplaceDefaults) {
  const Definition d = testing::define(IndicatorType::kMacd, {{"slow", 30}, {"fast", 5}});
  EXPECT_EQ(d.canonical(), "macd(5,30,9)");
  EXPECT_EQ(d.warmup(), 38u);
  const Definition b = testing::define(IndicatorType::kBollinger, {{"std_dev", 2.5}});
  EXPECT_EQ(b.canonical(), "bollinger(20,2.5)");
}

TEST(IndicatorDefinition, EqualDefinitionsHashEqual) {
  const Definition a = testing::define(IndicatorType::kSma, {{"period", 20}});
  const Definition b = testing::defaults(IndicatorType::kSma);
  const Definition c = testing::define(IndicatorType::kSma, {{"period", 21}});
  const Definition e = testing::define(IndicatorType::kEma, {{"period", 20}});
  EXPECT_EQ(a, b);
  EXPECT_EQ(DefinitionHash{}(a), DefinitionHash{}(b));
  EXPECT_NE(a, c);
  EXPECT_NE(a, e);
  std::unordered_set<Definition, DefinitionHash> set{a, b, c, e};
  EXPECT_EQ(set.size(), 3u);
}

TEST(IndicatorDefinition, RejectsOutOfRangePeriodsNamingTheParameter) {
  EXPECT_EQ(rejected(IndicatorType::kSma, {{"period", 0}}).message,
            "period must be an integer in [1, 500], got 0");
  EXPECT_EQ(rejected(IndicatorType::kRsi, {{"period", 501}}).message,
            "period must be an integer in [1, 500], got 501");
  EXPECT_EQ(rejected(IndicatorType::kEma, {{"period", 2.5}}).message,
            "period must be an integer in [1, 500], got 2.5");
  EXPECT_EQ(rejected(IndicatorType::kCci, {{"period", 1}}).message,
            "period must be an integer in [2, 500], got 1");
  EXPECT_EQ(rejected(IndicatorType::kStochastic, {{"k_period", -3}}).message,
            "k_period must be an integer in [1, 500], got -3");
  EXPECT_EQ(rejected(IndicatorType::kSchaffTc, {{"cycle", 1}}).message,
            "cycle must be an integer in [2, 500], got 1");
}

TEST(IndicatorDefinition, RejectsNonFiniteAndNonPositiveReals) {
  EXPECT_EQ(rejected(IndicatorType::kBollinger, {{"std_dev", 0}}).message,
            "std_dev must be a number in (0, 100], got 0");
  EXPECT_EQ(rejected(IndicatorType::kSupertrend, {{"multiplier", -1}}).message,
            "multiplier must be a number in (0, 100], got -1");
  EXPECT_EQ(rejected(IndicatorType::kSchaffTc, {{"factor", 1.5}}).message,
            "factor must be a number in (0, 1], got 1.5");
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(rejected(IndicatorType::kSupertrend, {{"multiplier", inf}}).message,
            "multiplier must be a number in (0, 100], got inf");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(rejected(IndicatorType::kSma, {{"period", nan}}).message,
            "period must be an integer in [1, 500], got nan");
}

TEST(IndicatorDefinition, RejectsUnknownDuplicateAndNonNumberParameters) {
  EXPECT_EQ(rejected(IndicatorType::kSma, {{"length", 5}}).message,
            "unknown parameter 'length' for sma (parameters: period)");
  EXPECT_EQ(rejected(IndicatorType::kMacd, {{"period", 5}}).message,
            "unknown parameter 'period' for macd (parameters: fast, slow, signal)");
  EXPECT_EQ(rejected(IndicatorType::kSma, {{"period", 5}, {"period", 6}}).message,
            "period given twice");
  EXPECT_EQ(rejected(IndicatorType::kAtr, {{"period", 0, false}}).message,
            "period must be an integer in [1, 500], got a non-number");
  const std::string odd("p\x01\xff", 3);
  EXPECT_EQ(rejected(IndicatorType::kSma, {{odd, 5}}).message,
            "unknown parameter 'p?" "?' for sma (parameters: period)");
}

TEST(IndicatorDefinition, FastMustBeBelowSlow) {
  EXPECT_EQ(rejected(IndicatorType::kMacd, {{"fast", 26}, {"slow", 12}}).message,
            "fast must be less than slow, got fast 26 and slow 12");
  EXPECT_EQ(rejected(IndicatorType::kSchaffTc, {{"fast", 20}}).message,
            "fast must be less than slow, got fast 20 and slow 20");
}

TEST(IndicatorSignals, FollowTheOriginalThresholds) {
  auto sig = [](IndicatorType t, double a, double b = 0, double c = 0) {
    return signal_of(t, Point{0, {a, b, c}});
  };
  EXPECT_EQ(sig(IndicatorType::kRsi, 29.9), "BUY");
  EXPECT_EQ(sig(IndicatorType::kRsi, 70.1), "SELL");
  EXPECT_EQ(sig(IndicatorType::kRsi, 50), "");
  EXPECT_EQ(sig(IndicatorType::kMacd, -5, -9, 4), "BUY");
  EXPECT_EQ(sig(IndicatorType::kMacd, 5, 9, -4), "SELL");
  EXPECT_EQ(sig(IndicatorType::kMacd, 5, 5, 0), "");
  EXPECT_EQ(sig(IndicatorType::kStochastic, 19, 50), "BUY");
  EXPECT_EQ(sig(IndicatorType::kStochastic, 81, 50), "SELL");
  EXPECT_EQ(sig(IndicatorType::kWilliamsR, -81), "BUY");
  EXPECT_EQ(sig(IndicatorType::kWilliamsR, -19), "SELL");
  EXPECT_EQ(sig(IndicatorType::kWilliamsR, -50), "");
  EXPECT_EQ(sig(IndicatorType::kRoc, 0.1), "BUY");
  EXPECT_EQ(sig(IndicatorType::kRoc, -0.1), "SELL");
  EXPECT_EQ(sig(IndicatorType::kRoc, 0), "");
  EXPECT_EQ(sig(IndicatorType::kSchaffTc, 24), "BUY");
  EXPECT_EQ(sig(IndicatorType::kSchaffTc, 76), "SELL");
  EXPECT_EQ(sig(IndicatorType::kDemarker, 0.29), "BUY");
  EXPECT_EQ(sig(IndicatorType::kDemarker, 0.71), "SELL");
  EXPECT_EQ(sig(IndicatorType::kCci, -101), "BUY");
  EXPECT_EQ(sig(IndicatorType::kCci, 101), "SELL");
  EXPECT_EQ(sig(IndicatorType::kSupertrend, 1.05, 1), "BUY");
  EXPECT_EQ(sig(IndicatorType::kSupertrend, 1.15, -1), "SELL");
  for (IndicatorType t : {IndicatorType::kSma, IndicatorType::kEma, IndicatorType::kWma,
                          IndicatorType::kBollinger, IndicatorType::kAtr}) {
    EXPECT_EQ(sig(t, -1000, 5, 1000), "") << type_name(t);
  }
}

}  // namespace
}  // namespace quflx::indicators
