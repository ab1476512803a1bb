#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace quflx {
namespace {

TEST(Crc32c, MatchesTheStandardCheckValue) {
  // The check value of CRC-32C (RFC 3720, appendix B.4 test vectors use the same polynomial).
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
  const std::string zeros(32, '\0');
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
}

TEST(Crc32c, CanBeComputedInPieces) {
  const std::string s = "the quick brown fox jumps over the lazy dog, twice over";
  const auto whole = crc32c(s.data(), s.size());
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    EXPECT_EQ(crc32c(s.data() + cut, s.size() - cut, crc32c(s.data(), cut)), whole) << cut;
  }
}

TEST(Crc32c, SeesASingleFlippedBit) {
  std::string s(1000, 'x');
  const auto before = crc32c(s.data(), s.size());
  s[500] ^= 0x10;
  EXPECT_NE(crc32c(s.data(), s.size()), before);
}

}  // namespace
}  // namespace quflx
