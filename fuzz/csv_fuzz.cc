// CSV tick and candle files: the first line is the header, the rest are rows.
#include <cstdint>
#include <string_view>

#include "common/check.h"
#include "protocol/csv_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)quflx::hints_from_file_name(input.substr(0, 64));
  const auto nl = input.find('\n');
  auto layout = quflx::parse_csv_header(input.substr(0, nl));
  if (!layout.ok() || nl == std::string_view::npos) return 0;
  input.remove_prefix(nl + 1);
  while (!input.empty()) {
    const auto end = input.find('\n');
    const auto line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view{} : input.substr(end + 1);
    if (layout->kind == quflx::CsvKind::kTicks) {
      auto r = quflx::parse_csv_tick_row(*layout, line);
      if (!r.ok()) QUFLX_CHECK(!r.error().message.empty(), "error without message");
    } else {
      auto r = quflx::parse_csv_candle_row(*layout, line);
      if (!r.ok()) QUFLX_CHECK(!r.error().message.empty(), "error without message");
    }
  }
  return 0;
}
