#pragma once
// CRC-32C (Castagnoli), as used by iSCSI, ext4 and most log formats: detects torn and corrupt
// records in the tick log. Uses the SSE4.2 instruction where the CPU has it.

#include <cstddef>
#include <cstdint>

namespace quflx {

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace quflx
