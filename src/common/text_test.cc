#include "common/text.h"

#include <gtest/gtest.h>

namespace quflx::text {
namespace {

TEST(Utf8, AcceptsValidTextOfEveryLength) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii, long enough for the eight-byte path"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9"));              // é
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC 1.08"));     // €
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x93\x88"));      // 📈
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF
}

TEST(Utf8, RejectsOverlongsSurrogatesTruncationAndStrayBytes) {
  for (const char* bad : {"\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80",
                          "\xF0\x80\x80\xAF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF",
                          "abc\xC3", "\xE2\x82", "0123456789\xE2\x28\xA1"}) {
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
  }
}

TEST(Base64, RoundTripsEveryRemainder) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    std::string enc, dec;
    base64_encode(s, enc);
    ASSERT_TRUE(base64_decode(enc, dec)) << enc;
    EXPECT_EQ(dec, s);
  }
  std::string enc;
  base64_encode(std::string("\x01\x02\x03", 3), enc);
  EXPECT_EQ(enc, "AQID");  // the Engine.IO spec's example
}

TEST(Base64, RejectsMalformedInput) {
  std::string out;
  for (const char* bad : {"A", "AQI", "A===", "AQ=D", "AQ==AQID", "AQ!D", "=AAA"}) {
    EXPECT_FALSE(base64_decode(bad, out)) << bad;
  }
}

TEST(Text, LowersAsciiOnly) {
  EXPECT_EQ(to_lower_ascii("Content-Type"), "content-type");
  EXPECT_EQ(to_lower_ascii("HTTP://LocalHost:3001"), "http://localhost:3001");
  EXPECT_EQ(to_lower_ascii("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // UTF-8 bytes untouched
}

}  // namespace
}  // namespace quflx::text
