#pragma once
// The data routes of the HTTP API (SPEC §5):
//   GET /api/candles?asset=&timeframe=&limit=   {asset, timeframe, source, candles:[...]}
//       closed candles oldest first (at most `limit`, default 200), then the forming bar with
//       closed:false when the server knows it
//   GET /api/ticks?asset=&since_seq=            {asset, since_seq, latest_seq, ticks:[...],
//       unavailable:[{from,to}]}: the ticks after since_seq still held in ticks:{A}, oldest first
// Bad parameters answer 400 with {"error":{code,message}} and the code of the table.

#include <functional>
#include <optional>
#include <string_view>

#include "core/candle.h"
#include "net/http_server.h"

namespace quflx {

class HistoryService;
class TickLog;

struct ApiRoutesDeps {
  HistoryService* history = nullptr;
  TickLog* ticks = nullptr;  // null: /api/ticks answers 503 (no Redis)
  // The bar being formed for (asset, tf), if this server knows it.
  std::function<std::optional<Candle>(std::string_view asset, Timeframe tf)> forming;
};

void register_api_routes(net::HttpServer& http, ApiRoutesDeps deps);

}  // namespace quflx
