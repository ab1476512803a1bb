#include "net/http_types.h"

#include <gtest/gtest.h>

namespace quflx::net {
namespace {

TEST(HttpTypes, PercentDecodesAndKeepsInvalidEscapes) {
  EXPECT_EQ(percent_decode("%23AAPL_otc", false), "#AAPL_otc");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("%zz%4", false), "%zz%4");
  EXPECT_EQ(percent_decode("%", false), "%");
}

TEST(HttpTypes, QueryParamsAreDecodedFirstMatchWins) {
  HttpRequest r;
  r.query = "asset=%23AAPL_otc&limit=5&flag&limit=9";
  EXPECT_EQ(r.query_param("asset"), "#AAPL_otc");
  EXPECT_EQ(r.query_param("limit"), "5");
  EXPECT_EQ(r.query_param("flag"), "");
  EXPECT_FALSE(r.query_param("missing"));
}

TEST(HttpTypes, ErrorBodyCarriesCodeAndEscapedMessage) {
  const auto r = HttpResponse::error(400, ErrorCode::kInvalidAsset, "bad \"x\"");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":{"code":"invalid_asset","message":"bad \"x\""}})");
}

}  // namespace
}  // namespace quflx::net
