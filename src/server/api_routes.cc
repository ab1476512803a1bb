#include "server/api_routes.h"

#include <charconv>

#include "common/json_out.h"
#include "core/asset.h"
#include "protocol/market_json.h"
#include "server/history_service.h"
#include "store/redis/tick_log.h"

namespace quflx {
namespace {

using net::HttpRequest;
using net::HttpResponse;
using Awaitable = boost::asio::awaitable<HttpResponse>;

constexpr std::size_t kDefaultCandleLimit = 200;
constexpr std::size_t kMaxCandleLimit = 1000;

HttpResponse bad_request(const Error& e) { return HttpResponse::error(400, e.code, e.message); }

Result<std::string> asset_param(const HttpRequest& req) {
  auto asset = req.query_param("asset");
  if (!asset || asset->empty()) {
    return make_error(ErrorCode::kInvalidAsset, "query parameter 'asset' is required");
  }
  if (auto ok = validate_asset_name(*asset); !ok.ok()) return ok.error();
  return std::move(*asset);
}

Result<std::uint64_t> uint_param(const HttpRequest& req, std::string_view name,
                                 std::uint64_t fallback, std::uint64_t min, std::uint64_t max) {
  auto text = req.query_param(name);
  if (!text || text->empty()) return fallback;
  std::uint64_t v = 0;
  const char* end = text->data() + text->size();
  auto [p, ec] = std::from_chars(text->data(), end, v);
  if (ec != std::errc{} || p != end || v < min || v > max) {
    return make_error(ErrorCode::kBadPayload,
                      "query parameter '" + std::string(name) + "' must be a whole number from " +
                          std::to_string(min) + " to " + std::to_string(max));
  }
  return v;
}

Awaitable get_candles(const ApiRoutesDeps& deps, const HttpRequest& req) {
  auto asset = asset_param(req);
  if (!asset.ok()) co_return bad_request(asset.error());
  auto tf = validate_timeframe(req.query_param("timeframe").value_or("1m"));
  if (!tf.ok()) co_return bad_request(tf.error());
  auto limit = uint_param(req, "limit", kDefaultCandleLimit, 1, kMaxCandleLimit);
  if (!limit.ok()) co_return bad_request(limit.error());

  History h = co_await deps.history->load(*asset, *tf, *limit);
  std::string body = "{\"asset\":";
  json_out::append_string(body, *asset);
  body.append(",\"timeframe\":\"").append(to_string(*tf)).append("\",\"source\":\"");
  body.append(to_string(h.source)).append("\",\"candles\":[");
  for (std::size_t i = 0; i < h.candles.size(); ++i) {
    if (i) body.push_back(',');
    append_candle_json(body, *asset, *tf, h.candles[i]);
  }
  if (deps.forming) {
    if (auto bar = deps.forming(*asset, *tf);
        bar && (h.candles.empty() || bar->open_time_s > h.candles.back().open_time_s)) {
      if (!h.candles.empty()) body.push_back(',');
      bar->closed = false;
      append_candle_json(body, *asset, *tf, *bar);
    }
  }
  body.append("]}");
  co_return HttpResponse::json(200, std::move(body));
}

Awaitable get_ticks(const ApiRoutesDeps& deps, const HttpRequest& req) {
  auto asset = asset_param(req);
  if (!asset.ok()) co_return bad_request(asset.error());
  auto since = uint_param(req, "since_seq", 0, 0, UINT64_MAX - 1);
  if (!since.ok()) co_return bad_request(since.error());
  if (!deps.ticks) {
    co_return HttpResponse::error(503, ErrorCode::kUnavailable, "the server runs without Redis");
  }
  auto slice = co_await deps.ticks->read_after(*asset, *since);
  if (!slice.ok()) co_return HttpResponse::error(503, slice.error().code, slice.error().message);
  std::string body = "{\"asset\":";
  json_out::append_string(body, *asset);
  body.append(",\"since_seq\":");
  json_out::append_uint(body, *since);
  body.append(",\"latest_seq\":");
  json_out::append_uint(body, slice->newest_seq);
  body.append(",\"ticks\":[");
  for (std::size_t i = 0; i < slice->ticks.size(); ++i) {
    if (i) body.push_back(',');
    body.append(slice->ticks[i]);
  }
  body.append("],\"unavailable\":[");
  for (std::size_t i = 0; i < slice->unavailable.size(); ++i) {
    if (i) body.push_back(',');
    body.append("{\"from\":");
    json_out::append_uint(body, slice->unavailable[i].from);
    body.append(",\"to\":");
    json_out::append_uint(body, slice->unavailable[i].to);
    body.push_back('}');
  }
  body.append("]}");
  co_return HttpResponse::json(200, std::move(body));
}

}  // namespace

void register_api_routes(net::HttpServer& http, ApiRoutesDeps deps) {
  auto shared = std::make_shared<ApiRoutesDeps>(std::move(deps));
  http.route("GET", "/api/candles",
             [shared](const HttpRequest& req) { return get_candles(*shared, req); });
  http.route("GET", "/api/ticks",
             [shared](const HttpRequest& req) { return get_ticks(*shared, req); });
}

}  // namespace quflx
