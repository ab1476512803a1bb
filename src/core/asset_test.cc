#include "core/asset.h"

#include <gtest/gtest.h>

namespace quflx {
namespace {

TEST(AssetName, AcceptsBrokerSymbols) {
  for (const char* n : {"EURUSD_otc", "#AAPL_otc", "BTCUSD", "a", "X.Y-Z_1",
                        "A234567890123456789012345678901B"}) {
    EXPECT_TRUE(is_valid_asset_name(n)) << n;
    EXPECT_TRUE(validate_asset_name(n).ok()) << n;
  }
}

TEST(AssetName, RejectsWhatThePatternExcludes) {
  for (const char* n : {"", "_EURUSD", ".x", "-x", "EUR USD", "EUR/USD", "a#b", "ticks:{x}",
                        "A2345678901234567890123456789012X", "é"}) {
    EXPECT_FALSE(is_valid_asset_name(n)) << n;
    const auto r = validate_asset_name(n);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidAsset);
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(AssetName, ErrorMessageShowsOnlyPrintableCharacters) {
  const auto r = validate_asset_name(std::string_view("a\x01\n", 3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
}

TEST(AssetRegistry, InternsOnceAndFindsByName) {
  AssetRegistry reg;
  const AssetId a = reg.intern("EURUSD_otc");
  const AssetId b = reg.intern("BTCUSD");
  EXPECT_NE(a, b);
  EXPECT_EQ(reg.intern(std::string("EURUSD_otc")), a);
  EXPECT_EQ(reg.name(b), "BTCUSD");
  EXPECT_EQ(reg.find("BTCUSD"), b);
  EXPECT_FALSE(reg.find("GBPUSD"));
  for (int i = 0; i < 1000; ++i) reg.intern("A" + std::to_string(i));  // growth keeps names
  EXPECT_EQ(reg.name(a), "EURUSD_otc");
  EXPECT_EQ(reg.find("EURUSD_otc"), a);
}

}  // namespace
}  // namespace quflx
