#include "store/pg/copy_binary.h"

#include <gtest/gtest.h>

#include <string>

namespace quflx::pg {
namespace {

using namespace std::string_literals;

TEST(CopyBinaryWriter, WritesSignatureRowsAndTrailerInNetworkOrder) {
  CopyBinaryWriter w;
  w.begin_row(3);
  w.text("AB");
  w.int8(258);
  w.float8(1.0);
  const std::string expected =
      "PGCOPY\n\xff\r\n\0"s          // signature
      "\0\0\0\0"s "\0\0\0\0"s         // flags, header extension
      "\0\x03"s                       // three fields
      "\0\0\0\x02" "AB"s              // text
      "\0\0\0\x08" "\0\0\0\0\0\0\x01\x02"s  // int8 258
      "\0\0\0\x08" "\x3f\xf0\0\0\0\0\0\0"s  // float8 1.0
      "\xff\xff"s;                    // trailer
  EXPECT_EQ(std::string(w.finish()), expected);
  EXPECT_EQ(w.rows(), 1u);
}

TEST(CopyBinaryWriter, NullIsLengthMinusOneAndFinishIsIdempotent) {
  CopyBinaryWriter w;
  w.begin_row(1);
  w.null();
  const std::string once(w.finish());
  EXPECT_EQ(std::string(w.finish()), once);
  EXPECT_EQ(once.substr(19, 6), "\0\x01\xff\xff\xff\xff"s);
}

TEST(CopyBinaryWriter, ResetStartsAnEmptyInput) {
  CopyBinaryWriter w;
  w.begin_row(1);
  w.int8(-1);
  (void)w.finish();
  w.reset();
  EXPECT_EQ(w.rows(), 0u);
  EXPECT_EQ(std::string(w.finish()), "PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0\xff\xff"s);
}

}  // namespace
}  // namespace quflx::pg
