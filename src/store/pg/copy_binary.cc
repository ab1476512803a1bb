#include "store/pg/copy_binary.h"

namespace quflx::pg {

void CopyBinaryWriter::reset() {
  static constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // 11 bytes with the NUL
  buf_.clear();
  buf_.append(kSignature, 11);
  put32(0);  // flags: no OIDs
  put32(0);  // header extension length
  rows_ = 0;
  finished_ = false;
}

std::string_view CopyBinaryWriter::finish() {
  if (!finished_) {
    put16(0xFFFF);  // trailer: field count -1
    finished_ = true;
  }
  return buf_;
}

}  // namespace quflx::pg
