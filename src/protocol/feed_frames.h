#pragma once
// Decoders for the payloads that feeds carry (SPEC §2), shared by the ws, cdp and push feeds:
//
//   ticks (updateStream):   [["EURUSD_otc",1756869696.775,1.08231], ...]      every element
//   JSON ticks:             {"asset":..,"price":..,"timestamp":..} or an array of them
//   updateHistoryNewFast:   {"asset":..,"period":60,"history":[[t,price],..],
//                            "candles":[[t,open,close,high,low],..]}           (newest first)
//   loadHistoryPeriodFast:  {"asset":..,"period":60,"data":[{"time","open","close","high","low"}]}
//   updateCharts:           [{"settings":"{\"symbol\":\"EURUSD_otc\",..}"}] (or the object)
//
// Bad input is reported per element to a FrameSink (fault and detail) and skipped; every valid
// element of the same payload is still delivered. Timestamps are taken as written: seconds,
// milliseconds or microseconds by magnitude, exactly (from_unix_decimal), before any clock
// offset, which the pipeline applies. Pure functions; no I/O.

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "core/ingest.h"
#include "core/tick.h"

namespace quflx {

// Why a piece of feed input was skipped: the `reason` label of quflx_feed_input_errors_total.
#define QUFLX_FRAME_FAULTS(X)                                                                  \
  X(kMalformedFrame, "malformed_frame")         /* not a packet of the wire protocol */       \
  X(kBadJson, "bad_json")                       /* payload is not parseable JSON */           \
  X(kBadTick, "bad_tick")                       /* one tick element of the wrong shape */     \
  X(kBadAttachment, "bad_attachment")           /* binary attachment not decodable */         \
  X(kMissingAttachment, "missing_attachment")   /* header whose attachments never came */     \
  X(kUnexpectedAttachment, "unexpected_attachment") /* binary frame without a header */       \
  X(kBadHistory, "bad_history")                 /* history payload or element malformed */    \
  X(kBadChart, "bad_chart")                     /* updateCharts without a usable symbol */    \
  X(kTooLarge, "too_large")                     /* frame over the size limit */               \
  X(kBadRow, "bad_row")                         /* CSV row malformed */                       \
  X(kOutOfOrder, "out_of_order")                /* CSV row older than the previous one */

enum class FrameFault : std::uint8_t {
#define QUFLX_X(name, str) name,
  QUFLX_FRAME_FAULTS(QUFLX_X)
#undef QUFLX_X
};

inline constexpr std::size_t kFrameFaultCount = 0
#define QUFLX_X(name, str) +1
    QUFLX_FRAME_FAULTS(QUFLX_X)
#undef QUFLX_X
    ;

std::string_view to_string(FrameFault fault);

struct HistoryPayload {
  std::string_view event;  // "updateHistoryNewFast" / "loadHistoryPeriodFast"
  std::string_view asset;
  std::int64_t period_s = 0;
  std::vector<HistoryBar> candles;   // oldest first
  std::vector<HistoryPoint> ticks;   // oldest first
};

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // Every valid tick of one payload, in payload order. Views stay valid for the call only.
  virtual void on_ticks(std::span<const RawTick> ticks) = 0;
  virtual void on_history(const HistoryPayload& history) = 0;
  // The symbol the broker's chart shows (updateCharts), for detect_asset.
  virtual void on_active_asset(std::string_view asset) = 0;
  virtual void on_fault(FrameFault fault, std::string_view detail) = 0;
};

// Reused buffers for one decoder, so steady-state decoding does not allocate.
struct TickScratch {
  std::vector<RawTick> ticks;
  std::deque<std::string> unescaped;  // asset names that needed unescaping (deque: stable)
  void clear() {
    ticks.clear();
    unescaped.clear();
  }
};

// [["ASSET", time, price], ...] (a single ["ASSET", time, price] is accepted too).
void decode_stream_ticks(std::string_view json, TickScratch& scratch, FrameSink& sink);
// {"asset","price","timestamp"} or an array of them. `timestamp` may also be an ISO-8601
// string.
void decode_json_ticks(std::string_view json, TickScratch& scratch, FrameSink& sink);
// updateHistoryNewFast / loadHistoryPeriodFast payloads.
void decode_history(std::string_view event, std::string_view json, FrameSink& sink);
// updateCharts: reports the symbol of the (last) chart that names one.
void decode_update_charts(std::string_view json, FrameSink& sink);

}  // namespace quflx
