#pragma once
// Builds the input of `COPY ... FROM STDIN (FORMAT binary)`: PostgreSQL's binary copy format
// (signature, then per row a field count and length-prefixed big-endian fields, then a
// trailer). Binary spares the server from parsing numbers out of text, which is most of the
// cost of COPY for narrow rows like ticks. Pure: no I/O.
//
//   CopyBinaryWriter w;
//   w.begin_row(3); w.text("EURUSD_otc"); w.int8(42); w.float8(1.08231);
//   std::string_view data = w.finish();

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace quflx::pg {

static_assert(std::endian::native == std::endian::little, "byte swapping assumes little endian");

class CopyBinaryWriter {
 public:
  CopyBinaryWriter() { reset(); }

  // Starts over (keeps the capacity).
  void reset();
  void begin_row(std::uint16_t fields) {
    put16(fields);
    ++rows_;
  }
  void int8(std::int64_t v) {
    put32(8);
    put64(static_cast<std::uint64_t>(v));
  }
  void float8(double v) {
    put32(8);
    put64(std::bit_cast<std::uint64_t>(v));
  }
  void text(std::string_view s) {
    put32(static_cast<std::uint32_t>(s.size()));
    buf_.append(s);
  }
  void null() { put32(0xFFFFFFFFu); }

  std::size_t rows() const { return rows_; }
  // The complete input, trailer included; valid until the next reset().
  std::string_view finish();

 private:
  void put16(std::uint16_t v) {
    v = __builtin_bswap16(v);
    buf_.append(reinterpret_cast<const char*>(&v), 2);
  }
  void put32(std::uint32_t v) {
    v = __builtin_bswap32(v);
    buf_.append(reinterpret_cast<const char*>(&v), 4);
  }
  void put64(std::uint64_t v) {
    v = __builtin_bswap64(v);
    buf_.append(reinterpret_cast<const char*>(&v), 8);
  }

  std::string buf_;
  std::size_t rows_ = 0;
  bool finished_ = false;
};

}  // namespace quflx::pg
