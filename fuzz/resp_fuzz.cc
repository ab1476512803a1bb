// Replies from a Redis server, in arbitrary chunks: the reader must never crash, and every
// reply it returns must convert to a value.
#include <cstdint>

#include "store/redis/resp_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  quflx::redis::RespReader reader;
  std::size_t pos = 0;
  while (pos < size) {
    const std::size_t chunk = 1 + (data[pos] % 64);
    const std::size_t n = std::min(chunk, size - pos);
    if (!reader.feed(reinterpret_cast<const char*>(data + pos), n)) break;
    pos += n;
    while (auto r = reader.next()) {
      (void)quflx::redis::is_push(r.get());
      (void)quflx::redis::to_reply(r.get());
    }
    if (reader.failed()) break;
  }
  return 0;
}
